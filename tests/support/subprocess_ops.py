"""`python -m ops` as its own process, for what only a process shows (signals, a hung socket, exit codes
as a CI step sees them); most CLI tests run in process (tests/ops/cli_runner.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ops(*args: str, env: Mapping[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops", *args], cwd=ROOT, env=dict(env), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=timeout,
    )
