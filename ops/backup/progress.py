"""Progress, waiting and deadlines of the long backup steps (dump+upload, download, pg_restore).

- `human_bytes`: sizes as operators read them (KiB/MiB/GiB) in every message.
- `waiting`: what the command waits for right now ("S3 upload of part 12"); a deadline names it.
- `Meter`: one phase's bytes and rate; a rich progress bar on a terminal, otherwise one line on
  stderr when the phase starts, at most every `interval` seconds meanwhile, and when it ends.
- `deadline`: the overall `--timeout`; when it passes, the main thread gets a `BackupError`
  "timed out after 60m waiting for <what>" (SIGALRM interrupts a blocking read or wait), so the
  usual cleanup (abort the upload, kill pg_restore, drop the scratch database) runs.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

from ops.backup.errors import BackupError

DEFAULT_TIMEOUT = "60m"
PROGRESS_INTERVAL = 10.0  # seconds between progress lines when stderr is not a terminal
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")
_DURATION = re.compile(r"^\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>s|m|h)?\s*$")


def human_bytes(size: float) -> str:
    """1536 -> '1.5 KiB'; bytes below 1 KiB stay exact ('512 B')."""
    value = float(size)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def parse_duration(text: str) -> float:
    """'90s', '60m', '2h' or a bare number of seconds (as every other `--timeout` reads it), as seconds;
    anything else is a ValueError."""
    match = _DURATION.match(text)
    if match is None or float(match["value"]) <= 0:
        raise ValueError(f"'{text}' is not a duration: use e.g. 90s, 60m or 2h (a bare number is seconds)")
    factor = {"s": 1, "m": 60, "h": 3600}[match["unit"] or "s"]
    return float(match["value"]) * factor


def format_duration(seconds: float) -> str:
    """60 -> '1m', 3600 -> '60m', 2.5 -> '2.5s': the way --timeout is written."""
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    return f"{seconds:g}s"


class _Waiting:
    """What the main thread waits for now; read by the deadline's message."""

    def __init__(self) -> None:
        self.what = "the command to start"

    @contextmanager
    def on(self, what: str) -> Iterator[None]:
        previous, self.what = self.what, what
        try:
            yield
        finally:
            self.what = previous


waiting = _Waiting()


def note(message: str) -> None:
    """One progress/notice line on stderr (never stdout: results stay pipeable)."""
    print(message, file=sys.stderr, flush=True)


class Meter:
    """Bytes done in one phase; `advance` is cheap enough to call per MiB."""

    def __init__(
        self, phase: str, total: int | None = None, *, stream: TextIO | None = None,
        interval: float = PROGRESS_INTERVAL, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.phase = phase
        self.total = total
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._last_line = self._started
        self._lock = threading.Lock()
        self._bar = None
        self._task = None
        if stream is None and sys.stderr.isatty():
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TransferSpeedColumn,
            )

            from ops.console import stderr as console

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(binary_units=True),
                                 TransferSpeedColumn(), TimeElapsedColumn(), console=console, transient=True)
            self._task = self._bar.add_task(phase, total=total)
            self._bar.start()
        else:
            self._line(f"{phase}: started" + (f" ({human_bytes(total)})" if total is not None else ""))

    def _line(self, text: str) -> None:
        print(text, file=self._stream, flush=True)

    def rate(self) -> str:
        elapsed = max(self._clock() - self._started, 1e-6)
        return f"{human_bytes(self.done / elapsed)}/s"

    def advance(self, count: int) -> None:
        with self._lock:
            self.done += count
            if self._bar is not None and self._task is not None:
                self._bar.update(self._task, completed=self.done)
                return
            now = self._clock()
            if now - self._last_line < self._interval:
                return
            self._last_line = now
            of = f" of {human_bytes(self.total)}" if self.total else ""
            self._line(f"{self.phase}: {human_bytes(self.done)}{of}, {self.rate()}")

    def finish(self, ok: bool = True) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.stop()
                self._bar = None
            elapsed = self._clock() - self._started
            state = "done" if ok else "stopped"
            self._line(f"{self.phase}: {state}, {human_bytes(self.done)} in {elapsed:.1f}s ({self.rate()})")

    @contextmanager
    def running(self) -> Iterator[Meter]:
        ok = False
        try:
            yield self
            ok = True
        finally:
            self.finish(ok)


class DeadlinePassed(BaseException):
    """Raised by the alarm: a BaseException, so no `except Exception` on the way (botocore's retry
    loop, for one) mistakes it for a failed request; `deadline` turns it into a BackupError."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Fail the body with 'timed out after <t> waiting for <what>' once `seconds` have passed (main thread only)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    label = format_duration(seconds)
    fired: list[str] = []

    def expire(signum: int, frame: FrameType | None) -> None:
        fired.append(waiting.what)
        raise DeadlinePassed(f"timed out after {label} waiting for {waiting.what}")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except DeadlinePassed as exc:
        raise BackupError(str(exc)) from None
    except BaseException as exc:
        if fired and not str(exc).startswith("timed out after"):
            # Cleanup code turned the timeout into its own message: keep what it says, lead with the timeout.
            raise BackupError(f"timed out after {label} waiting for {fired[0]}; {exc}") from None
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def remaining_cap(seconds: float | None, cap: float) -> float:
    """A per-call timeout no longer than the overall one."""
    return min(cap, seconds) if seconds else cap
