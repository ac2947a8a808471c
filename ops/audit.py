"""`ops audit`: the policy pack's verdict on a stack, for operators (table) and auditors (Markdown, JSON, SARIF).

Offline it runs the real program under the mock engine and the pack's own policy functions over
the result; with `--from-event-log` it reads what a real `pulumi preview --policy-pack` recorded.
Exit 1 when a mandatory policy fails, 2 on bad input, 0 otherwise.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ops.audit_formats import markdown, sarif, tables
from ops.audit_report import AuditReport
from ops.console import StackDir, fail, known_stack, stdout
from ops.event_log import EventLogError, audit_event_log
from ops.pack_config import PackConfig, PackConfigError, default_path, load_pack_config
from ops.policy_run import audit_preview
from ops.preview import load_preview
from ops.stackfile import ROOT

EXIT_MANDATORY = 1


class Format(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"
    sarif = "sarif"


def policy_pack(stack: str, path: Path | None) -> PackConfig:
    """The stack's policy-pack config (default file, or `--policy-config`); a bad file is bad input."""
    path = path or default_path(stack)
    try:
        return dataclasses.replace(load_pack_config(path), source=_relative(path))
    except PackConfigError as error:
        fail(f"policy config {error.source}: " + "; ".join(error.problems))


def _check_output(output: Path) -> None:
    """Fail before the (slow) preview when the report could not be written anyway."""
    if output.is_dir():
        fail(f"--output {output}: is a directory")
    parent = output.parent
    if not parent.is_dir():
        fail(f"--output {output}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (output.exists() and not os.access(output, os.W_OK)):
        fail(f"--output {output}: not writable")


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# Files, pipes and CI logs get one deterministic wide layout, whatever terminal ran the command.
WIDE = 220


def render(report: AuditReport, fmt: Format, stack_file: str, width: int = WIDE, colour: bool = False) -> str:
    """The report as text; the table fits `width` columns and, with `colour`, carries ANSI styles (status colours)."""
    if fmt is Format.json:
        return json.dumps(report.to_json(), indent=2) + "\n"
    if fmt is Format.sarif:
        return json.dumps(sarif(report, stack_file), indent=2) + "\n"
    if fmt is Format.markdown:
        return markdown(report)
    page = io.StringIO()
    console = Console(file=page, width=width, force_terminal=colour, color_system="standard" if colour else None,
                      no_color=not colour, highlight=False, markup=False, emoji=False, legacy_windows=False)
    policies, findings = tables(report, width)
    console.print(policies)
    if findings.row_count:
        console.print(findings)
    return page.getvalue()


def _terminal_layout() -> tuple[int, bool]:
    """(width, colour) for the table on stdout: the terminal's width and colours, unless piped or NO_COLOR is set."""
    if not stdout.is_terminal:
        return WIDE, False
    return stdout.width, not stdout.no_color and stdout.color_system is not None


def audit(
    stacks: Annotated[list[str], typer.Option("--stack", "-s", metavar="NAME", help="Stack to audit (one per run).")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format: table|markdown|json|sarif.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the report here instead of stdout.")] = None,
    from_event_log: Annotated[
        Path | None,
        typer.Option("--from-event-log", metavar="FILE", help="Build the report from `pulumi preview --event-log FILE` instead of offline."),
    ] = None,
    policy_config: Annotated[
        Path | None,
        typer.Option("--policy-config", metavar="FILE", help="Policy-pack config (default: policies/config/<stack>.json)."),
    ] = None,
    now: Annotated[str | None, typer.Option(metavar="ISO", help="Clock for secret rotation (ISO 8601); default: now.")] = None,
    stack_dir: StackDir = ROOT,
) -> None:
    """Run the policy pack over a stack and report, per policy, controls, severity, enforcement and pass/fail per resource.

    Exits 1 when a mandatory policy fails.
    """
    if len(stacks) > 1:
        # One report, one exit code, one --output and event log per run: several would need a merge rule.
        fail(f"--stack: given {len(stacks)} times ({', '.join(stacks)}); ops audit judges one stack per run: "
             "run it once per stack")
    stack = known_stack(stacks[0])
    if output is not None:
        _check_output(output)
    if now is not None and from_event_log is not None:
        fail("--now: the offline audit's clock; an event log was judged when its preview ran")
    pack = policy_pack(stack, policy_config)
    if from_event_log is not None:
        try:
            report = audit_event_log(from_event_log, stack, pack)
        except EventLogError as error:
            fail(f"event log {error.source}: {error.problem}")
    else:
        report = audit_preview(load_preview(stack, now, stack_dir), pack)
    width, colour = _terminal_layout() if output is None else (WIDE, False)
    text = render(report, fmt, _relative(stack_dir / f"Pulumi.{stack}.yaml"), width, colour)
    if output is None:
        stdout.out(text, end="", highlight=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            fail(f"--output {output}: cannot write ({error.strerror or error})")
    blocking = report.mandatory_failures
    summary = report.summary()
    line = (
        f"stack {stack}: {summary['passed']} passed, {summary['failed']} failed "
        f"({summary['mandatoryFailed']} mandatory) of {summary['policies']} policies"
    )
    (stdout if output is not None else Console(stderr=True, highlight=False)).print(line, markup=False)
    if blocking:
        raise typer.Exit(EXIT_MANDATORY)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command()(audit)
