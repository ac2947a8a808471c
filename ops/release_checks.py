"""The checks a release runs against a deploy: before it goes live (its unique draft URL) and once
it is live (the site's URL), the same ones, so "passed the smoke test" and "healthy live" mean one thing.

They are the stack's own monitoring checks of the site (`ops probe` runs them every few minutes):
uptime, header drift against the rendered `_headers`, and health, moved onto the URL under test
(same path and expected status). SSL expiry is left to monitoring: a deploy does not change the
certificate. A stack whose monitoring checks nothing on the site gets `DEFAULT_CHECKS`.

TODO(delivery): take the smoke paths and the health endpoint from `cfg.delivery.*` once the
`delivery` config section exists; `release_checks` is the one place to switch.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from components.config import CheckConfig, StackConfig
from ops.probe_checks import Result, run_checks

RELEASE_KINDS = ("uptime", "headers", "health")
# Where any template's host is replaced by the URL under test.
_ANYWHERE = "https://release.invalid"
DEFAULT_CHECKS = (
    CheckConfig(name="smoke-uptime", kind="uptime", url=f"{_ANYWHERE}/"),
    CheckConfig(name="smoke-headers", kind="headers", url=f"{_ANYWHERE}/"),
)


def site_hosts(cfg: StackConfig) -> set[str]:
    """The names the stack's site answers to: custom domain, aliases and its netlify.app name."""
    names = [cfg.netlify.custom_domain, *cfg.netlify.domain_aliases, f"{cfg.netlify.site_name}.netlify.app"]
    return {name.lower() for name in names if name}


def release_checks(cfg: StackConfig) -> list[CheckConfig]:
    """The stack's monitoring checks of its own site that a release can run, else `DEFAULT_CHECKS`."""
    hosts = site_hosts(cfg)
    own = [c for c in cfg.monitoring.checks if c.kind in RELEASE_KINDS and (urlsplit(c.url).hostname or "") in hosts]
    return own or list(DEFAULT_CHECKS)


def checks_at(base_url: str, checks: Sequence[CheckConfig]) -> list[CheckConfig]:
    """`checks` with each URL's scheme and host replaced by `base_url`'s (path and query kept)."""
    moved = []
    for check in checks:
        parts = urlsplit(check.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        moved.append(CheckConfig.model_validate(check.model_dump() | {"url": base_url.rstrip("/") + path}))
    return moved


def run_release_checks(cfg: StackConfig, base_url: str, supabase_url: str | None, timeout: float) -> list[Result]:
    """Run the release checks against `base_url`, concurrently, each request at most `timeout` seconds."""
    return run_checks(checks_at(base_url, release_checks(cfg)), cfg.headers, supabase_url, timeout)


def failures(results: Sequence[Result]) -> list[Result]:
    """Every failed check, whatever its monitoring severity: a release is all or nothing."""
    return [r for r in results if r.status == "fail"]


def summary(results: Sequence[Result]) -> str:
    """`name: detail; ...` of the failed checks (or of all, when none failed)."""
    shown = failures(results) or list(results)
    return "; ".join(f"{r.name} ({r.url}): {r.detail}" for r in shown)
