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
from pathlib import Path
from typing import Annotated

import typer

from components.config import STACKS, ConfigError, StackConfig
from ops.console import StackDir, append_file, clock, fail, fail_config, known_stack, stdout
from ops.secret_schedule import (  # noqa: F401 - the schedule's API, as before
    DEFAULT_MARGIN,
    Due,
    KeySchedule,
    SecretSchedule,
    as_json,
    as_text,
    due,
    due_as_json,
    due_as_text,
    github_output,
    key_schedules,
    parse_margin,
    schedules,
    step_summary,
)
from ops.stackfile import ROOT, read_stack_file

EXIT_DUE = 1


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
    now: Annotated[str | None, typer.Option(metavar="ISO", help="Clock (ISO 8601); default: now.")] = None,
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
