"""This repository's own CI/CD workflows: previews and deploys run the policy pack with credentials."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.stacks import ROOT
from tests.support.workflows import WORKFLOWS, load, resolved_jobs


def pulumi_steps(jobs: dict[str, dict[str, Any]]) -> list[tuple[dict[str, Any], list[dict[str, Any]], int]]:
    """(job, steps, index) of every pulumi/actions step."""
    return [
        (job, job["steps"], i)
        for job in jobs.values()
        for i, step in enumerate(job["steps"])
        if str(step.get("uses", "")).startswith("pulumi/actions@")
    ]


@pytest.mark.parametrize("name", ["preview", "deploy", "rotate"])
def test_every_pulumi_run_uses_the_policy_pack_of_its_stack_and_aws_oidc(name: str) -> None:
    found = pulumi_steps(resolved_jobs(name))
    assert found
    for _job, steps, index in found:
        args = steps[index]["with"]
        assert args["policyPacks"] == "policies"
        config = args["policyPackConfigs"].replace("${{ matrix.stack }}", "production")
        assert (ROOT / config).is_file(), config
        earlier = [str(s.get("uses", "")) for s in steps[:index]]
        assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in earlier)


def test_production_deploys_only_after_staging() -> None:
    jobs = resolved_jobs("deploy")
    assert jobs["production"]["needs"] == "staging"
    assert jobs["production"]["environment"] == "platform-production"
    # Production's only real preview runs before its up.
    commands = [s["with"]["command"] for s in jobs["production"]["steps"] if "pulumi/actions@" in str(s.get("uses"))]
    assert commands == ["preview", "up"]


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
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in resolved_jobs(path.stem).items():
            if "secrets." in _text(job) and "production" in _text(job):
                assert _environment(job) == "platform-production", f"{path.name}:{name}"


def test_deploy_authenticates_to_github_as_the_app_never_with_a_personal_token() -> None:
    for name, job in resolved_jobs("deploy").items():
        env = job.get("env") or {}
        assert APP_AUTH_ENV <= set(env), name
        assert "secrets." in str(env["GITHUB_APP_PEM_FILE"]), name  # the private key is a secret
        assert PERSONAL_TOKEN_ENV not in _env_names(job), name
        assert "PLATFORM_GITHUB_TOKEN" not in _text(job), name
