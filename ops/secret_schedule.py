"""The rotation schedule `ops secrets` prints: each generated secret's and Supabase secret API key's
window and consumers, which are due within a margin, and the texts and documents that show them.
Pure computation from a validated stack config (no engine, no credential, no CLI)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from components.config import StackConfig
from components.secrets import Consumer, RotationWindow, consumers_of
from ops.console import fail
from providers.supabase.api_keys import key_name, key_prefix


@dataclass(frozen=True)
class SecretSchedule:
    name: str
    rotation_days: int
    window: RotationWindow
    consumers: list[Consumer]


@dataclass(frozen=True)
class KeySchedule:
    """A Supabase secret API key: its window's key, and when the previous window's key may be deleted."""

    name: str
    key_name: str
    rotation_days: int
    grace_hours: int
    window: RotationWindow
    consumers: list[Consumer]

    @property
    def previous_retires_after(self) -> datetime:
        """The earliest moment the previous key is deleted: `grace_hours` after the window's key was created,
        which is the first `pulumi up` of the window (never before its start), and only once every consumer holds it."""
        return self.window.start + timedelta(hours=self.grace_hours)


def key_schedules(cfg: StackConfig, now: datetime) -> list[KeySchedule]:
    keys = cfg.supabase.secret_keys
    rows = []
    for name, key in sorted(keys.keys.items()):
        window = RotationWindow.containing(now, key.rotation_days)
        consumers = [Consumer("github-environment-secret", n) for n in key.consumers.github_secrets]
        consumers += [Consumer("supabase-secret", n) for n in key.consumers.supabase_secrets]
        rows.append(KeySchedule(name, key_name(key_prefix(cfg.environment, name), window.start.isoformat()),
                                key.rotation_days, keys.grace_hours, window, consumers))
    return rows


def schedules(cfg: StackConfig, now: datetime) -> list[SecretSchedule]:
    return [
        SecretSchedule(name, secret.rotation_days, RotationWindow.containing(now, secret.rotation_days), consumers_of(name, secret))
        for name, secret in sorted(cfg.secrets.items())
    ]


def as_json(stack: str, now: datetime, rows: list[SecretSchedule], keys: tuple[KeySchedule, ...] | list[KeySchedule] = ()) -> dict[str, Any]:
    return {
        "stack": stack,
        "now": now.isoformat(),
        "secrets": [
            {
                "name": row.name,
                "rotation_days": row.rotation_days,
                "window_start": row.window.start.isoformat(),
                "next_rotation": row.window.end.isoformat(),
                "consumers": [{"kind": c.kind, "name": c.name} for c in row.consumers],
            }
            for row in rows
        ],
        "secret_api_keys": [
            {
                "name": key.name,
                "key_name": key.key_name,
                "rotation_days": key.rotation_days,
                "grace_hours": key.grace_hours,
                "window_start": key.window.start.isoformat(),
                "next_rotation": key.window.end.isoformat(),
                "previous_key_retires_after": key.previous_retires_after.isoformat(),
                "consumers": [{"kind": c.kind, "name": c.name} for c in key.consumers],
            }
            for key in keys
        ],
    }


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%MZ")


def as_text(stack: str, now: datetime, rows: list[SecretSchedule], keys: tuple[KeySchedule, ...] | list[KeySchedule] = ()) -> str:
    """One block per secret, readable at any terminal width."""
    lines = [f"stack {stack}: {len(rows)} generated secret(s), {len(keys)} Supabase secret API key(s) at {_when(now)}"]
    for row in rows:
        lines.append(
            f"{row.name}  every {row.rotation_days} d  window started {_when(row.window.start)}"
            f"  rotates next {_when(row.window.end)}"
        )
        lines += [f"  {c.kind}: {c.name}" for c in row.consumers] or ["  (no consumers)"]
    for key in keys:
        lines.append(
            f"supabase secret key {key.name} ({key.key_name})  every {key.rotation_days} d  window started "
            f"{_when(key.window.start)}  rotates next {_when(key.window.end)}"
        )
        lines.append(f"  previous key retires {key.grace_hours} h after this window's key was created, "
                     f"not before {_when(key.previous_retires_after)}, once every consumer holds the new key")
        lines += [f"  {c.kind}: {c.name}" for c in key.consumers]
    return "\n".join(lines)


DEFAULT_MARGIN = "1d"
_MARGIN = re.compile(r"(?P<count>\d{1,6})(?P<unit>[dhm])|0")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_margin(value: str) -> timedelta:
    """`--margin` as a duration: `<N>d`, `<N>h`, `<N>m` or `0`."""
    match = _MARGIN.fullmatch(value.strip())
    if not match:
        fail(f"--margin: '{value}' is not a duration (e.g. 1d, 12h, 30m, 0)")
    if not match["unit"]:
        return timedelta(0)
    return timedelta(**{_UNITS[match["unit"]]: int(match["count"])})


@dataclass(frozen=True)
class Due:
    """One secret whose current window ends within the margin: the next `pulumi up` after that end rotates it."""

    stack: str
    kind: str  # "generated-secret" | "supabase-secret-key"
    schedule: SecretSchedule | KeySchedule


def due(stack: str, cfg: StackConfig, now: datetime, margin: timedelta) -> list[Due]:
    """The listing's rows (same windows, same order) whose window ends at or before `now + margin`."""
    rows: list[Due] = [Due(stack, "generated-secret", row) for row in schedules(cfg, now)]
    rows += [Due(stack, "supabase-secret-key", key) for key in key_schedules(cfg, now)]
    return [row for row in rows if row.schedule.window.end - now <= margin]


