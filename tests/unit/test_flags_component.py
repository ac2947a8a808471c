"""Feature flags on ConfigCat under the mock engine, both stacks: what each declares, what each rollout
serves, the kill switch kept (init_only + replace on config changes), and the SDK key's one way out."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache

import pytest
import yaml

from ops.engine import Preview, Registered, run_stack
from ops.stackfile import read_stack_file
from tests.stacks import mutate, stack_document, write_stack

NOW = datetime(2026, 12, 7, 4, tzinfo=timezone.utc)
P = "maintainpro-platform"
PRODUCT = "configcat:index/product:Product"
CONFIG = "configcat:index/configuration:Configuration"
ENVIRONMENT = "configcat:index/environment:Environment"
SEGMENT = "configcat:index/segment:Segment"
SETTING = "configcat:index/setting:Setting"
VALUE = "configcat:index/settingValueV2:SettingValueV2"
SDK_KEY = "configcat-sdk-1/offline-preview/primary-key"  # ops/engine.py's offline getSdkKeys answer
ON, OFF = {"boolValue": True}, {"boolValue": False}


@cache
def preview(stack: str) -> Preview:
    return run_stack(read_stack_file(stack), NOW)


def named(p: Preview, name: str) -> Registered:
    (found,) = [r for r in p.resources if r.name == name]
    return found


def test_staging_declares_the_shared_objects_kept_through_a_destroy() -> None:
    p = preview("staging")
    product, config = named(p, "flags-product"), named(p, "flags-config")
    assert product.inputs["name"] == "MaintAInPro" and product.inputs["organizationId"] == "00000000-0000-4000-8000-000000000000"
    assert config.inputs["evaluationVersion"] == "v2" and config.inputs["name"] == "Web app"
    assert all(r.protect and r.retain_on_delete for r in (product, config))
    segment = named(p, "flags-segment-internal")
    assert (segment.inputs["comparisonAttribute"], segment.inputs["comparator"], segment.inputs["comparisonValue"]) == (
        "Email", "contains", "@maintainpro.example")
    settings = {r.inputs["key"]: r.inputs["settingType"] for r in p.by_type(SETTING)}
    assert settings == {"newWorkOrderForm": "boolean", "maintenanceBanner": "string"}
    environment = named(p, "flags-environment")
    assert environment.inputs["name"] == "staging" and not environment.protect


def test_production_declares_only_its_environment_and_values() -> None:
    p = preview("production")
    assert not p.by_type(PRODUCT) + p.by_type(CONFIG) + p.by_type(SEGMENT) + p.by_type(SETTING)
    environment = named(p, "flags-environment")
    assert environment.inputs["name"] == "production" and environment.protect and environment.retain_on_delete
    assert environment.inputs["productId"] == "offline-product-id"  # found by name (the offline answer)
    values = {r.name: r.inputs for r in p.by_type(VALUE)}
    assert values["flags-newWorkOrderForm-value"]["settingId"] == "offline-setting-newWorkOrderForm"


def test_staging_serves_its_stage_two_internal_first_then_half_of_everyone() -> None:
    """Stage 2 of staging's plan: stage 1 admitted `internal`, stage 2 adds 50 % of everyone else."""
    value = named(preview("staging"), "flags-newWorkOrderForm-value").inputs
    assert value["value"] == OFF
    assert value["targetingRules"] == [
        {"conditions": [{"segmentCondition": {"segmentId": "flags-segment-internal-id", "comparator": "isIn"}}], "value": ON},
        {"percentageOptions": [{"percentage": 50, "value": ON}, {"percentage": 50, "value": OFF}]},
    ]


def test_production_at_stage_one_serves_internal_users_only() -> None:
    value = named(preview("production"), "flags-newWorkOrderForm-value").inputs
    assert value["targetingRules"] == [
        {"conditions": [{"segmentCondition": {"segmentId": "offline-segment-internal", "comparator": "isIn"}}], "value": ON}]
    banner = named(preview("production"), "flags-maintenanceBanner-value").inputs
    assert banner["value"] == {"stringValue": ""} and banner["targetingRules"] == []


@pytest.mark.parametrize(("stage", "options"), [(3, [[100, ON], [0, OFF]]), (4, [[100, ON], [0, OFF]])])
def test_every_percentage_rule_sums_to_100(tmp_path, stage: int, options: list) -> None:
    """Production advanced to its last stages by hand: the split is the stage's share and the rest."""
    document = mutate(stack_document("production"), f"{P}:flags", "flags.0.rollout.stage", stage)
    write_stack(tmp_path, "production", document)
    p = run_stack(read_stack_file("production", tmp_path), NOW)
    rules = named(p, "flags-newWorkOrderForm-value").inputs["targetingRules"]
    split = [[o["percentage"], o["value"]] for o in rules[-1]["percentageOptions"]]
    assert split == ([[50, ON], [50, OFF]] if stage == 3 else options)
    for resource in p.by_type(VALUE) + preview("staging").by_type(VALUE):
        for rule in resource.inputs["targetingRules"]:
            if "percentageOptions" in rule:
                assert sum(o["percentage"] for o in rule["percentageOptions"]) == 100


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_a_dashboard_kill_switch_sticks_until_config_changes(stack: str) -> None:
    """init_only: written once, never read back or rewritten; a config change replaces the value."""
    for value in preview(stack).by_type(VALUE):
        assert value.inputs["initOnly"] is True
        assert set(value.replace_on_changes) == {"value", "targetingRules", "percentageEvaluationAttribute"}
        assert value.inputs["mandatoryNotes"].startswith(f"maintainpro-platform ({stack}): ")


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_sdk_key_reaches_the_build_and_nowhere_else(stack: str) -> None:
    p = preview(stack)
    sources = {named(p, "flags-environment").urn}
    readers = {r.name for r in p.resources if r.parent and "FeatureFlag" not in r.urn.split("::")[2]
               and any(sources & set(deps) for deps in r.property_dependencies.values())}
    assert readers == {"netlify-env-VITE_CONFIGCAT_SDK_KEY", "pipeline-workflow"}
    env_var = named(p, "netlify-env-VITE_CONFIGCAT_SDK_KEY")
    assert env_var.inputs["scopes"] == ["builds"] and env_var.inputs["is_secret"] is False
    assert [r.name for r in p.resources if SDK_KEY in str(r.inputs)] == ["pipeline-workflow"]
    workflow = yaml.safe_load(named(p, "pipeline-workflow").inputs["content"])
    builds = [step["env"] for job in workflow["jobs"].values() for step in job.get("steps", [])
              if step.get("name") == "Build"]
    assert builds and all(env["VITE_CONFIGCAT_SDK_KEY"] == SDK_KEY for env in builds)
    assert SDK_KEY not in str(p.outputs)
