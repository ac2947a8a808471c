"""This repository's own CI/CD workflows: previews and deploys run the policy pack with credentials."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.stacks import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text())


def pulumi_steps(workflow: dict[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]], int]]:
    """(job, steps, index) of every pulumi/actions step."""
    return [
        (job, job["steps"], i)
        for job in workflow["jobs"].values()
        for i, step in enumerate(job["steps"])
        if str(step.get("uses", "")).startswith("pulumi/actions@")
    ]


@pytest.mark.parametrize("name", ["preview", "deploy"])
def test_every_pulumi_run_uses_the_policy_pack_of_its_stack_and_aws_oidc(name: str) -> None:
    found = pulumi_steps(load(name))
    assert found
    for _job, steps, index in found:
        args = steps[index]["with"]
        assert args["policyPacks"] == "policies"
        config = args["policyPackConfigs"].replace("${{ matrix.stack }}", "production")
        assert (ROOT / config).is_file(), config
        earlier = [str(s.get("uses", "")) for s in steps[:index]]
        assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in earlier)


def test_production_deploys_only_after_staging() -> None:
    jobs = load("deploy")["jobs"]
    assert jobs["production"]["needs"] == "staging"
    assert jobs["production"]["environment"] == "platform-production"


def test_ci_runs_the_readme_commands() -> None:
    runs = [s.get("run") for s in load("ci")["jobs"]["test"]["steps"]]
    readme = (ROOT / "README.md").read_text()
    for command in ("make test", "make audit"):
        assert command in runs and command in readme


def test_deploy_credentials_are_scoped_to_each_jobs_environment() -> None:
    deploy = load("deploy")
    assert "env" not in deploy  # no workflow-wide tokens
    for name, job in deploy["jobs"].items():
        assert job["environment"] == f"platform-{name}"
        assert "NETLIFY_AUTH_TOKEN" in job["env"]
    preview = load("preview")["jobs"]["preview"]
    assert preview["environment"] == "platform-preview"  # previews run PR code: never deploy tokens
