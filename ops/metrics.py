"""The four keys of one stack, from its deployment record: records in, figures out (no I/O).

Definitions as the DORA research buckets them and dora-team/fourkeys computes them (METRICS.md and
dashboard/fourkeys_dashboard.json at 6cc642e), applied to the records `ops promote` and
`ops rollback` write (ops/release_record.py); docs/ARCHITECTURE.md, "Delivery metrics":

- a *deployment* is a `task: deploy` record; it *succeeded* when its newest final status (success,
  failure, error; `inactive` only says it was superseded) is `success`, it *ended* when it has one
  or was rolled back;
- *deployment frequency*: successful deployments per day and per week, and the band: over the
  window's whole weeks (7 days back from today, UTC), `daily` when the median number of days with a
  deployment per week is at least 3, `weekly` when the median week has one, `monthly` when the
  median week lies in a month with at least one week that has one, else `yearly`;
- *lead time for changes*: for each successful deployment, every commit since the previous
  successful deployment's commit, from the commit's time to the success status (when it was live);
  non-positive values are ignored (fourkeys: automated pushes); median and p90;
- *change failure rate*: ended deployments that failed (a failure or error status, rolled back
  automatically: `rollback_of` names them, or by hand: the deploy a manual `ops rollback` took off)
  over ended deployments;
- *time to restore*: from a failed deployment's record to the next success status of any later
  record (deployment or rollback); one not restored yet counts its age so far; median and max;
- *deployment success rate*: successful over ended deployments.

Percentiles interpolate linearly, as BigQuery's PERCENTILE_CONT does in fourkeys.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from typing import Literal

from components.config.delivery import DoraTargets
from ops.deployment_record import Commit, Deployment, DeploymentStatus

Band = Literal["daily", "weekly", "monthly", "yearly"]
BANDS: tuple[Band, ...] = ("yearly", "monthly", "weekly", "daily")  # slowest first: the index is the rank
FINAL = ("success", "failure", "error")
DAILY_DAYS = 3  # fourkeys: "the median number of days per week with deployments is ... three"
Verdict = Literal["met", "missed", "no data"]


@dataclass(frozen=True)
class Shipped:
    """One record read back: the deployment and every status it has."""

    deployment: Deployment
    statuses: tuple[DeploymentStatus, ...]

    @property
    def id(self) -> int:
        return self.deployment.id

    @cached_property
    def outcome(self) -> str | None:
        """The newest final state (success, failure, error), None while it has none."""
        final = [s for s in self.statuses if s.state in FINAL]
        return max(final, key=lambda s: (s.created_at, s.id)).state if final else None

    @cached_property
    def live_at(self) -> datetime | None:
        """When its first `success` status said it was live."""
        return min((s.created_at for s in self.statuses if s.state == "success"), default=None)


@dataclass(frozen=True)
class Window:
    """The last `days` UTC days up to `now`, today included."""

    now: datetime
    days: int

    @property
    def today(self) -> date:
        return self.now.astimezone(timezone.utc).date()

    @property
    def start(self) -> datetime:
        first = self.today - timedelta(days=self.days - 1)
        return datetime(first.year, first.month, first.day, tzinfo=timezone.utc)

    @property
    def whole_weeks(self) -> int:
        return self.days // 7

    def week_of(self, moment: datetime) -> int | None:
        """0 for the 7 days ending today, 1 for the 7 before...; None outside the whole weeks."""
        age = (self.today - moment.astimezone(timezone.utc).date()).days
        week = age // 7
        return week if age >= 0 and week < self.whole_weeks else None

    def week_start(self, week: int) -> date:
        return self.today - timedelta(days=7 * week + 6)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """PERCENTILE_CONT: linear interpolation between the closest ranks; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def comparisons(records: Sequence[Shipped], window: Window) -> list[tuple[Shipped, Shipped | None]]:
    """Each successful deployment in the window, oldest first, with its base: the previous successful
    deployment (by id, GitHub's creation order), whose commit its lead times start after."""
    pairs: list[tuple[Shipped, Shipped | None]] = []
    base: Shipped | None = None
    for r in sorted(records, key=lambda r: r.id):
        if r.deployment.task == "deploy" and r.outcome == "success":
            if r.deployment.created_at >= window.start:
                pairs.append((r, base))
            base = r
    return pairs


