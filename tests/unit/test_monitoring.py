"""The monitoring workflow each stack commits to the app repo, under the mock engine."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pulumi
import pytest
import typer
import yaml

from components.monitoring import Monitoring, MonitoringArgs
from ops.cli import load
from ops.engine import Registered, run_stack
from ops.stackfile import read_stack_file
from tests.stacks import stack_document

app = load("probe")


P = "maintainpro-platform"
SEVERITY_OF_ROUTES = {"staging": ["warning", "info"], "production": ["critical", "warning", "info"]}


def workflow_of(stack: str) -> tuple[Registered, Registered, dict[str, Any]]:
    preview = run_stack(read_stack_file(stack))
    (component,) = preview.by_type("maintainpro:monitoring:Monitoring")
    files = [r for r in preview.by_type("github:index/repositoryFile:RepositoryFile") if r.parent == component.urn]
    (file,) = files
    document = yaml.safe_load(file.inputs["content"])
    return component, file, document


def probe_step(document: dict[str, Any]) -> dict[str, Any]:
    (step,) = [s for s in document["jobs"]["probe"]["steps"] if "ops probe" in s.get("run", "")]
    return step


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_each_stack_commits_a_scheduled_probe_workflow(stack: str) -> None:
    component, file, document = workflow_of(stack)
    raw = stack_document(stack)["config"]
    assert file.inputs["repository"] == raw[f"{P}:github"]["app_repo"]
    assert file.inputs["branch"] == raw[f"{P}:github"]["default_branch"]  # schedules run from the default branch only
    assert file.inputs["file"] == f".github/workflows/maintainpro-monitoring-{stack}.yml"
    assert file.inputs["overwriteOnCreate"] is True
    assert stack in file.inputs["commitMessage"]
    # PyYAML reads the bare key `on` as True; the file quotes it, so it stays a string.
    assert document["on"]["schedule"] == [{"cron": raw[f"{P}:monitoring"]["schedule"]}]
    assert "workflow_dispatch" in document["on"]
    assert document["permissions"] == {"contents": "read"}
    job = document["jobs"]["probe"]
    assert job["timeout-minutes"] <= 15
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["repository"] == f"{raw[f'{P}:github']['owner']}/maintainpro-platform"
    words = shlex.split(probe_step(document)["run"])
    assert words[:5] == ["python", "-m", "ops", "probe", "--stack"] and words[5] == stack


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_alert_webhooks_are_secret_references_per_routed_severity(stack: str) -> None:
    component, file, document = workflow_of(stack)
    env = probe_step(document)["env"]
    hooks = {k: v for k, v in env.items() if k.startswith("ALERT_WEBHOOK_")}
    assert hooks == {
        f"ALERT_WEBHOOK_{s.upper()}": f"${{{{ secrets.ALERT_WEBHOOK_{s.upper()} }}}}" for s in SEVERITY_OF_ROUTES[stack]
    }
    referenced = set(re.findall(r"secrets\.([A-Z0-9_]+)", file.inputs["content"]))
    assert referenced == set(hooks) | {"PLATFORM_REPO_TOKEN"}
    # the job reads them from its own environment, which the component creates
    (environment,) = [r for r in run_stack(read_stack_file(stack)).by_type(
        "github:index/repositoryEnvironment:RepositoryEnvironment") if r.inputs["environment"] == f"monitoring-{stack}"]
    assert document["jobs"]["probe"]["environment"] == environment.inputs["environment"]
    for route in stack_document(stack)["config"][f"{P}:monitoring"]["alert_routes"]:
        assert f"#   {route['severity']}: {route['channel']} {route['target']}" in file.inputs["content"]


def test_the_workflow_only_passes_options_the_probe_command_has() -> None:
    _, _, document = workflow_of("production")
    words = shlex.split(probe_step(document)["run"])
    flags = {w for w in words if w.startswith("--")}
    command = typer.main.get_command(app).commands["probe"]  # type: ignore[attr-defined]
    known = {opt for param in command.params for opt in [*param.opts, *param.secondary_opts]}
    assert flags and flags <= known, flags - known
    fail_on = document["jobs"]["probe"]["steps"][-1]["env"]["FAIL_ON"]
    assert "inputs.fail_on" in fail_on  # a dispatch input, passed through env (no script injection)
    assert "${{" not in probe_step(document)["run"]


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def test_the_supabase_url_reaches_the_probe_environment() -> None:
    pulumi.runtime.set_mocks(_Mocks(), project=P, stack="production", preview=False)
    cfg = read_stack_file("production").validate()

    @pulumi.runtime.test
    def check() -> pulumi.Output[None]:
        url = pulumi.Output.from_input("https://zyxwvutsrqponmlkjihg.supabase.co")
        monitoring = Monitoring("monitoring", MonitoringArgs.from_stack(cfg, supabase_url=url))

        def verify(content: str) -> None:
            env = probe_step(yaml.safe_load(content))["env"]
            assert env["MAINTAINPRO_SUPABASE_URL"] == "https://zyxwvutsrqponmlkjihg.supabase.co"

        return monitoring.workflow.content.apply(verify)

    check()
