"""Progress meters, human sizes and durations of the backup commands (ops/backup/progress.py)."""

from __future__ import annotations

import io
import signal
import time

import pytest

from ops.backup.errors import BackupError
from ops.backup.progress import Meter, deadline, format_duration, human_bytes, parse_duration, waiting


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"), (7_444_000, "7.1 MiB"),
     (10 * 1024**3, "10.0 GiB"), (3 * 1024**4, "3.0 TiB")],
)
def test_human_bytes(size: int, text: str) -> None:
    assert human_bytes(size) == text


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("60m", 3600), ("2h", 7200), ("15", 15), ("0.5s", 0.5)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "0", "-1m", "10d", "1m30s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_format_duration() -> None:
    assert (format_duration(3600), format_duration(90), format_duration(3)) == ("60m", "90s", "3s")


def test_a_meter_prints_at_most_one_line_per_interval_when_not_a_terminal() -> None:
    now = [0.0]
    out = io.StringIO()
    meter = Meter("upload x", 100 * 1024**2, stream=out, interval=10, clock=lambda: now[0])
    for _ in range(100):  # 100 MiB over 50 s: one MiB every half second
        now[0] += 0.5
        meter.advance(1024**2)
    meter.finish()
    lines = out.getvalue().splitlines()
    assert lines[0] == "upload x: started (100.0 MiB)"
    assert lines[1] == "upload x: 20.0 MiB of 100.0 MiB, 2.0 MiB/s"  # at t=10 s
    assert len(lines) == 1 + 5 + 1  # start, t=10,20,30,40,50, done: bounded by time, not by calls
    assert lines[-1] == "upload x: done, 100.0 MiB in 50.0s (2.0 MiB/s)"


def test_the_deadline_interrupts_a_blocking_wait_and_names_what_it_waited_for() -> None:
    started = time.monotonic()
    with (pytest.raises(BackupError, match=r"^timed out after 0.3s waiting for S3 upload of part 12$"),
          deadline(0.3), waiting.on("S3 upload of part 12")):
        time.sleep(5)
    assert time.monotonic() - started < 2
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # disarmed
    assert waiting.what == "the command to start"


def test_the_deadline_keeps_what_cleanup_said() -> None:
    """Cleanup that catches everything (as a restore does) and says what it undid keeps its words."""
    with pytest.raises(BackupError, match=r"^timed out after 0.2s waiting for pg_restore; dropped database 'x'$"), \
            deadline(0.2):
        try:
            with waiting.on("pg_restore"):
                time.sleep(5)
        except BaseException:  # noqa: BLE001 - what restore's cleanup does
            raise RuntimeError("dropped database 'x'") from None
