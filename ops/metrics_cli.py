"""`ops metrics`: the four keys of a stack from its GitHub deployment record, against its targets.

Reads the app repo's deployments to the stack's environment that `ops promote` / `ops rollback`
recorded (ops/metrics_history.py), computes deployment frequency, lead time for changes, change
failure rate, time to restore and the deployment success rate (ops/metrics.py), and judges each
against `delivery.targets`. Exit 1 when a target with data is missed (the report is still
written), 2 on bad input. The token is GITHUB_TOKEN with `deployments: read` and `contents: read`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from components.config import ConfigError
from ops.console import (
    EXIT_FAILED,
    StackDir,
    clock,
    fail,
    fail_config,
    known_stack,
    notice,
    stdout,
    timed_out,
    timeout_option,
)
from ops.deployments import READ_ACCESS, GitHubDeployments
from ops.github_api import app_repo, github_client
from ops.metrics import Figures, Window, measure
from ops.metrics_history import Progress, read_history
from ops.metrics_report import document, markdown, table
from ops.stackfile import ROOT, read_stack_file
from providers.http import ApiError, DeadlineExceeded, MissingCredential

MAX_DAYS = 366
RESOURCE = "github deployments"


def report_text(figures: Figures, json_output: bool) -> str:
    return json.dumps(document(figures), indent=2, sort_keys=True) + "\n" if json_output else markdown(figures)


def metrics(
    stack: Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose deployments to measure.")],
    days: Annotated[int, typer.Option("--days", metavar="N", help=f"The window: the last N days, today included "
                                      f"(1 <= N <= {MAX_DAYS}; the DORA band needs at least 7).")] = 30,
    json_output: Annotated[bool, typer.Option("--json", help="A JSON document instead of a table.")] = False,
    markdown_output: Annotated[bool, typer.Option("--markdown", help="Markdown with a weekly trend chart (Mermaid) "
                                                  "instead of a table.")] = False,
    output: Annotated[Path | None, typer.Option("--output", metavar="FILE", help="Write the report to FILE (Markdown "
                                                "unless --json) instead of standard output.")] = None,
    now: Annotated[str | None, typer.Option(metavar="ISO", help="Clock (ISO 8601): the window ends here; default: now.")] = None,
    timeout: Annotated[float, timeout_option("the GitHub API, rate-limit waits included")] = 300.0,
    stack_dir: StackDir = ROOT,
) -> None:
    """Deployment frequency, lead time, change failure rate, time to restore and success rate from the
    stack's GitHub deployments, each against `delivery.targets` (needs GITHUB_TOKEN); exit 1 when one is missed."""
    known_stack(stack)
    if not 1 <= days <= MAX_DAYS:
        fail(f"--days: {days} must be between 1 and {MAX_DAYS}")
    if json_output and markdown_output:
        fail("--json, --markdown: choose one")
    window = Window(clock(now), days)
    try:
        cfg = read_stack_file(stack, stack_dir).validate()
    except ConfigError as error:
        fail_config(error)
    try:
        client = github_client(time.monotonic() + timeout, resource=RESOURCE,
                               permissions="deployments: read, contents: read")
    except MissingCredential as error:
        fail(str(error))
    gh = GitHubDeployments(client, app_repo(cfg), needs=READ_ACCESS)
    try:
        history = read_history(gh, cfg.environment, window, Progress(notice))
    except DeadlineExceeded as error:
        timed_out(f"GitHub to answer {error.operation} ({error.message})", timeout)
    except ApiError as error:
        fail(str(error), EXIT_FAILED)
    finally:
        client.close()
    figures = measure(cfg.environment, gh.repo, history.records, history.commits, window, cfg.delivery.targets,
                      history.gaps)
    if output is not None:
        try:
            output.write_text(report_text(figures, json_output), encoding="utf-8")
        except OSError as error:
            fail(f"--output: cannot write {output} ({error.strerror})")
        notice(f"metrics: report written to {output}")
    elif json_output or markdown_output:
        sys.stdout.write(report_text(figures, json_output))
    else:
        stdout.print(table(figures))
    if figures.missed:
        notice(f"metrics: targets missed: {', '.join(figures.missed)}")
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command()(metrics)
