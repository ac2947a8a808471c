"""The dead-man's switches of the backup workflow: which job pings which heartbeat, and how late is too late.

A Checkly heartbeat alerts when no ping arrived within `period` + `grace` of the last one. Period:
the longest pause of the job's cron; grace: the job's whole timeout (it pings when it ends), the other
job's timeout (the workflow's one concurrency group queues a job behind the other's run), plus
`monitoring.heartbeats.grace_minutes` (GitHub starts scheduled runs late under load). Pulumi-free:
the monitoring component declares the monitors, the backup workflow renders the pings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from components.config import BackupsConfig, HeartbeatConfig
from components.config.cron import longest_gap
from components.names import HEARTBEAT_SECRETS

# HeartbeatMonitorHeartbeatArgs.ping_token: "Checkly will expect a ping to `https://ping.checklyhq.com/[PING_TOKEN]`".
PING_URL = "https://ping.checklyhq.com/{token}"
UNITS = (("days", 1440), ("hours", 60), ("minutes", 1))  # the SDK's `period_unit` / `grace_unit` values


@dataclass(frozen=True)
class Heartbeat:
    job: str  # the backup workflow's job that pings it
    title: str
    cron: str
    period_minutes: int
    grace_minutes: int

    @property
    def secret(self) -> str:
        """The `<stack>-backups` environment secret holding the ping URL."""
        return HEARTBEAT_SECRETS[self.job]


def in_units(minutes: int) -> tuple[int, str]:
    """`minutes` in the largest unit that divides it (1440 → (1, "days"))."""
    return next((minutes // size, unit) for unit, size in UNITS if minutes % size == 0)


def ping_url(token: str) -> str:
    return PING_URL.format(token=token)


def plan(backups: BackupsConfig, config: HeartbeatConfig) -> list[Heartbeat]:
    """One heartbeat per scheduled job of the backup workflow; none while backups are off.

    The config refuses a schedule that pauses longer than a heartbeat can wait (365 days).
    """
    if not backups.enabled:
        return []
    jobs = (("backup", "Database backup", backups.schedule, backups.backup_timeout_minutes),
            ("restore-drill", "Restore drill", backups.restore_drill_schedule, backups.restore_drill_timeout_minutes))
    out = []
    for (job, title, cron, timeout), (_, _, _, ahead) in zip(jobs, reversed(jobs), strict=True):
        gap = longest_gap(cron) or timedelta(days=365)
        out.append(Heartbeat(job, title, cron, int(gap.total_seconds() // 60), timeout + ahead + config.grace_minutes))
    return out
