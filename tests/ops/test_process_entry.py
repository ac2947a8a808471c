"""The process entry (`python -m ops`, `maintainpro-ops`: `ops.__main__.run`): the collector settings
of a one-command process change its speed only, never what a command prints or how it exits."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from ops.__main__ import run
from tests.ops.audit_support import ROOT
from tests.ops.cli_runner import run_ops

NOW = "2026-11-26T12:00:00Z"


@pytest.fixture
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("collector_restored")
@pytest.mark.parametrize("code", [0, 1, 2])
def test_the_command_runs_with_rarer_collections_and_leaves_frozen_with_its_exit_code(
        monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    seen: dict[str, object] = {}

    def command() -> None:
        seen["threshold"] = gc.get_threshold()
        seen["frozen while running"] = gc.get_freeze_count()
        sys.exit(code)

    monkeypatch.setattr("ops.cli.main", command)
    with pytest.raises(SystemExit) as exit_:
        run()
    assert exit_.value.code == code
    # 50,000 new objects between young collections (CPython: 700), 20 between older ones (CPython: 10).
    assert seen["threshold"] == (50_000, 20, 20)
    assert seen["frozen while running"] == 0  # garbage made while the command runs is still collected
    assert gc.get_freeze_count() > 0  # what is left at exit is exempt from the interpreter's last collection


def test_a_preview_through_the_entry_prints_what_the_default_collector_prints() -> None:
    """Both stacks as JSON and as trees, once through `python -m ops` (tuned collector, frozen exit)
    and once through `ops.cli.main` in this process (CPython's defaults): byte for byte the same."""
    for form in (["--json"], []):
        args = ["preview", "--stack", "staging", "--stack", "production", "--now", NOW, *form]
        entry = subprocess.run([sys.executable, "-m", "ops", *args], cwd=ROOT, capture_output=True, text=True,
                               timeout=180, stdin=subprocess.DEVNULL, check=False)
        in_process = run_ops(*args)
        assert (entry.returncode, in_process.returncode) == (0, 0), entry.stderr + in_process.stderr
        assert entry.stdout.startswith("[" if form else "stack staging: ")
        assert entry.stdout == in_process.stdout
        assert entry.stderr == in_process.stderr == ""
