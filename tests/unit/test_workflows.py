"""rotate.yml: the scheduled rotation runs the real `ops secrets --due` and deploys through deploy.yml's own path."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from tests.stacks import ROOT
from tests.support.workflows import called, load, resolved_jobs, triggers
from tests.unit.test_ops_secrets import BOUNDARY, ending_at_boundary, iso

STACKS = ("staging", "production")


def test_every_caller_of_the_reusable_up_inherits_secrets_and_names_a_known_stack() -> None:
    """Environment secrets reach the called job only with `secrets: inherit` (actions/runner#4453); an
    unknown stack would run in an environment GitHub creates on first use, without reviewers."""
    callers = 0
    for name in ("deploy", "rotate"):
        for job_name, job in load(name)["jobs"].items():
            if "uses" in job:
                callers += 1
                assert job["uses"] == "./.github/workflows/pulumi-up.yml", f"{name}:{job_name}"
                assert job["secrets"] == "inherit", f"{name}:{job_name}"
                assert job_name in STACKS and job["with"]["stack"] == job_name, f"{name}:{job_name}"
    assert callers == 4


def test_rotation_is_daily_and_on_demand() -> None:
    on = triggers(load("rotate"))
    (schedule,) = on["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month, weekday) == ("*", "*", "*") and minute.isdigit() and hour.isdigit()
    assert "workflow_dispatch" in on
    assert on["workflow_dispatch"]["inputs"]["margin"]["default"] == "1d"


def test_rotation_deploys_through_the_same_reusable_workflow_as_deploy_yml() -> None:
    deploy, rotate = load("deploy")["jobs"], load("rotate")["jobs"]
    for stack in STACKS:
        assert rotate[stack]["uses"] == deploy[stack]["uses"] == "./.github/workflows/pulumi-up.yml"
        assert rotate[stack]["with"] == deploy[stack]["with"]  # same stack, same preview
        assert rotate[stack]["secrets"] == "inherit"
        assert called(rotate[stack]) == called(deploy[stack])
    jobs = resolved_jobs("rotate")
    assert jobs["production"]["environment"] == "platform-production"  # its required reviewers: GitHub's approval
    assert jobs["staging"]["environment"] == "platform-staging"
    for stack in STACKS:  # a caller grants what the called job needs
        assert rotate[stack]["permissions"] == load("deploy")["permissions"] == load("pulumi-up")["permissions"]


def test_each_stack_is_deployed_only_when_due_and_production_after_staging() -> None:
    jobs = load("rotate")["jobs"]
    # After the drift check whatever it found (so a hand-made change is reported before an up reverts it).
    assert set(jobs["staging"]["needs"]) == {"due", "drift"}
    assert jobs["staging"]["if"] == "${{ !cancelled() && needs.due.outputs.staging == 'true' }}"
    production = jobs["production"]
    assert set(production["needs"]) == {"due", "drift", "staging"}
    # Runs when staging had nothing due (skipped), never after a failed staging rotation.
    assert "!cancelled()" in production["if"] and "needs.due.outputs.production == 'true'" in production["if"]
    assert "needs.staging.result != 'failure'" in production["if"]
    outputs = jobs["due"]["outputs"]
    for stack in STACKS:
        assert outputs[stack] == f"${{{{ steps.due.outputs.{stack} }}}}"


def test_rotation_never_runs_beside_a_deploy() -> None:
    assert load("rotate")["concurrency"] == load("deploy")["concurrency"] == {"group": "deploy", "cancel-in-progress": False}
    assert "concurrency" not in load("pulumi-up")  # a called workflow joining its caller's group would wait on itself


def due_step() -> dict:
    (step,) = [s for s in load("rotate")["jobs"]["due"]["steps"] if s.get("id") == "due"]
    return step


def run_due_step(tmp_path: Path, now: str, margin: str = "1d") -> tuple[int, dict[str, str], str]:
    """The due step's own script, under bash -e as GitHub runs it, with the clock given to its `ops` call."""
    script = due_step()["run"]
    assert script.count("-m ops secrets --due") == 1
    script = script.replace("-m ops secrets --due", f"-m ops secrets --now {now} --due")
    tmp_path.mkdir(parents=True, exist_ok=True)
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {**os.environ, "MARGIN": margin, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    lines = output.read_text().splitlines() if output.exists() else []
    return result.returncode, dict(line.split("=", 1) for line in lines), summary.read_text() if summary.exists() else ""


def test_the_due_step_runs_the_real_command_and_sets_the_outputs_the_up_jobs_read(tmp_path: Path) -> None:
    assert due_step()["env"]["MARGIN"] == "${{ inputs.margin || '1d' }}"  # the schedule has no inputs
    expected = ending_at_boundary()
    # Two hours after the boundary the windows ending there have ended: an `up` now rotates them.
    code, outputs, summary = run_due_step(tmp_path / "after", iso(BOUNDARY + timedelta(hours=2)))
    assert code == 0  # "something is due" (ops exit 1) is no failure of the job
    for stack in STACKS:
        assert outputs[stack] == "true"
        assert set(outputs[f"{stack}_secrets"].split()) == {name for s, _, name in expected if s == stack}
    assert all(f"| {s} | {name} | {kind} | 2026-12-03 00:00Z |" in summary for s, kind, name in expected)
    # Two hours before, they are still current: nothing to rotate yet.
    code, outputs, summary = run_due_step(tmp_path / "before", iso(BOUNDARY - timedelta(hours=2)))
    assert code == 0
    assert outputs == {"staging": "false", "staging_secrets": "", "production": "false", "production_secrets": ""}
    assert "Nothing due." in summary


def test_the_due_step_fails_on_bad_input(tmp_path: Path) -> None:
    code, outputs, _ = run_due_step(tmp_path, iso(BOUNDARY), margin="1w")
    assert code == 2 and outputs == {}


def run_report(tmp_path: Path, env: dict[str, str]) -> str:
    (step,) = load("rotate")["jobs"]["report"]["steps"]
    summary = tmp_path / "summary"
    subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                   env={**os.environ, **env, "GITHUB_STEP_SUMMARY": str(summary)}, timeout=30, check=True)
    return summary.read_text()


@pytest.mark.parametrize(("due", "result", "shown"), [
    ("true", "success", "rotated"), ("true", "failure", "failure"), ("true", "skipped", "skipped"),
    ("false", "skipped", "nothing due"), ("", "skipped", "nothing due")])
def test_the_report_records_per_stack_what_rotated(tmp_path: Path, due: str, result: str, shown: str) -> None:
    report = load("rotate")["jobs"]["report"]
    assert report["if"] == "${{ always() }}" and set(report["needs"]) == {"due", "staging", "production"}
    env = report["steps"][0]["env"]
    for stack in STACKS:
        assert env[f"{stack.upper()}_RESULT"] == f"${{{{ needs.{stack}.result }}}}"
        assert env[f"{stack.upper()}_DUE"] == f"${{{{ needs.due.outputs.{stack} }}}}"
    secrets = "alpha_secret beta_secret" if due == "true" else ""
    text = run_report(tmp_path, {"STAGING_DUE": due, "STAGING_RESULT": result, "STAGING_SECRETS": secrets,
                                 "PRODUCTION_DUE": "false", "PRODUCTION_RESULT": "skipped", "PRODUCTION_SECRETS": ""})
    assert f"| staging | {shown} | {secrets or '-'} |" in text
    assert "| production | nothing due | - |" in text
