"""The whole configuration of one stack, as one strict pydantic model.

A stack file is validated before any resource is registered: every problem is reported with its
key path (`netlify.custom_domain: ...`) so a bad stack fails fast and completely, never halfway
through an update. API tokens are deliberately not part of the model: they are secret config or
environment variables, and a plaintext token in a stack file is itself an error.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from policies.headers.csp_judgment import judge as judge_csp

PROJECT = "maintainpro-platform"
STACKS = ("staging", "production")
# The stack that declares repository-level GitHub settings (security features, dependabot.yml): a
# repository has one of each, shared by both stacks, so exactly one stack may own them.
SECURITY_OWNER = "production"
MAX_PRODUCTION_ROTATION_DAYS = 90
# The retention policy's production minimum (policies/config/production.json `minRetentionDays`).
MIN_PRODUCTION_RETENTION_DAYS = 365
# Who changed what, approved by whom, did policy pass: answerable for a year (ops audit-trail).
MIN_PRODUCTION_AUDIT_RETENTION_DAYS = 365
# The CSP policy's production allow-list (policies/config/production.json `allowedScriptHosts` of
# netlify-headers-csp-no-unsafe-script): host wildcards production may load scripts from.
PRODUCTION_ALLOWED_SCRIPT_HOSTS: tuple[str, ...] = ()
# An STS role session lasts at most 12 hours (IAM `MaxSessionDuration` 1-12 h; configure-aws-credentials'
# `role-duration-seconds` 900-43200): the backup jobs' timeouts, which their sessions cover, fit in it.
MAX_AWS_SESSION_MINUTES = 12 * 60
# GitHub-hosted runner images (ubuntu-24.04, windows-latest, macos-14-large ...): their egress address changes.
GITHUB_HOSTED_LABEL = re.compile(r"^(ubuntu|windows|macos)-(latest|\d+(\.\d+)?)(-[a-z0-9]+)*$")

# Credentials: allowed only as secret config, never as plain values in a stack file.
CREDENTIAL_KEYS = frozenset(
    {
        f"{PROJECT}:netlifyToken",
        f"{PROJECT}:supabaseAccessToken",
        "github:token",
        "github:appAuth",  # {id, installationId, pemFile}: the App's private key
        "aws:accessKey",
        "aws:secretKey",
        "aws:token",
    }
)
# Provider namespaces whose own settings may sit in a stack file beside ours.
PROVIDER_NAMESPACES = frozenset({"github", "aws"})

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
_SLUG = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
_ENV_KEY = r"^[A-Z][A-Z0-9_]*$"
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))

Slug = Annotated[str, Field(pattern=_SLUG, max_length=63)]
EnvKey = Annotated[str, Field(pattern=_ENV_KEY, max_length=128)]
SecretName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=64)]
Severity = Literal["critical", "warning", "info"]
DeployContext = Literal["production", "deploy-preview", "branch-deploy", "dev", "all"]


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _hostname(value: str) -> str:
    if not _HOSTNAME.match(value):
        raise ValueError(f"'{value}' is not a valid lower-case DNS hostname")
    return value




def _cron(value: str) -> str:
    fields = value.split()
    if len(fields) != 5:
        raise ValueError(f"'{value}' is not a 5-field cron expression (minute hour day month weekday)")
    for text, (low, high), name in zip(fields, _CRON_RANGES, ("minute", "hour", "day", "month", "weekday"), strict=True):
        if not _CRON_FIELD.match(text):
            raise ValueError(f"cron {name} field '{text}' is not valid")
        for number in map(int, re.findall(r"\d+", text.split("/")[0])):
            if not low <= number <= high:
                raise ValueError(f"cron {name} field '{text}': {number} is outside {low}-{high}")
    return value


Hostname = Annotated[str, Field(max_length=253), AfterValidator(_hostname)]
RunnerLabel = Annotated[str, Field(pattern=r"^[^\s,]+$", max_length=100)]


def _ip_network(value: Any) -> Any:
    """An IPv4 or IPv6 network in CIDR form (host bits unset), with ipaddress's own reason when not."""
    if isinstance(value, str):
        try:
            return ipaddress.ip_network(value)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
    return value


IpNetwork = Annotated[ipaddress.IPv4Network | ipaddress.IPv6Network, BeforeValidator(_ip_network)]
Cron = Annotated[str, AfterValidator(_cron)]


# ---------------------------------------------------------------- Netlify


