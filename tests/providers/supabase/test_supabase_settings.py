"""Settings, secrets and hostname providers against the stateful fake: normal forms, masked values, drift."""

from __future__ import annotations

import hashlib

import pytest

from providers.http import ApiError
from providers.supabase.auth import AuthConfigProvider
from providers.supabase.custom_hostname import CustomHostnameProvider
from providers.supabase.function_secrets import FunctionSecretsProvider
from providers.supabase.network_restrictions import NetworkRestrictionsProvider
from providers.supabase.pooler import PoolerConfigProvider
from providers.supabase.postgrest import PostgrestConfigProvider
from providers.supabase.project import ProjectProvider
from providers.supabase.ssl_enforcement import SslEnforcementProvider
from tests.providers.supabase.conftest import connect


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.fixture
def project(fake):
    return fake.add_project("maintainpro-staging")


def applied(provider, project, settings, secrets=None):
    news = {"project_ref": project.ref, "settings": settings, **({"secret_settings": secrets} if secrets else {})}
    checked = provider.check({}, news)
    assert checked.failures == []
    return checked.inputs, provider.create(checked.inputs).outs


AUTH = {"site_url": "https://staging.maintainpro.example",
        "uri_allow_list": " https://b.maintainpro.example,https://a.maintainpro.example , https://b.maintainpro.example",
        "jwt_exp": 3600, "mfa_totp_enroll_enabled": True, "password_min_length": 12,
        "rate_limit_email_sent": 30, "disable_signup": True}


def test_auth_config_applies_and_reads_back_without_a_perpetual_diff(fake, project):
    provider = connect(AuthConfigProvider(), fake.url)
    news, outs = applied(provider, project, AUTH, {"smtp_pass": "fake-smtp-password"})
    assert project.auth["uri_allow_list"] == "https://a.maintainpro.example,https://b.maintainpro.example"
    assert project.auth["smtp_pass"] == "fake-smtp-password" and project.auth["disable_signup"] is True
    # The fake answers the allow list in its own order and the SMTP password masked, like the API.
    refreshed = provider.read(project.ref, outs).outs
    assert provider.diff(project.ref, refreshed, news).changes is False
    assert refreshed["secret_hashes"] == {"smtp_pass": sha("fake-smtp-password")}


def test_auth_write_only_change_is_seen_by_hash_and_sent_alone(fake, project):
    provider = connect(AuthConfigProvider(), fake.url)
    news, outs = applied(provider, project, AUTH, {"smtp_pass": "fake-smtp-password"})
    rotated = {**news, "secret_settings": {"smtp_pass": "fake-smtp-password-2"}}
    assert provider.diff(project.ref, outs, rotated).changes is True
    before = fake.count()
    update = provider.update(project.ref, outs, rotated)
    assert [c.body for c in fake.calls[before:]] == [{"smtp_pass": "fake-smtp-password-2"}]
    assert update.outs["secret_hashes"] == {"smtp_pass": sha("fake-smtp-password-2")}


def test_auth_drift_is_detected_and_only_the_drifted_field_is_sent(fake, project):
    provider = connect(AuthConfigProvider(), fake.url)
    news, outs = applied(provider, project, AUTH)
    project.auth["jwt_exp"] = 86400  # changed in the dashboard
    refreshed = provider.read(project.ref, outs).outs
    assert provider.diff(project.ref, refreshed, news).changes is True
    before = fake.count()
    provider.update(project.ref, refreshed, news)
    assert [(c.operation, c.body) for c in fake.calls[before:]] == [("v1-update-auth-service-config", {"jwt_exp": 3600})]


@pytest.mark.parametrize(("settings", "secrets", "where", "reason"), [
    ({"jwt_exp": 999999}, None, "settings.jwt_exp", "<= 604800"),
    ({"password_min_length": 4}, None, "settings.password_min_length", ">= 6"),
    ({"site_url": "https://a.example,https://b.example"}, None, "settings.site_url", "must match"),
    ({"disable_sign_up": True}, None, "settings.disable_sign_up", "not a field of the auth config API"),
    ({"smtp_pass": "fake-smtp"}, None, "settings.smtp_pass", "write-only"),
    ({}, {"external_github_secret": 42}, "secret_settings.external_github_secret", "must be of type string"),
])
def test_auth_check_rejects_bad_settings_before_any_call(fake, project, settings, secrets, where, reason):
    provider = connect(AuthConfigProvider(), fake.url)
    news = {"project_ref": project.ref, "settings": settings, "secret_settings": secrets or {}}
    failures = provider.check({}, news).failures
    assert [(f.property, reason in f.reason) for f in failures] == [(where, True)]
    assert fake.count() == 0


