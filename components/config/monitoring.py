"""The `monitoring` section: what Checkly watches, whom it alerts, and when it stays quiet.

Read by components/monitoring.py (the Checkly resources) and by `ops probe` (the same checks, run
once on demand). Checkly's own limits are checked here, before any resource is registered: the
pinned pulumi-checkly SDK documents them only in docstrings (no enum to import), so each constant
below cites where it comes from and `tests/unit/test_checkly_sdk.py` compares it with the SDK.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, model_validator

from components.config.types import ALERT_WEBHOOKS_KEY, PROJECT, Hostname, Severity, Strict, TimeZone

# Checkly's public locations, AWS region codes (checklyhq.com/docs/monitoring/global-locations,
# "Current locations in Checkly are"); the SDK's `locations` docstrings name no list.
CHECKLY_LOCATIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-central-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-south-1", "me-south-1", "af-south-1",
    "ap-southeast-1", "ap-northeast-1", "ap-northeast-3", "ap-east-1", "ap-southeast-2", "ap-northeast-2",
    "ap-south-1", "ap-southeast-3",
)
# Minutes between runs, as pulumi-checkly 2.14.0 documents `frequency` for checks and monitors
# ("The allowed values are `0` (high frequency ...), `1` (1 minute), ..."); 0 also needs a
# `frequency_offset` in seconds and is not offered here.
CHECK_FREQUENCIES = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
# `retry_strategy.type` values that retry more than once (the SDK also lists SINGLE_RETRY, NO_RETRIES).
RETRY_STRATEGIES = ("FIXED", "LINEAR", "EXPONENTIAL")
# degraded_response_time / max_response_time: "Possible values are between 0 and 30000" (ms).
MAX_RESPONSE_MS = 30000
MIN_LOCATIONS = 2
AlertChannelKind = Literal["email", "slack", "pagerduty", "webhook"]
CHANNELS: tuple[AlertChannelKind, ...] = ("email", "slack", "pagerduty", "webhook")


def _location(value: str) -> str:
    if value not in CHECKLY_LOCATIONS:
        raise ValueError(f"'{value}' is not a Checkly location (one of {', '.join(CHECKLY_LOCATIONS)})")
    return value


def _frequency(value: int) -> int:
    if value not in CHECK_FREQUENCIES:
        raise ValueError(
            f"{value} minutes is not a frequency Checkly offers (minutes: {', '.join(map(str, CHECK_FREQUENCIES))})")
    return value


def _distinct_locations(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("list each location once")
    if len(value) < MIN_LOCATIONS:
        raise ValueError(f"at least {MIN_LOCATIONS}, so one region's network trouble never reads as an outage")
    return value


Location = Annotated[str, AfterValidator(_location)]
Frequency = Annotated[int, AfterValidator(_frequency)]
ResponseMs = Annotated[int, Field(ge=0, le=MAX_RESPONSE_MS)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=50)]


class CheckConfig(Strict):
    """One check: an API check in Checkly (uptime, headers, health) or an SSL monitor (ssl_expiry).

    `ops probe` runs the same list once, on demand; `ssl_expiry_warn_days` is also the SSL monitor's
    `alert_days_before_expiry`, `degraded_ms`/`max_ms` its degraded and failing response (handshake) times.
    """

    name: Name
    kind: Literal["uptime", "ssl_expiry", "headers", "health"]
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$")]
    severity: Severity = "warning"
    ssl_expiry_warn_days: Annotated[int, Field(ge=1, le=90)] = 21
    expect_status: Annotated[int, Field(ge=100, le=599)] = 200
    frequency_minutes: Frequency | None = None  # default: monitoring.frequency_minutes
    degraded_ms: ResponseMs = 3000
    max_ms: ResponseMs = 10000

    @model_validator(mode="after")
    def _degraded_before_failing(self) -> CheckConfig:
        if self.degraded_ms > self.max_ms:
            raise ValueError(f"degraded_ms ({self.degraded_ms}) must not exceed max_ms ({self.max_ms})")
        return self


class AlertRoute(Strict):
    """Where alerts of one severity go. `target` by channel: an email address, a Slack channel or user
    (`#ops`, `@name`; through Checkly's Slack app), a PagerDuty service ID (Checkly gets an Events API v2
    integration key of it), or the name of the webhook's URL in the secret config `alertWebhooks`."""

    severity: Severity
    channel: AlertChannelKind
    target: Annotated[str, Field(min_length=1, max_length=254)]
    send_recovery: bool = True
    send_degraded: bool = False

    @model_validator(mode="before")
    @classmethod
    def _has_channel(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("channel"):
            raise ValueError(f"an alert route needs a channel ({', '.join(CHANNELS)}): without one it alerts no one")
        return data

    @model_validator(mode="after")
    def _target_fits_channel(self) -> AlertRoute:
        shapes = {
            "email": (r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "an email address"),
            "slack": (r"^[#@][a-z0-9._-]{1,80}$", "a Slack channel (#name) or user (@name)"),
            "pagerduty": (r"^[A-Z0-9]{7,20}$", "a PagerDuty service ID (e.g. PABC123)"),
            "webhook": (r"^[a-z][a-z0-9-]{0,62}$", f"the name of the webhook's URL in the secret config {ALERT_WEBHOOKS_KEY}"),
        }
        pattern, what = shapes[self.channel]
        if not re.fullmatch(pattern, self.target):
            raise ValueError(f"target '{self.target}' of a {self.channel} route must be {what}")
        return self


class RetryConfig(Strict):
    """How a failed run is retried before it counts (`retry_strategy`, from another location)."""

    strategy: Literal["FIXED", "LINEAR", "EXPONENTIAL"] = "LINEAR"
    max_retries: Annotated[int, Field(ge=1, le=10)] = 2  # "Value must be between `1` and `10`"
    base_backoff_seconds: Annotated[int, Field(ge=0, le=600)] = 30
    max_duration_seconds: Annotated[int, Field(ge=1, le=600)] = 300  # "maximum 600 seconds"


class HeartbeatConfig(Strict):
    """The dead-man's switches of the backup job and the restore drill (when backups are on)."""

    severity: Severity = "critical"
    # A ping may arrive this much later than the job's schedule plus its timeout before Checkly alerts:
    # GitHub starts scheduled runs late under load.
    grace_minutes: Annotated[int, Field(ge=5, le=1440)] = 60


class RepeatConfig(Strict):
    unit: Literal["DAY", "WEEK", "MONTH"]  # `repeat_unit`: "Possible values `DAY`, `WEEK` and `MONTH`"
    interval: Annotated[int, Field(ge=1, le=365)] = 1
    until: date | None = None  # last day it repeats, a calendar date in the window's time zone


def _checkly_zone(value: str) -> str:
    # The SDK's `timezone`: a named IANA zone; "UTC offsets such as `+05:00` or `Etc/GMT+5` are not accepted".
    if value.startswith(("Etc/GMT+", "Etc/GMT-")):
        raise ValueError(f"'{value}' is a UTC offset: Checkly wants a named IANA zone (e.g. Europe/Berlin)")
    return value


class MaintenanceWindowConfig(Strict):
    """A time when alerts of this stack's checks are silenced (checks keep running and recording).

    `starts_at`/`ends_at` are local times in `timezone` unless they carry a UTC offset; the zone also
    keeps a repeating window at the same local time across daylight-saving changes.
    """

    name: Name
    description: Annotated[str, Field(min_length=1, max_length=500)]
    starts_at: datetime
    ends_at: datetime
    timezone: Annotated[TimeZone, AfterValidator(_checkly_zone)]
    repeat: RepeatConfig | None = None
    # The severities whose alerts the window silences. Not critical unless listed: Checkly never alerts
    # after a window for a check that started failing inside it, so a silenced outage outlasting the
    # window would page no one (docs/ARCHITECTURE.md, Monitoring).
    silences: list[Severity] = Field(default_factory=lambda: list[Severity](["warning", "info"]), min_length=1)

    def instant(self, moment: datetime) -> datetime:
        zone = ZoneInfo(self.timezone)
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(timezone.utc)

    @property
    def starts_utc(self) -> datetime:
        return self.instant(self.starts_at)

    @property
    def ends_utc(self) -> datetime:
        return self.instant(self.ends_at)

    @model_validator(mode="after")
    def _ends_after_start(self) -> MaintenanceWindowConfig:
        if self.ends_utc <= self.starts_utc:
            raise ValueError(f"ends_at ({self.ends_at.isoformat()}) must be after starts_at ({self.starts_at.isoformat()})")
        start_day = self.starts_utc.astimezone(ZoneInfo(self.timezone)).date()
        if self.repeat and self.repeat.until and self.repeat.until < start_day:
            raise ValueError(f"repeat.until ({self.repeat.until}) is before the first window ({start_day})")
        return self


class StatusServiceConfig(Strict):
    """One component of the status page, and the checks whose failure opens an incident on it."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    checks: list[Name] = Field(min_length=1)


class StatusPageConfig(Strict):
    subdomain: Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]  # the SDK's `url`
    title: Annotated[str, Field(min_length=1, max_length=100)]
    custom_domain: Hostname | None = None
    services: list[StatusServiceConfig] = Field(min_length=1)


class MonitoringConfig(Strict):
    # This repository (`github.owner`/<name>), whose repository settings production declares.
    platform_repo: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,100}$")] = PROJECT
    locations: Annotated[list[Location], AfterValidator(_distinct_locations)] = Field(
        default_factory=lambda: ["eu-central-1", "eu-west-1"])
    frequency_minutes: Frequency = 5
    retry: RetryConfig = Field(default_factory=RetryConfig)
    checks: list[CheckConfig] = Field(default_factory=list)
    dns_severity: Severity = "warning"  # the monitors of the DNS records the stack manages
    heartbeats: HeartbeatConfig = Field(default_factory=HeartbeatConfig)
    alert_routes: list[AlertRoute] = Field(default_factory=list)
    maintenance_windows: list[MaintenanceWindowConfig] = Field(default_factory=list)
    status_page: StatusPageConfig | None = None

    def frequency(self, check: CheckConfig) -> int:
        return check.frequency_minutes or self.frequency_minutes

    @property
    def webhook_targets(self) -> list[str]:
        """Names every webhook route expects in the secret config `alertWebhooks`."""
        return sorted({route.target for route in self.alert_routes if route.channel == "webhook"})
