"""`SupabaseProject` under the mock engine: both stacks, production protection, secret outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pulumi
import pytest

from components.config import PROJECT, ConfigError, load_stack_config
from components.database import SupabaseProject, SupabaseProjectArgs, auth_settings
from ops.engine import SECRET, run_stack
from ops.stackfile import read_stack_file
from tests.stacks import DELETE, ROOT, mutate, stack_document, write_stack

PROJECT_TYPE = "pulumi-python:dynamic/supabase:Project"
POOLER_TYPE = "pulumi-python:dynamic/supabase:PoolerConfig"
FUNCTION_SECRETS = "pulumi-python:dynamic/supabase:FunctionSecrets"
SETTINGS_TYPES = {f"pulumi-python:dynamic/supabase:{n}" for n in
                  ("AuthConfig", "PostgrestConfig", "SslEnforcement", "NetworkRestrictions", "PoolerConfig")}
KEY_TYPES = {f"pulumi-python:dynamic/supabase:{n}" for n in ("SecretApiKey", "SecretApiKeyRetirement", "LegacyApiKeys")}


@pytest.fixture(scope="module")
def previews():
    return {stack: run_stack(read_stack_file(stack)) for stack in ("staging", "production")}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_each_stack_registers_its_project_and_settings_under_the_component(previews, stack):
    preview = previews[stack]
    (component,) = preview.by_type("maintainpro:database:SupabaseProject")
    (project,) = preview.by_type(PROJECT_TYPE)
    assert project.parent == component.urn
    assert project.inputs["name"] == f"maintainpro-{stack}"
    assert project.inputs["db_pass"] == SECRET
    assert set(project.additional_secret_outputs) == {"publishable_key", "secret_key", "anon_key", "service_role_key",
                                                      "db_url"}
    children = {r.type for r in preview.children(component.urn)}
    assert children == {PROJECT_TYPE, FUNCTION_SECRETS} | SETTINGS_TYPES | KEY_TYPES
    # Settings wait for the project: they depend on it, through its ref and explicitly.
    for settings in (r for r in preview.resources if r.type in SETTINGS_TYPES):
        assert project.urn in settings.dependencies


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_other_project_write_waits_for_ssl_enforcement_to_apply(previews, stack):
    """An SSL change restarts the database: nothing else of the project writes until it applied."""
    preview = previews[stack]
    (component,) = preview.by_type("maintainpro:database:SupabaseProject")
    (ssl,) = preview.by_type("pulumi-python:dynamic/supabase:SslEnforcement")
    others = [r for r in preview.children(component.urn) if r.type != PROJECT_TYPE and r.urn != ssl.urn]
    assert {r.type for r in others} >= SETTINGS_TYPES - {ssl.type}
    for resource in others:
        assert ssl.urn in resource.dependencies, resource.name


def test_a_stack_without_allowed_cidrs_declares_allow_all_so_removing_them_lifts_the_restriction(tmp_path):
    """Unrestricted is what the API reads back as 0.0.0.0/0 and ::/0; an absent resource would leave the old list."""
    document = mutate(stack_document("staging"), f"{PROJECT}:supabase", "allowed_cidrs", DELETE)
    for key in ("runner", "runner_egress_cidrs"):
        document = mutate(document, f"{PROJECT}:backups", key, DELETE)
    write_stack(tmp_path, "staging", document)
    (network,) = run_stack(read_stack_file("staging", tmp_path)).by_type("pulumi-python:dynamic/supabase:NetworkRestrictions")
    assert network.inputs["settings"] == {"dbAllowedCidrs": ["0.0.0.0/0"], "dbAllowedCidrsV6": ["::/0"]}


def test_generated_secrets_for_edge_functions_reach_the_project_only_as_secrets(previews):
    for preview in previews.values():
        (secrets,) = preview.by_type(FUNCTION_SECRETS)
        assert secrets.inputs["secrets"] == SECRET  # WORK_ORDER_WEBHOOK_SECRET, from the stack's secrets


def test_ci_gets_the_project_ref_as_a_variable_and_keys_only_as_secrets(previews):
    preview = previews["production"]
    variables = {r.inputs.get("variableName") for r in preview.by_type("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")}
    secrets = {r.inputs.get("secretName") for r in preview.by_type("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret")}
    assert {"SUPABASE_PROJECT_REF", "SUPABASE_URL"} <= variables
    assert {"SUPABASE_SECRET_KEY", "SUPABASE_DB_URL"} <= secrets
    assert not {"SUPABASE_SECRET_KEY", "SUPABASE_DB_URL"} & variables


def test_production_project_is_protected_and_retained(previews):
    (project,) = previews["production"].by_type(PROJECT_TYPE)
    assert project.protect and project.retain_on_delete


def test_staging_project_is_protected_but_not_retained_unless_destroy_is_allowed(previews, tmp_path):
    (project,) = previews["staging"].by_type(PROJECT_TYPE)
    assert project.protect and not project.retain_on_delete
    document = mutate(stack_document("staging"), f"{PROJECT}:supabase", "allow_destroy", True)
    write_stack(tmp_path, "staging", document)
    (project,) = run_stack(read_stack_file("staging", tmp_path)).by_type(PROJECT_TYPE)
    assert not project.protect and not project.retain_on_delete


def test_stack_settings_reach_the_api_fields(previews):
    preview = previews["production"]
    auth = preview.by_type("pulumi-python:dynamic/supabase:AuthConfig")[0].inputs["settings"]
    assert auth["uri_allow_list"] == ("https://app.maintainpro.example/auth/callback,"
                                      "https://www.maintainpro.example/auth/callback")
    assert auth["disable_signup"] is True and auth["mfa_totp_enroll_enabled"] is True and auth["jwt_exp"] == 3600
    network = preview.by_type("pulumi-python:dynamic/supabase:NetworkRestrictions")[0].inputs["settings"]
    assert network["dbAllowedCidrs"] == ["203.0.113.0/24", "198.51.100.16/28"]
    (project,) = preview.by_type(PROJECT_TYPE)
    assert project.inputs["wait_timeout"] == 20 * 60 and project.inputs["instance_size"] == "small"


def test_offline_preview_shows_the_project_and_never_a_secret():
    result = subprocess.run([sys.executable, "-m", "ops", "preview", "--stack", "staging", "--stack", "production",
                             "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    projects = {p["stack"]: [r for r in p["resources"] if r["type"] == PROJECT_TYPE][0] for p in payload}
    assert projects["production"]["protect"] and projects["production"]["retain_on_delete"]
    assert projects["staging"]["inputs"]["db_pass"] == SECRET
    # The mock engine's stand-in for the generated password must never be printed.
    assert "offline-preview-database-password" not in result.stdout + result.stderr


def test_a_region_the_pinned_spec_does_not_offer_is_a_config_error():
    document = stack_document("staging")
    sections = {k.split(":", 1)[1]: v for k, v in document["config"].items() if k.startswith(f"{PROJECT}:")}
    sections["supabase"] = {**sections["supabase"], "region": "eu-south-9", "instance_size": "pico"}
    with pytest.raises(ConfigError) as failure:
        load_stack_config(sections, "staging")
    paths = dict(failure.value.problems)
    assert paths["supabase.region"].startswith("must be one of: us-east-1")
    assert paths["supabase.instance_size"].startswith("must be one of: nano")


# -- the component's own outputs, with a mock that answers like the provider would -------------

class ProviderLikeMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        if args.typ == PROJECT_TYPE:
            ref = "abcdefghijklmnopqrst"
            state.update(ref=ref, url=f"https://{ref}.supabase.co", publishable_key="sb_publishable_fake",
                         secret_key="sb_secret_fake", db_url="postgresql://postgres:fake@db/postgres")
        elif args.typ == POOLER_TYPE:
            state.update(session_url="postgresql://postgres.abcdefghijklmnopqrst@pooler.example.test:5432/postgres")
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def _config(stack: str):
    document = stack_document(stack)
    sections = {k.split(":", 1)[1]: v for k, v in document["config"].items() if k.startswith(f"{PROJECT}:")}
    return load_stack_config(sections, stack).supabase


def test_component_outputs_keys_and_database_urls_only_as_secrets():
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(ProviderLikeMocks(), project=PROJECT, stack="production", preview=False)

    @pulumi.runtime.test
    def check():
        db = SupabaseProject("supabase", SupabaseProjectArgs(
            supabase=_config("production"), production=True, db_password="fake-db-password",
            function_secrets={"WORK_ORDER_WEBHOOK_SECRET": "fake-webhook-secret"}))
        outputs = [db.url, db.project_ref, db.publishable_key, db.secret_key, db.db_url, db.pooler_url]

        async def secrecy():
            return [await o._is_secret for o in outputs], [await o._future for o in outputs[:2]]

        return pulumi.Output.from_input(__import__("asyncio").ensure_future(secrecy())).apply(verify)

    def verify(result):
        secret, plain = result
        assert secret == [False, False, True, True, True, True]
        assert plain == ["https://abcdefghijklmnopqrst.supabase.co", "abcdefghijklmnopqrst"]

    check()


def test_auth_settings_map_every_config_field():
    cfg = _config("production")
    settings = auth_settings(cfg)
    assert settings["password_min_length"] == cfg.auth.password_min_length
    assert settings["rate_limit_verify"] == cfg.auth.rate_limit_verify
    assert settings["password_hibp_enabled"] is cfg.auth.password_hibp
    assert len(settings) == 11


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_supabase_resource_waits_as_long_as_the_stack_allows(previews, stack):
    """Settings and secrets wait for a healthy project up to `health_timeout_minutes`, like the project."""
    from providers.supabase.api import DEFAULT_WAIT_TIMEOUT

    wanted = read_stack_file(stack).validate().supabase.health_timeout_minutes * 60
    assert wanted != DEFAULT_WAIT_TIMEOUT, "pick a stack timeout that differs from the providers' default"
    resources = [r for r in previews[stack].resources if r.type.startswith("pulumi-python:dynamic/supabase:")]
    assert {r.type for r in resources} >= SETTINGS_TYPES | {FUNCTION_SECRETS, PROJECT_TYPE}
    assert {r.name: r.inputs["wait_timeout"] for r in resources} == {r.name: wanted for r in resources}
