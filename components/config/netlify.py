"""The Netlify site's section and the security headers it serves."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from components.config.types import DeployContext, EnvKey, Hostname, Slug, Strict

# Netlify's variable scopes, and the deploy contexts a generated secret may apply to.
EnvScope = Literal["builds", "functions", "runtime", "post-processing"]
SecretContext = Literal["production", "branch-deploy", "deploy-preview"]


class EnvVarConfig(Strict):
    """One plain site environment variable: a value per deploy context, optionally per branch.

    A stack file holds no secret values: secret env vars are generated secrets delivered through
    `secrets.<name>.consumers.netlify_env`.
    """

    values: dict[DeployContext, str] = Field(default_factory=dict)
    branch_values: dict[str, str] = Field(default_factory=dict)
    scopes: list[EnvScope] = Field(default_factory=lambda: list[EnvScope](["builds"]), min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _no_secret_values(cls, data: Any) -> Any:
        if isinstance(data, dict) and "secret" in data:
            raise ValueError(
                "a stack file holds no secret values: generate it under `secrets:` and deliver it with "
                "`consumers.netlify_env`"
            )
        return data


class BranchDeploysConfig(Strict):
    enabled: bool = False
    branches: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(default_factory=list)


class BuildHookConfig(Strict):
    title: Annotated[str, Field(min_length=1, max_length=100)]
    branch: Annotated[str, Field(min_length=1)]


class NetlifyConfig(Strict):
    team_slug: Slug
    site_name: Slug
    production_branch: str = "main"
    build_command: Annotated[str, Field(min_length=1)] = "npm run build"
    publish_dir: Annotated[str, Field(min_length=1)] = "dist"
    custom_domain: Hostname | None = None
    domain_aliases: list[Hostname] = Field(default_factory=list)
    manage_dns: bool = True
    # The Netlify DNS zone (registrable domain) holding custom_domain and its aliases; required
    # when manage_dns is on, since a subdomain alone does not say where the zone apex is.
    dns_zone: Hostname | None = None
    caa_issuers: list[Hostname] = Field(default_factory=lambda: ["letsencrypt.org"])
    force_ssl: bool = True
    pretty_urls: bool = True
    # false: Netlify builds no pull request (the site's build_settings.skip_prs).
    deploy_previews: bool = True
    # The deploy contexts generated secrets delivered as Netlify env vars apply to. Deploy
    # previews build pull-request code (forks included), so `deploy-preview` is refused while
    # deploy_previews is on; `all` never: Netlify wants secret values in explicit contexts.
    secret_contexts: list[SecretContext] = Field(
        default_factory=lambda: list[SecretContext](["production", "branch-deploy"]), min_length=1
    )
    branch_deploys: BranchDeploysConfig = Field(default_factory=BranchDeploysConfig)
    build_hooks: list[BuildHookConfig] = Field(default_factory=list)
    env: dict[EnvKey, EnvVarConfig] = Field(default_factory=dict)
    # Also deliver the publishable key as VITE_SUPABASE_ANON_KEY, for an app that still reads that
    # name (VITE_SUPABASE_PUBLISHABLE_KEY is always set); turn off once the app reads the new name.
    legacy_anon_key_env: bool = False


# ---------------------------------------------------------------- security headers

CspDirective = Literal[
    "default-src", "script-src", "style-src", "img-src", "font-src", "connect-src", "media-src",
    "object-src", "frame-src", "worker-src", "manifest-src", "child-src", "form-action",
    "frame-ancestors", "base-uri", "upgrade-insecure-requests", "report-uri", "report-to",
]


# One CSP source expression or Permissions-Policy member: a separator inside would split the header.
CspSource = Annotated[str, Field(pattern=r"^[^\s;,]+$")]
AllowlistMember = Annotated[str, Field(pattern=r"^(self|src|\*|https://[^\s\"(),;]+)$")]


class HeadersConfig(Strict):
    """The security headers the site serves; `connect-src` gains the stack's Supabase URL."""

    # In the app repo, copied into the publish dir by the build; default deploy/headers/<stack>/_headers.
    path: Annotated[str, Field(pattern=r"^[^/\s][^\s]*$")] | None = None
    csp: dict[CspDirective, list[CspSource]]
    hsts_max_age: Annotated[int, Field(ge=0)] = 63072000
    hsts_include_subdomains: bool = True
    hsts_preload: bool = False
    frame_options: Literal["DENY", "SAMEORIGIN"] | None = "DENY"
    content_type_nosniff: bool = True
    referrer_policy: Literal[
        "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
        "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
    ] | None = "strict-origin-when-cross-origin"
    permissions_policy: dict[Annotated[str, Field(pattern=r"^[a-z-]+$")], list[AllowlistMember]] = Field(
        default_factory=dict
    )
    cross_origin_opener_policy: Literal["same-origin", "same-origin-allow-popups", "unsafe-none"] | None = "same-origin"
    cross_origin_resource_policy: Literal["same-origin", "same-site", "cross-origin"] | None = "same-origin"
    immutable_paths: list[Annotated[str, Field(pattern=r"^/[^\s]*$")]] = Field(default_factory=lambda: ["/assets/*"])
    no_cache_paths: list[Annotated[str, Field(pattern=r"^/[^\s]*$")]] = Field(
        default_factory=lambda: ["/", "/index.html"]
    )

    @model_validator(mode="after")
    def _preload_is_eligible(self) -> HeadersConfig:
        # hstspreload.org refuses (and browsers ignore) `preload` without these two.
        if self.hsts_preload and (not self.hsts_include_subdomains or self.hsts_max_age < 31536000):
            raise ValueError("hsts_preload needs hsts_include_subdomains and hsts_max_age >= 31536000")
        both = sorted(set(self.immutable_paths) & set(self.no_cache_paths))
        if both:
            raise ValueError(f"{', '.join(both)} cannot be both immutable and no-cache (Netlify would send both)")
        return self
