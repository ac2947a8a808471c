"""`ops secrets`: each generated secret's and Supabase secret API key's consumers and rotation schedule — never a value.

Computed from the stack file with the same window arithmetic and consumer list the program uses,
so it needs neither the engine nor any credential, and cannot print what it never reads.

`--due` answers "which secrets does the next `pulumi up` rotate soon": those whose current window
(the one containing the clock, as the program computes it) ends within `--margin`. Whether the
deployed value is still from an older window (no `up` since its end) is only in the state, which
this command never reads; acting on the answer (a scheduled `up`) is the caller's job.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import typer

from components.config import STACKS, ConfigError, StackConfig
from components.secrets import Consumer, RotationWindow, consumers_of
from providers.supabase.api_keys import key_name, key_prefix
from ops.console import StackDir, append_file, clock, fail, fail_config, known_stack, stdout
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


EXIT_DUE = 1
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


def _config(stack: str, stack_dir: Path) -> StackConfig:
    try:
        return read_stack_file(stack, stack_dir).validate()
    except ConfigError as error:
        fail_config(error)


def secrets(
    stack: Annotated[str | None, typer.Option(
        "--stack", "-s", metavar="NAME",
        help="Stack whose secrets to list (required without --due); with --due, default: every stack file present.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    now: Annotated[str | None, typer.Option(help="Clock (ISO 8601); default: now.")] = None,
    due_only: Annotated[bool, typer.Option(
        "--due", help="Only the secrets whose current window ends within --margin; exit 1 when any is.")] = False,
    margin: Annotated[str | None, typer.Option(
        metavar="DURATION", help=f"With --due: how soon the window must end (Nd, Nh, Nm or 0; default {DEFAULT_MARGIN}).")] = None,
    ended: Annotated[bool, typer.Option(
        "--ended", help="With --due: the windows that ended within --margin up to the clock (what an `up` now rotates).")] = False,
    github_output_file: Annotated[Path | None, typer.Option(
        "--github-output", metavar="FILE", help="With --due: append `<stack>=true|false` and `<stack>_secrets=...` lines.")] = None,
    step_summary_file: Annotated[Path | None, typer.Option(
        "--step-summary", metavar="FILE", help="With --due: append a Markdown table of the due secrets.")] = None,
    stack_dir: StackDir = ROOT,
) -> None:
    """List each generated secret and Supabase secret API key: consumers, period, window and next rotation.

    Values are never read: this works from the stack file alone.

    With --due: only the secrets whose current window (the one containing the clock) ends within
    --margin, i.e. those the first `pulumi up` after that end rotates. Whether the deployed value is
    already older than its window is only in the state, which this never reads (a window that has
    ended is simply no longer the current one: with --margin 0 nothing is due). Exit 0 when nothing
    is due, 1 when something is, 2 on bad input. Running the `up` is separate (a scheduled job).

    With --ended: the windows that ended within --margin before the clock instead, i.e. the secrets
    an `up` run now rotates; a daily job with --margin 1d sees each window end exactly once.
    """
    if stack is not None:
        known_stack(stack)
    for given, option in ((margin, "--margin"), (ended or None, "--ended"),
                          (github_output_file, "--github-output"), (step_summary_file, "--step-summary")):
        if given is not None and not due_only:
            fail(f"{option}: only applies with --due")
    moment = clock(now)
    if not due_only:
        if stack is None:
            fail("--stack: a stack name is required (or --due, which checks every stack)")
        cfg = _config(stack, stack_dir)
        rows, keys = schedules(cfg, moment), key_schedules(cfg, moment)
        if json_output:
            stdout.print_json(json.dumps(as_json(stack, moment, rows, keys)))
        else:
            stdout.print(as_text(stack, moment, rows, keys), markup=False)
        return
    window_margin = parse_margin(DEFAULT_MARGIN if margin is None else margin)
    stacks = [stack] if stack else [name for name in STACKS if (stack_dir / f"Pulumi.{name}.yaml").is_file()]
    if not stacks:
        fail(f"--stack-dir: no stack file ({', '.join(f'Pulumi.{name}.yaml' for name in STACKS)}) in {stack_dir}")
    # Ended within the margin up to `moment` = ends within the margin of `moment - margin` (windows are half-open).
    since = moment - window_margin if ended else moment
    found = [row for name in stacks for row in due(name, _config(name, stack_dir), since, window_margin)]
    if github_output_file is not None:
        append_file(github_output_file, github_output(stacks, found))
    if step_summary_file is not None:
        append_file(step_summary_file, step_summary(stacks, moment, window_margin, found, ended))
    if json_output:
        stdout.print_json(json.dumps(due_as_json(stacks, moment, window_margin, found)))
    else:
        stdout.print(due_as_text(stacks, moment, window_margin, found), markup=False)
    if found:
        raise typer.Exit(EXIT_DUE)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command()(secrets)