@dataclass(frozen=True)
class Failure:
    deployment: int
    sha: str
    at: datetime
    reason: str  # "failure status", "rolled back automatically", "rolled back by hand"
    restore_minutes: float  # to the restore, or (open) the age so far
    open: bool


@dataclass(frozen=True)
class Week:
    start: date
    deployments: int
    days_deployed: int
    lead_time_median_hours: float | None


@dataclass(frozen=True)
class Judged:
    key: str  # the `delivery.targets` field
    value: str
    target: str
    verdict: Verdict


@dataclass(frozen=True)
class Figures:
    stack: str
    repository: str
    window: Window
    attempted: int  # deployments in the window
    ended: int
    successful: int
    failed: int
    rollbacks: int
    per_day: float
    per_week: float
    band: Band | None  # None: no whole week in the window
    lead_times_hours: tuple[float, ...]
    lead_time_median: float | None
    lead_time_p90: float | None
    change_failure_rate: float | None
    restore_median: float | None
    restore_max: float | None
    success_rate: float | None
    failures: tuple[Failure, ...]
    weeks: tuple[Week, ...]  # newest first
    gaps: Mapping[int, str] = field(default_factory=dict)  # deployment id -> why its lead time is partial or missing
    judged: tuple[Judged, ...] = ()

    @property
    def missed(self) -> list[str]:
        return [j.key for j in self.judged if j.verdict == "missed"]


def _rolled_back_by_hand(records: Sequence[Shipped], rollback: Shipped) -> Shipped | None:
    """The deployment a manual rollback took off: the newest successful one before it that put the
    Netlify deploy then live (`previous_deploy_id`) live, else the newest successful one before it."""
    before = sorted((r for r in records if r.deployment.task == "deploy" and r.id < rollback.id
                     and r.outcome == "success"), key=lambda r: r.id, reverse=True)
    live = rollback.deployment.payload.get("previous_deploy_id")
    named = [r for r in before if live is not None and r.deployment.payload.get("netlify_deploy_id") == live]
    found = named or before
    return found[0] if found else None


def failure_reasons(records: Sequence[Shipped]) -> dict[int, str]:
    """Deployment id -> why it counts as a change failure (first reason found)."""
    reasons: dict[int, str] = {}
    for r in sorted(records, key=lambda r: r.id):
        if r.deployment.task == "deploy" and r.outcome in ("failure", "error"):
            reasons.setdefault(r.id, f"{r.outcome} status")
        if r.deployment.task != "rollback":
            continue
        of = str(r.deployment.payload.get("rollback_of") or "")
        if of.isdigit():
            reasons.setdefault(int(of), "rolled back automatically")
        elif not of:
            target = _rolled_back_by_hand(records, r)
            if target is not None:
                reasons.setdefault(target.id, "rolled back by hand")
    return reasons


def _restored(records: Sequence[Shipped], failed: Shipped, now: datetime) -> tuple[float, bool]:
    """Minutes from the failed deployment to the next success of a later record; open: its age so far."""
    start = failed.deployment.created_at
    ends = [r.live_at for r in records if r.id > failed.id and r.live_at is not None and r.live_at > start]
    end = min(ends, default=None)
    return ((end or now) - start).total_seconds() / 60, end is None


def _lead_times(deployment: Shipped, commits: Iterable[Commit]) -> list[float]:
    """Hours from each commit to the deployment's success; non-positive ones ignored."""
    live = deployment.live_at
    if live is None:
        return []
    hours = ((live - c.committed_at).total_seconds() / 3600 for c in commits)
    return [h for h in hours if h > 0]


def band(weeks: Sequence[Week]) -> Band | None:
    """fourkeys' bucket over whole weeks (dashboard "Deployment Frequency" panel)."""
    if not weeks:
        return None
    if (percentile([w.days_deployed for w in weeks], 0.5) or 0) >= DAILY_DAYS:
        return "daily"
    if (percentile([1.0 if w.days_deployed else 0.0 for w in weeks], 0.5) or 0) >= 1:
        return "weekly"
    # Per week: the weeks with a deployment in the calendar month it starts in, then their median.
    months = [(w.start.year, w.start.month) for w in weeks]
    per_month = {m: sum(1 for w, n in zip(weeks, months, strict=True) if n == m and w.days_deployed) for m in months}
    if (percentile([per_month[m] for m in months], 0.5) or 0) >= 1:
        return "monthly"
    return "yearly"


