"""The session-pooler endpoint of the primary database, read from the pooler config the API answers.

The backup job runs on GitHub-hosted runners (no IPv6), so it connects through Supavisor's session
mode instead of the IPv6-only direct host. These tests run against the stateful fake, whose pooler
answers follow the spec (one entry per database, tenant-qualified user, transaction port 6543,
a `[YOUR-PASSWORD]` placeholder in `connection_string`) and are validated against it.
"""

from __future__ import annotations

import pytest

from ops.backup.dsn import Dsn
from providers.http import ApiError
from providers.supabase.connection import with_password
from providers.supabase.pooler import PoolerConfigProvider
from tests.providers.supabase.conftest import connect
from tests.support.faults import Answer

HOST = "pooler-7.eu.example.test"


@pytest.fixture
def project(fake):
    project = fake.add_project("maintainpro-production")
    project.pooler_host = HOST
    return project


def created(fake, project, settings=None):
    provider = connect(PoolerConfigProvider(), fake.url)
    news = provider.check({}, {"project_ref": project.ref, "settings": settings or {"pool_mode": "transaction"},
                               "session_url": None}).inputs
    return provider, news, provider.create(news).outs


def test_session_url_is_the_primary_on_the_session_port_whatever_the_configured_mode(fake, project):
    project.read_replica = True  # listed first: the replica's host must not be taken
    _, _, outs = created(fake, project, {"pool_mode": "transaction"})
    assert fake.operations()[-2:] == ["v1-update-pooler-config", "v1-get-pooler-config"]
    assert outs["session_url"] == f"postgresql://postgres.{project.ref}@{HOST}:5432/postgres?sslmode=require"
    # What the backup job makes of it once the password is in (libpq's own parser, via psycopg).
    dsn = Dsn.parse(with_password(outs["session_url"], "fake pass/with@odd:chars%"))
    assert dsn.params == {"user": f"postgres.{project.ref}", "host": HOST, "port": "5432", "dbname": "postgres",
                          "sslmode": "require"}
    assert dsn.password == "fake pass/with@odd:chars%"


def test_the_answers_placeholder_never_reaches_state(fake, project):
    _, _, outs = created(fake, project)
    assert "YOUR-PASSWORD" not in repr(outs) and "6543" not in outs["session_url"]


def test_refresh_is_one_get_and_follows_the_api_when_the_pooler_host_moves(fake, project):
    provider, news, outs = created(fake, project)
    project.pooler_host = "pooler-9.eu.example.test"  # Supabase moved the tenant
    before = fake.count()
    refreshed = provider.read(project.ref, outs).outs
    assert fake.operations()[before:] == ["v1-get-pooler-config"]
    assert "@pooler-9.eu.example.test:5432/" in refreshed["session_url"]
    assert provider.diff(project.ref, refreshed, news).changes is False  # an output, not a setting


def test_a_settings_update_keeps_the_endpoint_without_reading_it_again(fake, project):
    provider, news, outs = created(fake, project)
    changed = provider.check({}, {**news, "settings": {"pool_mode": "transaction", "default_pool_size": 40}}).inputs
    before = fake.count()
    updated = provider.update(project.ref, outs, changed).outs
    assert fake.operations()[before:] == ["v1-update-pooler-config"]
    assert updated["session_url"] == outs["session_url"]


def test_state_written_before_the_endpoint_existed_is_updated_once_to_read_it(fake, project):
    provider, news, outs = created(fake, project)
    legacy = {k: v for k, v in outs.items() if k != "session_url"}
    before = fake.count()
    assert provider.diff(project.ref, legacy, news).changes is True
    assert fake.count() == before  # diff stays local
    updated = provider.update(project.ref, legacy, news).outs
    assert fake.operations()[before:] == ["v1-get-pooler-config"]  # nothing to write, only the read
    assert updated["session_url"] == outs["session_url"]
    assert provider.diff(project.ref, updated, news).changes is False


def _entry(ref, **fields):
    base = {"identifier": ref, "database_type": "PRIMARY", "is_using_scram_auth": True, "db_user": f"postgres.{ref}",
            "db_host": HOST, "db_port": 6543, "db_name": "postgres", "connection_string": "placeholder",
            "connectionString": "placeholder", "default_pool_size": 15, "max_client_conn": 200,
            "pool_mode": "transaction"}
    return {**base, **fields}


@pytest.mark.parametrize(("answer", "reason"), [
    (lambda ref: [_entry(ref, database_type="READ_REPLICA")], "has no PRIMARY database entry"),
    (lambda ref: [_entry(ref, db_host="")], "has no db_host"),
    (lambda ref: [_entry(ref, db_user="postgres.abcdefghijklmnopqrst")], "is not a user of project"),
    (lambda ref: {"message": "not a list"}, "has no PRIMARY database entry"),
])
def test_an_answer_without_a_usable_primary_fails_clearly(fake, project, answer, reason):
    provider = connect(PoolerConfigProvider(), fake.url)
    fake.fail("v1-get-pooler-config", Answer(200, answer(project.ref)))
    with pytest.raises(ApiError) as failure:
        provider.read(project.ref, {"project_ref": project.ref, "settings": {"pool_mode": "transaction"}})
    message = str(failure.value)
    assert message.startswith("supabase pooler config: v1-get-pooler-config failed")
    assert project.ref in message and reason in message


def test_with_password_replaces_an_existing_password_and_needs_a_user():
    url = with_password("postgresql://postgres.abc:old-fake@h.example.test:5432/postgres?sslmode=require", "new:fake")
    assert Dsn.parse(url).password == "new:fake" and "old-fake" not in url
    with pytest.raises(ValueError, match="names no user"):
        with_password("postgresql://h.example.test:5432/postgres", "fake")


def test_pool_settings_are_checked_against_the_pinned_spec_for_the_stack_config():
    """The config can validate `supabase.pooler` through this instead of hard-coding the server's enum."""
    from providers.supabase import spec
    from providers.supabase.pooler import input_problems

    modes = spec.component("UpdateSupavisorConfigBody")["properties"]["pool_mode"]["enum"]
    assert "transaction" in modes and "session" in modes
    assert all(input_problems({"pool_mode": mode, "default_pool_size": 30}) == [] for mode in modes)
    assert input_problems({"pool_mode": None, "default_pool_size": None}) == []  # unset: unmanaged
    assert input_problems({"pool_mode": "statement"}) == [("pool_mode", f"must be one of: {', '.join(modes)}")]
    assert input_problems({"default_pool_size": "many"}) == [("default_pool_size", "must be of type integer")]
