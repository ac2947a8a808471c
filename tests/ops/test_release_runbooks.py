"""The release and rollback runbooks name only commands and options that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.core import TyperOption
from typer.main import get_command

from ops.cli import load
from ops.stackfile import ROOT

RUNBOOKS = [ROOT / "docs" / "runbooks" / name for name in ("release.md", "rollback.md")]
CHECKED = ("promote", "rollback", "probe")


def options_of(command: str) -> set[str]:
    group = get_command(load(command))
    params = group.commands[command].params  # type: ignore[attr-defined]
    return {opt for p in params if isinstance(p, TyperOption) for opt in (*p.opts, *p.secondary_opts)}


@pytest.mark.parametrize("runbook", RUNBOOKS, ids=lambda p: p.name)
def test_every_ops_command_line_uses_real_options(runbook: Path) -> None:
    lines = re.findall(r"python -m ops (\w[\w-]*)([^`\n]*)", runbook.read_text())
    checked = [(command, rest) for command, rest in lines if command in CHECKED]
    assert "rollback" in {command for command, _ in checked}
    problems = [f"{command}: {flag}" for command, rest in checked for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest)
                if flag not in options_of(command)]
    assert not problems, problems