def test_postgrest_keeps_schema_order_and_never_keeps_the_jwt_secret(fake, project):
    provider = connect(PostgrestConfigProvider(), fake.url)
    news, outs = applied(provider, project, {"db_schema": "api, public", "max_rows": 500})
    assert project.postgrest["db_schema"] == "api,public"
    imported = provider.read(project.ref, {})
    assert "fake-jwt-secret" not in repr(imported.outs) + repr(imported.inputs)
    assert provider.diff(project.ref, provider.read(project.ref, outs).outs, news).changes is False
    assert provider.diff(project.ref, outs, {**news, "settings": {**news["settings"], "db_schema": "public,api"}}).changes


def test_ssl_enforcement_round_trip(fake, project):
    provider = connect(SslEnforcementProvider(), fake.url)
    news, outs = applied(provider, project, {"database": True})
    assert project.ssl is True
    project.ssl = False
    refreshed = provider.read(project.ref, outs).outs
    assert refreshed["settings"] == {"database": False}
    provider.update(project.ref, refreshed, news)
    assert project.ssl is True


def test_ssl_enforcement_on_a_project_too_old_for_it_fails_saying_so_and_off_settles(fake, project):
    """The API answers 400 "not allowed to configure SSL enforcements" for such a project, to GET and PUT."""
    project.ssl_supported = False
    provider = connect(SslEnforcementProvider(), fake.url)
    news = {"project_ref": project.ref, "settings": {"database": True}}
    with pytest.raises(ApiError, match=r"not allowed to configure SSL enforcement .* supabase\.ssl_enforced") as err:
        provider.create(news)
    assert "HTTP 400" not in str(err.value)  # one clear message, not the raw API error
    assert "v1-update-ssl-enforcement-config" not in fake.operations()  # nothing sent that is refused anyway
    # Not enforcing is what the project already does: creating, reading and diffing it settle.
    off = {"project_ref": project.ref, "settings": {"database": False}}
    outs = provider.create(off).outs
    assert provider.diff(project.ref, provider.read(project.ref, outs).outs, off).changes is False


def test_ssl_enforcement_waits_until_applied_and_the_restarted_database_is_healthy(fake, project, sleeps):
    """The PUT answers `appliedSuccessfully: false` and the database restarts: create returns only after both settle."""
    fake.ssl_apply_polls, fake.restart_polls = 3, 2
    provider = connect(SslEnforcementProvider(), fake.url, sleeps=sleeps)
    news, outs = applied(provider, project, {"database": True})
    assert project.ssl is True and project.ssl_polls_left == 0
    assert project.status == "ACTIVE_HEALTHY"
    ops = fake.operations()
    put = ops.index("v1-update-ssl-enforcement-config")
    assert ops[put + 1:].count("v1-get-ssl-enforcement-config") == 3
    assert ops[-1] == "v1-get-services-health"
    assert sleeps.waits and len(sleeps.waits) < 20  # polled, with the injected sleep, boundedly
    assert outs["settings"] == {"database": True}


def test_ssl_enforcement_read_reports_the_enforced_value_only_once_applied(fake, project):
    fake.ssl_apply_polls = 2
    provider = connect(SslEnforcementProvider(), fake.url)
    # A change sent by an earlier run that gave up waiting: requested, not applied yet.
    provider.call("v1-update-ssl-enforcement-config", ref=project.ref, json={"requestedConfig": {"database": True}})
    pending = provider.read(project.ref, {"project_ref": project.ref, "settings": {"database": True}}).outs
    assert pending["settings"] == {"database": None}
    news = {"project_ref": project.ref, "settings": {"database": True}, "wait_timeout": 900.0}
    assert provider.diff(project.ref, pending, news).changes is True
    # The update waits for the pending change instead of sending it again (no second restart).
    before = fake.count("v1-update-ssl-enforcement-config")
    provider.update(project.ref, pending, news)
    assert fake.count("v1-update-ssl-enforcement-config") == before
    assert provider.read(project.ref, pending).outs["settings"] == {"database": True}


def test_ssl_enforcement_retried_after_it_applied_sends_nothing(fake, project):
    provider = connect(SslEnforcementProvider(), fake.url)
    news, _ = applied(provider, project, {"database": True})
    provider.create(news)  # e.g. the engine retries a create whose answer it lost
    assert fake.count("v1-update-ssl-enforcement-config") == 1


def test_ssl_enforcement_wait_is_bounded_by_wait_timeout(fake, project, sleeps):
    fake.ssl_apply_polls = 10**6  # never applies
    provider = connect(SslEnforcementProvider(), fake.url, sleeps=sleeps)
    news = provider.check({}, {"project_ref": project.ref, "settings": {"database": True}, "wait_timeout": 60.0}).inputs
    with pytest.raises(Exception, match=f"{project.ref}.*not applied") as caught:
        provider.create(news)
    assert "pulumi up" in str(caught.value)
    assert sum(sleeps.waits) == 60


