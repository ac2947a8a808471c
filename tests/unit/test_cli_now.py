"""`--now` out of range or looking like markup is one message and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ops.cli_runner import Completed, run_ops

ROOT = Path(__file__).resolve().parents[2]


def ops(*args: str) -> Completed:
    return run_ops(*args)


@pytest.mark.parametrize("command", [["audit", "--stack", "production"], ["secrets", "--stack", "staging"]])
@pytest.mark.parametrize("now", ["0001-01-01", "9999-12-31", "1969-12-31T23:59:59Z"])
def test_a_clock_outside_the_computable_range_is_refused(command: list[str], now: str) -> None:
    result = ops(*command, "--now", now)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"--now: '{now}' is outside 1970-01-01 .. 9000-01-01" in result.stderr


def test_a_clock_that_looks_like_markup_is_printed_as_given() -> None:
    result = ops("secrets", "--stack", "staging", "--now", "[/x]")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "--now: '[/x]' is not an ISO 8601 date/time" in result.stderr


def test_the_edges_of_the_range_are_accepted() -> None:
    assert ops("secrets", "--stack", "staging", "--now", "1970-01-01T00:00:00Z").returncode == 0
    assert ops("secrets", "--stack", "staging", "--now", "8999-12-31").returncode == 0
