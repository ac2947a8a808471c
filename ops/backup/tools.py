"""Running the PostgreSQL client tools and taking signals: a tool in its own process group that an
interrupt, SIGTERM or the deadline ends with its workers; SIGTERM as an interrupt so cleanup runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from ops.backup import postgres
from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError
from ops.backup.progress import PROGRESS_INTERVAL, note, waiting


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (`kill`, `timeout`, a CI cancel after its SIGINT) raises KeyboardInterrupt, so cleanup runs.

    GitHub's runner sends SIGINT, then SIGTERM after 7.5 s, then kills the process tree 2.5 s later
    (docs.github.com, "Workflow cancellation reference").
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(argv: list[str], dsn: Dsn, tool: str) -> None:
    """Run a tool to its end; if this process is interrupted meanwhile, the tool is killed first."""
    with tempfile.TemporaryFile() as stderr:
        proc: subprocess.Popen[bytes] | None = None
        try:
            with _signals_held():
                # Its own process group, so an interrupt ends pg_restore's parallel workers with it.
                proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr, env=dsn.child_env(),
                                        start_new_session=True)
            code = _wait(proc, tool)
        except OSError as exc:
            if proc is None:
                raise BackupError(f"{tool} could not start: {exc}") from None
            raise
        finally:
            if proc is not None:
                _kill_group(proc)  # interrupted: the tool must not go on writing into a database being dropped
        if code != 0:
            detail = postgres.tail(stderr, dsn)
            raise BackupError(f"{tool} exited with status {code}: {detail or 'no message'}")


def _wait(proc: subprocess.Popen[bytes], tool: str) -> int:
    """Wait for the tool, saying every PROGRESS_INTERVAL that it is still running (the deadline bounds the wait)."""
    started = time.monotonic()
    with waiting.on(tool):
        while True:
            try:
                return proc.wait(timeout=PROGRESS_INTERVAL)
            except subprocess.TimeoutExpired:
                note(f"{tool}: running, {time.monotonic() - started:.0f}s")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the tool's process group (its workers too), then reap the tool."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
    proc.wait()


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while a child starts, then deliver them: an interrupt raised inside
    `Popen()` would leave the child running with nobody holding its handle to kill it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _frame: held.append(signum)) for sig in _INTERRUPTS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in dict.fromkeys(held):
            signal.raise_signal(signum)  # now the restored handler acts on it


_INTERRUPTS = (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)
