"""API keys: read by type, publishable + secret for every project, legacy-only projects migrated.

Projects created since November 2025 have no `anon` / `service_role` keys, only a publishable
(`sb_publishable_...`) and a secret (`sb_secret_...`) key; older projects may still have only
the legacy pair. The fake models both, masks secret keys listed without `reveal=true`, and
allows a single publishable key per project.
"""

from __future__ import annotations

import pytest

from providers.http import ApiError
from providers.supabase.project import SECRET_OUTPUTS, ProjectProvider
from tests.providers.supabase.conftest import connect
from tests.support.faults import Answer

PASSWORD = "fake-db-password-keys"
LIST, CREATE_KEY = "v1-get-project-api-keys", "v1-create-project-api-key"


def props(**extra):
    return {"organization_slug": "acme", "name": "maintainpro-staging", "region": "eu-central-1",
            "instance_size": None, "db_pass": PASSWORD, "wait_timeout": 60, "poll_interval": 5, **extra}


@pytest.fixture
def provider(fake, sleeps) -> ProjectProvider:
    return connect(ProjectProvider(), fake.url, sleeps=sleeps)


def value(fake, ref: str, key_type: str) -> str:
    (key,) = fake.keys_of(ref, key_type)
    return key["api_key"]


def test_a_new_project_outputs_its_publishable_and_its_revealed_secret_key(fake, provider):
    result = provider.create(props())
    ref = result.id
    assert result.outs["publishable_key"] == value(fake, ref, "publishable")
    assert result.outs["publishable_key"].startswith("sb_publishable_")
    secret = value(fake, ref, "secret")
    assert result.outs["secret_key"] == secret and len(secret) > 15  # the key, not its masked prefix
    assert "anon_key" not in result.outs and "service_role_key" not in result.outs
    assert all(c.query.get("reveal") == ["true"] for c in fake.calls if c.operation == LIST)
    assert fake.count(CREATE_KEY) == 0  # a new project has both keys: nothing to create
    assert {"publishable_key", "secret_key", "anon_key", "service_role_key", "db_url"} == set(SECRET_OUTPUTS)


def test_keys_that_appear_late_are_waited_for_boundedly(fake, provider):
    fake.keys_delay_polls = 2
    result = provider.create(props())
    assert result.outs["secret_key"] == value(fake, result.id, "secret")
    assert fake.count(LIST) == 3 and fake.count(CREATE_KEY) == 0


def test_a_project_that_never_lists_a_key_fails_clearly_after_a_bounded_wait(fake, provider):
    fake.keys_delay_polls = 1000
    with pytest.raises(ApiError, match=r"lists no API keys after 10 polls"):
        provider.create(props())
    assert fake.count(LIST) == 10 and fake.count(CREATE_KEY) == 0
    (ref,) = fake.projects
    # The project is kept; once its keys show, the next run adopts it and gets them.
    fake.projects[ref].keys_polls_left = 0
    again = provider.create(props())
    assert again.id == ref and again.outs["secret_key"] == value(fake, ref, "secret")
    assert fake.count("v1-create-a-project") == 1 and fake.count(CREATE_KEY) == 0


@pytest.mark.parametrize("lost", [False, True], ids=["created", "adopted-after-a-lost-answer"])
def test_a_new_project_whose_secret_key_is_listed_late_gets_no_second_secret_key(fake, lost):
    """A project that lists a publishable key is a new-style one still provisioning: wait, never create."""
    fake.secret_key_lag_polls = 3
    if lost:
        fake.lose_answer("v1-create-a-project", Answer(drop=True))
    provider = connect(ProjectProvider(), fake.url, timeout=0.2)
    result = provider.create(props())
    (secret,) = fake.keys_of(result.id, "secret")
    assert result.outs["secret_key"] == secret["api_key"]
    assert fake.count(CREATE_KEY) == 0 and fake.count("v1-create-a-project") == 1