def test_network_restrictions_compare_cidrs_in_the_servers_form(fake, project):
    provider = connect(NetworkRestrictionsProvider(), fake.url)
    news, outs = applied(provider, project, {"dbAllowedCidrs": ["10.1.2.3/8", "192.0.2.0/24"], "dbAllowedCidrsV6": []})
    assert project.cidrs == {"dbAllowedCidrs": ["10.0.0.0/8", "192.0.2.0/24"], "dbAllowedCidrsV6": []}
    assert provider.diff(project.ref, provider.read(project.ref, outs).outs, news).changes is False
    # Apply replaces the whole list, so an update sends the full desired list.
    wider = {**news, "settings": {**news["settings"], "dbAllowedCidrs": ["10.0.0.0/8", "198.51.100.0/24"]}}
    wider = provider.check({}, wider).inputs
    before = fake.count()
    provider.update(project.ref, outs, wider)
    assert fake.calls[before].body == {"dbAllowedCidrs": ["10.0.0.0/8", "198.51.100.0/24"], "dbAllowedCidrsV6": []}


@pytest.mark.parametrize(("settings", "reason"), [
    ({"dbAllowedCidrs": ["10.0.0.300/8"]}, "does not appear to be an IPv4 or IPv6 network"),
    ({"dbAllowedCidrs": ["2001:db8::/32"]}, "is not an IPv4 CIDR"),
    ({"dbAllowedCidrsV6": ["10.0.0.0/8"]}, "is not an IPv6 CIDR"),
])
def test_network_restrictions_reject_bad_cidrs(fake, project, settings, reason):
    failures = connect(NetworkRestrictionsProvider(), fake.url).check({}, {"project_ref": project.ref, "settings": settings}).failures
    assert len(failures) == 1 and reason in failures[0].reason


def test_pooler_settings_apply_to_the_primary(fake, project):
    provider = connect(PoolerConfigProvider(), fake.url)
    news, outs = applied(provider, project, {"pool_mode": "session", "default_pool_size": 30})
    assert project.pooler == {"pool_mode": "session", "default_pool_size": 30}
    assert provider.diff(project.ref, provider.read(project.ref, outs).outs, news).changes is False
    bad = provider.check({}, {"project_ref": project.ref, "settings": {"pool_mode": "statement"}}).failures
    assert [f.property for f in bad] == ["settings.pool_mode"]


def test_settings_delete_stops_managing_without_calls(fake, project):
    provider = connect(PoolerConfigProvider(), fake.url)
    _, outs = applied(provider, project, {"pool_mode": "session"})
    before = fake.count()
    provider.delete(project.ref, outs)
    assert fake.count() == before and project.pooler["pool_mode"] == "session"


def test_function_secrets_drift_is_seen_through_the_apis_digests(fake, project):
    provider = connect(FunctionSecretsProvider(), fake.url)
    news = {"project_ref": project.ref, "secrets": {"STRIPE_WEBHOOK_SECRET": "fake-whsec", "RESEND_API_KEY": "fake-resend"}}
    outs = provider.create(news).outs
    assert outs["hashes"] == {"RESEND_API_KEY": sha("fake-resend"), "STRIPE_WEBHOOK_SECRET": sha("fake-whsec")}
    assert provider.diff(project.ref, provider.read(project.ref, outs).outs, news).changes is False
    project.secrets["STRIPE_WEBHOOK_SECRET"] = sha("changed-out-of-band")
    refreshed = provider.read(project.ref, outs).outs
    assert provider.diff(project.ref, refreshed, news).changes is True
    before = fake.count()
    provider.update(project.ref, refreshed, news)
    assert [c.body for c in fake.calls[before:]] == [[{"name": "STRIPE_WEBHOOK_SECRET", "value": "fake-whsec"}]]
    assert project.secrets["STRIPE_WEBHOOK_SECRET"] == sha("fake-whsec")


def test_function_secrets_removed_from_the_program_are_deleted(fake, project):
    provider = connect(FunctionSecretsProvider(), fake.url)
    news = {"project_ref": project.ref, "secrets": {"A_KEY": "fake-a", "B_KEY": "fake-b"}}
    outs = provider.create(news).outs
    provider.update(project.ref, outs, {"project_ref": project.ref, "secrets": {"A_KEY": "fake-a"}})
    assert set(project.secrets) == {"A_KEY"}
    provider.delete(project.ref, provider.read(project.ref, {"hashes": {"A_KEY": ""}}).outs)
    assert project.secrets == {}


def test_function_secrets_reject_reserved_names(fake, project):
    failures = connect(FunctionSecretsProvider(), fake.url).check(
        {}, {"project_ref": project.ref, "secrets": {"SUPABASE_URL": "fake"}}).failures
    assert [f.property for f in failures] == ["secrets.SUPABASE_URL"]


