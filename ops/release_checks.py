"""The checks a release runs against a deploy: before it goes live (its unique draft URL) and once
it is live (the site's URL), the same ones, so "passed the smoke test" and "healthy live" mean one thing.

They come from the stack's `delivery` section: every `smoke_paths` entry answers 200 with the
security headers of the rendered `_headers` (the probe's header-drift check), and `health_path`, when
set, answers healthy JSON. SSL expiry is left to monitoring: a deploy does not change the certificate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from components.config import CheckConfig, StackConfig
from ops.probe_checks import Result, run_checks


def _slug(path: str) -> str:
    """A check name for `path` (`/` is `root`, `/app/login` is `app-login`)."""
    return "-".join(part for part in re.split(r"[^a-z0-9]+", path.lower()) if part) or "root"


def release_checks(cfg: StackConfig, base_url: str) -> list[CheckConfig]:
    """Uptime and headers on each of `delivery.smoke_paths`, then health on `delivery.health_path`, at `base_url`."""
    delivery, base = cfg.delivery, base_url.rstrip("/")
    checks = [
        CheckConfig(name=f"{kind}-{_slug(path)}", kind=kind, url=f"{base}{path}", severity="critical")
        for path in delivery.smoke_paths
        for kind in ("uptime", "headers")
    ]
    if delivery.health_path is not None:
        checks.append(CheckConfig(name="health", kind="health", url=f"{base}{delivery.health_path}", severity="critical"))
    return checks


def run_release_checks(cfg: StackConfig, base_url: str, supabase_url: str | None, timeout: float) -> list[Result]:
    """Run the release checks against `base_url`, concurrently, each request at most `timeout` seconds."""
    return run_checks(release_checks(cfg, base_url), cfg.headers, supabase_url, timeout)


def failures(results: Sequence[Result]) -> list[Result]:
    """Every failed check, whatever its monitoring severity: a release is all or nothing."""
    return [r for r in results if r.status == "fail"]


def summary(results: Sequence[Result]) -> str:
    """`name: detail; ...` of the failed checks (or of all, when none failed)."""
    shown = failures(results) or list(results)
    return "; ".join(f"{r.name} ({r.url}): {r.detail}" for r in shown)
