"""Project lifecycle against the stateful fake: create/adopt, wait for healthy, update in place, import."""

from __future__ import annotations

import hashlib

import pytest

from providers.http import ApiError
from providers.supabase.project import SECRET_OUTPUTS, ProjectProvider
from tests.providers.supabase.conftest import connect

PASSWORD = "fake-db-password-1"


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def props(**extra):
    base = {"organization_slug": "acme", "name": "maintainpro-staging", "region": "eu-central-1",
            "instance_size": None, "db_pass": PASSWORD, "wait_timeout": 60, "poll_interval": 5}
    return {**base, **extra}


@pytest.fixture
def provider(fake, sleeps) -> ProjectProvider:
    return connect(ProjectProvider(), fake.url, sleeps=sleeps)


def created(provider, **extra):
    checked = provider.check({}, props(**extra))
    assert checked.failures == []
    return provider.create(checked.inputs)


def test_create_waits_for_healthy_and_returns_keys_and_urls(fake, provider, sleeps):
    fake.polls_until_healthy = 3
    result = created(provider)
    project = fake.projects[result.id]
    assert project.status == "ACTIVE_HEALTHY"
    assert project.password_sha256 == sha(PASSWORD)
    assert fake.count("v1-get-project") == 4 and sleeps.waits == [5, 5, 5]
    assert result.outs["url"] == f"https://{result.id}.supabase.co"
    (secret,) = fake.keys_of(result.id, "secret")
    assert result.outs["secret_key"] == secret["api_key"]
    assert result.outs["db_url"] == f"postgresql://postgres:{PASSWORD}@db.{result.id}.supabase.co:5432/postgres"
    assert "db_pass" not in result.outs and result.outs["db_pass_sha256"] == sha(PASSWORD)
    assert {"secret_key", "db_url"} <= set(SECRET_OUTPUTS)


def test_create_sends_region_and_size_from_inputs(fake, provider):
    created(provider, instance_size="small", region="us-east-1")
    body = next(c.body for c in fake.calls if c.operation == "v1-create-a-project")
    assert body["region_selection"] == {"type": "specific", "code": "us-east-1"}
    assert body["desired_instance_size"] == "small" and body["db_pass"] == PASSWORD


def test_db_password_is_url_encoded_in_the_connection_string(provider):
    result = created(provider, db_pass="fake/pass@word:1")
    assert "fake%2Fpass%40word%3A1@" in result.outs["db_url"]


def test_create_adopts_an_existing_project_of_the_same_name(fake, provider):
    existing = fake.add_project("maintainpro-staging")
    result = created(provider)
    assert result.id == existing.ref
    assert fake.count("v1-create-a-project") == 0 and len(fake.projects) == 1
    # Adopting takes ownership: the desired password is set, so db_url is right.
    assert existing.password_sha256 == sha(PASSWORD)


def test_adopting_a_same_named_project_in_another_region_is_refused(fake, provider):
    fake.add_project("maintainpro-staging", region="us-west-1")
    with pytest.raises(ApiError, match="already exists in region us-west-1, not eu-central-1"):
        created(provider)
    assert fake.count("v1-create-a-project") == 0


def test_a_removed_project_of_the_same_name_is_not_adopted(fake, provider):
    fake.add_project("maintainpro-staging", status="REMOVED")
    result = created(provider)
    assert fake.count("v1-create-a-project") == 1 and fake.projects[result.id].status == "ACTIVE_HEALTHY"


def test_diff_is_local_and_names_what_changed(fake, provider):
    outs = created(provider).outs
    before = fake.count()
    assert provider.diff("x", outs, props()).changes is False
    renamed = provider.diff("x", outs, props(name="maintainpro-stage"))
    assert renamed.changes and renamed.replaces == []
    rotated = provider.diff("x", outs, props(db_pass="fake-db-password-2"))
    assert rotated.changes and rotated.replaces == []  # rotation is in place, never a replacement
    moved = provider.diff("x", outs, props(region="us-east-1"))
    assert moved.replaces == ["region"] and moved.delete_before_replace is True
    assert fake.count() == before


def test_the_ref_is_stable_so_an_update_leaves_what_reads_it_unchanged_in_a_preview(provider):
    outs = created(provider).outs
    assert provider.diff("x", outs, props(name="maintainpro-stage")).stables == ["ref"]


def test_password_rotation_patches_in_place_and_only_that(fake, provider):
    result = created(provider)
    before = fake.count()
    update = provider.update(result.id, result.outs, props(db_pass="fake-db-password-2"))
    assert fake.operations()[before:] == ["v1-update-database-password"]
    assert fake.projects[result.id].password_sha256 == sha("fake-db-password-2")
    assert update.outs["db_pass_sha256"] == sha("fake-db-password-2")
    assert "fake-db-password-2@" in update.outs["db_url"]


def test_rename_and_resize_send_only_those_changes(fake, provider):
    result = created(provider)
    before = fake.count()
    provider.update(result.id, result.outs, props(name="maintainpro-stage", instance_size="large"))
    calls = fake.calls[before:]
    assert [c.operation for c in calls] == ["v1-update-a-project", "v1-apply-project-addon"]
    assert calls[0].body == {"name": "maintainpro-stage"}
    assert calls[1].body == {"addon_type": "compute_instance", "addon_variant": "ci_large"}
    assert fake.projects[result.id].instance_size == "large"


