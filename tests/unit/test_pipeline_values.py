"""What reaches the delivery pipeline's files, with the values the offline preview masks: the deploy
token only as an environment secret, build values in clear only when public, budgets as configured."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pulumi
import pytest
import yaml

from components import delivery_workflow, lighthouse
from components.config import DEPLOY_TOKEN_KEY, PROJECT, ConfigError, LighthouseConfig, StackConfig
from components.pipeline import DeliveryPipeline, DeliveryPipelineArgs
from components.platform import Platform, PlatformArgs
from components.runtime_config import deploy_token
from ops.stackfile import read_stack_file
from tests.support.capture import (
    API_OUTPUTS,
    FAKE_DEPLOY_TOKEN,
    CapturingMocks,
    program_failure,
    revealed,
    run_program,
)

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
FILE = "github:index/repositoryFile:RepositoryFile"
ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
PROJECT_OUTPUTS = API_OUTPUTS["pulumi-python:dynamic/supabase:Project"]


def _cfg(stack: str) -> StackConfig:
    return read_stack_file(stack).validate()


def _platform(stack: str) -> CapturingMocks:
    cfg = _cfg(stack)
    token = pulumi.Output.secret(FAKE_DEPLOY_TOKEN)
    mocks, _ = run_program(lambda: Platform(f"maintainpro-{stack}", PlatformArgs(cfg, NOW, token)), stack=stack)
    return mocks


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_deploy_token_is_only_ever_an_environment_secret(stack: str) -> None:
    mocks = _platform(stack)
    holders = []
    for resource in mocks.resources:
        for name, item in resource.inputs.items():
            if FAKE_DEPLOY_TOKEN in json.dumps(revealed(item.value), default=str):
                holders.append((resource.type, name, item.secret,
                                resource.inputs["environment"].value if resource.type == ENV_SECRET else None))
    environments = ["staging", "staging-preview"] if stack == "staging" else ["production"]
    assert sorted(holders, key=lambda h: str(h[3])) == [(ENV_SECRET, "value", True, env) for env in environments]
    for secret in mocks.of_type(ENV_SECRET):
        if FAKE_DEPLOY_TOKEN in str(revealed(secret.inputs["value"].value)):
            assert secret.inputs["secretName"].value == "NETLIFY_AUTH_TOKEN"


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_workflow_is_plain_text_with_the_public_key_and_this_stacks_project(stack: str) -> None:
    """The publishable key arrives secret from the project and is declassified by name for the build;
    the file is not a secret in state, so a preview (and the policy pack) can read it."""
    mocks = _platform(stack)
    (file,) = [f for f in mocks.of_type(FILE) if f.inputs["file"].value == f".github/workflows/delivery-{stack}.yml"]
    assert file.inputs["content"].secret is False
    jobs = yaml.safe_load(file.inputs["content"].value)["jobs"]
    (build,) = [s for s in jobs[f"build-{stack}"]["steps"] if s.get("name") == "Build"]
    assert build["env"]["VITE_SUPABASE_PUBLISHABLE_KEY"] == PROJECT_OUTPUTS["publishable_key"]
    assert build["env"]["VITE_SUPABASE_URL"] == PROJECT_OUTPUTS["url"]
    assert PROJECT_OUTPUTS["secret_key"] not in file.inputs["content"].value


def _pipeline(build_env: dict[str, pulumi.Input[str]]) -> DeliveryPipeline:
    return DeliveryPipeline("pipeline", DeliveryPipelineArgs.from_stack(_cfg("staging"), build_env=build_env))


def test_a_secret_build_value_stops_the_program_naming_it() -> None:
    kind, message = program_failure(lambda: _pipeline({"VITE_SENTRY_DSN": pulumi.Output.secret("fake-dsn")}))
    assert issubclass(kind, pulumi.RunError)
    assert "the staging build: VITE_SENTRY_DSN is a secret and would be written into the app repo's workflow" in message
    assert "fake-dsn" not in message


def test_a_build_value_holding_an_expression_is_refused() -> None:
    kind, message = program_failure(lambda: _pipeline({"VITE_APP_ENV": "${{ secrets.NETLIFY_AUTH_TOKEN }}"}))
    assert issubclass(kind, pulumi.RunError)
    assert "build value VITE_APP_ENV contains '${{': it would run as a workflow expression" in message


def test_a_missing_deploy_token_names_the_key_and_how_to_set_it() -> None:
    pulumi.runtime.set_mocks(CapturingMocks(), project=PROJECT, stack="staging", preview=True)
    pulumi.runtime.set_all_config({}, [])
    with pytest.raises(ConfigError) as caught:
        deploy_token()
    [(key, message)] = caught.value.problems
    assert key == DEPLOY_TOKEN_KEY == "maintainpro-platform:netlifyDeployToken"
    assert message.startswith("missing: `pulumi config set --secret maintainpro-platform:netlifyDeployToken`")
    assert caught.value.source == "Pulumi.staging.yaml"


def test_without_a_smoke_tag_the_deploy_job_runs_no_e2e() -> None:
    cfg = _cfg("production")
    untagged = cfg.model_copy(update={"delivery": cfg.delivery.model_copy(update={"smoke_tag": None})})
    spec = DeliveryPipelineArgs.from_stack(untagged, build_env={}).spec
    steps = delivery_workflow.document(spec)["jobs"]["deploy-production"]["steps"]
    assert [s.get("name") or s.get("uses") or s.get("run") for s in steps] == [
        "Check out the platform's ops tools", "actions/setup-python@v6",
        "python -m pip install --quiet -r requirements.txt", "actions/download-artifact@v7",
        "Draft deploy (not live)", "Promote: smoke the draft, publish, validate live, roll back on failure",
    ]


def test_budgets_other_than_the_stack_files_are_rendered_as_given() -> None:
    budgets = LighthouseConfig(runs=5, min_performance_score=0.75, max_lcp_ms=4000, max_cls=0.25, max_tbt_ms=600,
                               max_script_kb=170)
    rc = json.loads(lighthouse.render(budgets, "build"))
    assert rc["ci"]["collect"] == {"staticDistDir": "./build", "isSinglePageApplication": True, "numberOfRuns": 5}
    assertions = rc["ci"]["assert"]["assertions"]
    assert assertions["categories:performance"][1]["minScore"] == 0.75
    assert [assertions[a][1]["maxNumericValue"] for a in (
        "largest-contentful-paint", "cumulative-layout-shift", "total-blocking-time", "resource-summary:script:size",
    )] == [4000, 0.25, 600, 174080]  # 170 KB * 1024
    assert {level for level, _ in assertions.values()} == {"error"}


def test_the_publish_dir_and_build_command_come_from_the_netlify_section() -> None:
    cfg = _cfg("staging")
    moved = cfg.model_copy(update={"netlify": cfg.netlify.model_copy(update={"publish_dir": "build",
                                                                             "build_command": "npm run build:app"})})
    spec = DeliveryPipelineArgs.from_stack(moved, build_env={}).spec
    jobs = delivery_workflow.document(spec)["jobs"]
    steps = jobs["build-staging"]["steps"]
    assert [s["run"] for s in steps if s.get("name") == "Build"] == ["npm run build:app"]
    assert "cp deploy/headers/staging/_headers build/_headers" in [s.get("run") for s in steps]
    assert [s["with"]["path"] for s in steps if "upload-artifact" in str(s.get("uses"))] == ["build"]