def due_as_json(stacks: list[str], now: datetime, margin: timedelta, rows: list[Due]) -> dict[str, Any]:
    return {
        "now": now.isoformat(),
        "margin_seconds": int(margin.total_seconds()),
        "stacks": stacks,
        "due": [
            {
                "stack": row.stack,
                "name": row.schedule.name,
                "kind": row.kind,
                "rotation_days": row.schedule.rotation_days,
                "window_start": row.schedule.window.start.isoformat(),
                "window_end": row.schedule.window.end.isoformat(),
                "consumers": [{"kind": c.kind, "name": c.name} for c in row.schedule.consumers],
            }
            for row in rows
        ],
    }


def _margin_text(margin: timedelta) -> str:
    minutes = int(margin.total_seconds()) // 60
    for size, unit in ((1440, "d"), (60, "h"), (1, "m")):
        if minutes % size == 0 and minutes:
            return f"{minutes // size}{unit}"
    return "0"


def due_as_text(stacks: list[str], now: datetime, margin: timedelta, rows: list[Due]) -> str:
    checked = f"at {_when(now)}, margin {_margin_text(margin)}, stacks {', '.join(stacks)}"
    if not rows:
        return f"nothing due {checked}"
    lines = [f"{len(rows)} secret(s) due {checked}"]
    labels = {"generated-secret": "generated secret", "supabase-secret-key": "Supabase secret key"}
    for row in rows:
        lines.append(f"{row.stack}  {row.schedule.name}  {labels[row.kind]}  window ends {_when(row.schedule.window.end)}")
        lines += [f"  {c.kind}: {c.name}" for c in row.schedule.consumers] or ["  (no consumers)"]
    return "\n".join(lines)


def github_output(stacks: list[str], rows: list[Due]) -> str:
    """`<stack>=true|false` and `<stack>_secrets=<names>` per checked stack: a job's outputs (`$GITHUB_OUTPUT`)."""
    lines = []
    for stack in stacks:
        names = [row.schedule.name for row in rows if row.stack == stack]
        lines += [f"{stack}={'true' if names else 'false'}", f"{stack}_secrets={' '.join(names)}"]
    return "\n".join(lines) + "\n"


def step_summary(stacks: list[str], now: datetime, margin: timedelta, rows: list[Due], ended: bool) -> str:
    """A Markdown table of the due secrets for `$GITHUB_STEP_SUMMARY`: names and windows, never a value (none is read)."""
    verb = "ended" if ended else "ending"
    head = f"### Secrets due: windows {verb} within {_margin_text(margin)} of {_when(now)} ({', '.join(stacks)})\n\n"
    if not rows:
        return head + "Nothing due.\n"
    table = ["| stack | secret | kind | window end |", "| --- | --- | --- | --- |"]
    table += [f"| {r.stack} | {r.schedule.name} | {r.kind} | {_when(r.schedule.window.end)} |" for r in rows]
    return head + "\n".join(table) + "\n"
