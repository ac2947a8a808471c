"""Constants, the strict base model and the value types every section of the stack config shares.

API tokens are deliberately not part of the model: they are secret config or environment
variables (`CREDENTIAL_KEYS`), and a plaintext token in a stack file is itself an error.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

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

# The Netlify token the generated pipeline deploys with, delivered as its environments' NETLIFY_AUTH_TOKEN.
DEPLOY_TOKEN_KEY = f"{PROJECT}:netlifyDeployToken"
# A read-only token for this (private) repository, the app repo's Actions secret PLATFORM_REPO_TOKEN:
# the app workflows that run `python -m ops` check this repository out with it.
PLATFORM_REPO_TOKEN_KEY = f"{PROJECT}:platformRepoToken"
# The secret config object holding the URL of each `webhook` alert route, keyed by the route's target.
ALERT_WEBHOOKS_KEY = f"{PROJECT}:alertWebhooks"
# Credentials: allowed only as secret config, never as plain values in a stack file.
CREDENTIAL_KEYS = frozenset(
    {
        f"{PROJECT}:netlifyToken",
        f"{PROJECT}:supabaseAccessToken",
        DEPLOY_TOKEN_KEY,
        PLATFORM_REPO_TOKEN_KEY,
        "github:token",
        "github:appAuth",  # {id, installationId, pemFile}: the App's private key
        "aws:accessKey",
        "aws:secretKey",
        "aws:token",
        "checkly:apiKey",  # pulumi-checkly's own (or CHECKLY_API_KEY); `checkly:accountId` is plain provider config
        "pagerduty:token",  # pulumi-pagerduty's own (or PAGERDUTY_TOKEN)
        ALERT_WEBHOOKS_KEY,  # {route target: webhook URL}: monitoring's webhook alert routes (components/alerting.py)
        # pulumiverse-configcat's own (or CONFIGCAT_BASIC_AUTH_USERNAME / _PASSWORD): the Public Management API's
        # basic-auth credentials; `configcat:basePath` is plain provider config
        "configcat:basicAuthUsername",
        "configcat:basicAuthPassword",
    }
)
# Provider namespaces whose own settings may sit in a stack file beside ours.
PROVIDER_NAMESPACES = frozenset({"github", "aws", "checkly", "pagerduty", "configcat"})

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


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not an IANA time zone (e.g. Europe/Berlin, Etc/UTC)") from None
    return value


Hostname = Annotated[str, Field(max_length=253), AfterValidator(_hostname)]
TimeZone = Annotated[str, AfterValidator(_timezone)]
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


Problem = tuple[str, str]


class ConfigError(Exception):
    """Every problem in a stack's config, each with its key path."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {path}: {message}" for path, message in problems)
        super().__init__(f"{source}: {len(problems)} problem(s)\n{lines}")
