"""What every ops command shares, and nothing else of ops: the two consoles, the one failure type
(`OpsError`) with its `fail` helpers, the clock, and the shared option types.

A leaf: it imports no other ops module, so command and domain modules can use it without
importing the dispatcher (`ops.cli`), and the dispatcher can import command modules lazily.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
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
    typer.Option(envvar="BACKUP_S3_ENDPOINT_URL", callback=_endpoint, show_default=False, metavar="URL",
                 help="S3-compatible endpoint (default: AWS)"),
]


# ---------------------------------------------------------------- overall --timeout

# What the command is waiting for right now (set by `waiting`), named when `--timeout` ends it.
_waiting_for: list[str] = []
_deadline: list[float] = []  # the running command's budget in seconds (at most one)
_deadline_at: list[float] = []  # ... and its time.monotonic() instant


def timeout_option(what: str, maximum: float = 3600.0) -> Any:
    """The shared `--timeout SECONDS` (use as `Annotated[float, timeout_option(...)] = <default>`):
    the whole command's wall-clock budget, more than 0 and at most `maximum`.

    After it the command stops with `--timeout: gave up after Ns waiting for <what it was waiting for>`
    and exit 1 (README "Exit codes and output"). `what` says what the command talks to.
    """

    def check(value: float) -> float:
        if not 0 < value <= maximum:
            fail(f"--timeout: {value:g} must be between 0 and {maximum:g} seconds")
        return value

    return typer.Option("--timeout", metavar="SECONDS", callback=check,
                        help=f"Give up after this many seconds in all (0 < SECONDS <= {maximum:g}), saying what "
                             f"it was waiting for ({what}).")


def timed_out(what: str | None = None, budget: float | None = None) -> NoReturn:
    """Stop the command: its `--timeout` (`budget`, default the running `deadline`'s) passed while
    waiting for `what` (default: what `waiting` names)."""
    budget = budget if budget is not None else _deadline[-1] if _deadline else 0.0
    subject = what or (_waiting_for[-1] if _waiting_for else "the command to finish")
    fail(f"--timeout: gave up after {budget:g}s waiting for {subject}", EXIT_FAILED)


def remaining() -> float | None:
    """Seconds left before the running command's `--timeout` (None outside `deadline`)."""
    return _deadline_at[-1] - time.monotonic() if _deadline_at else None



class _DeadlinePassed(BaseException):
    """Internal: the SIGALRM of `deadline`, carrying what the command was waiting for."""

    def __init__(self, what: str | None) -> None:
        super().__init__(what)
        self.what = what


@contextmanager
def deadline(seconds: float, grace: float = 0.0) -> Iterator[float]:
    """Run the block under an overall deadline; yields its `time.monotonic()` instant.

    HTTP clients take the instant (`providers.http.ApiClient.deadline`); anything else that may
    block (S3, sockets, threads) is cut off by SIGALRM in the main thread, which raises the
    `--timeout` failure naming what `waiting` says the command is waiting for, `grace` seconds
    after the deadline (for a block whose own requests already end at it).
    """
    at = time.monotonic() + seconds
    _deadline.append(seconds)
    _deadline_at.append(at)
    alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous: Any = None
    if alarm:
        def on_alarm(signum: int, frame: FrameType | None) -> None:
            # A BaseException, like KeyboardInterrupt: SDKs that retry on any Exception (botocore) let it through.
            raise _DeadlinePassed(_waiting_for[-1] if _waiting_for else None)

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds + grace)
    try:
        yield at
    except _DeadlinePassed as passed:
        timed_out(passed.what, seconds)
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _deadline.pop()
        _deadline_at.pop()


@contextmanager
def waiting(what: str) -> Iterator[None]:
    """Name what the command waits for inside the block (the `--timeout` message says it)."""
    _waiting_for.append(what)
    try:
        yield
    finally:
        _waiting_for.pop()


def notice(line: str) -> None:
    """A progress line on stderr (e.g. the HTTP client's retry notices)."""
    stderr.print(line, markup=False)
