"""Request economy, counted: what one stack's Supabase resources cost to create, refresh and leave alone."""

from __future__ import annotations

from providers.supabase.auth import AuthConfigProvider
from providers.supabase.function_secrets import FunctionSecretsProvider
from providers.supabase.network_restrictions import NetworkRestrictionsProvider
from providers.supabase.pooler import PoolerConfigProvider
from providers.supabase.postgrest import PostgrestConfigProvider
from providers.supabase.project import ProjectProvider
from providers.supabase.ssl_enforcement import SslEnforcementProvider
from tests.providers.supabase.conftest import connect

SETTINGS = [
    (AuthConfigProvider, {"site_url": "https://maintainpro.example", "jwt_exp": 3600, "disable_signup": True}),
    (PostgrestConfigProvider, {"db_schema": "public", "max_rows": 1000}),
    (SslEnforcementProvider, {"database": True}),
    (NetworkRestrictionsProvider, {"dbAllowedCidrs": ["10.0.0.0/8"], "dbAllowedCidrsV6": []}),
    (PoolerConfigProvider, {"pool_mode": "transaction"}),
]


def stack(fake):
    """Apply a whole stack's worth of Supabase resources; returns (provider, id, outs, inputs) per resource."""
    project = connect(ProjectProvider(), fake.url)
    news = project.check({}, {"organization_slug": "acme", "name": "maintainpro-staging", "region": "eu-central-1",
                              "db_pass": "fake-db-password"}).inputs
    done = [(project, project.create(news), news)]
    ref = done[0][1].id
    for cls, settings in SETTINGS:
        provider = connect(cls(), fake.url)
        inputs = provider.check({}, {"project_ref": ref, "settings": settings}).inputs
        done.append((provider, provider.create(inputs), inputs))
    secrets = connect(FunctionSecretsProvider(), fake.url)
    inputs = {"project_ref": ref, "secrets": {"RESEND_API_KEY": "fake-resend"}}
    done.append((secrets, secrets.create(inputs), inputs))
    return done


def test_creating_a_stack_costs_a_known_number_of_requests(fake):
    fake.polls_until_healthy = 0
    fake.ssl_apply_polls = fake.restart_polls = 0  # applied in the PUT's answer: no restart to wait out
    stack(fake)
    # project: find, create, 1 poll, keys; each of 6 project-scoped resources: 1 health check + 1 write;
    # the pooler also reads its session endpoint back (the write's answer does not carry it), and SSL
    # reads its config first (a pending or already applied change is never sent again: no second restart).
    assert fake.count() == 4 + 6 * 2 + 1 + 1
    assert fake.count("v1-get-pooler-config") == 1


def test_an_unchanged_stack_costs_no_request_to_diff_and_one_get_per_resource_to_refresh(fake):
    fake.polls_until_healthy = 0
    done = stack(fake)
    before = fake.count()
    assert not any(p.diff(r.id, r.outs, news).changes for p, r, news in done)
    assert fake.count() == before
    refreshed = [(p, p.read(r.id, r.outs), news) for p, r, news in done]
    assert fake.count() == before + len(done)
    assert not any(p.diff(r.id, r.outs, news).changes for p, r, news in refreshed)


def test_one_changed_field_is_one_request_carrying_only_that_field(fake):
    fake.polls_until_healthy = 0
    done = stack(fake)
    provider, result, news = done[1]  # auth
    changed = {**news, "settings": {**news["settings"], "jwt_exp": 7200}}
    before = fake.count()
    provider.update(result.id, result.outs, changed)
    assert [(c.operation, c.body) for c in fake.calls[before:]] == [("v1-update-auth-service-config", {"jwt_exp": 7200})]
