"""Replacements of every adopting Supabase resource, driven in the engine's order, against the fake.

Each test replaces the resource the way the engine would (`tests/support/replacement.py`), then
looks on the fake for the live object: it must exist with the desired state, once, and nothing
of it may be left where the replacement moved it from.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from providers.supabase.auth import AuthConfigProvider
from providers.supabase.custom_hostname import CustomHostnameProvider
from providers.supabase.function_secrets import FunctionSecretsProvider
from providers.supabase.network_restrictions import NetworkRestrictionsProvider
from providers.supabase.pooler import PoolerConfigProvider
from providers.supabase.postgrest import PostgrestConfigProvider
from providers.supabase.project import ProjectProvider
from providers.supabase.settings import SettingsProvider
from providers.supabase.ssl_enforcement import SslEnforcementProvider
from tests.providers.supabase.conftest import connect
from tests.support.replacement import replace

PASSWORD = "fake-db-password-replacement"


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_a_project_moved_to_another_region_is_deleted_first_and_recreated_once(fake, sleeps):
    provider = connect(ProjectProvider(), fake.url, sleeps=sleeps)
    wanted = {"organization_slug": "acme", "name": "maintainpro-staging", "region": "eu-central-1",
              "instance_size": None, "db_pass": PASSWORD, "wait_timeout": 60, "poll_interval": 5}
    old = provider.create(provider.check({}, wanted).inputs)
    moved = replace(provider, old.id, old.outs, {**wanted, "region": "us-east-1"})
    # Delete first: created first, the new project's find-by-name would have adopted the old one.
    assert moved.delete_first
    new = moved.created
    assert new.id != old.id and old.id not in fake.projects
    (live,) = [p for p in fake.projects.values() if p.name == "maintainpro-staging"]
    assert live.ref == new.id and live.region == "us-east-1" and live.status == "ACTIVE_HEALTHY"
    assert live.password_sha256 == sha(PASSWORD)
    (secret,) = fake.keys_of(live.ref, "secret")
    assert new.outs["secret_key"] == secret["api_key"] and new.outs["region"] == "us-east-1"
    assert fake.count("v1-create-a-project") == 2


SETTINGS: list[tuple[type[SettingsProvider], dict[str, Any]]] = [
    (AuthConfigProvider, {"site_url": "https://staging.maintainpro.example", "jwt_exp": 1800,
                          "uri_allow_list": "https://a.example,https://b.example"}),
    (PostgrestConfigProvider, {"db_schema": "public,api", "max_rows": 500}),
    (SslEnforcementProvider, {"database": True}),
    (NetworkRestrictionsProvider, {"dbAllowedCidrs": ["10.0.0.0/8"], "dbAllowedCidrsV6": ["2001:db8::/32"]}),
    (PoolerConfigProvider, {"pool_mode": "session", "default_pool_size": 20}),
]


@pytest.mark.parametrize(("cls", "settings"), SETTINGS, ids=[c[0].__name__ for c in SETTINGS])
def test_settings_moved_to_another_project_are_written_there(fake, cls, settings):
    first, second = fake.add_project("maintainpro-a"), fake.add_project("maintainpro-b")
    provider = connect(cls(), fake.url)
    news = {"project_ref": first.ref, "settings": settings}
    old = provider.create(provider.check({}, news).inputs)
    moved = replace(provider, old.id, old.outs, {**news, "project_ref": second.ref})
    assert moved.delete_first and moved.created.id == second.ref
    # The live settings of the new project, read back through the API (normalised as the provider does).
    read = provider.read(second.ref, moved.created.outs)
    assert read.id == second.ref and read.outs["settings"] == old.outs["settings"]


def test_function_secrets_moved_to_another_project_are_set_there_once_and_removed_from_the_first(fake):
    first, second = fake.add_project("maintainpro-a"), fake.add_project("maintainpro-b")
    second.secrets["UNMANAGED_SECRET"] = sha("fake-unmanaged")
    provider = connect(FunctionSecretsProvider(), fake.url)
    secrets = {"WORK_ORDER_WEBHOOK_SECRET": "fake-webhook-secret", "RESEND_API_KEY": "fake-resend-key"}
    news = {"project_ref": first.ref, "secrets": secrets}
    old = provider.create(provider.check({}, news).inputs)
    moved = replace(provider, old.id, old.outs, {**news, "project_ref": second.ref})
    assert moved.delete_first and moved.created.id == second.ref
    assert second.secrets == {"UNMANAGED_SECRET": sha("fake-unmanaged"), **{k: sha(v) for k, v in secrets.items()}}
    assert first.secrets == {}
    assert provider.read(second.ref, moved.created.outs).outs["hashes"] == {k: sha(v) for k, v in secrets.items()}


def test_a_new_custom_hostname_replaces_the_old_one_and_stays(fake):
    project = fake.add_project("maintainpro-production")
    provider = connect(CustomHostnameProvider(), fake.url)
    news = {"project_ref": project.ref, "hostname": "api.old.maintainpro.example"}
    old = provider.create(provider.check({}, news).inputs)
    moved = replace(provider, old.id, old.outs, {**news, "hostname": "api.maintainpro.example"})
    # Delete first: one hostname per project, and the id (the ref) is the same before and after, so
    # a delete after the create would remove the new hostname.
    assert moved.delete_first
    assert project.hostname == "api.maintainpro.example"
    read = provider.read(project.ref, moved.created.outs)
    assert read.id == project.ref and read.outs["hostname"] == "api.maintainpro.example"
    assert {r["name"] for r in read.outs["dns_records"]} >= {"_cf-custom-hostname.api.maintainpro.example"}
    assert fake.count("v1-Delete hostname config") == 1 and fake.count("v1-update-hostname-config") == 2


def test_a_secret_api_key_moved_to_another_project_is_created_there_first_and_the_old_keys_go(fake):
    from providers.supabase.api_keys import SecretApiKeyProvider

    provider = connect(SecretApiKeyProvider(), fake.url)
    old_project, new_project = fake.add_project("maintainpro-old"), fake.add_project("maintainpro-new")
    wanted = {"project_ref": old_project.ref, "name_prefix": "staging_ci", "grace_seconds": 3600.0, "description": "ci",
              "keepers": {"rotation_window_start": "2026-11-03T00:00:00+00:00", "rotation_days": "30"}}
    old = provider.create(provider.check({}, wanted).inputs)
    moved = replace(provider, old.id, old.outs, {**wanted, "project_ref": new_project.ref})
    assert not moved.delete_first  # a key of the other project is never the old one: create first
    (key,) = [k for k in fake.keys_of(new_project.ref, "secret") if k["name"] == "staging_ci_20261103"]
    assert moved.created.outs["key_id"] == key["id"] and moved.created.outs["api_key"] == key["api_key"]
    assert [k["name"] for k in fake.keys_of(old_project.ref, "secret")] == ["default"]
