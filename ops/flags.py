"""`ops flags`: every feature flag of a stack, its rollout and what ConfigCat serves; `ops flags advance`.

Works from the stack file alone; with `CONFIGCAT_BASIC_AUTH_USERNAME` / `_PASSWORD` set it also reads
what the stack's ConfigCat environment serves and says where the dashboard and the config disagree
(an operator's kill switch, say: components/flags.py keeps it until config changes). Without them
it says the live comparison was skipped.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from components.config import ConfigError, FlagsConfig, StackConfig
from ops.configcat_api import Serving, configcat_client, credentials, live_serving, planned
from ops.console import (
    EXIT_FAILED,
    StackDir,
    clock,
    deadline,
    fail,
    fail_config,
    known_stack,
    notice,
    stdout,
    timeout_option,
    waiting,
)
from ops.flag_advance import EditError, write_advanced
from ops.flag_status import FlagStatus, as_json, as_text
from ops.stackfile import ROOT, read_stack_file
from providers.http import ApiError

app = typer.Typer(rich_markup_mode=None)

Stack = Annotated[str | None, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose flags to read (required).")]
Now = Annotated[str | None, typer.Option(metavar="ISO", help="Clock (ISO 8601); default: now.")]
Timeout = Annotated[float, timeout_option("ConfigCat's Public Management API")]


def _config(stack: str, stack_dir: Path) -> StackConfig:
    try:
        return read_stack_file(known_stack(stack), stack_dir).validate()
    except ConfigError as error:
        fail_config(error)


def _live(flags: FlagsConfig, stack: str, seconds: float) -> tuple[dict[str, Serving | None] | None, str]:
    """What ConfigCat serves, by flag key (None: not read), and a note saying how it went."""
    if not flags.flags:
        return None, "skipped (no flags)"
    if credentials() is None:
        return None, "skipped (set CONFIGCAT_BASIC_AUTH_USERNAME and CONFIGCAT_BASIC_AUTH_PASSWORD to compare)"
    notice(f"reading the {stack} environment's flags from ConfigCat")
    with deadline(seconds) as until, waiting("ConfigCat's Public Management API"):
        client = configcat_client(until)
        try:
            return live_serving(client, flags, stack), "read from ConfigCat"
        except LookupError as missing:
            return None, f"skipped ({missing})"
        except ApiError as error:
            fail(str(error), EXIT_FAILED)
        finally:
            client.close()


def _rows(cfg: StackConfig, moment: datetime, live: dict[str, Serving | None] | None) -> list[FlagStatus]:
    return [FlagStatus(flag, moment, (live or {}).get(flag.key), live is not None) for flag in cfg.flags.flags]


@app.callback(invoke_without_command=True)
def flags(
    ctx: typer.Context,
    stack: Stack = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    now: Now = None,
    live: Annotated[bool, typer.Option("--live/--no-live", help="Compare with what ConfigCat serves (needs its credentials).")] = True,
    timeout: Timeout = 60.0,
    stack_dir: StackDir = ROOT,
) -> None:
    """List every flag of a stack: owner, expiry, stage and percentage, the next stage and when it may start.

    With ConfigCat credentials in the environment, also what the stack's environment serves now, and
    where it differs from the stack file (a kill switch in the dashboard, say); without, the live
    comparison is skipped and said so. Exit 0; 2 on bad input, 1 when ConfigCat cannot be read.
    """
    if ctx.invoked_subcommand is not None:
        return
    if stack is None:
        fail("--stack: a stack name is required")
    cfg = _config(stack, stack_dir)
    moment = clock(now)
    found, note = _live(cfg.flags, stack, timeout) if live else (None, "skipped (--no-live)")
    rows = _rows(cfg, moment, found)
    if json_output:
        stdout.print_json(json.dumps(as_json(stack, moment, rows, note)))
    else:
        stdout.print(as_text(stack, moment, rows, note), markup=False)


@app.command()
def advance(
    flag: Annotated[str, typer.Argument(help="The flag's key.", show_default=False)],
    stack: Stack = None,
    now: Now = None,
    ignore_dashboard: Annotated[bool, typer.Option(
        "--ignore-dashboard", help="Advance even where ConfigCat serves something else (the next `up` overwrites it).")] = False,
    timeout: Timeout = 60.0,
    stack_dir: StackDir = ROOT,
) -> None:
    """Move FLAG to its next rollout stage by editing the stack file (commit it: a reviewed change).

    Refused (exit 1) while the live stage is younger than the flag's `soak_hours`, and when ConfigCat
    serves something other than the stack file says (an operator's kill switch: the `pulumi up` after
    this edit would replace it), unless --ignore-dashboard. Exit 2 on bad input.
    """
    if stack is None:
        fail("--stack: a stack name is required")
    cfg = _config(stack, stack_dir)
    keys = [f.key for f in cfg.flags.flags]
    if flag not in keys:
        fail(f"FLAG: no flag '{flag}' in flags.flags of Pulumi.{stack}.yaml (flags: {', '.join(keys) or 'none'})")
    index = keys.index(flag)
    found = cfg.flags.flags[index]
    rollout = found.rollout
    if rollout is None:
        fail(f"flag {flag} has no rollout plan (flags.flags[{index}].rollout): nothing to advance")
    if rollout.stage >= len(rollout.stages):
        fail(f"flag {flag} is at its last stage ({rollout.stage}/{len(rollout.stages)}): nothing to advance; "
             "remove the flag once it has soaked")
    moment = clock(now)
    status = FlagStatus(found, moment)
    upcoming = status.next
    if status.soaking and upcoming is not None and upcoming.earliest is not None:
        fail(f"flag {flag}: stage {rollout.stage} went live {rollout.since_utc:%Y-%m-%d %H:%M UTC}, less than its "
             f"{rollout.soak_hours} h soak ago: advance after {upcoming.earliest:%Y-%m-%d %H:%M UTC}", EXIT_FAILED)
    if not ignore_dashboard:
        live, note = _live(cfg.flags, stack, timeout)
        serving = (live or {}).get(flag)
        if live is not None and serving is not None and serving != planned(found):
            fail(f"flag {flag}: ConfigCat serves {serving.describe(found.served)}, the stack file "
                 f"{planned(found).describe(found.served)} (a kill switch?): the `pulumi up` after this edit would "
                 "overwrite it; put the dashboard's choice in the stack file, or pass --ignore-dashboard", EXIT_FAILED)
        notice(f"live comparison: {note}")
    path = stack_dir / f"Pulumi.{stack}.yaml"
    target = rollout.stage + 1
    try:
        write_advanced(path, stack, index, target, moment)
    except EditError as error:
        fail(f"{path.name}: cannot edit safely: {error}")
    except ConfigError as error:
        fail_config(error)
    stage = rollout.stages[target - 1]
    audience = " + ".join([*rollout.segments_at(target), *([f"{stage.percentage} %"] if stage.percentage else [])])
    stdout.print(f"{path.name}: {flag} now at stage {target}/{len(rollout.stages)} ({audience or 'nobody'}) since "
                 f"{moment:%Y-%m-%d %H:%M UTC}; review and commit the change, then `pulumi up` applies it", markup=False)


def register(parent: typer.Typer) -> None:
    """Add `flags` (and `flags advance`) to the ops CLI."""
    parent.add_typer(app, name="flags")