class EnvVarConfig(Strict):
    """One plain site environment variable: a value per deploy context, optionally per branch.

    A stack file holds no secret values: secret env vars are generated secrets delivered through
    `secrets.<name>.consumers.netlify_env`.
    """

    values: dict[DeployContext, str] = Field(default_factory=dict)
    branch_values: dict[str, str] = Field(default_factory=dict)
    scopes: list[Literal["builds", "functions", "runtime", "post-processing"]] = Field(
        default_factory=lambda: ["builds"], min_length=1
    )

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
    secret_contexts: list[Literal["production", "branch-deploy", "deploy-preview"]] = Field(
        default_factory=lambda: ["production", "branch-deploy"], min_length=1
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


# ---------------------------------------------------------------- Supabase


class AuthConfig(Strict):
    site_url: Annotated[str, Field(pattern=r"^https?://[^,\s]+$")]
    redirect_urls: list[Annotated[str, Field(pattern=r"^https?://[^,\s]+$")]] = Field(default_factory=list)
    jwt_expiry_seconds: Annotated[int, Field(ge=300, le=604800)] = 3600
    disable_signup: bool = True
    mfa_totp: bool = True
    password_min_length: Annotated[int, Field(ge=6, le=128)] = 12
    password_hibp: bool = True
    rate_limit_email_sent: Annotated[int, Field(ge=1)] = 30
    rate_limit_token_refresh: Annotated[int, Field(ge=1)] = 150
    rate_limit_verify: Annotated[int, Field(ge=1)] = 30


class PostgrestConfig(Strict):
    schemas: list[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]] = Field(
        default_factory=lambda: ["public"], min_length=1
    )
    max_rows: Annotated[int, Field(ge=1, le=1_000_000)] = 1000


class PoolerConfig(Strict):
    """Checked against the pinned Management API spec (its enums and limits), not literals here."""

    pool_mode: str = "transaction"
    default_pool_size: int | None = None


# A Supabase secret key's consumer name: `<stack>_<name>_<YYYYMMDD>` must fit the API's 64-character key names.
ApiKeyName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=32)]


class SecretApiKeyConfig(Strict):
    """One consumer's secret API key (`sb_secret_...`): it bypasses row-level security, so it rotates."""

    rotation_days: Annotated[int, Field(ge=1, le=365)]
    consumers: SecretConsumers = Field(default_factory=lambda: SecretConsumers())


class SecretApiKeysConfig(Strict):
    """Secret API keys, one per consumer; the previous key of each lives `grace_hours` after its successor."""

    grace_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 24
    keys: dict[ApiKeyName, SecretApiKeyConfig] = Field(default_factory=dict)


class SupabaseConfig(Strict):
    organization_slug: Annotated[str, Field(pattern=r"^[\w-]+$")]
    project_name: Annotated[str, Field(min_length=1, max_length=256)]
    region: Annotated[str, Field(pattern=r"^[a-z]{2}-[a-z]+-\d$")]
    instance_size: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")] | None = None
    auth: AuthConfig
    postgrest: PostgrestConfig = Field(default_factory=PostgrestConfig)
    ssl_enforced: bool = True
    # Networks that may reach the database by any route, direct or pooled. Both empty: unrestricted
    # (0.0.0.0/0 and ::/0); once one family is listed, the other's empty list admits none of it.
    allowed_cidrs: list[ipaddress.IPv4Network] = Field(default_factory=list)
    allowed_cidrs_v6: list[ipaddress.IPv6Network] = Field(default_factory=list)
    pooler: PoolerConfig = Field(default_factory=PoolerConfig)
    custom_hostname: Hostname | None = None
    health_timeout_minutes: Annotated[int, Field(ge=1, le=120)] = 20
    allow_destroy: bool = False
    secret_keys: SecretApiKeysConfig = Field(default_factory=SecretApiKeysConfig)
    # The JWT-based anon / service_role keys: "disabled" switches them off once every consumer of the
    # new keys was updated (production must); "enabled" leaves the switch unmanaged.
    legacy_api_keys: Literal["enabled", "disabled"] = "enabled"


# ---------------------------------------------------------------- GitHub


class Reviewer(Strict):
    """A required reviewer; GitHub's API wants the numeric id, people read the name."""

    type: Literal["team", "user"]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    id: Annotated[int, Field(gt=0)]


class EnvironmentConfig(Strict):
    reviewers: list[Reviewer] = Field(default_factory=list, max_length=6)
    prevent_self_review: bool = True
    wait_timer_minutes: Annotated[int, Field(ge=0, le=43200)] = 0
    protected_branches_only: bool = False
    # GitHub lets repository admins skip the reviewers and wait timer unless this is off.
    admins_bypass: bool = False
    branch_patterns: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    tag_patterns: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_branch_policy(self) -> EnvironmentConfig:
        # GitHub's deployment branch policy is either protected branches or custom patterns.
        if self.protected_branches_only and (self.branch_patterns or self.tag_patterns):
            raise ValueError("protected_branches_only cannot be combined with branch_patterns/tag_patterns")
        return self


class BypassActor(Strict):
    """Who may push past the ruleset: the identity Pulumi runs as must be one, or its commits of
    generated files (headers, workflows) to the default branch are rejected."""

    type: Literal["Integration", "OrganizationAdmin", "RepositoryRole", "Team", "DeployKey"]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    id: Annotated[int, Field(gt=0)] | None = None
    mode: Literal["always", "pull_request"] = "always"


