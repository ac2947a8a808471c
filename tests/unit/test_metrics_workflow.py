"""The weekly delivery-metrics workflow production commits to the app repo, read back from the real program's
offline run; its two scripts run under bash as GitHub runs them: the real `ops metrics` against the GitHub
fake, and the issue step against a stand-in `gh` that filters with the real jq."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from ops.engine import run_stack
from ops.stackfile import read_stack_file
from tests.stacks import ROOT
from tests.support.delivery_history import RecordedHistory
from tests.support.github_fake import APP_REPO, TOKEN, FakeGitHub
from tests.support.workflows import triggers

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
FILE = "github:index/repositoryFile:RepositoryFile"
PATH = ".github/workflows/delivery-metrics-production.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    (file,) = [f for f in run_stack(read_stack_file("production"), NOW).by_type(FILE) if f.inputs["file"] == PATH]
    assert (file.inputs["repository"], file.inputs["branch"]) == ("maintainpro-app", "main")
    return yaml.safe_load(file.inputs["content"])


def step(workflow: dict[str, Any], name_starts: str) -> dict[str, Any]:
    (found,) = [s for s in workflow["jobs"]["metrics"]["steps"] if s.get("name", "").startswith(name_starts)]
    return found


def test_only_production_commits_it() -> None:
    staging = run_stack(read_stack_file("staging"), NOW).by_type(FILE)
    assert not [f for f in staging if "metrics" in f.inputs["file"]]


def test_weekly_and_on_demand_with_the_least_it_needs(workflow) -> None:
    on = triggers(workflow)
    (schedule,) = on["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month) == ("*", "*") and weekday.isdigit() and minute.isdigit() and hour.isdigit()  # once a week
    assert on["workflow_dispatch"]["inputs"]["days"]["default"] == 30
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "deployments": "read", "issues": "write"}
    assert "environment" not in job  # no reviewers to wait for, no secret but the job's own token
    assert set(re.findall(r"secrets\.(\w+)", json.dumps(job))) == {"PLATFORM_REPO_TOKEN"}  # the ops tools' checkout
    assert step(workflow, "Measure")["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    assert step(workflow, "Open or update")["if"] == "steps.metrics.outputs.missed == 'true'"


# ---------------------------------------------------------------- the measuring step, run


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server
    assert not server.schema_errors and not server.request_errors


def run_measure(workflow, fake: FakeGitHub, tmp_path: Path, token: str = TOKEN) -> tuple[int, str, str, str]:
    """The step's script with the job's environment: the fake as GitHub, the clock at 2026-03-31 12:00."""
    s = step(workflow, "Measure")
    summary, output = tmp_path / "summary", tmp_path / "output"
    env = {**os.environ, "GITHUB_TOKEN": token, "GITHUB_API_URL": fake.url, "MAINTAINPRO_NOW": "2026-03-31T12:00:00Z",
           "DAYS": "7", "REPORT": str(tmp_path / "report.md"), "GITHUB_STEP_SUMMARY": str(summary),
           "GITHUB_OUTPUT": str(output), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    read = lambda p: p.read_text() if p.exists() else ""  # noqa: E731
    return result.returncode, read(summary), read(output), result.stdout + result.stderr


def daily(fake: FakeGitHub, fail_last: bool = False) -> None:
    """Two deployments a day for the week to 03-31 (09:00 and 11:00, each 30 min after its commit); the last
    one fails and is rolled back when `fail_last`."""
    h = RecordedHistory(fake)
    for day in range(25, 32):
        for hour in (9, 11):
            sha = h.commit(datetime(2026, 3, day, hour, tzinfo=timezone.utc))
            created = datetime(2026, 3, day, hour, 28, tzinfo=timezone.utc)
            if fail_last and (day, hour) == (31, 11):
                h.promote(sha, created, failed_at=created + timedelta(minutes=4),
                          rollback=(created + timedelta(minutes=5), created + timedelta(minutes=7)))
            else:
                h.promote(sha, created, live_at=created + timedelta(minutes=2))


def test_targets_met_post_the_report_and_open_no_issue(workflow, fake, tmp_path) -> None:
    daily(fake)
    code, summary, output, _ = run_measure(workflow, fake, tmp_path)
    assert code == 0 and output == "missed=false\n"
    assert summary.startswith("## Delivery metrics: production\n") and "**Every target with data is met.**" in summary
    assert "```mermaid\nxychart-beta\n" in summary


def test_a_missed_target_posts_the_report_and_asks_for_the_issue(workflow, fake, tmp_path) -> None:
    daily(fake, fail_last=True)  # 1 failure of 14: 7.1 % > 5 %
    code, summary, output, _ = run_measure(workflow, fake, tmp_path)
    assert code == 0 and output == "missed=true\n"  # a missed target is the issue's business, not a failed job
    assert "| Change failure rate | 7.1% (1 of 14) | ≤ 5.0% | ❌ missed |" in summary


def test_no_access_fails_the_job_with_the_commands_message(workflow, fake, tmp_path) -> None:
    fake.grant("fake-other-token", APP_REPO, None)
    code, summary, output, said = run_measure(workflow, fake, tmp_path, token="fake-other-token")
    assert code == 1 and summary == output == ""
    assert "GITHUB_TOKEN cannot see it" in said and "::error::ops metrics could not measure (exit 1)" in said


# ---------------------------------------------------------------- the issue step, run

GH = """#!/bin/bash
# gh as the step calls it: `issue list ... --jq EXPR` answers $GH_ISSUES through EXPR (gh's --jq is gojq);
# every call is logged, one per line.
printf '%s\\n' "$*" >> "$GH_LOG"
if [ "$1 $2" = "issue list" ]; then
  while [ $# -gt 0 ]; do if [ "$1" = "--jq" ]; then expr="$2"; fi; shift; done
  printf '%s' "$GH_ISSUES" | jq -r "$expr"
fi
"""


def run_issue_step(workflow, tmp_path: Path, open_issues: list[dict[str, Any]], name: str = "Open or update") -> list[str]:
    s = step(workflow, name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(GH)
    (bin_dir / "gh").chmod(0o755)
    log = tmp_path / "gh.log"
    env = {**os.environ, **{k: v for k, v in s["env"].items() if "${{" not in v},
           "PATH": f"{bin_dir}:{os.environ['PATH']}", "GH_LOG": str(log), "GH_ISSUES": json.dumps(open_issues),
           "GITHUB_REPOSITORY": APP_REPO, "REPORT": str(tmp_path / "report.md"),
           "RUN_URL": "https://github.com/maintainpro-example/maintainpro-app/actions/runs/7"}
    subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]], env=env, check=True,
                   capture_output=True, text=True, timeout=60)
    return log.read_text().splitlines()


def test_the_open_issue_with_its_exact_title_is_updated(workflow, tmp_path) -> None:
    calls = run_issue_step(workflow, tmp_path, [
        {"number": 12, "title": "Delivery targets missed (staging)"},
        {"number": 9, "title": "Delivery targets missed (production)"},
        {"number": 3, "title": "Delivery targets missed (production) again?"},
    ])
    report = tmp_path / "report.md"
    assert calls[1:] == [
        f"issue edit 9 --repo {APP_REPO} --body-file {report}",
        f"issue comment 9 --repo {APP_REPO} --body Still missed in "
        "https://github.com/maintainpro-example/maintainpro-app/actions/runs/7",
    ]


def test_without_one_a_new_issue_is_opened(workflow, tmp_path) -> None:
    calls = run_issue_step(workflow, tmp_path, [{"number": 12, "title": "Delivery targets missed (staging)"}])
    assert calls[0].startswith(f"issue list --repo {APP_REPO} --state open")
    assert calls[1:] == [f"issue create --repo {APP_REPO} --title Delivery targets missed (production) "
                         f"--body-file {tmp_path / 'report.md'}"]


def test_targets_met_again_close_the_open_issue_with_a_link_to_the_run(workflow, tmp_path) -> None:
    assert step(workflow, "Close the issue")["if"] == "steps.metrics.outputs.missed == 'false'"
    calls = run_issue_step(workflow, tmp_path, [{"number": 12, "title": "Delivery targets missed (staging)"},
                                                {"number": 9, "title": "Delivery targets missed (production)"}],
                           name="Close the issue")
    assert calls[1:] == [f"issue close 9 --repo {APP_REPO} --comment Every target met again in "
                         "https://github.com/maintainpro-example/maintainpro-app/actions/runs/7"]


def test_targets_met_with_no_open_issue_change_nothing(workflow, tmp_path) -> None:
    calls = run_issue_step(workflow, tmp_path, [{"number": 12, "title": "Delivery targets missed (staging)"}],
                           name="Close the issue")
    assert len(calls) == 1 and calls[0].startswith("issue list")
