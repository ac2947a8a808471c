"""`ops drift`: the verdict of a scheduled `pulumi preview --refresh --expect-no-changes` run, per stack.

Exit 0 when the live stack matches its state and every policy passes, 1 when something drifted
or a policy failed (the workflow then opens or updates the stack's drift issue), 2 on bad input
(including an event log of a preview that did not finish).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ops.audit import policy_pack
from ops.console import append_file, fail, known_stack, stdout
from ops.drift import drift_report, markdown
from ops.event_log import EventLogError

EXIT_DRIFT = 1


def drift(
    stack: Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack the preview ran for.")],
    event_log: Annotated[Path, typer.Option(
        "--event-log", metavar="FILE",
        help="The `--event-log` of `pulumi preview --refresh --expect-no-changes --policy-pack policies ...`.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of Markdown.")] = False,
    markdown_file: Annotated[Path | None, typer.Option(
        "--markdown", metavar="FILE", help="Also append the Markdown report here (an issue body, $GITHUB_STEP_SUMMARY).")] = None,
    github_output_file: Annotated[Path | None, typer.Option(
        "--github-output", metavar="FILE", help="Append `clean=true|false` (a job's outputs).")] = None,
    run_url: Annotated[str | None, typer.Option(metavar="URL", help="Link to the run, printed under the report.")] = None,
    policy_config: Annotated[Path | None, typer.Option(
        "--policy-config", metavar="FILE", help="Policy-pack config (default: policies/config/<stack>.json).")] = None,
) -> None:
    """Report the resources and properties changed outside Pulumi, the policy violations, and what the next `up` changes.

    Exit 1 on drift or a policy violation; pending changes alone (a rotation due, an undeployed commit) exit 0.
    """
    known_stack(stack)
    try:
        report = drift_report(event_log, stack, policy_pack(stack, policy_config))
    except EventLogError as error:
        fail(f"event log {error.source}: {error.problem}")
    text = markdown(report, run_url)
    if markdown_file is not None:
        append_file(markdown_file, text)
    if github_output_file is not None:
        append_file(github_output_file, f"clean={'true' if report.clean else 'false'}\n")
    if json_output:
        stdout.out(json.dumps(report.to_json(), indent=2, sort_keys=True), highlight=False)
    else:
        stdout.out(text, end="", highlight=False)
    if not report.clean:
        raise typer.Exit(EXIT_DRIFT)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command()(drift)
