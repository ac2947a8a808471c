"""The legacy API key switch, pinned call by call (it moved onto the CRUD skeleton's hooks: same requests, same state)."""

from __future__ import annotations

import pytest

from providers.http import ApiError
from providers.supabase.api_keys import LegacyApiKeysProvider
from tests.providers.supabase.conftest import connect

PUT, GET = "v1-update-project-legacy-api-keys", "v1-get-project-legacy-api-keys"


@pytest.fixture
def project(fake):
    return fake.add_project("maintainpro-staging")


def test_check_defaults_wait_timeout_and_rejects_a_bad_one():
    provider = LegacyApiKeysProvider()
    ref = "abcdefghijklmnopqrst"
    checked = provider.check({}, {"project_ref": ref, "enabled": False})
    assert checked.failures == [] and checked.inputs == {"project_ref": ref, "enabled": False, "wait_timeout": 900.0}
    assert [f.property for f in provider.check({}, {"project_ref": ref, "enabled": False,
                                                    "wait_timeout": -1}).failures] == ["wait_timeout"]


def test_diff_updates_in_place_and_never_replaces():
    provider = LegacyApiKeysProvider()
    olds = {"project_ref": "abcdefghijklmnopqrst", "enabled": False, "wait_timeout": 30, "note": None}
    assert provider.diff("abcdefghijklmnopqrst", olds, {**olds, "note": "x", "wait_timeout": 60}).changes is False
    for change in ({"enabled": True}, {"project_ref": "bcdefghijklmnopqrstu"}):
        diff = provider.diff("abcdefghijklmnopqrst", olds, {**olds, **change})
        assert diff.changes is True and diff.replaces == []


def test_create_update_read_delete_one_call_each(fake, project):
    provider = connect(LegacyApiKeysProvider(), fake.url)
    created = provider.create({"project_ref": project.ref, "enabled": False, "wait_timeout": 30})
    assert created.id == project.ref and project.legacy_enabled is False
    assert created.outs == {"project_ref": project.ref, "enabled": False, "wait_timeout": 30, "note": None}
    assert fake.operations() == [PUT]
    updated = provider.update(project.ref, created.outs, {"project_ref": project.ref, "enabled": True, "wait_timeout": 30})
    assert updated.outs == {**created.outs, "enabled": True} and project.legacy_enabled is True
    assert fake.operations() == [PUT, PUT]
    read = provider.read(project.ref, updated.outs)
    assert read.id == project.ref and read.outs == updated.outs
    assert fake.operations() == [PUT, PUT, GET]
    provider.delete(project.ref, read.outs)  # stops managing: legacy keys stay as they are
    assert fake.operations() == [PUT, PUT, GET] and project.legacy_enabled is True


def test_an_endpoint_gone_upstream_reads_as_disabled(fake, project):
    fake.legacy_route = False
    provider = connect(LegacyApiKeysProvider(), fake.url)
    created = provider.create({"project_ref": project.ref, "enabled": False, "wait_timeout": 30})
    assert created.outs["enabled"] is False and "404" in created.outs["note"]
    with pytest.raises(ApiError, match="legacy keys cannot be enabled"):
        provider.create({"project_ref": project.ref, "enabled": True, "wait_timeout": 30})
    read = provider.read(project.ref, created.outs)
    assert read.id == project.ref and read.outs["enabled"] is False and read.outs["note"] == created.outs["note"]
