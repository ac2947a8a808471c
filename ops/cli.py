"""The `python -m ops` command line: one typer app, one module per command group.

Every expected failure (bad stack file, bad argument, failed check) ends in one clear message on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, NoReturn

import typer
# typer 0.29 vendors click; its exceptions are only reachable here (typer is pinned).
from typer._click.exceptions import ClickException, UsageError
from rich.console import Console
from rich.markup import escape

from components.config import STACKS, ConfigError

app = typer.Typer(
    help="Operate the MaintAInPro platform: offline preview and audit, secrets, backups, restore drills.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# Piped output (CI logs, PR comments) gets a wide page instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() else 200
# markup=False: what these print is data (config values, messages, names); `fail` opts in for its own prefix.
stdout = Console(highlight=False, soft_wrap=True, width=_WIDTH, markup=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH, markup=False)

EXIT_BAD_INPUT = 2
# The clock range every command can compute with: rotation windows are aligned to 1970 and reach a
# year past the clock, and datetime stops at 9999-12-31.
EARLIEST_NOW = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST_NOW = datetime(9000, 1, 1, tzinfo=timezone.utc)

# Every command that reads a stack file takes the same option (tests point it at fixtures).
StackDir = Annotated[
    Path,
    typer.Option("--stack-dir", metavar="DIR", show_default=False,
                 help="Folder holding Pulumi.<stack>.yaml (default: the project root)."),
]


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one clear error line and leave with `code`."""
    stderr.print(f"[bold red]error:[/] {escape(message)}", markup=True)  # data, never markup
    raise typer.Exit(code)


def append_file(path: Path, text: str) -> None:
    """Append to a file a GitHub job shares between steps ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY); unwritable is bad input."""
    try:
        with path.open("a", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        fail(f"{path}: cannot append ({error.strerror})")


def known_stack(stack: str) -> str:
    """`stack` when it is one of the project's stacks; otherwise the one message every command gives."""
    if stack not in STACKS:
        fail(f"--stack: unknown stack '{stack}', known: {', '.join(STACKS)}")
    return stack


def fail_config(error: ConfigError) -> NoReturn:
    stderr.print(f"[bold red]error:[/] {escape(str(error.source))}: invalid configuration", markup=True)
    for path, message in error.problems:
        stderr.print(f"  {path}: {message}", markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def parse_now(value: str | None, source: str = "--now") -> datetime | None:
    """`--now` (or another clock `source`) as an aware datetime (UTC when no zone is given)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{source}: '{value}' is not an ISO 8601 date/time (e.g. 2026-11-26T12:00:00Z)")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if not EARLIEST_NOW <= moment < LATEST_NOW:
        fail(f"{source}: '{value}' is outside {EARLIEST_NOW:%Y-%m-%d} .. {LATEST_NOW:%Y-%m-%d}, the range the clock can take")
    return moment


# The program's clock override (components/runtime_config.py reads it; not imported here: it pulls in pulumi).
NOW_ENV = "MAINTAINPRO_NOW"


def clock(now: str | None) -> datetime:
    """One clock everywhere: `--now` when given, else `MAINTAINPRO_NOW` as the program reads it, else real UTC time."""
    return (parse_now(now) or parse_now(os.environ.get(NOW_ENV) or None, f"environment variable {NOW_ENV}")
            or datetime.now(timezone.utc))


@app.callback()
def _group() -> None:
    """Operate the MaintAInPro platform: offline preview and audit, secrets, backups, restore drills."""


# Where each command lives. Only the invoked command's module is imported: the others pull in
# the policy engine, boto3, psycopg... (about a second of imports `ops preview` does not need).
COMMANDS = {
    "preview": "ops.preview",
    "audit": "ops.audit",
    "drift": "ops.drift_cli",
    "secrets": "ops.secrets",
    "probe": "ops.probe",
    "rollback": "ops.rollback",
    "backup": "ops.backup.cli",
    "restore-drill": "ops.backup.cli",
    "restore": "ops.backup.cli",
    "audit-record": "ops.audit_trail_cli",
    "audit-trail": "ops.audit_trail_cli",
}


# HTTP and AWS client loggers print request URLs (webhooks) and headers (session tokens) at
# INFO/DEBUG: keep them quiet whatever logging a wrapper turns on.
QUIET_LOGGERS = ("httpx", "httpcore", "botocore", "boto3", "urllib3", "s3transfer")


def hide_secret_values(message: str, argv: list[str]) -> str:
    """`message` without any argument that looks like a connection string (an `@` or `password`).

    click quotes a rejected option value back (`dir '...' does not exist`), and a value put after
    the wrong option may be a database URL with its password.
    """
    for value in sorted(set(argv), key=len, reverse=True):
        if "@" in value or "password" in value.lower():
            for form in (value, repr(value)[1:-1]):  # as given, and as a !r message quotes it
                message = message.replace(form, "(not shown: it may hold a secret)")
    return message


def main() -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    modules = {COMMANDS[command]} if command in COMMANDS else set(COMMANDS.values())
    for module in sorted(modules):
        importlib.import_module(module)  # each module registers its commands on `app`
    try:
        code = app(standalone_mode=False)
    except UsageError as error:
        if "extra argument" in error.message:
            # click quotes them back, and a stray argument may be a connection string with a password.
            error.message = "unexpected extra argument(s) (not shown: they may hold a secret); options need their --name"
        error.message = hide_secret_values(error.message, sys.argv[1:])
        error.show()
        sys.exit(error.exit_code)
    except ClickException as error:
        error.message = hide_secret_values(error.message, sys.argv[1:])
        error.show()
        sys.exit(error.exit_code)
    except typer.Abort:
        stderr.print("Aborted.")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
