"""This repository's own CI/CD workflows: previews and deploys run the policy pack with credentials."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.stacks import ROOT
from tests.support.workflows import WORKFLOWS, load, pulumi_commands, resolved_jobs

PACK_ARGS = '--policy-pack policies --policy-pack-config "policies/config/$STACK.json"'


def _stacks_of(job: dict[str, Any]) -> list[str]:
    """The stack(s) `$STACK` names in a job: a matrix's entries, or the job's or its steps' env value."""
    value = str((job.get("env") or {}).get("STACK", ""))
    if "matrix.stack" in value:
        return list(job["strategy"]["matrix"]["stack"])
    steps_env = [str((s.get("env") or {}).get("STACK", "")) for s in job["steps"]]
    return sorted({v for v in [value, *steps_env] if v in ("staging", "production")})


@pytest.mark.parametrize("name", ["preview", "deploy", "rotate"])
def test_every_pulumi_run_uses_the_policy_pack_of_its_stack_and_aws_oidc(name: str) -> None:
    found = 0
    for job_name, job in resolved_jobs(name).items():
        steps = job.get("steps", [])
        runs = [(i, s["with"]) for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("pulumi/actions@")
                and "command" in (s.get("with") or {})]
        for index, args in runs:  # the action running a command (the pull-request preview, for its PR comment)
            found += 1
            assert args["policyPacks"] == "policies"
            assert (ROOT / args["policyPackConfigs"]).is_file(), args["policyPackConfigs"]
            assert any(str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@") for s in steps[:index])
        for index, command, argv in pulumi_commands(job):  # the CLI, with the event log the audit trail keeps
            found += 1
            assert PACK_ARGS in argv, f"{name}:{job_name}: pulumi {command} {argv}"
            assert f"--event-log audit/{command}-events.jsonl" in argv, f"{name}:{job_name}"
            assert _stacks_of(job), f"{name}:{job_name}: $STACK names no stack"
            for stack in _stacks_of(job):
                assert (ROOT / f"policies/config/{stack}.json").is_file()
            assert any(str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@") for s in steps[:index])
            assert any(str(s.get("uses", "")).startswith("pulumi/actions@") and "command" not in (s.get("with") or {})
                       for s in steps[:index]), "the CLI is installed before it runs"
    assert found


def test_every_cli_pulumi_run_leaves_its_audit_trail_even_when_it_fails() -> None:
    for name in ("deploy", "rotate"):
        for job_name, job in resolved_jobs(name).items():
            commands = sorted({command for _, command, _ in pulumi_commands(job)})
            if not commands:
                continue
            (trail,) = [s for s in job["steps"] if str(s.get("run", "")).startswith(".github/scripts/audit-trail.sh")]
            assert trail["if"] == "${{ !cancelled() }}", f"{name}:{job_name}"
            assert set(trail["run"].split()[1:]) >= set(commands), f"{name}:{job_name}"
            assert (trail.get("env") or {}).get("GH_TOKEN") == "${{ github.token }}"
            (upload,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
            assert upload["with"]["path"] == "audit/" and upload["if"] == "${{ !cancelled() }}"


def test_production_deploys_only_after_staging() -> None:
    jobs = resolved_jobs("deploy")
    assert jobs["production"]["needs"] == "staging"
    assert jobs["production"]["environment"] == "platform-production"
    # Production's only real preview runs before its up; staging has none.
    assert [command for _, command, _ in pulumi_commands(jobs["production"])] == ["preview", "up"]
    assert [command for _, command, _ in pulumi_commands(jobs["staging"])] == ["up"]


def test_ci_runs_the_readme_commands() -> None:
    runs = [s.get("run") for s in load("ci")["jobs"]["test"]["steps"]]
    readme = (ROOT / "README.md").read_text()
    for command in ("make test", "make audit"):
        assert command in runs and command in readme


def test_deploy_credentials_are_scoped_to_each_jobs_environment() -> None:
    deploy = load("deploy")
    assert "env" not in deploy  # no workflow-wide tokens
    for name, job in resolved_jobs("deploy").items():
        assert job["environment"] == f"platform-{name}"
        assert "NETLIFY_AUTH_TOKEN" in job["env"]
    preview = load("preview")["jobs"]["staging"]
    assert preview["environment"] == "platform-preview-staging"  # previews run PR code: never deploy tokens


# ---------------------------------------------------------------- who can read which credential
# A pull request runs its own code: whatever credential its job holds, the code can print or send.
# GitHub gives `pull_request` runs from forks no secrets and a read-only GITHUB_TOKEN, but runs
# from same-repository branches get both; so the security properties are asserted per job.

PR_TRIGGERS = {"pull_request", "pull_request_target"}
PERSONAL_TOKEN_ENV = "GITHUB_TOKEN"  # pulumi-github reads a personal/OAuth token from it
APP_AUTH_ENV = {"GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID", "GITHUB_APP_PEM_FILE"}


def _text(node: Any) -> str:
    return yaml.safe_dump(node, sort_keys=True)


def _triggers(workflow: dict[str, Any]) -> set[str]:
    on = workflow.get("on", workflow.get(True))  # PyYAML reads the bare key `on` as True
    return set(on) if isinstance(on, (dict, list)) else {on}


def _env_names(job: dict[str, Any]) -> set[str]:
    names = set(job.get("env") or {})
    for step in job.get("steps", []):
        names |= set(step.get("env") or {})
    return names


def _fork_reachable(job: dict[str, Any]) -> bool:
    """A job of a pull_request workflow that any pull request (a fork's too) runs."""
    condition = str(job.get("if", ""))
    return "github.event.pull_request.head.repo.full_name == github.repository" not in condition


def _environment(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def test_pull_requests_never_trigger_pull_request_target() -> None:
    """pull_request_target runs with the base repository's secrets: PR code must never run there."""
    for path in sorted(WORKFLOWS.glob("*.yml")):
        assert "pull_request_target" not in _triggers(yaml.safe_load(path.read_text())), path.name


def test_every_pull_request_gets_the_offline_preview_and_audit_without_any_credential() -> None:
    workflow = load("preview")
    assert "pull_request" in _triggers(workflow)
    assert "id-token" not in _text(workflow.get("permissions", {}))  # no workflow-wide OIDC
    reachable = {name: job for name, job in workflow["jobs"].items() if _fork_reachable(job)}
    assert reachable, "no job runs for a fork's pull request"
    audited = False
    for name, job in reachable.items():
        text = _text(job)
        assert "secrets." not in text, name
        assert "PULUMI_ACCESS_TOKEN" not in text, name
        assert "id-token" not in _text(job.get("permissions", {})), name
        assert _environment(job) is None, name  # an environment's secrets would be offered to it
        assert not str(job.get("permissions", "")).startswith("write"), name
        assert not any(str(s.get("uses", "")).startswith("pulumi/actions@") for s in job["steps"]), name
        runs = " ".join(str(s.get("run", "")) for s in job["steps"])
        audited |= "make audit" in runs
    assert audited, "the offline preview + audit (`make audit`) must run for every pull request"


def test_real_previews_run_only_for_same_repository_branches_and_never_for_production() -> None:
    jobs = load("preview")["jobs"]
    real = {name: job for name, job in jobs.items()
            if any(str(s.get("uses", "")).startswith("pulumi/actions@") for s in job["steps"])}
    assert real, "the trusted path runs a real `pulumi preview`"
    for name, job in real.items():
        assert "github.event.pull_request.head.repo.full_name == github.repository" in str(job.get("if", "")), name
        assert "production" not in _text(job), f"{name}: a pull request never previews production for real"
        assert _environment(job) == "platform-preview-staging", name


def test_pull_request_previews_hold_no_netlify_or_supabase_token_and_never_refresh() -> None:
    """Neither vendor scopes a token to one site or project, and both stacks share the team and the
    organization: a pull request's code must never hold one. Check and Diff need none; a refresh would."""
    for name, job in load("preview")["jobs"].items():
        assert not {"NETLIFY_AUTH_TOKEN", "SUPABASE_ACCESS_TOKEN"} & _env_names(job), name
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("pulumi/actions@"):
                assert step["with"].get("refresh") is False, name


def test_production_credentials_appear_only_in_jobs_gated_by_the_production_environment() -> None:
    """Production's tokens live in two environments: `platform-production` (its reviewers gate every
    change) and `platform-drift-production` (no reviewers, default branch only), whose job never
    changes anything: its one Pulumi command is a preview."""
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in resolved_jobs(path.stem).items():
            if "secrets." in _text(job) and "production" in _text(job):
                environment = str(_environment(job))
                if environment == "platform-drift-${{ matrix.stack }}":
                    assert [c for _, c, _ in pulumi_commands(job)] == ["preview"], f"{path.name}:{name}"
                    assert "--expect-no-changes" in pulumi_commands(job)[0][2]
                    assert not {"issues", "contents"} & {k for k, v in job["permissions"].items() if v == "write"}
                    continue
                assert environment == "platform-production", f"{path.name}:{name}"


def test_deploy_authenticates_to_github_as_the_app_never_with_a_personal_token() -> None:
    for name, job in resolved_jobs("deploy").items():
        env = job.get("env") or {}
        assert set(env) >= APP_AUTH_ENV, name
        assert "secrets." in str(env["GITHUB_APP_PEM_FILE"]), name  # the private key is a secret
        assert PERSONAL_TOKEN_ENV not in _env_names(job), name
        assert "PLATFORM_GITHUB_TOKEN" not in _text(job), name


def test_the_drift_issue_job_holds_no_secret_and_only_writes_issues() -> None:
    job = load("rotate")["jobs"]["drift-issue"]
    assert job["permissions"] == {"issues": "write"}
    assert "secrets." not in _text(job) and "environment" not in job
    assert not any(str(s.get("uses", "")).startswith("actions/checkout@") for s in job["steps"])
