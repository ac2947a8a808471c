"""Every request the Supabase providers send, checked by Prism against the official spec.

Prism runs an auth-enforcing copy of the spec with request validation; the `contract` fixture
fails a test on any `sl-violations` header or a 401/404/415/422 answer. Prism is stateless and
always reports projects INACTIVE, so waits are exercised against the stateful fake instead; here
the settings providers' health wait is skipped to reach their write calls.
"""

from __future__ import annotations

import httpx
import pytest

from providers.supabase.api import ProjectNotReady, SupabaseProvider
from providers.supabase.api_keys import LegacyApiKeysProvider, SecretApiKeyProvider, SecretApiKeyRetirementProvider
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

REF = "abcdefghijklmnopqrst"  # the spec's example ref (Prism validates the path pattern)
PASSWORD = "fake-db-password-prism"


def _project(contract) -> ProjectProvider:
    url, transport = contract
    return connect(ProjectProvider(), url, transport=transport)


def _ops(transport) -> set[tuple[str, str]]:
    return {(m, p) for m, p, _ in transport.exchanges}


def _props(**extra):
    return {"organization_slug": "maintainpro", "name": "maintainpro-staging", "region": "eu-central-1",
            "instance_size": "micro", "db_pass": PASSWORD, "wait_timeout": 1, "poll_interval": 1, **extra}


def test_project_create_requests_fit_the_spec(contract):
    provider = _project(contract)
    # Prism's project is always INACTIVE: the create gets as far as the wait, which must give up clearly.
    with pytest.raises(ProjectNotReady, match=REF):
        provider.create(provider.check({}, _props()).inputs)
    ops = _ops(contract[1])
    assert ("GET", "/v1/organizations/maintainpro/projects") in ops
    assert ("POST", "/v1/projects") in ops
    assert ("GET", f"/v1/projects/{REF}") in ops


def test_project_update_requests_fit_the_spec(contract):
    provider = _project(contract)
    olds = {**_props(name="old-name", instance_size="small"), "db_pass_sha256": "0" * 64, "db_host": "db.x",
            "publishable_key": "fake-publishable", "secret_key": "fake-secret"}
    provider.update(REF, olds, _props(name="maintainpro-staging", instance_size="large"))
    assert _ops(contract[1]) == {("PATCH", f"/v1/projects/{REF}"), ("PATCH", f"/v1/projects/{REF}/billing/addons"),
                                 ("PATCH", f"/v1/projects/{REF}/database/password")}


def test_project_read_and_delete_requests_fit_the_spec(contract):
    provider = _project(contract)
    # No password hash in state: an import, which also reads the compute add-on.
    result = provider.read(REF, {"publishable_key": "fake-publishable", "secret_key": "fake-secret"})
    assert result.id == REF
    provider.delete(REF, {})
    assert _ops(contract[1]) == {("GET", f"/v1/projects/{REF}"), ("GET", f"/v1/projects/{REF}/billing/addons"),
                                 ("DELETE", f"/v1/projects/{REF}")}


def test_project_api_keys_requests_fit_the_spec(contract):
    """Prism lists one key of type `legacy` named "string": no publishable or secret key, no anon or
    service_role. Read by type, that is a project to migrate: one listing, then one POST per key
    type, whose bodies Prism validates; the outputs are what the POSTs answered."""
    provider = _project(contract)
    outs = provider._api_keys(REF, interval=0, fresh=False)
    assert [(m, p) for m, p, _ in contract[1].exchanges] == [
        ("GET", f"/v1/projects/{REF}/api-keys"), ("POST", f"/v1/projects/{REF}/api-keys"),
        ("POST", f"/v1/projects/{REF}/api-keys")]
    assert outs == {"publishable_key": "string", "secret_key": "string"}  # Prism's example api_key, no legacy pair


def test_secret_api_key_requests_fit_the_spec(contract):
    """Create (listing, then a revealed POST), read and retire one key, and the legacy switch, as Prism validates them."""
    url, transport = contract
    keys = connect(SecretApiKeyProvider(), url, transport=transport)
    props = {"project_ref": REF, "name_prefix": "staging_ci", "grace_seconds": 3600.0, "description": "ci",
             "keepers": {"rotation_window_start": "2026-11-03T00:00:00+00:00", "rotation_days": "30"}}
    assert not keys.check({}, props).failures
    created = keys.create(props).outs
    key_id = "22222222-2222-4222-8222-222222222222"  # the spec's example id (Prism validates the uuid format)
    keys.read("r", {**created, "key_id": key_id, "retiring": []})
    connect(SecretApiKeyRetirementProvider(), url, transport=transport).create(
        {"project_ref": REF, "key": "ci", "delete": [key_id], "keep": []})
    legacy = connect(LegacyApiKeysProvider(), url, transport=transport)
    legacy.create({"project_ref": REF, "enabled": False})
    legacy.read(REF, {})
    keys_path = f"/v1/projects/{REF}/api-keys"
    assert _ops(transport) == {("GET", keys_path), ("POST", keys_path), ("GET", f"{keys_path}/{key_id}"),
                               ("DELETE", f"{keys_path}/{key_id}"), ("PUT", f"{keys_path}/legacy"),
                               ("GET", f"{keys_path}/legacy")}