def test_custom_hostname_initialises_exposes_dns_records_and_deletes(fake, project):
    provider = connect(CustomHostnameProvider(), fake.url)
    news = {"project_ref": project.ref, "hostname": "api.maintainpro.example"}
    outs = provider.create(news).outs
    assert project.hostname == "api.maintainpro.example"
    assert {r["name"] for r in outs["dns_records"]} == {"_cf-custom-hostname.api.maintainpro.example",
                                                         "_acme-challenge.api.maintainpro.example"}
    assert provider.read(project.ref, outs).outs == outs
    changed = provider.diff(project.ref, outs, {**news, "hostname": "db.maintainpro.example"})
    assert changed.replaces == ["hostname"] and changed.delete_before_replace
    provider.delete(project.ref, outs)
    assert project.hostname is None and provider.read(project.ref, outs).id is None


def test_settings_for_a_project_still_coming_up_wait_for_healthy_first(fake):
    fake.polls_until_healthy = 2
    provider = connect(PoolerConfigProvider(), fake.url)
    ref = connect(ProjectProvider(), fake.url).call(
        "v1-create-a-project", json={"name": "p", "organization_slug": "acme", "db_pass": "fake-pass"})["ref"]
    provider.create({"project_ref": ref, "settings": {"pool_mode": "session"}})
    assert fake.operations()[-5:] == ["v1-get-project"] * 3 + ["v1-update-pooler-config", "v1-get-pooler-config"]


def test_numbers_arrive_from_the_engine_as_doubles_and_leave_as_integers(fake, project):
    """Pulumi's wire format has only doubles: 3600 reaches the provider as 3600.0."""
    provider = connect(AuthConfigProvider(), fake.url)
    news = {"project_ref": project.ref, "settings": {"jwt_exp": 3600.0, "password_min_length": 12.0}}
    assert provider.check({}, news).failures == []
    provider.create(news)  # as the engine does: the checked inputs come back as doubles again
    body = fake.calls[-1].body
    assert body == {"jwt_exp": 3600, "password_min_length": 12}
    assert all(type(v) is int for v in body.values())


WAITERS = [
    (SslEnforcementProvider, {"settings": {"database": True}}),
    (AuthConfigProvider, {"settings": {"site_url": "https://staging.maintainpro.example"}}),
    (FunctionSecretsProvider, {"secrets": {"WEBHOOK_SECRET": "fake-webhook-secret"}}),
    (CustomHostnameProvider, {"hostname": "db.maintainpro.example"}),
]


@pytest.mark.parametrize(("provider_class", "fields"), WAITERS, ids=lambda v: getattr(v, "__name__", ""))
def test_create_waits_for_a_healthy_project_only_as_long_as_its_wait_timeout(fake, sleeps, provider_class, fields):
    from providers.supabase.api import DEFAULT_POLL_INTERVAL, ProjectNotReady

    stuck = fake.add_project("maintainpro-staging", status="COMING_UP")
    stuck.polls_left = None  # never becomes healthy
    provider = connect(provider_class(), fake.url, sleeps=sleeps)
    checked = provider.check({}, {"project_ref": stuck.ref, "wait_timeout": 120.0, **fields})
    assert checked.failures == []
    with pytest.raises(ProjectNotReady, match="did not become healthy in time"):
        provider.create(checked.inputs)
    # 120 s of polling every 10 s, not the providers' 900 s default; and nothing was written.
    assert sum(sleeps.waits) == 120 and len(sleeps.waits) == 120 / DEFAULT_POLL_INTERVAL
    assert set(fake.operations()) == {"v1-get-project"}


@pytest.mark.parametrize(("provider_class", "fields"), WAITERS, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("timeout", [0, -5, "soon"])
def test_check_rejects_a_wait_timeout_that_is_not_positive_seconds(fake, provider_class, fields, timeout):
    project = fake.add_project("maintainpro-staging")
    checked = connect(provider_class(), fake.url).check({}, {"project_ref": project.ref, "wait_timeout": timeout,
                                                            **fields})
    assert [(f.property, f.reason) for f in checked.failures] == [("wait_timeout", "must be a positive number of seconds")]
    assert fake.count() == 0


def test_the_ssl_wait_says_what_it_waits_for(fake, project, sleeps, caplog):
    """Long work shows progress: each poll of a pending SSL change is a log line naming it."""
    provider = connect(SslEnforcementProvider(), fake.url, sleeps=sleeps)
    with caplog.at_level("INFO"):
        applied(provider, project, {"database": True})
    waits = [r.getMessage() for r in caplog.records if "checking again" in r.getMessage()]
    assert any("SSL enforcement change not applied yet" in m for m in waits), waits
    assert len(waits) == len(sleeps.waits) > 0