def test_adopting_a_legacy_only_project_creates_a_publishable_and_a_secret_key(fake, provider):
    existing = fake.add_project("maintainpro-staging", keys="legacy")
    result = provider.create(props())
    ref = existing.ref
    assert result.id == ref
    bodies = [c.body for c in fake.calls if c.operation == CREATE_KEY]
    assert [(b["type"], b["name"]) for b in bodies] == [("publishable", "default"), ("secret", "default")]
    assert bodies[1]["secret_jwt_template"] == {"role": "service_role"}
    assert result.outs["publishable_key"] == value(fake, ref, "publishable")
    assert result.outs["secret_key"] == value(fake, ref, "secret")
    # The legacy keys keep working (creating new keys disables nothing) and stay outputs while they exist.
    assert result.outs["anon_key"] == f"fake-anon-key-{ref}"
    assert result.outs["service_role_key"] == f"fake-service_role-key-{ref}"
    assert len(fake.keys_of(ref, "legacy")) == 2


def test_migration_is_idempotent_a_second_run_creates_nothing(fake, provider):
    existing = fake.add_project("maintainpro-staging", keys="legacy")
    first = provider.create(props())
    before = fake.count(CREATE_KEY)
    second = provider.create(props())
    assert fake.count(CREATE_KEY) == before == 2
    assert second.outs["secret_key"] == first.outs["secret_key"]
    assert len(fake.keys_of(existing.ref, "publishable")) == 1 and len(fake.keys_of(existing.ref, "secret")) == 1


@pytest.mark.parametrize("loss", [Answer(drop=True), Answer(delay=0.5)], ids=["dropped", "timed-out"])
def test_a_key_creation_whose_answer_is_lost_adopts_the_key_instead_of_making_two(fake, loss):
    existing = fake.add_project("maintainpro-staging", keys="legacy")
    provider = connect(ProjectProvider(), fake.url, timeout=0.2)
    fake.lose_answer(CREATE_KEY, loss)
    result = provider.create(props())
    (publishable,) = fake.keys_of(existing.ref, "publishable")
    (secret,) = fake.keys_of(existing.ref, "secret")
    assert result.outs["publishable_key"] == publishable["api_key"] and result.outs["secret_key"] == secret["api_key"]
    assert fake.count(CREATE_KEY) == 2  # one POST per key type: the lost one was found, not resent


def test_a_project_with_both_kinds_keeps_its_legacy_outputs_and_creates_nothing(fake, provider):
    existing = fake.add_project("maintainpro-staging", keys="both")
    result = provider.create(props())
    assert result.outs["anon_key"] == f"fake-anon-key-{existing.ref}"
    assert result.outs["secret_key"] == value(fake, existing.ref, "secret")
    assert fake.count(CREATE_KEY) == 0


def test_the_default_key_is_chosen_when_there_are_several_secret_keys(fake, provider):
    existing = fake.add_project("maintainpro-staging")
    from tests.providers.supabase.fake import new_api_key
    existing.api_keys.insert(0, new_api_key("secret", name="ci_other_key"))
    result = provider.create(props())
    (default,) = [k for k in fake.keys_of(existing.ref, "secret") if k["name"] == "default"]
    assert result.outs["secret_key"] == default["api_key"]


def test_import_of_a_legacy_only_project_migrates_it_in_a_bounded_number_of_calls(fake, provider):
    existing = fake.add_project("legacy", slug="acme", region="eu-west-2", keys="legacy")
    before = fake.count()
    read = provider.read(existing.ref, {})
    assert fake.operations()[before:] == ["v1-get-project", LIST, CREATE_KEY, CREATE_KEY, "v1-list-project-addons"]
    assert read.outs["publishable_key"] == value(fake, existing.ref, "publishable")
    assert read.outs["secret_key"] == value(fake, existing.ref, "secret")
    assert read.outs["anon_key"] == f"fake-anon-key-{existing.ref}"


def test_import_of_a_new_project_reads_its_keys_and_creates_none(fake, provider):
    existing = fake.add_project("fresh", slug="acme", region="eu-west-2")
    before = fake.count()
    read = provider.read(existing.ref, {})
    assert fake.operations()[before:] == ["v1-get-project", LIST, "v1-list-project-addons"]
    assert read.outs["secret_key"] == value(fake, existing.ref, "secret")
    assert "anon_key" not in read.outs


