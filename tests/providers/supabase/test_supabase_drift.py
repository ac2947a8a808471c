"""Refresh-time drift, property by property (pulumi/pulumi#13839): `read` hands the engine inputs
that differ from the program's exactly where the live project drifted, so the preview of
`pulumi preview --refresh --expect-no-changes` can name it. See tests/providers/test_netlify_drift.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from providers.supabase.api_keys import LegacyApiKeysProvider, SecretApiKeyRetirementProvider
from providers.supabase.auth import AuthConfigProvider
from providers.supabase.custom_hostname import CustomHostnameProvider
from providers.supabase.function_secrets import FunctionSecretsProvider
from providers.supabase.network_restrictions import NetworkRestrictionsProvider
from providers.supabase.pooler import PoolerConfigProvider
from providers.supabase.postgrest import PostgrestConfigProvider
from providers.supabase.project import ProjectProvider
from providers.supabase.ssl_enforcement import SslEnforcementProvider
from tests.providers.supabase.conftest import connect
from tests.providers.supabase.test_supabase_secret_api_keys import clock, inputs, keys  # noqa: F401 (fixtures)


def drifted(inputs: dict[str, Any] | None, program: dict[str, Any]) -> set[str]:
    assert inputs is not None
    return {k for k in {*inputs, *program} if inputs.get(k) != program.get(k)}


@pytest.fixture
def project(fake):
    return fake.add_project("maintainpro-staging")


SETTINGS = [
    (AuthConfigProvider, {"site_url": "https://staging.maintainpro.example", "jwt_exp": 3600,
                          "uri_allow_list": "https://b.maintainpro.example,https://a.maintainpro.example"},
     lambda p: p.auth.__setitem__("jwt_exp", 86400)),
    (PostgrestConfigProvider, {"db_schema": "api, public", "max_rows": 500},
     lambda p: p.postgrest.__setitem__("max_rows", 5000)),
    (SslEnforcementProvider, {"database": True}, lambda p: setattr(p, "ssl", False)),
    (NetworkRestrictionsProvider, {"dbAllowedCidrs": ["10.1.2.3/8"], "dbAllowedCidrsV6": []},
     lambda p: p.cidrs.__setitem__("dbAllowedCidrs", ["0.0.0.0/0"])),
    (PoolerConfigProvider, {"pool_mode": "session", "default_pool_size": 30},
     lambda p: p.pooler.__setitem__("default_pool_size", 15)),
]


@pytest.mark.parametrize(("provider_type", "settings", "dashboard"), SETTINGS, ids=lambda v: getattr(v, "__name__", ""))
def test_settings_drift_is_named(fake, project, provider_type, settings, dashboard):
    """Values the server rewrites (allow-list order, schema spacing, CIDR network form) compare equal."""
    provider = connect(provider_type(), fake.url)
    program = provider.check({}, {"project_ref": project.ref, "settings": settings, "wait_timeout": 30}).inputs
    outs = provider.create(program).outs
    read = provider.read(project.ref, outs)
    assert drifted(read.inputs, program) == set() and provider.diff(project.ref, read.outs, program).changes is False
    dashboard(project)
    read = provider.read(project.ref, read.outs)
    assert provider.diff(project.ref, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"settings"}


def test_auth_write_only_settings_cannot_be_read_back(fake, project):
    """`secret_settings` are write-only (masked by the API) and state keeps only their hashes: with
    nothing drifted `read` answers no inputs, so the engine keeps its stored ones (which hold
    them); with drift the inputs name `settings` and lack `secret_settings` (a known limitation)."""
    provider = connect(AuthConfigProvider(), fake.url)
    program = provider.check({}, {"project_ref": project.ref, "settings": {"jwt_exp": 3600}, "wait_timeout": 30,
                                  "secret_settings": {"smtp_pass": "fake-smtp-password"}}).inputs
    outs = provider.create(program).outs
    project.auth["smtp_pass"] = "fake-other-password"
    read = provider.read(project.ref, outs)
    assert read.inputs is None and provider.diff(project.ref, read.outs, program).changes is False
    project.auth["jwt_exp"] = 60
    read = provider.read(project.ref, read.outs)
    assert drifted(read.inputs, program) == {"settings", "secret_settings"}


def test_project_drift_names_the_name_and_keeps_the_password_out(fake, sleeps):
    """The password is write-only and never in state: a no-drift read answers no inputs (the engine
    keeps its stored ones); a drifted one names `name` and lacks `db_pass` (documented limitation)."""
    provider = connect(ProjectProvider(), fake.url, sleeps=sleeps)
    program = provider.check({}, {"organization_slug": "acme", "name": "maintainpro-staging", "region": "eu-central-1",
                                  "db_pass": "fake-db-password", "legacy_api_keys": "enabled", "wait_timeout": 60,
                                  "poll_interval": 5}).inputs
    created = provider.create(program)
    read = provider.read(created.id, created.outs)
    assert read.inputs is None and provider.diff(created.id, read.outs, program).changes is False
    fake.projects[created.id].name = "renamed-in-dashboard"
    read = provider.read(created.id, read.outs)
    assert provider.diff(created.id, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"name", "db_pass"}


def test_custom_hostname_drift_is_named(fake, project):
    provider = connect(CustomHostnameProvider(), fake.url)
    program = {"project_ref": project.ref, "hostname": "api.maintainpro.example", "wait_timeout": 30}
    created = provider.create(dict(program))
    read = provider.read(project.ref, created.outs)
    assert drifted(read.inputs, program) == set() and provider.diff(project.ref, read.outs, program).changes is False
    project.hostname = "other.maintainpro.example"
    read = provider.read(project.ref, read.outs)
    assert provider.diff(project.ref, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"hostname"}


def test_function_secrets_drift_is_named_by_digest(fake, project):
    """Values are write-only, but the listing answers SHA-256 digests: a changed value is seen and
    named by leaving `secrets` out of the inputs; with nothing drifted the engine keeps its own."""
    provider = connect(FunctionSecretsProvider(), fake.url)
    program = {"project_ref": project.ref, "secrets": {"RESEND_API_KEY": "fake-resend-key"}, "wait_timeout": 30}
    created = provider.create(dict(program))
    read = provider.read(project.ref, created.outs)
    assert read.inputs is None and provider.diff(project.ref, read.outs, program).changes is False
    project.secrets["RESEND_API_KEY"] = "0" * 64
    read = provider.read(project.ref, read.outs)
    assert provider.diff(project.ref, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"secrets"}


def test_legacy_api_keys_drift_is_named(fake, project):
    provider = connect(LegacyApiKeysProvider(), fake.url)
    program = {"project_ref": project.ref, "enabled": False, "wait_timeout": 30}
    created = provider.create(dict(program))
    read = provider.read(project.ref, created.outs)
    assert drifted(read.inputs, program) == set() and provider.diff(project.ref, read.outs, program).changes is False
    project.legacy_enabled = True  # re-enabled in the dashboard
    read = provider.read(project.ref, read.outs)
    assert provider.diff(project.ref, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"enabled"}


def test_secret_api_key_has_nothing_that_drifts_in_place(fake, project, keys, clock):  # noqa: F811
    """Every input is a keeper or naming rule: nothing on the live key is managed in place, so the
    inputs are the prior ones; a key deleted out of band reads as gone (the next `up` recreates it)."""
    program = inputs(project.ref, clock.now)
    created = keys.create(dict(program))
    read = keys.read(created.id, created.outs)
    assert drifted(read.inputs, program) == set() and keys.diff(created.id, read.outs, program).changes is False
    project.api_keys = [k for k in project.api_keys if k["id"] != created.outs["key_id"]]
    assert keys.read(created.id, created.outs).id is None


def test_secret_api_key_retirement_has_no_api_object(fake, project):
    """No API object of its own: its inputs are the prior ones and nothing can drift."""
    provider = connect(SecretApiKeyRetirementProvider(), fake.url)
    program = {"project_ref": project.ref, "key": "ci", "delete": [], "keep": ["k1"], "wait_timeout": 30}
    created = provider.create(dict(program))
    read = provider.read(created.id, created.outs)
    assert drifted(read.inputs, program) == set() and provider.diff(created.id, read.outs, program).changes is False
