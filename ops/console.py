"""What every ops command shares, and nothing else of ops: the two consoles, the one failure type
(`OpsError`) with its `fail` helpers, the clock, and the shared option types.

A leaf: it imports no other ops module, so command and domain modules can use it without
importing the dispatcher (`ops.cli`), and the dispatcher can import command modules lazily.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from components.config import ConfigError

# Piped output (CI logs, PR comments) gets a wide page instead of rich's 80-column default.
_WIDTH = None if sys.stdout.isatty() else 200
# markup=False: what these print is data (config values, messages, names); `fail` opts in for its own prefix.
stdout = Console(highlight=False, soft_wrap=True, width=_WIDTH, markup=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH, markup=False)

# Exit codes (README "Exit codes and output"): 0 ok, 1 a check or step failed, 2 bad input.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
# The clock range every command can compute with: rotation windows are aligned to 1970 and reach a
# year past the clock, and datetime stops at 9999-12-31.
EARLIEST_NOW = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST_NOW = datetime(9000, 1, 1, tzinfo=timezone.utc)
# The program's clock override (components/runtime_config.py reads it; not imported here: it pulls in pulumi).
NOW_ENV = "MAINTAINPRO_NOW"


class OpsError(Exception):
    """The one failure type of the ops commands: `message` for the operator, `exit_code` to leave with.

    Raised by command and domain code alike; the CLI (`ops.cli.OpsGroup`) prints it as one
    `error: <message>` line on stderr and exits with `exit_code`, never a traceback.
    """

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class ConfigFailure(OpsError):
    """An invalid stack file: the file's name, then one indented line per problem."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(f"{source}: invalid configuration", EXIT_BAD_INPUT)
        self.problems = problems


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Stop the command: one clear error line and exit `code` (printed by the CLI)."""
    raise OpsError(message, code)


def fail_config(error: ConfigError) -> NoReturn:
    raise ConfigFailure(str(error.source), list(error.problems))


def report(error: OpsError) -> None:
    """Print `error` the one way every command does."""
    stderr.print(f"[bold red]error:[/] {escape(error.message)}", markup=True, emoji=False)  # data, never markup
    for path, message in getattr(error, "problems", ()):
        stderr.print(f"  {path}: {message}", markup=False)


def append_file(path: Path, text: str) -> None:
    """Append to a file a GitHub job shares between steps ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY); unwritable is bad input."""
    try:
        with path.open("a", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        fail(f"{path}: cannot append ({error.strerror})")


def known_stack(stack: str) -> str:
    """`stack` when it is one of the project's stacks; otherwise the one message every command gives."""
    from components.config import STACKS

    if stack not in STACKS:
        fail(f"--stack: unknown stack '{stack}', known: {', '.join(STACKS)}")
    return stack


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


def clock(now: str | None) -> datetime:
    """One clock everywhere: `--now` when given, else `MAINTAINPRO_NOW` as the program reads it, else real UTC time."""
    return (parse_now(now) or parse_now(os.environ.get(NOW_ENV) or None, f"environment variable {NOW_ENV}")
            or datetime.now(timezone.utc))


# ---------------------------------------------------------------- shared options

# Every command that reads a stack file takes the same option (tests point it at fixtures).
StackDir = Annotated[
    Path,
    typer.Option("--stack-dir", metavar="DIR", show_default=False,
                 help="Folder holding Pulumi.<stack>.yaml (default: the project root)."),
]


def _endpoint(value: str | None) -> str | None:
    """An S3 endpoint is an http(s) URL with a host: botocore raises a bare ValueError on `host:9000`."""
    if value is None:
        return None
    parsed = urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise typer.BadParameter("must be an http:// or https:// URL with a host, e.g. https://s3.example.net:9000")
    return value


# Every command that talks to the backup bucket (`backup`, `restore-drill`, `restore`, `audit-record`, `audit-trail`).
Endpoint = Annotated[
    str | None,
    typer.Option(envvar="BACKUP_S3_ENDPOINT_URL", callback=_endpoint, show_default=False,
                 help="S3-compatible endpoint (default: AWS)"),
]