class RulesetConfig(Strict):
    enabled: bool = True
    bypass_actors: list[BypassActor] = Field(default_factory=list)
    required_approvals: Annotated[int, Field(ge=0, le=10)] = 1
    dismiss_stale_reviews: bool = True
    require_code_owner_review: bool = False
    required_checks: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    block_force_push: bool = True
    block_deletion: bool = True


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Visibility = Literal["public", "private", "internal"]


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not an IANA time zone (e.g. Europe/Berlin, Etc/UTC)") from None
    return value


class DependabotConfig(Strict):
    """What the generated `.github/dependabot.yml` files ask of Dependabot version updates.

    Security updates are a repository setting (`dependabot_security_updates`), not part of the file.
    """

    interval: Literal["daily", "weekly", "monthly"] = "weekly"
    day: Weekday = "monday"  # weekly only
    time: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "05:00"
    timezone: Annotated[str, AfterValidator(_timezone)] = "Etc/UTC"
    # Dependabot's own default is 5; 0 turns version updates off (security updates still come).
    open_pull_requests_limit: Annotated[int, Field(ge=0, le=50)] = 5
    # One pull request per ecosystem for every minor and patch update instead of one per package.
    group_minor_and_patch: bool = True


class RepositorySecurityConfig(Strict):
    """GitHub's security features on the app repo and this repository (components/repo_security.py).

    Repository-level, so one stack declares them: production (both stacks share the repositories).
    Each feature is on by default; the production policy `github-repository-require-security-features`
    fails a preview with any of them off.
    """

    vulnerability_alerts: bool = True
    dependabot_security_updates: bool = True
    secret_scanning: bool = True
    push_protection: bool = True
    # Secret scanning on a private/internal repository needs a licence: `secret-protection` (GitHub
    # Secret Protection, sold on its own) sends no `advanced_security`, which errors under split
    # licensing; `advanced-security` (the bundled GitHub Advanced Security) turns it on per repo.
    # A public repository has both for free and refuses `advanced_security` (422).
    licensing: Literal["secret-protection", "advanced-security"] = "secret-protection"
    app_repo_visibility: Visibility = "private"
    platform_repo_visibility: Visibility = "private"
    dependabot: DependabotConfig = Field(default_factory=DependabotConfig)

    @model_validator(mode="after")
    def _dependencies(self) -> RepositorySecurityConfig:
        # Push protection is a secret scanning feature; security updates act on vulnerability alerts.
        if self.push_protection and not self.secret_scanning:
            raise ValueError("push_protection needs secret_scanning (push protection is part of secret scanning)")
        if self.dependabot_security_updates and not self.vulnerability_alerts:
            raise ValueError("dependabot_security_updates needs vulnerability_alerts (security updates fix what the alerts find)")
        return self


class GitHubConfig(Strict):
    owner: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$")]
    app_repo: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,100}$")]
    default_branch: Annotated[str, Field(min_length=1)] = "main"
    environment: EnvironmentConfig = Field(default_factory=EnvironmentConfig)
    ruleset: RulesetConfig = Field(default_factory=RulesetConfig)
    variables: dict[EnvKey, str] = Field(default_factory=dict)
    security: RepositorySecurityConfig = Field(default_factory=RepositorySecurityConfig)


# ---------------------------------------------------------------- secrets


class SecretConsumers(Strict):
    """Where a generated secret is delivered, besides the component that owns it."""

    github_secrets: list[EnvKey] = Field(default_factory=list)
    netlify_env: list[EnvKey] = Field(default_factory=list)
    supabase_secrets: list[EnvKey] = Field(default_factory=list)


class SecretConfig(Strict):
    rotation_days: Annotated[int, Field(ge=1, le=365)]
    length: Annotated[int, Field(ge=16, le=128)] = 32
    special: bool = False
    consumers: SecretConsumers = Field(default_factory=SecretConsumers)


# ---------------------------------------------------------------- backups and monitoring


class RetentionConfig(Strict):
    """Grandfather-father-son: how many daily, weekly and monthly backups to keep."""

    daily: Annotated[int, Field(ge=1, le=366)] = 7
    weekly: Annotated[int, Field(ge=0, le=260)] = 4
    monthly: Annotated[int, Field(ge=0, le=120)] = 12