def test_resize_to_a_size_without_add_on_fails_before_any_call(fake, provider):
    result = created(provider)
    before = fake.count()
    with pytest.raises(ApiError, match="instance_size 'nano' cannot be applied"):
        provider.update(result.id, result.outs, props(instance_size="nano"))
    assert fake.count() == before


def test_read_is_one_get_and_shows_drift(fake, provider):
    result = created(provider)
    fake.projects[result.id].name = "renamed-in-dashboard"
    before = fake.count()
    read = provider.read(result.id, result.outs)
    assert fake.operations()[before:] == ["v1-get-project"]
    assert read.outs["name"] == "renamed-in-dashboard"
    assert read.outs["secret_key"] == result.outs["secret_key"] and read.outs["db_pass_sha256"] == sha(PASSWORD)
    # The drifted name is handed back as an input, so the engine names it (pulumi/pulumi#13839); the
    # write-only password is not in state (see test_supabase_drift.py for the no-drift read).
    assert read.inputs["name"] == "renamed-in-dashboard" and "db_pass" not in read.inputs
    assert provider.diff(result.id, read.outs, props()).changes is True


def test_import_by_ref_reads_the_project_and_its_keys(fake, provider):
    existing = fake.add_project("legacy", slug="acme", region="eu-west-2")
    read = provider.read(existing.ref, {})
    assert read.id == existing.ref
    assert read.inputs["name"] == "legacy" and read.inputs["region"] == "eu-west-2"
    (secret,) = fake.keys_of(existing.ref, "secret")
    assert read.outs["secret_key"] == secret["api_key"]
    # The password is unknown after an import: the first diff reports it, so it becomes managed.
    assert provider.diff(existing.ref, read.outs, props(name="legacy", region="eu-west-2")).changes is True


@pytest.mark.parametrize("size", ["small", None])
def test_import_reads_the_live_compute_size_so_the_first_update_applies_no_add_on(fake, provider, size):
    existing = fake.add_project("legacy", slug="acme", region="eu-west-2", instance_size=size)
    before = fake.count()
    read = provider.read(existing.ref, {})
    # The import's cost: the project, its keys and its add-ons, one GET each.
    assert fake.operations()[before:] == ["v1-get-project", "v1-get-project-api-keys", "v1-list-project-addons"]
    assert read.inputs["instance_size"] == size and read.outs["instance_size"] == size
    wanted = props(name="legacy", region="eu-west-2", instance_size=size)
    assert "instance_size" not in provider.diff(existing.ref, read.outs, wanted).replaces
    before = fake.count()
    provider.update(existing.ref, read.outs, wanted)
    assert fake.operations()[before:] == ["v1-update-database-password"]  # the password only: no add-on write
    assert existing.instance_size == size


def test_import_then_resize_applies_the_add_on_once(fake, provider):
    existing = fake.add_project("legacy", slug="acme", region="eu-west-2", instance_size="small")
    read = provider.read(existing.ref, {})
    provider.update(existing.ref, read.outs, props(name="legacy", region="eu-west-2", instance_size="large"))
    assert fake.count("v1-apply-project-addon") == 1 and existing.instance_size == "large"


def test_refresh_reads_no_add_ons(fake, provider):
    result = created(provider, instance_size="small")
    before = fake.count()
    assert provider.read(result.id, result.outs).outs["instance_size"] == "small"
    assert fake.operations()[before:] == ["v1-get-project"]


def test_import_with_a_malformed_ref_fails_clearly_without_a_call(fake, provider):
    with pytest.raises(ValueError, match="'not-a-ref' is not a Supabase project ref"):
        provider.read("not-a-ref", {})
    assert fake.count() == 0


def test_read_of_a_deleted_project_reports_it_gone(fake, provider):
    assert provider.read("abcdefghijklmnopqrst", {}).id is None


def test_delete_removes_the_project(fake, provider):
    result = created(provider)
    provider.delete(result.id, result.outs)
    assert result.id not in fake.projects
    provider.delete(result.id, result.outs)  # already gone: not an error


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("region", "mars-1", "must be one of: us-east-1"),
    ("instance_size", "pico", "must be one of: nano"),
    ("organization_slug", "acme corp", "must match"),
    ("name", "x" * 257, "at most 256"),
    ("wait_timeout", 0, "positive number of seconds"),
])
def test_check_rejects_bad_inputs_naming_the_field(fake, provider, field, value, reason):
    failures = provider.check({}, props(**{field: value})).failures
    assert [(f.property, reason in f.reason) for f in failures] == [(field, True)]
    assert fake.count() == 0


def test_check_accepts_unknown_values_during_preview(provider):
    from providers.unknowns import UNKNOWN
    assert provider.check({}, props(db_pass=UNKNOWN, name=UNKNOWN)).failures == []
    assert provider.diff("x", {**props(), "db_pass_sha256": sha(PASSWORD)}, props(db_pass=UNKNOWN)).changes is True
