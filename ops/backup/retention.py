"""Grandfather-father-son retention: which verified backups to keep.

Rules follow restic's `--keep-daily/--keep-weekly/--keep-monthly`: for each rule, walk the
backups newest first and keep the newest backup of each of the N most recent calendar periods
(UTC day, ISO week, month) that have one. A backup is kept if any rule keeps it; the newest
backup is always kept, whatever the counts say.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from ops.backup.errors import BackupError

Period = Callable[[datetime], tuple[int, ...]]


def _day(t: datetime) -> tuple[int, ...]:
    return (t.year, t.month, t.day)


def _week(t: datetime) -> tuple[int, ...]:
    iso = t.isocalendar()
    return (iso.year, iso.week)


def _month(t: datetime) -> tuple[int, ...]:
    return (t.year, t.month)


@dataclass(frozen=True)
class GfsPolicy:
    daily: int
    weekly: int
    monthly: int

    def __post_init__(self) -> None:
        for name in ("daily", "weekly", "monthly"):
            value = getattr(self, name)
            if value < 0:
                raise BackupError(f"--keep-{name} must be 0 or more, got {value}")
        if self.daily + self.weekly + self.monthly == 0:
            raise BackupError("retention keeps nothing: set at least one of --keep-daily/--keep-weekly/--keep-monthly")

    def rules(self) -> list[tuple[int, Period]]:
        return [(self.daily, _day), (self.weekly, _week), (self.monthly, _month)]


def keep(times: Sequence[datetime], policy: GfsPolicy) -> set[datetime]:
    """The backup times to keep; every time must be timezone-aware (periods are UTC)."""
    ordered = sorted({t.astimezone(timezone.utc) for t in times}, reverse=True)
    kept: set[datetime] = set(ordered[:1])
    for count, period in policy.rules():
        seen: set[tuple[int, ...]] = set()
        for moment in ordered:
            if len(seen) >= count:
                break
            key = period(moment)
            if key not in seen:
                seen.add(key)
                kept.add(moment)
    return kept
