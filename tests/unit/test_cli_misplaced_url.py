"""A database URL put after the wrong option is not quoted back by click's usage error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ops.cli_runner import run_ops

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Xy7'Qz9%2FKw4"  # fake


def pieces(secret: str, size: int = 4) -> set[str]:
    return {secret[i:i + size] for i in range(len(secret) - size + 1)}


@pytest.mark.parametrize("option", ["--work-dir", "--prefix"])
def test_a_url_given_to_the_wrong_option_is_not_quoted_back(option: str, tmp_path: Path) -> None:
    misplaced = f"postgresql://app:{PASSWORD}@127.0.0.1:5432/db//x"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKUP_", "RESTORE_", "AWS_"))}
    result = run_ops("restore-drill", "--bucket", "b", option, misplaced,
                     "--database-url", "postgresql://app@127.0.0.1:1/db", env=env)
    output = result.stdout + result.stderr
    assert result.returncode in (1, 2), output
    assert "Traceback" not in output
    assert [p for p in pieces(PASSWORD) if p in output] == [], output
