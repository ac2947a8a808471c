"""`ops secrets`: each generated secret's and Supabase secret API key's consumers and rotation schedule — never a value.

Computed from the stack file with the same window arithmetic and consumer list the program uses,
so it needs neither the engine nor any credential, and cannot print what it never reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import typer

from components.config import ConfigError, StackConfig
from components.secrets import Consumer, RotationWindow, consumers_of
from providers.supabase.api_keys import key_name, key_prefix
from ops.cli import StackDir, app, fail_config, parse_now, stdout
from ops.stackfile import ROOT, read_stack_file


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


@app.command()
def secrets(
    stack: Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose secrets to list.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    now: Annotated[str | None, typer.Option(help="Clock (ISO 8601); default: now.")] = None,
    stack_dir: StackDir = ROOT,
) -> None:
    """List each generated secret and Supabase secret API key: consumers, period, window and next rotation.

    Values are never read: this works from the stack file alone.
    """
    try:
        cfg = read_stack_file(stack, stack_dir).validate()
    except ConfigError as error:
        fail_config(error)
    moment = parse_now(now) or datetime.now(timezone.utc)
    rows, keys = schedules(cfg, moment), key_schedules(cfg, moment)
    if json_output:
        stdout.print_json(json.dumps(as_json(stack, moment, rows, keys)))
    else:
        stdout.print(as_text(stack, moment, rows, keys), markup=False)