def test_a_refresh_stays_one_get(fake, provider):
    result = provider.create(props())
    before = fake.count()
    read = provider.read(result.id, result.outs)
    assert fake.operations()[before:] == ["v1-get-project"]
    assert read.outs["secret_key"] == result.outs["secret_key"]


def _state_before_new_keys(fake, provider):
    """State written by code that knew only anon/service_role: a legacy project adopted earlier."""
    existing = fake.add_project("maintainpro-staging", keys="legacy")
    outs = provider.create(props()).outs
    for key in fake.keys_of(existing.ref, "publishable") + fake.keys_of(existing.ref, "secret"):
        existing.api_keys.remove(key)
    return existing, {k: v for k, v in outs.items() if k not in ("publishable_key", "secret_key")}


def test_state_without_the_new_keys_is_an_update_that_migrates_the_project(fake, provider):
    existing, olds = _state_before_new_keys(fake, provider)
    before = fake.count()
    diff = provider.diff(existing.ref, olds, props())
    assert diff.changes is True and diff.replaces == [] and fake.count() == before  # still local
    update = provider.update(existing.ref, olds, props())
    assert fake.operations()[before:] == [LIST, CREATE_KEY, CREATE_KEY]
    assert update.outs["publishable_key"] == value(fake, existing.ref, "publishable")
    assert update.outs["secret_key"] == value(fake, existing.ref, "secret")
    assert update.outs["anon_key"] == f"fake-anon-key-{existing.ref}"
    assert provider.diff(existing.ref, update.outs, props()).changes is False


def test_a_refresh_of_state_without_the_new_keys_fills_them_in(fake, provider):
    existing, olds = _state_before_new_keys(fake, provider)
    read = provider.read(existing.ref, olds)
    assert read.outs["secret_key"] == value(fake, existing.ref, "secret")
    assert read.inputs is None  # a refresh, not an import: the program's inputs stay
    assert provider.diff(existing.ref, read.outs, props()).changes is False


@pytest.mark.parametrize("listed", [True, False], ids=["legacy-still-listed", "legacy-no-longer-listed"])
def test_with_legacy_keys_disabled_the_project_reads_its_new_keys_and_outputs_no_legacy_one(fake, provider, listed):
    """Whether a listing still shows disabled legacy keys is undocumented: both answers read the same."""
    existing = fake.add_project("maintainpro-staging", keys="both")
    existing.legacy_enabled, fake.legacy_listed_when_disabled = False, listed
    result = provider.create(props(legacy_api_keys="disabled"))
    assert result.outs["secret_key"] == value(fake, existing.ref, "secret")
    assert result.outs["publishable_key"] == value(fake, existing.ref, "publishable")
    assert "anon_key" not in result.outs and "service_role_key" not in result.outs
    assert fake.count(CREATE_KEY) == 0
    # A refresh of state from before the new keys lists them again: still no legacy output.
    olds = {k: v for k, v in result.outs.items() if k not in ("publishable_key", "secret_key")}
    read = provider.read(existing.ref, olds)
    assert read.outs["secret_key"] == result.outs["secret_key"] and "anon_key" not in read.outs


def test_disabling_legacy_keys_drops_the_legacy_outputs_in_an_update_without_a_call(fake, provider):
    fake.add_project("maintainpro-staging", keys="both")
    olds = provider.create(props()).outs
    assert olds["anon_key"]
    news = props(legacy_api_keys="disabled")
    assert provider.diff(olds["ref"], olds, news).changes is True
    before = fake.count()
    outs = provider.update(olds["ref"], olds, news).outs
    assert fake.count() == before and "anon_key" not in outs and "service_role_key" not in outs
    assert outs["secret_key"] == olds["secret_key"] and outs["legacy_api_keys"] == "disabled"
    assert provider.diff(olds["ref"], outs, news).changes is False
