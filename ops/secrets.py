"""`ops secrets`: each generated secret's consumers and rotation schedule — never its value.

Computed from the stack file with the same window arithmetic and consumer list the program uses,
so it needs neither the engine nor any credential, and cannot print what it never reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any

import typer

from components.config import ConfigError, StackConfig
from components.secrets import Consumer, RotationWindow, consumers_of
from ops.cli import StackDir, app, fail_config, parse_now, stdout
from ops.stackfile import ROOT, read_stack_file


@dataclass(frozen=True)
class SecretSchedule:
    name: str
    rotation_days: int
    window: RotationWindow
    consumers: list[Consumer]


def schedules(cfg: StackConfig, now: datetime) -> list[SecretSchedule]:
    return [
        SecretSchedule(name, secret.rotation_days, RotationWindow.containing(now, secret.rotation_days), consumers_of(name, secret))
        for name, secret in sorted(cfg.secrets.items())
    ]


def as_json(stack: str, now: datetime, rows: list[SecretSchedule]) -> dict[str, Any]:
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
    }


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%MZ")


def as_text(stack: str, now: datetime, rows: list[SecretSchedule]) -> str:
    """One block per secret, readable at any terminal width."""
    lines = [f"stack {stack}: {len(rows)} generated secret(s) at {_when(now)}"]
    for row in rows:
        lines.append(
            f"{row.name}  every {row.rotation_days} d  window started {_when(row.window.start)}"
            f"  rotates next {_when(row.window.end)}"
        )
        lines += [f"  {c.kind}: {c.name}" for c in row.consumers] or ["  (no consumers)"]
    return "\n".join(lines)


@app.command()
def secrets(
    stack: Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose secrets to list.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    now: Annotated[str | None, typer.Option(help="Clock (ISO 8601); default: now.")] = None,
    stack_dir: StackDir = ROOT,
) -> None:
    """List each generated secret: its consumers, period, current window and next rotation.

    Values are never read: this works from the stack file alone.
    """
    try:
        cfg = read_stack_file(stack, stack_dir).validate()
    except ConfigError as error:
        fail_config(error)
    moment = parse_now(now) or datetime.now(timezone.utc)
    rows = schedules(cfg, moment)
    if json_output:
        stdout.print_json(json.dumps(as_json(stack, moment, rows)))
    else:
        stdout.print(as_text(stack, moment, rows), markup=False)
