"""Security headers: the typed `headers` config rendered to a Netlify `_headers` file.

Netlify has no API for custom response headers; they ship with the site's content. So the file is
rendered here (a pure function, testable with the real MDN Observatory and CSP evaluator) and
committed to the app repo, where the next deploy serves it. The same rendering tells the monitoring
probe which headers `/` must serve, so drift is measured against exactly what was committed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import pulumi
import pulumi_github as github

from components.config import HeadersConfig, StackConfig
from components.errors import ComponentError

ALL_PATHS = "/*"
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
# Permissions-Policy allowlist members written bare; anything else is an origin, quoted.
_BARE_ALLOWLIST = frozenset({"self", "*", "src"})


@dataclass(frozen=True)
class HeaderRule:
    """One block of a `_headers` file: a Netlify path pattern and the headers it adds."""

    path: str
    headers: tuple[tuple[str, str], ...]

    def matches(self, path: str) -> bool:
        """Netlify's matching: `*` is a splat (any rest, including `/`), `:name` one segment."""
        pattern = "".join(
            ".*" if part == "*" else "[^/]+" if part.startswith(":") else re.escape(part)
            for part in re.split(r"(\*|:[A-Za-z_]\w*)", self.path)
            if part
        )
        return re.fullmatch(pattern, path) is not None


def supabase_origins(url: str | None) -> list[str]:
    """`https://<ref>.supabase.co` → its HTTPS origin (REST, Auth, Storage) and WSS origin (Realtime)."""
    if url is None:
        return []
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = urlsplit("")
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/") or parts.query or parts.username:
        raise ComponentError(f"headers: Supabase URL '{url}' must be an https:// origin such as https://<ref>.supabase.co")
    host = parts.netloc.lower()
    return [f"https://{host}", f"wss://{host}"]


def csp_directives(cfg: HeadersConfig, supabase_url: str | None) -> dict[str, list[str]]:
    """The configured directives with the Supabase origins appended to `connect-src`.

    `connect-src` is created (from `default-src`, which it would otherwise inherit) when the
    config omits it, so adding Supabase never loosens or tightens anything else.
    """
    directives = {name: list(sources) for name, sources in cfg.csp.items()}
    extra = supabase_origins(supabase_url)
    if extra:
        connect = directives.setdefault("connect-src", list(directives.get("default-src", ["'self'"])))
        connect += [origin for origin in extra if origin not in connect]
    return directives


def content_security_policy(cfg: HeadersConfig, supabase_url: str | None) -> str:
    return "; ".join(
        " ".join([name, *sources]) for name, sources in csp_directives(cfg, supabase_url).items()
    )


def permissions_policy(policy: Mapping[str, Sequence[str]]) -> str:
    """`camera: [self]` → `camera=(self)`; an empty list disables the feature: `geolocation=()`."""
    def member(value: str) -> str:
        return value if value in _BARE_ALLOWLIST else f'"{value}"'

    return ", ".join(f"{feature}=({' '.join(member(v) for v in allow)})" for feature, allow in policy.items())


def strict_transport_security(cfg: HeadersConfig) -> str | None:
    if cfg.hsts_max_age <= 0:
        return None
    value = f"max-age={cfg.hsts_max_age}"
    if cfg.hsts_include_subdomains:
        value += "; includeSubDomains"
    if cfg.hsts_preload:
        value += "; preload"
    return value


def security_headers(cfg: HeadersConfig, supabase_url: str | None) -> dict[str, str]:
    """The headers every path gets (the `/*` rule), in a stable order."""
    candidates: list[tuple[str, str | None]] = [
        ("Content-Security-Policy", content_security_policy(cfg, supabase_url) if cfg.csp else None),
        ("Strict-Transport-Security", strict_transport_security(cfg)),
        ("X-Content-Type-Options", "nosniff" if cfg.content_type_nosniff else None),
        ("X-Frame-Options", cfg.frame_options),
        ("Referrer-Policy", cfg.referrer_policy),
        ("Permissions-Policy", permissions_policy(cfg.permissions_policy) if cfg.permissions_policy else None),
        ("Cross-Origin-Opener-Policy", cfg.cross_origin_opener_policy),
        ("Cross-Origin-Resource-Policy", cfg.cross_origin_resource_policy),
    ]
    return {name: value for name, value in candidates if value}


def rules(cfg: HeadersConfig, supabase_url: str | None) -> list[HeaderRule]:
    """Security headers on every path, long immutable caching for hashed assets, no-cache for the HTML shell."""
    out = [HeaderRule(ALL_PATHS, tuple(security_headers(cfg, supabase_url).items()))]
    out += [HeaderRule(path, (("Cache-Control", IMMUTABLE),)) for path in cfg.immutable_paths]
    out += [HeaderRule(path, (("Cache-Control", NO_CACHE),)) for path in cfg.no_cache_paths]
    return out


def render(cfg: HeadersConfig, supabase_url: str | None = None) -> str:
    """The `_headers` file text (Netlify format: a path line, then indented `Name: value` lines)."""
    blocks = [
        "\n".join([rule.path, *(f"  {name}: {value}" for name, value in rule.headers)])
        for rule in rules(cfg, supabase_url)
    ]
    header = "# Generated by maintainpro-platform (components/headers.py). Do not edit: changes are overwritten.\n"
    return header + "\n\n".join(blocks) + "\n"


def headers_for(cfg: HeadersConfig, supabase_url: str | None, path: str = "/") -> dict[str, str]:
    """What Netlify serves on `path` from this file: every matching rule's headers (later rules win)."""
    served: dict[str, str] = {}
    for rule in rules(cfg, supabase_url):
        if rule.matches(path):
            served.update(rule.headers)
    return served


@dataclass(frozen=True)
class SecurityHeadersArgs:
    headers: HeadersConfig
    stack: str
    repository: str
    branch: str
    path: str
    supabase_url: pulumi.Input[str] | None = None
    # Resources the commit waits for: the stack's default-branch ruleset, whose bypass list lets the
    # deploying GitHub App push past it (without the dependency the first `up` races it).
    commit_after: tuple[pulumi.Resource, ...] = ()

    @classmethod
    def from_stack(
        cls, cfg: StackConfig, *, supabase_url: pulumi.Input[str] | None = None,
        commit_after: tuple[pulumi.Resource, ...] = (),
    ) -> SecurityHeadersArgs:
        return cls(
            headers=cfg.headers,
            stack=cfg.environment,
            repository=cfg.github.app_repo,
            # Every branch's build copies this stack's file (see build_command), so it lives on the
            # default branch; its path names the stack, so the two stacks never overwrite each other.
            branch=cfg.github.default_branch,
            path=cfg.headers_path,
            supabase_url=supabase_url,
            commit_after=commit_after,
        )


class SecurityHeaders(pulumi.ComponentResource):
    """The app repo's `_headers` file, kept equal to the rendering of the stack's `headers` config."""

    def __init__(self, name: str, args: SecurityHeadersArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:headers:SecurityHeaders", name, None, opts)
        content: pulumi.Input[str]
        if args.supabase_url is None:
            content = render(args.headers)
        else:
            content = pulumi.Output.from_input(args.supabase_url).apply(lambda url: render(args.headers, url))
        self.file = github.RepositoryFile(
            f"{name}-file",
            repository=args.repository,
            file=args.path,
            branch=args.branch,
            content=content,
            commit_message=f"chore(headers): security headers for the {args.stack} stack (maintainpro-platform)",
            overwrite_on_create=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.commit_after)),
        )
        self.path = args.path
        self.content = pulumi.Output.from_input(content)
        self.register_outputs({"path": self.path, "content": self.content})
