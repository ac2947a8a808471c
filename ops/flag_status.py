"""Each flag's rollout at a given instant, from the stack file, and how ConfigCat compares (`ops flags`).

Pure: the clock and the live answers come in as arguments, so the same rows feed the text, the
JSON and `ops flags advance`'s refusal. A stage may be left once `soak_hours` have passed since it
went live; a flag at 100 % for longer than that is ready to remove (its code path is the only one),
and one past `expires` is overdue, which the audit reports too (policies/delivery/flag_cleanup.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from components.config import FlagConfig
from ops.configcat_api import Serving, planned


@dataclass(frozen=True)
class NextStage:
    stage: int
    percentage: int
    segments: tuple[str, ...]
    earliest: datetime | None  # when the live stage has soaked (None: dark, nothing to soak)


@dataclass(frozen=True)
class FlagStatus:
    flag: FlagConfig
    now: datetime
    live: Serving | None = None
    checked: bool = False  # whether `live` was read (None then means: not in ConfigCat)

    @property
    def next(self) -> NextStage | None:
        rollout = self.flag.rollout
        if rollout is None or rollout.stage >= len(rollout.stages):
            return None
        stage = rollout.stages[rollout.stage]
        since = rollout.since_utc
        earliest = since + timedelta(hours=rollout.soak_hours) if since else None
        return NextStage(rollout.stage + 1, stage.percentage, tuple(rollout.segments_at(rollout.stage + 1)), earliest)

    @property
    def soaking(self) -> bool:
        """The next stage exists but the live one has not soaked yet."""
        upcoming = self.next
        return bool(upcoming and upcoming.earliest and self.now < upcoming.earliest)

    @property
    def expired(self) -> bool:
        return self.flag.expires is not None and self.now.date() > self.flag.expires

    @property
    def ready_to_remove(self) -> bool:
        rollout = self.flag.rollout
        since = rollout.since_utc if rollout else None
        return bool(rollout and since and self.flag.percentage == 100
                    and self.now - since > timedelta(hours=rollout.soak_hours))

    @property
    def live_state(self) -> str:
        if not self.checked:
            return "skipped"
        if self.live is None:
            return "missing"
        return "agrees" if self.live == planned(self.flag) else "differs"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def as_json(stack: str, now: datetime, rows: list[FlagStatus], live_note: str) -> dict[str, Any]:
    out = []
    for row in rows:
        flag, upcoming, rollout = row.flag, row.next, row.flag.rollout
        out.append({
            "key": flag.key, "type": flag.type, "owner": flag.owner, "description": flag.description,
            "expires": flag.expires.isoformat() if flag.expires else None, "expired": row.expired,
            "stage": rollout.stage if rollout else 0, "stages": len(rollout.stages) if rollout else 0,
            "percentage": flag.percentage, "segments": list(planned(flag).segments),
            "since": rollout.since_utc.isoformat() if rollout and rollout.since_utc else None,
            "soak_hours": rollout.soak_hours if rollout else None,
            "next": None if upcoming is None else {
                "stage": upcoming.stage, "percentage": upcoming.percentage, "segments": list(upcoming.segments),
                "earliest": upcoming.earliest.isoformat() if upcoming.earliest else None},
            "ready_to_remove": row.ready_to_remove,
            "live": {"state": row.live_state,
                     "serves": row.live.describe(flag.served) if row.live else None,
                     "planned": planned(flag).describe(flag.served)},
        })
    return {"stack": stack, "now": now.isoformat(), "live": live_note, "flags": out}


def as_text(stack: str, now: datetime, rows: list[FlagStatus], live_note: str) -> str:
    """One block per flag: who owns it, where its rollout is, what comes next, what ConfigCat serves."""
    lines = [f"stack {stack}: {len(rows)} flag(s) at {_when(now)}; live comparison: {live_note}"]
    for row in rows:
        flag, rollout, upcoming = row.flag, row.flag.rollout, row.next
        stage = f"stage {rollout.stage}/{len(rollout.stages)} since {_when(rollout.since_utc)}" if rollout else "no rollout"
        expiry = f"expires {flag.expires}" + (" (PAST: remove it)" if row.expired else "") if flag.expires else "no expiry"
        lines.append(f"{flag.key} ({flag.type})  owner {flag.owner}  {expiry}")
        lines.append(f"  now: {stage}: {planned(flag).describe(flag.served)}")
        if upcoming is not None:
            audience = " + ".join([*upcoming.segments, *([f"{upcoming.percentage} %"] if upcoming.percentage else [])])
            after = "now" if not row.soaking else f"after {_when(upcoming.earliest)}"
            lines.append(f"  next: stage {upcoming.stage}: {audience or 'nobody'}, {after} (ops flags advance)")
        if row.ready_to_remove:
            lines.append(f"  READY TO REMOVE: at 100 % for longer than its {rollout.soak_hours if rollout else 0} h soak")
        if row.live_state == "differs" and row.live is not None:
            lines.append(f"  DASHBOARD DIFFERS: ConfigCat serves {row.live.describe(flag.served)}")
        elif row.live_state == "missing":
            lines.append("  not in ConfigCat yet (no `pulumi up` since it was added?)")
        elif row.live_state == "agrees":
            lines.append("  ConfigCat serves the same")
    return "\n".join(lines)
