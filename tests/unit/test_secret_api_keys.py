"""Both stacks under the mock engine: one Supabase secret API key per consumer, wired to it, retired after it.

The provider side (create, rotate, retire, the clock) is tested against the fake in
tests/providers/supabase/test_supabase_secret_api_keys.py; here the program's wiring: which key
feeds which consumer, what the retirement and the legacy switch wait for, and that a new window
changes the key's keepers.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from components.config import PROJECT
from components.secrets import RotationWindow
from ops.engine import SECRET, Preview, run_stack
from ops.stackfile import read_stack_file
from tests.stacks import mutate, stack_document, write_stack

KEY = "pulumi-python:dynamic/supabase:SecretApiKey"
RETIREMENT = "pulumi-python:dynamic/supabase:SecretApiKeyRetirement"
LEGACY = "pulumi-python:dynamic/supabase:LegacyApiKeys"
PROJECT_TYPE = "pulumi-python:dynamic/supabase:Project"
ENV_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
FUNCTION_SECRETS = "pulumi-python:dynamic/supabase:FunctionSecrets"
NOW = datetime(2026, 12, 1, 21, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def previews() -> dict[str, Preview]:
    return {stack: run_stack(read_stack_file(stack), now=NOW) for stack in ("staging", "production")}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_one_key_per_configured_consumer_with_the_windows_keepers(previews, stack):
    cfg = read_stack_file(stack).validate()
    keys = {k.name: k for k in previews[stack].by_type(KEY)}
    assert set(keys) == {f"supabase-secret-key-{name}" for name in cfg.supabase.secret_keys.keys} == {"supabase-secret-key-ci"}
    for name, spec in cfg.supabase.secret_keys.keys.items():
        key = keys[f"supabase-secret-key-{name}"]
        window = RotationWindow.containing(NOW, spec.rotation_days)
        assert key.inputs["keepers"] == {"rotation_window_start": window.start.isoformat(),
                                         "rotation_days": str(spec.rotation_days)}
        assert key.inputs["name_prefix"] == f"{stack}_{name}"
        assert key.inputs["grace_seconds"] == cfg.supabase.secret_keys.grace_hours * 3600
        assert key.additional_secret_outputs == ("api_key",)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_ci_receives_its_own_rotating_key_not_the_projects_default_one(previews, stack):
    preview = previews[stack]
    (key,) = preview.by_type(KEY)
    (project,) = preview.by_type(PROJECT_TYPE)
    (secret,) = [s for s in preview.by_type(ENV_SECRET) if s.inputs["secretName"] == "SUPABASE_SECRET_KEY"]
    assert secret.inputs["value"] == SECRET and secret.inputs["environment"] == stack
    assert secret.property_dependencies["value"] == (key.urn,)
    assert project.urn not in secret.property_dependencies["value"]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_retirement_waits_for_every_consumer_of_its_key_and_lists_nothing_inside_a_window(previews, stack):
    preview = previews[stack]
    (key,) = preview.by_type(KEY)
    (retirement,) = preview.by_type(RETIREMENT)
    (consumer,) = [s for s in preview.by_type(ENV_SECRET) if s.inputs["secretName"] == "SUPABASE_SECRET_KEY"]
    assert consumer.urn in retirement.dependencies and key.urn in retirement.property_dependencies["delete"]
    assert retirement.inputs["delete"] == [] and retirement.inputs["keep"] == ["offline-preview-secret-key-id"]


def test_an_edge_function_caller_key_reaches_the_function_secrets_and_its_retirement_waits_for_them(tmp_path: Path):
    document = mutate(stack_document("staging"), f"{PROJECT}:supabase", "secret_keys.keys.edge-caller",
                      {"rotation_days": 14, "consumers": {"supabase_secrets": ["WORK_ORDER_API_KEY"]}})
    write_stack(tmp_path, "staging", document)
    preview = run_stack(read_stack_file("staging", tmp_path), now=NOW)
    keys = {k.name: k for k in preview.by_type(KEY)}
    assert set(keys) == {"supabase-secret-key-ci", "supabase-secret-key-edge-caller"}
    assert keys["supabase-secret-key-edge-caller"].inputs["name_prefix"] == "staging_edge_caller"
    (functions,) = preview.by_type(FUNCTION_SECRETS)
    assert keys["supabase-secret-key-edge-caller"].urn in functions.property_dependencies["secrets"]
    retirements = {r.inputs["key"]: r for r in preview.by_type(RETIREMENT)}
    assert functions.urn in retirements["edge-caller"].dependencies
    assert functions.urn not in retirements["ci"].dependencies


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_legacy_keys_go_off_after_every_consumer_of_the_new_keys(previews, stack):
    preview = previews[stack]
    (legacy,) = preview.by_type(LEGACY)
    (project,) = preview.by_type(PROJECT_TYPE)
    assert legacy.inputs["enabled"] is False and project.inputs["legacy_api_keys"] == "disabled"
    consumers = [*preview.by_type(ENV_SECRET), *preview.by_type(FUNCTION_SECRETS),
                 *preview.by_type("pulumi-python:dynamic/netlify:EnvVar")]
    stack_env = [c for c in consumers if c.type != ENV_SECRET or c.inputs["environment"] == stack]
    assert stack_env and all(c.urn in legacy.dependencies for c in stack_env)
    assert all(r.urn in legacy.dependencies for r in preview.by_type(RETIREMENT))


def test_a_stack_keeping_legacy_keys_declares_no_switch(tmp_path: Path):
    write_stack(tmp_path, "staging", mutate(stack_document("staging"), f"{PROJECT}:supabase", "legacy_api_keys", "enabled"))
    preview = run_stack(read_stack_file("staging", tmp_path), now=NOW)
    assert not preview.by_type(LEGACY)
    (project,) = preview.by_type(PROJECT_TYPE)
    assert project.inputs["legacy_api_keys"] == "enabled"


def test_a_new_window_changes_the_keepers_so_the_key_rotates():
    stack = read_stack_file("production")
    days = stack.validate().supabase.secret_keys.keys["ci"].rotation_days
    inside = RotationWindow.containing(NOW, days)
    (now_key,) = run_stack(stack, now=NOW).by_type(KEY)
    (same,) = run_stack(stack, now=NOW + (inside.end - NOW) / 2).by_type(KEY)
    (rotated,) = run_stack(stack, now=inside.end).by_type(KEY)
    assert now_key.inputs["keepers"] == same.inputs["keepers"]
    assert rotated.inputs["keepers"]["rotation_window_start"] == inside.end.isoformat()
