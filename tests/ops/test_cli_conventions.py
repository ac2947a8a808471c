"""What an operator expects of the CLI as a tool (issue 15, item 11): --version, -h everywhere,
shell completion, help on every option with its allowed values, one set of placeholders, and an
installed `maintainpro-ops` that finds the project from its own location, not the current directory."""

from __future__ import annotations

import re
import site
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from typer._click.core import Context
from typer.core import TyperOption
from typer.main import get_command

from ops.cli import COMMANDS, FALLBACK_VERSION, load
from ops.stackfile import ROOT
from tests.ops.cli_runner import run_ops

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# The placeholders option values are written with (README "Exit codes and output").
PLACEHOLDERS = {"NAME", "FILE", "DIR", "URL", "ISO", "DURATION", "ISO|DURATION", "SECONDS", "DEPLOY", "JSON",
                "SEVERITY", "DSN", "N", "MINUTES", "MIB", "PREFIX", "KEY", "SCHEMA", "TEXT", "SHA"}
# Values an option takes that are not a typer choice (validated in the command), and where they are listed.
LISTED_VALUES = {("probe", "--fail-on"): ("critical", "warning", "info")}


def options() -> list[tuple[str, TyperOption, str, str]]:
    group = get_command(load())
    found = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        context = Context(command, info_name=name)
        for param in command.params:
            if isinstance(param, TyperOption):
                synopsis, help_text = param.get_help_record(context) or ("", "")
                found.append((name, param, synopsis, help_text))
    return found


def test_version_is_the_projects() -> None:
    assert PROJECT["version"] == FALLBACK_VERSION
    result = run_ops("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"maintainpro-ops {PROJECT['version']}"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_dash_h_is_help_on_the_app_and_every_command(command: str | None) -> None:
    result = run_ops(*([command] if command else []), "-h")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: python -m ops " + (command or ""))
    assert "-h, --help" in result.stdout


def test_shell_completion_is_offered() -> None:
    result = run_ops("--help")
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout


def test_every_option_has_help_and_a_known_placeholder() -> None:
    problems = []
    for command, param, synopsis, help_text in options():
        if not help_text.split("[")[0].strip():
            problems.append(f"{command} {param.opts[0]}: no help")
        if param.is_flag:
            continue
        metavar = synopsis.rsplit(" ", 1)[-1]
        if not (metavar in PLACEHOLDERS or re.fullmatch(r"<[a-z]+(\|[a-z]+)+>", metavar)):
            problems.append(f"{command} {param.opts[0]}: placeholder {metavar}")
    assert not problems, problems


def test_every_option_with_fixed_values_names_them() -> None:
    problems = []
    for command, param, synopsis, help_text in options():
        choice = re.search(r"<([a-z]+(\|[a-z]+)+)>$", synopsis)
        values = choice.group(1).split("|") if choice else LISTED_VALUES.get((command, param.opts[-1]))
        if values and "|".join(values) not in help_text + synopsis:
            problems.append(f"{command} {param.opts[-1]}: values {values} not named")
    assert ("probe", "--fail-on") in {(c, p.opts[-1]) for c, p, _, _ in options()}
    assert not problems, problems


def test_the_installed_entry_point_runs_outside_the_repository(tmp_path: Path) -> None:
    """What the Makefile's venv step does (an editable, offline install), in a throwaway venv that
    borrows .venv's packages, then `maintainpro-ops preview` from an unrelated directory."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    (packages,) = (venv / "lib").glob("python*/site-packages")
    (packages / "shared.pth").write_text(site.getsitepackages()[0] + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
         "--disable-pip-version-check", "--no-deps", "--no-build-isolation", "--no-index", "-e", str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([str(venv / "bin" / "maintainpro-ops"), "preview", "--stack", "staging"], cwd=elsewhere,
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("stack staging: ")
    version = subprocess.run([str(venv / "bin" / "maintainpro-ops"), "--version"], cwd=elsewhere,
                             capture_output=True, text=True, timeout=60, check=False)
    assert version.stdout.strip() == f"maintainpro-ops {PROJECT['version']}"


def test_the_makefile_installs_the_project() -> None:
    makefile = (ROOT / "Makefile").read_text()
    venv_step = makefile.split("$(VENV)/.installed:", 1)[1].split("\n\n", 1)[0]
    assert "--no-index -e ." in venv_step and "--no-build-isolation" in venv_step
    assert PROJECT["name"] == "maintainpro-platform"