def measure(stack: str, repository: str, records: Sequence[Shipped], commits: Mapping[int, Sequence[Commit]],
            window: Window, targets: DoraTargets, gaps: Mapping[int, str] | None = None) -> Figures:
    """The figures of the deployments created in `window`; `records` may reach further back (bases, rollbacks),
    `commits` holds what each successful deployment shipped first (by deployment id)."""
    inside = [r for r in records if window.start <= r.deployment.created_at <= window.now]
    deploys = [r for r in inside if r.deployment.task == "deploy"]
    reasons = failure_reasons(records)
    ended = [r for r in deploys if r.outcome is not None or r.id in reasons]
    succeeded = [r for r in deploys if r.outcome == "success"]
    failures = []
    for r in sorted((r for r in ended if r.id in reasons), key=lambda r: r.id):
        minutes, still_open = _restored(records, r, window.now)
        failures.append(Failure(r.id, r.deployment.sha, r.deployment.created_at, reasons[r.id], minutes, still_open))
    lead: dict[int, list[float]] = {r.id: _lead_times(r, commits.get(r.id, ())) for r in succeeded}
    by_week: dict[int | None, list[Shipped]] = {}
    for r in succeeded:
        by_week.setdefault(window.week_of(r.deployment.created_at), []).append(r)
    weeks = []
    for number in range(window.whole_weeks):
        mine = by_week.get(number, [])
        days = {r.deployment.created_at.astimezone(timezone.utc).date() for r in mine}
        hours = [h for r in mine for h in lead[r.id]]
        weeks.append(Week(window.week_start(number), len(mine), len(days), percentile(hours, 0.5)))
    all_hours = tuple(h for r in succeeded for h in lead[r.id])
    restore = [f.restore_minutes for f in failures]
    figures = Figures(
        stack=stack, repository=repository, window=window, attempted=len(deploys), ended=len(ended),
        successful=len(succeeded), failed=len(failures),
        rollbacks=sum(1 for r in inside if r.deployment.task == "rollback"),
        per_day=len(succeeded) / window.days, per_week=len(succeeded) * 7 / window.days, band=band(weeks),
        lead_times_hours=all_hours, lead_time_median=percentile(all_hours, 0.5),
        lead_time_p90=percentile(all_hours, 0.9),
        change_failure_rate=len(failures) / len(ended) if ended else None,
        restore_median=percentile(restore, 0.5), restore_max=max(restore, default=None),
        success_rate=len(succeeded) / len(ended) if ended else None,
        failures=tuple(failures), weeks=tuple(weeks), gaps=dict(gaps or {}),
    )
    return _with_verdicts(figures, targets)


def _verdict(value: float | None, ok: bool) -> Verdict:
    return "no data" if value is None else "met" if ok else "missed"


def _with_verdicts(f: Figures, t: DoraTargets) -> Figures:
    """Each figure against its target: at or better than it is met; a figure without data is not judged."""
    rank = BANDS.index(f.band) if f.band is not None else None
    pct = "{:.1%}".format
    judged = (
        Judged("deployment_frequency", f.band or "n/a", t.deployment_frequency,
               _verdict(rank, rank is not None and rank >= BANDS.index(t.deployment_frequency))),
        Judged("lead_time_hours", _num(f.lead_time_median, "h"), f"<= {t.lead_time_hours:g}h",
               _verdict(f.lead_time_median, (f.lead_time_median or 0) <= t.lead_time_hours)),
        Judged("change_failure_rate", pct(f.change_failure_rate) if f.change_failure_rate is not None else "n/a",
               f"<= {pct(t.change_failure_rate)}",
               _verdict(f.change_failure_rate, (f.change_failure_rate or 0) <= t.change_failure_rate)),
        Judged("time_to_restore_minutes", _num(f.restore_median, " min"), f"<= {t.time_to_restore_minutes} min",
               _verdict(f.restore_median, (f.restore_median or 0) <= t.time_to_restore_minutes)),
        Judged("success_rate", pct(f.success_rate) if f.success_rate is not None else "n/a", f">= {pct(t.success_rate)}",
               _verdict(f.success_rate, (f.success_rate or 0) >= t.success_rate)),
    )
    return dataclasses.replace(f, judged=judged)


def _num(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:.1f}{unit}"