SETTINGS: list[tuple[type[SettingsProvider], dict, dict | None]] = [
    (AuthConfigProvider,
     {"site_url": "https://staging.maintainpro.example", "uri_allow_list": "https://a.example,https://b.example",
      "jwt_exp": 3600, "mfa_totp_enroll_enabled": True, "mfa_totp_verify_enabled": True,
      "password_min_length": 12, "password_hibp_enabled": True, "rate_limit_email_sent": 30,
      "rate_limit_token_refresh": 150, "disable_signup": True},
     {"smtp_pass": "fake-smtp-password"}),
    (PostgrestConfigProvider, {"db_schema": "public,api", "max_rows": 500, "db_extra_search_path": "public,extensions"}, None),
    # Prism answers the SSL config as enforced and applied: asking for the opposite reaches the PUT.
    (SslEnforcementProvider, {"database": False}, None),
    (NetworkRestrictionsProvider, {"dbAllowedCidrs": ["10.0.0.0/8"], "dbAllowedCidrsV6": ["2001:db8::/32"]}, None),
    (PoolerConfigProvider, {"pool_mode": "transaction", "default_pool_size": 20}, None),
]


@pytest.mark.parametrize(("cls", "settings", "secrets"), SETTINGS, ids=[c[0].__name__ for c in SETTINGS])
def test_settings_requests_fit_the_spec(contract, monkeypatch, cls, settings, secrets):
    url, transport = contract
    provider = connect(cls(), url, transport=transport)
    monkeypatch.setattr(SupabaseProvider, "wait_until_healthy", lambda self, ref, **kw: {"status": "ACTIVE_HEALTHY"})
    # Prism never settles an SSL change: one poll of each wait, so its GETs (services health too) are checked.
    monkeypatch.setattr(SupabaseProvider, "poll", lambda self, fetch, done, timeout, failure, interval=0, **kw: fetch())
    news = {"project_ref": REF, "settings": settings, **({"secret_settings": secrets} if secrets else {})}
    checked = provider.check({}, news)
    assert checked.failures == []
    created = provider.create(checked.inputs)
    first = next(iter(settings))
    changed = {**checked.inputs, "settings": {**checked.inputs["settings"], first: settings[first]}}
    provider.update(REF, {**created.outs, "settings": {}}, changed)
    provider.read(REF, created.outs)
    assert len({m for m, _, _ in transport.exchanges}) == 2  # one read verb, one write verb


def test_pooler_endpoint_is_read_in_the_one_get_and_built_from_the_answer(contract):
    """Prism answers the spec's response schema (every field a placeholder value): the session URL
    must be made of that answer's primary entry, on the session port, and cost no extra call."""
    url, transport = contract
    provider = connect(PoolerConfigProvider(), url, transport=transport)
    result = provider.read(REF, {})
    assert [(m, p) for m, p, _ in transport.exchanges] == [("GET", f"/v1/projects/{REF}/config/database/pooler")]
    answer = httpx.get(f"{url}/v1/projects/{REF}/config/database/pooler", headers={"Authorization": "Bearer x"}).json()
    (entry,) = [e for e in answer if e["database_type"] == "PRIMARY"]
    assert entry["db_port"] != 5432  # so the port below is the session port, not copied from the answer
    assert result.outs["session_url"] == (
        f"postgresql://{entry['db_user']}@{entry['db_host']}:5432/{entry['db_name']}?sslmode=require")


def test_function_secrets_requests_fit_the_spec(contract, monkeypatch):
    url, transport = contract
    provider = connect(FunctionSecretsProvider(), url, transport=transport)
    monkeypatch.setattr(SupabaseProvider, "wait_until_healthy", lambda self, ref, **kw: {})
    news = {"project_ref": REF, "secrets": {"STRIPE_WEBHOOK_SECRET": "fake-whsec", "RESEND_API_KEY": "fake-resend"}}
    assert provider.check({}, news).failures == []
    created = provider.create(news)
    provider.update(REF, {**created.outs, "hashes": {**created.outs["hashes"], "OLD_NAME": "0" * 64}}, news)
    provider.read(REF, created.outs)
    provider.delete(REF, created.outs)
    assert {(m, p) for m, p, _ in transport.exchanges} == {
        ("POST", f"/v1/projects/{REF}/secrets"), ("DELETE", f"/v1/projects/{REF}/secrets"),
        ("GET", f"/v1/projects/{REF}/secrets")}


def test_custom_hostname_requests_fit_the_spec(contract, monkeypatch):
    url, transport = contract
    provider = connect(CustomHostnameProvider(), url, transport=transport)
    monkeypatch.setattr(SupabaseProvider, "wait_until_healthy", lambda self, ref, **kw: {})
    news = {"project_ref": REF, "hostname": "api.maintainpro.example"}
    assert provider.check({}, news).failures == []
    provider.create(news)
    provider.read(REF, {})
    provider.delete(REF, {})
    assert {(m, p) for m, p, _ in transport.exchanges} == {
        ("POST", f"/v1/projects/{REF}/custom-hostname/initialize"), ("GET", f"/v1/projects/{REF}/custom-hostname"),
        ("DELETE", f"/v1/projects/{REF}/custom-hostname")}


def test_prism_enforces_auth_so_the_token_is_really_checked(supabase_prism):
    """Guards the oracle itself: without the auth fix every call above would pass unauthenticated."""
    assert httpx.get(f"{supabase_prism}/v1/projects/{REF}").status_code == 401
    assert httpx.get(f"{supabase_prism}/v1/projects/{REF}", headers={"Authorization": "Bearer x"}).status_code == 200


def test_prism_rejects_what_the_providers_must_never_send(supabase_prism):
    """Guards the oracle: an enum outside the spec is a 422, so the checks above can fail."""
    body = {"name": "n", "organization_slug": "acme", "db_pass": PASSWORD,
            "region_selection": {"type": "specific", "code": "mars-1"}}
    answer = httpx.post(f"{supabase_prism}/v1/projects", json=body, headers={"Authorization": "Bearer x"})
    assert answer.status_code == 422


def test_missing_node_is_a_clear_failure_not_a_skip(monkeypatch, tmp_path):
    from tests.support.prism import prism

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="node is not on PATH"), prism(tmp_path / "spec.json"):
        pass