class BackupsConfig(Strict):
    """Off-site backups (components/backups.py, ops/backup/).

    `minimum_retention_days` is the age below which no backup version is ever gone for good:
    the object-lock default retention when `object_lock` is on, and how long a pruned
    (noncurrent) version stays. `transition_days` moves backups to STANDARD_IA, which S3 allows
    from day 30 on. `audit_retention_days` is how long each CI run's audit trail under `audit/`
    (ops/audit_trail.py) is locked and kept.
    """

    enabled: bool = True
    schedule: Cron = "17 3 * * *"
    restore_drill_schedule: Cron = "47 4 * * 1"
    bucket_name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    aws_region: Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    minimum_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    transition_days: Annotated[int, Field(ge=30)] = 30
    object_lock: bool = False
    object_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    audit_retention_days: Annotated[int, Field(ge=1, le=3650)] = 365
    rto_minutes: Annotated[int, Field(ge=1, le=1440)] = 15
    schemas: list[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]] = Field(
        default_factory=lambda: ["public"], min_length=1
    )
    postgres_major: Annotated[int, Field(ge=13, le=18)] = 17
    ops_repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,100}$")] = "maintainpro-platform"
    ops_ref: Annotated[str, Field(min_length=1, max_length=255)] = "main"
    # The AWS account the bucket and role live in (quoted: 12 digits). The role trusts the account's
    # GitHub OIDC provider, whose ARN follows from it; the bucket's provider refuses any other account.
    aws_account_id: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    # GitHub's OIDC provider is one per AWS account. Where Pulumi itself logs in through it (deploy.yml's
    # configure-aws-credentials), it exists before any stack runs and no stack creates it; a stack alone
    # in an account Pulumi reaches otherwise (a profile) may create it. Everyone trusts it by its ARN.
    create_github_oidc_provider: bool = False
    # Where the backup job runs: a GitHub-hosted runner unless set. Network restrictions hold for the
    # pooler too, so with `supabase.allowed_cidrs` set it must be a self-hosted or static-egress
    # (larger) runner label, or list of labels, whose egress networks are `runner_egress_cidrs`.
    runner: RunnerLabel | Annotated[list[RunnerLabel], Field(min_length=1)] | None = None
    runner_egress_cidrs: list[IpNetwork] = Field(default_factory=list)
    # Each job's `timeout-minutes`; its AWS session lasts as long, and the role allows the longest
    # (an STS session is at most 12 hours, so neither may be longer).
    backup_timeout_minutes: Annotated[int, Field(ge=15, le=MAX_AWS_SESSION_MINUTES)] = 180
    restore_drill_timeout_minutes: Annotated[int, Field(ge=15, le=MAX_AWS_SESSION_MINUTES)] = 120

    @field_validator("aws_account_id", mode="before")
    @classmethod
    def _quoted_account_id(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError("quote the account id (e.g. '012345678901'): as a YAML number it loses leading zeros")
        return value

    @property
    def runner_labels(self) -> list[str]:
        return [] if self.runner is None else [self.runner] if isinstance(self.runner, str) else list(self.runner)

    @model_validator(mode="after")
    def _distinct_schedules(self) -> BackupsConfig:
        if self.schedule == self.restore_drill_schedule:
            raise ValueError("restore_drill_schedule must differ from schedule (the workflow tells runs apart by cron)")
        return self

    @model_validator(mode="after")
    def _account_when_enabled(self) -> BackupsConfig:
        if self.enabled and self.aws_account_id is None:
            raise ValueError("set aws_account_id: the AWS account (12 digits, quoted) the bucket and role live in")
        return self


class CheckConfig(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    kind: Literal["uptime", "ssl_expiry", "headers", "health"]
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$")]
    severity: Severity = "warning"
    ssl_expiry_warn_days: Annotated[int, Field(ge=1, le=90)] = 21
    expect_status: Annotated[int, Field(ge=100, le=599)] = 200


class AlertRoute(Strict):
    severity: Severity
    channel: Literal["email", "slack", "pagerduty", "github-issue"]
    target: Annotated[str, Field(min_length=1)]


class MonitoringConfig(Strict):
    schedule: Cron = "*/10 * * * *"
    # The repository holding this program (`github.owner`/<name>): the monitoring workflow runs its probe.
    platform_repo: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,100}$")] = PROJECT
    checks: list[CheckConfig] = Field(default_factory=list)
    alert_routes: list[AlertRoute] = Field(default_factory=list)


# ---------------------------------------------------------------- the stack


class StackConfig(Strict):
    environment: Literal["staging", "production"]
    netlify: NetlifyConfig
    headers: HeadersConfig
    supabase: SupabaseConfig
    github: GitHubConfig
    secrets: dict[SecretName, SecretConfig]
    backups: BackupsConfig
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def headers_path(self) -> str:
        """Where this stack's `_headers` file lives in the app repo (both stacks share the repo)."""
        return self.headers.path or f"deploy/headers/{self.environment}/_headers"


Problem = tuple[str, str]


class ConfigError(Exception):
    """Every problem in a stack's config, each with its key path."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {path}: {message}" for path, message in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(stack)"


def _pydantic_problems(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append((_path(item["loc"]), message))
    return problems


REQUIRED_SECRETS = {"database-password": "the Supabase database password"}


def cross_field_problems(cfg: StackConfig) -> list[Problem]:
    """Rules that span sections; mostly what production must guarantee."""
    problems: list[Problem] = []
    for name, why in REQUIRED_SECRETS.items():
        if name not in cfg.secrets:
            problems.append((f"secrets.{name}", f"missing: {why} is generated and rotated from it"))
    for name in cfg.netlify.domain_aliases:
        if name == cfg.netlify.custom_domain:
            problems.append(("netlify.domain_aliases", f"'{name}' repeats the custom domain"))
    if cfg.environment not in cfg.headers_path.split("/"):
        problems.append(
            ("headers.path", f"must name the stack (e.g. deploy/headers/{cfg.environment}/_headers): both stacks commit to one repo")
        )
    if cfg.netlify.domain_aliases and not cfg.netlify.custom_domain:
        problems.append(("netlify.domain_aliases", "aliases need a custom_domain"))
    problems += _dns_problems(cfg.netlify)
    problems += _secret_context_problems(cfg.netlify)
    used = {check.severity for check in cfg.monitoring.checks}
    routed = {route.severity for route in cfg.monitoring.alert_routes}
    for severity in sorted(used - routed):
        problems.append(("monitoring.alert_routes", f"no route for severity '{severity}' used by a check"))
    names = [check.name for check in cfg.monitoring.checks]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(("monitoring.checks", f"check name '{name}' is used more than once"))
    problems += _consumer_problems(cfg)
    problems += _secret_key_problems(cfg)
    problems += _name_clashes(cfg)
    problems += _supabase_api_problems(cfg.supabase)
    problems += _backup_reach_problems(cfg)
    if cfg.environment != SECURITY_OWNER and "security" in cfg.github.model_fields_set:
        problems.append(("github.security", (
            f"repository security settings are declared by the {SECURITY_OWNER} stack only "
            "(both stacks share the repositories): remove this section from this stack file")))
    if cfg.is_production:
        problems += _production_problems(cfg)
    return problems


def _secret_context_problems(netlify: NetlifyConfig) -> list[Problem]:
    """No secret reaches a build of pull-request code; each context is listed once."""
    contexts = netlify.secret_contexts
    problems: list[Problem] = []
    if len(set(contexts)) != len(contexts):
        problems.append(("netlify.secret_contexts", "list each context once"))
    if netlify.deploy_previews and "deploy-preview" in contexts:
        problems.append((
            "netlify.secret_contexts",
            "deploy-preview: deploy previews build pull-request code, which must not receive secrets "
            "(set deploy_previews: false, or deliver secrets to production and branch-deploy only)",
        ))
    return problems


def _dns_problems(netlify: NetlifyConfig) -> list[Problem]:
    """A managed zone must exist and hold every domain the site answers on."""
    if not (netlify.manage_dns and netlify.custom_domain):
        return []
    zone = netlify.dns_zone
    if zone is None:
        return [("netlify.dns_zone", "required when manage_dns is on and a custom_domain is set")]
    problems: list[Problem] = []
    for key, name in [("custom_domain", netlify.custom_domain)] + [
        (f"domain_aliases[{i}]", alias) for i, alias in enumerate(netlify.domain_aliases)
    ]:
        if name != zone and not name.endswith("." + zone):
            problems.append((f"netlify.{key}", f"'{name}' is not inside the DNS zone '{zone}'"))
    return problems


def _backup_reach_problems(cfg: StackConfig) -> list[Problem]:
    """The backup job must be able to reach its database: restrictions hold for the pooler too.

    Supabase applies network restrictions "to all database connection routes, whether pooled or
    direct" (https://supabase.com/docs/guides/platform/network-restrictions), and GitHub-hosted
    runners connect from changing addresses, so with `allowed_cidrs`
    the nightly `pg_dump` (session pooler) works only from a runner whose egress is listed.
    """
    db, backups = cfg.supabase, cfg.backups
    problems: list[Problem] = []
    if backups.runner_egress_cidrs and backups.runner is None:
        problems.append(("backups.runner_egress_cidrs", "names the egress of backups.runner, which is not set"))
    restricted = bool(db.allowed_cidrs or db.allowed_cidrs_v6)
    if not (backups.enabled and restricted):
        return problems
    hosted = [label for label in backups.runner_labels if GITHUB_HOSTED_LABEL.match(label)]
    if backups.runner is None or hosted:
        what = f"'{hosted[0]}' is a GitHub-hosted runner" if hosted else "the backup job runs on a GitHub-hosted runner"
        problems.append((
            "backups.runner",
            f"{what}, whose egress address changes, and supabase.allowed_cidrs restricts every route to the database, "
            "the session pooler included: set backups.runner to a self-hosted or static-egress runner label and "
            "backups.runner_egress_cidrs to its egress networks (inside supabase.allowed_cidrs)",
        ))
    if not backups.runner_egress_cidrs:
        problems.append(("backups.runner_egress_cidrs",
                         "required while supabase.allowed_cidrs is set: the networks backups.runner connects from"))
    for i, egress in enumerate(backups.runner_egress_cidrs):
        v6 = egress.version == 6
        allowed = db.allowed_cidrs_v6 if v6 else db.allowed_cidrs
        key = "supabase.allowed_cidrs_v6" if v6 else "supabase.allowed_cidrs"
        if not any(egress.subnet_of(net) for net in allowed):  # type: ignore[arg-type]
            listed = ", ".join(map(str, allowed)) or "none: an empty list admits no address"
            problems.append((f"backups.runner_egress_cidrs[{i}]",
                             f"{egress} is not inside {key} ({listed}): the backup job could not reach the database"))
    return problems


def _supabase_api_problems(cfg: SupabaseConfig) -> list[Problem]:
    """Region and instance size against the pinned Management API spec (its enums change; never hard-coded)."""
    from providers.supabase.pooler import input_problems as pooler_problems
    from providers.supabase.project import input_problems  # the provider owns the spec
    from providers.unknowns import UNKNOWN

    key = {"region": "supabase.region", "instance_size": "supabase.instance_size",
           "name": "supabase.project_name", "organization_slug": "supabase.organization_slug"}
    props = {"organization_slug": cfg.organization_slug, "name": cfg.project_name, "region": cfg.region,
             "instance_size": cfg.instance_size, "db_pass": UNKNOWN}
    problems = [(key.get(field, f"supabase.{field}"), message) for field, message in input_problems(props)]
    pooler = {"pool_mode": cfg.pooler.pool_mode, "default_pool_size": cfg.pooler.default_pool_size}
    problems += [(f"supabase.pooler.{field}", message) for field, message in pooler_problems(pooler)]
    return problems


# Where each kind of consumer delivers, and the names already taken there by other config.
_CONSUMER_KINDS = {
    "github_secrets": "GitHub secret",
    "netlify_env": "Netlify env var",
    "supabase_secrets": "Supabase function secret",
}


def _name_clashes(cfg: StackConfig) -> list[Problem]:
    """Values that would give two resources one name (`release/*` and `release-*` both name `release-star`)."""
    from components.delivery import _slug  # the components own their naming
    from components.site import _record_name

    groups = {
        "github.environment.branch_patterns": (_slug, cfg.github.environment.branch_patterns),
        "github.environment.tag_patterns": (_slug, cfg.github.environment.tag_patterns),
        "netlify.caa_issuers": (_record_name, cfg.netlify.caa_issuers),
    }
    problems: list[Problem] = []
    for path, (name_of, values) in groups.items():
        seen: dict[str, str] = {}
        for value in values:
            other = seen.setdefault(name_of(value), value)
            if other != value:
                problems.append((path, f"'{value}' and '{other}' would name the same resource"))
    return problems


def _wired_names() -> dict[str, dict[str, str]]:
    """Names the program fills from other components' outputs; config may not claim them."""
    from components.database import CI_SECRETS, CI_VARIABLES as DATABASE_VARIABLES  # components own them
    from components.site import (
        CI_VARIABLES as SITE_VARIABLES,
        SUPABASE_ANON_KEY_KEY,
        SUPABASE_PUBLISHABLE_KEY_KEY,
        SUPABASE_URL_KEY,
    )

    project = "the Supabase project's outputs"
    return {
        "github_secrets": {
            **{key: project for key in (*DATABASE_VARIABLES, *CI_SECRETS)},
            **{key: "the Netlify site's outputs" for key in SITE_VARIABLES},
        },
        # VITE_SUPABASE_ANON_KEY even with `legacy_anon_key_env` off: the name is the publishable key's.
        "netlify_env": {key: project for key in (SUPABASE_URL_KEY, SUPABASE_PUBLISHABLE_KEY_KEY, SUPABASE_ANON_KEY_KEY)},
    }


def _consumer_problems(cfg: StackConfig) -> list[Problem]:
    """One value per delivered name: two secrets (or a secret and a plain setting) never share one."""
    problems: list[Problem] = []
    wired = _wired_names()
    for section, keys in (("github.variables", cfg.github.variables), ("netlify.env", cfg.netlify.env)):
        kind = "github_secrets" if section == "github.variables" else "netlify_env"
        for key in keys:
            if key in wired[kind]:
                problems.append((f"{section}.{key}", f"is set by the program from {wired[kind][key]}"))
    taken = {
        "github_secrets": {**{key: "github.variables" for key in cfg.github.variables}, **wired["github_secrets"]},
        "netlify_env": {**{key: "netlify.env" for key in cfg.netlify.env}, **wired["netlify_env"]},
        "supabase_secrets": {},
    }
    # Secret API keys first: SUPABASE_SECRET_KEY is theirs to deliver, and no generated secret may take it.
    deliveries = [(f"supabase.secret_keys.keys.{name}", key.consumers)
                  for name, key in cfg.supabase.secret_keys.keys.items()]
    deliveries += [(f"secrets.{name}", secret.consumers) for name, secret in cfg.secrets.items()]
    for owner, consumers in deliveries:
        for kind, label in _CONSUMER_KINDS.items():
            for key in getattr(consumers, kind):
                path = f"{owner}.consumers.{kind}"
                if kind == "supabase_secrets" and key.startswith("SUPABASE_"):
                    problems.append((path, f"{key}: the SUPABASE_ prefix is reserved by Supabase"))
                elif key in SECRET_KEY_NAMES and not owner.startswith("supabase.secret_keys"):
                    problems.append((path, f"{key} is the name of a Supabase secret API key: deliver it from supabase.secret_keys"))
                elif key in taken[kind]:
                    problems.append((path, f"{label} {key} is also set by {taken[kind][key]}"))
                taken[kind][key] = owner
    return problems


# The names CI has always read the server-side Supabase key under: only a secret API key delivers them.
SECRET_KEY_NAMES = frozenset({"SUPABASE_SECRET_KEY"})


def _secret_key_problems(cfg: StackConfig) -> list[Problem]:
    """Secret API keys bypass row-level security: never to the browser build, each rotating with a shorter grace."""
    keys = cfg.supabase.secret_keys
    problems: list[Problem] = []
    for name, key in keys.keys.items():
        path = f"supabase.secret_keys.keys.{name}"
        if key.consumers.netlify_env:
            problems.append((f"{path}.consumers.netlify_env", "a secret API key bypasses row-level security and never "
                             "goes to the site's build (browser code): deliver it with github_secrets or supabase_secrets"))
        if not (key.consumers.github_secrets or key.consumers.supabase_secrets or key.consumers.netlify_env):
            problems.append((f"{path}.consumers", "no consumer: a key nobody receives should not exist"))
        if keys.grace_hours >= key.rotation_days * 24:
            problems.append(("supabase.secret_keys.grace_hours", f"{keys.grace_hours} h is not shorter than "
                             f"{path}.rotation_days ({key.rotation_days} d): the old key would outlive its successor's window"))
    return problems


def _production_problems(cfg: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    if not cfg.netlify.custom_domain:
        problems.append(("netlify.custom_domain", "production requires a custom domain"))
    if not cfg.netlify.force_ssl:
        problems.append(("netlify.force_ssl", "production must force HTTPS"))
    if cfg.github.environment.admins_bypass:
        problems.append(("github.environment.admins_bypass", "production reviewers cannot be bypassed by admins"))
    if not cfg.github.environment.reviewers:
        problems.append(("github.environment.reviewers", "production requires at least one required reviewer"))
    env = cfg.github.environment
    if not (env.protected_branches_only or env.branch_patterns or env.tag_patterns):
        problems.append(
            ("github.environment", "production must limit deployments to protected branches or branch/tag patterns")
        )
    if not cfg.backups.enabled:
        problems.append(("backups.enabled", "production requires backups"))
    if cfg.backups.rto_minutes > 15:
        problems.append(("backups.rto_minutes", "production recovery time objective is at most 15 minutes"))
    if cfg.backups.minimum_retention_days < MIN_PRODUCTION_RETENTION_DAYS:
        problems.append(
            (
                "backups.minimum_retention_days",
                f"production keeps backups at least {MIN_PRODUCTION_RETENTION_DAYS} days (got {cfg.backups.minimum_retention_days})",
            )
        )
    if cfg.backups.audit_retention_days < MIN_PRODUCTION_AUDIT_RETENTION_DAYS:
        problems.append((
            "backups.audit_retention_days",
            f"production keeps its audit trail at least {MIN_PRODUCTION_AUDIT_RETENTION_DAYS} days "
            f"(got {cfg.backups.audit_retention_days})",
        ))
    if cfg.supabase.allow_destroy:
        problems.append(("supabase.allow_destroy", "production data cannot be marked destroyable"))
    if not cfg.supabase.ssl_enforced:
        problems.append(("supabase.ssl_enforced", "production requires SSL enforcement"))
    for name, secret in cfg.secrets.items():
        if secret.rotation_days > MAX_PRODUCTION_ROTATION_DAYS:
            problems.append(
                (
                    f"secrets.{name}.rotation_days",
                    f"production secrets rotate at least every {MAX_PRODUCTION_ROTATION_DAYS} days (got {secret.rotation_days})",
                )
            )
    for name, key in cfg.supabase.secret_keys.keys.items():
        if key.rotation_days > MAX_PRODUCTION_ROTATION_DAYS:
            problems.append((f"supabase.secret_keys.keys.{name}.rotation_days",
                             f"production secrets rotate at least every {MAX_PRODUCTION_ROTATION_DAYS} days (got {key.rotation_days})"))
    if cfg.supabase.legacy_api_keys != "disabled":
        problems.append(("supabase.legacy_api_keys", "production must be 'disabled': the legacy anon and service_role "
                         "JWTs never rotate; nothing in the program delivers them"))
    # The audit's judgment (policies/headers/csp_judgment.py), so a production CSP it would fail never
    # gets that far. Supabase's connect-src origins are added at render time and judged by neither.
    for finding in judge_csp(cfg.headers.csp, PRODUCTION_ALLOWED_SCRIPT_HOSTS):
        problems.append((f"headers.csp.{finding.directive}", f"production refuses this CSP: {finding.text}"))
    if cfg.netlify.custom_domain and not any(
        check.kind == "ssl_expiry" and cfg.netlify.custom_domain in check.url for check in cfg.monitoring.checks
    ):
        problems.append(("monitoring.checks", f"production needs an ssl_expiry check for {cfg.netlify.custom_domain}"))
    return problems


def split_config(raw: Mapping[str, Any], secret_keys: Iterable[str], source: str) -> dict[str, Any]:
    """From a namespaced config map (`maintainpro-platform:netlify`), the project's sections."""
    sections, problems = _split(raw, secret_keys)
    if problems:
        raise ConfigError(source, problems)
    return sections


def _split(raw: Mapping[str, Any], secret_keys: Iterable[str]) -> tuple[dict[str, Any], list[Problem]]:
    """Sections, and the problems of the keys themselves.

    Credentials must be secret; provider namespaces (`aws:`, `github:`) pass through; any other
    namespace or key is an error, so a typo never silently falls back to a default.
    """
    secret = set(secret_keys)
    problems: list[Problem] = []
    sections: dict[str, Any] = {}
    for key, value in raw.items():
        namespace, _, name = key.partition(":")
        if key in CREDENTIAL_KEYS:
            if key not in secret:
                problems.append((key, "credentials must be set with `pulumi config set --secret`, never in plain text"))
            continue
        if namespace == PROJECT and name:
            if key in secret:
                # Pulumi would decrypt it and the program would deliver it as plain config.
                problems.append((key, "holds a secret value: a stack file holds none; generate it under `secrets:`"))
                continue
            sections[name] = value
        elif namespace not in PROVIDER_NAMESPACES or not name:
            problems.append((key, f"unknown config key (project keys are '{PROJECT}:<section>')"))
    return sections, problems


def validate_config(raw: Mapping[str, Any], secret_keys: Iterable[str], stack: str, source: str) -> StackConfig:
    """A whole namespaced config map to the model; one `ConfigError` lists the problems of both steps."""
    sections, problems = _split(raw, secret_keys)
    try:
        cfg = load_stack_config(sections, stack, source)
    except ConfigError as error:
        raise ConfigError(source, problems + error.problems) from None
    # pulumi-github's default provider reads `github:owner`; our URLs, trust policies and checkouts
    # read `github.owner`. Two sources of one fact must agree, or resources land on another account.
    if raw.get("github:owner") != cfg.github.owner:
        problems.append(("github:owner", f"must be set and equal github.owner ('{cfg.github.owner}')"))
    # pulumi-github 6.15 (terraform-provider-github v6.13.0, github/provider.go) with its default
    # legacy client mints ONE installation token from the App's key when it starts
    # (GenerateOAuthTokenFromApp) and GitHub expires it after an hour; the new client
    # (internal/ghclient/rest.go: githubauth.NewInstallationTokenSource behind oauth2.ReuseTokenSource)
    # mints another when it expires. So an `up` waiting on Supabase or a certificate for more than
    # an hour keeps committing files only with `github:legacyClient: false`.
    if str(raw.get("github:legacyClient")).lower() != "false":
        problems.append(("github:legacyClient", "must be false: the legacy client's GitHub App installation token "
                         "is minted once and expires after one hour; the new client renews it"))
    # pulumi-aws refuses accounts outside `aws:allowedAccountIds`; the backups' account must be one of them.
    allowed = raw.get("aws:allowedAccountIds")
    account = cfg.backups.aws_account_id
    if allowed is not None and account is not None:
        ids = [str(a) for a in (allowed if isinstance(allowed, list) else [allowed])]
        if account not in ids:
            problems.append(("backups.aws_account_id", f"'{account}' is not in aws:allowedAccountIds ({', '.join(ids)})"))
    if problems:
        raise ConfigError(source, problems)
    return cfg


def load_stack_config(sections: Mapping[str, Any], stack: str, source: str | None = None) -> StackConfig:
    """Validate one stack's sections; raise `ConfigError` listing every problem."""
    source = source or f"stack '{stack}'"
    if stack not in STACKS:
        raise ConfigError(source, [("(stack)", f"unknown stack '{stack}' (known: {', '.join(STACKS)})")])
    try:
        cfg = StackConfig.model_validate(dict(sections))
    except ValidationError as error:
        raise ConfigError(source, _pydantic_problems(error)) from None
    problems = cross_field_problems(cfg)
    if cfg.environment != stack:
        problems.insert(0, ("environment", f"'{cfg.environment}' does not match stack '{stack}'"))
    if problems:
        raise ConfigError(source, problems)
    return cfg
