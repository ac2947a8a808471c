"""Secret API keys per consumer, rotating with an overlap, against the stateful fake with an injected clock.

The rotation test drives runs in the engine's order (key update, then the consumers, then the
retirement, which depends on them) at clock instants across windows, with a consumer update that
fails in between and late runs; after every step each consumer's key must still exist and
authenticate on the fake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from components.secrets import RotationWindow
from providers.supabase.api_keys import (
    KEEPER,
    LegacyApiKeysProvider,
    SecretApiKeyProvider,
    SecretApiKeyRetirementProvider,
    due,
    key_name,
    key_prefix,
)
from tests.providers.supabase.conftest import connect
from tests.support.faults import Answer

DAYS, GRACE = 30, 86400.0
CREATE, DELETE, GET_ONE = "v1-create-project-api-key", "v1-delete-project-api-key", "v1-get-project-api-key"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))


@pytest.fixture
def project(fake):
    return fake.add_project("maintainpro-staging")


@pytest.fixture
def keys(fake, clock) -> SecretApiKeyProvider:
    provider = connect(SecretApiKeyProvider(), fake.url)
    provider.use_clock(clock)
    return provider


@pytest.fixture
def retirement(fake) -> SecretApiKeyRetirementProvider:
    return connect(SecretApiKeyRetirementProvider(), fake.url)


def inputs(ref: str, now: datetime, *, days: int = DAYS, consumer: str = "ci") -> dict[str, Any]:
    window = RotationWindow.containing(now, days)
    return {"project_ref": ref, "name_prefix": key_prefix("staging", consumer), "grace_seconds": GRACE,
            "description": "created by maintainpro-platform", "keepers": {KEEPER: window.start.isoformat(),
                                                                          "rotation_days": str(days)}}


def secret_names(fake, ref: str) -> list[str]:
    return sorted(k["name"] for k in fake.keys_of(ref, "secret"))


def test_names_are_the_stack_consumer_and_window_in_the_characters_the_api_allows():
    assert key_prefix("staging", "edge-fn.Caller") == "staging_edge_fn_caller"
    assert key_name("production_ci", "2026-11-30T00:00:00+00:00") == "production_ci_20261130"


def test_create_reveals_a_new_secret_key_named_after_its_window(fake, project, keys, clock):
    result = keys.create(inputs(project.ref, clock.now))
    (key,) = [k for k in fake.keys_of(project.ref, "secret") if k["name"] != "default"]
    assert result.outs["api_key"] == key["api_key"] and key["api_key"].startswith("sb_secret_")
    assert result.outs["key_name"] == "staging_ci_20261103" and result.outs["retiring"] == []  # the 30-day window's start
    assert key["secret_jwt_template"] == {"role": "service_role"}
    assert result.id == f"{project.ref}/staging_ci"
    assert all(c.query.get("reveal") == ["true"] for c in fake.calls if c.operation == CREATE)


def test_a_lost_create_answer_adopts_the_key_instead_of_making_a_second(fake, project, keys, clock):
    fake.lose_answer(CREATE, Answer(drop=True))
    result = keys.create(inputs(project.ref, clock.now))
    assert fake.count(CREATE) == 1
    assert secret_names(fake, project.ref) == ["default", "staging_ci_20261103"]
    assert result.outs["key_id"] == fake.keys_of(project.ref, "secret")[1]["id"]


def test_a_create_that_made_the_key_but_answered_500_finds_it_after_the_wait_instead_of_resending(
        fake, project, keys, clock):
    """A lasting 5xx on the POST is resent by the settings retry only after waiting for a healthy
    project and looking for the key by name: the first POST may have made it."""
    fake.lose_answer(CREATE, Answer(500, {"message": "upstream request timeout"}))
    result = keys.create(inputs(project.ref, clock.now))
    assert fake.count(CREATE) == 1 and secret_names(fake, project.ref) == ["default", "staging_ci_20261103"]
    (key,) = [k for k in fake.keys_of(project.ref, "secret") if k["name"] != "default"]
    assert result.outs["key_id"] == key["id"] and result.outs["api_key"] == key["api_key"]
    assert fake.operations()[1:] == [CREATE, "v1-get-project", "v1-get-project-api-keys"]  # waited, then looked


def test_a_run_failed_after_the_create_adopts_the_key_on_the_next_update(fake, project, keys, clock):
    """State kept the old key (the engine never saved the update): the next update finds the new one by name."""
    first = keys.create(inputs(project.ref, clock.now))
    clock.now += timedelta(days=DAYS)
    news = inputs(project.ref, clock.now)
    keys.update(first.id, first.outs, news)
    again = keys.update(first.id, first.outs, news)  # from the same old state
    assert fake.count(CREATE) == 2 and len(fake.keys_of(project.ref, "secret")) == 3
    assert [r["id"] for r in again.outs["retiring"]] == [first.outs["key_id"]]


def test_inside_a_window_nothing_rotates_and_a_new_window_rotates_without_deleting(fake, project, keys, clock):
    first = keys.create(inputs(project.ref, clock.now))
    later = inputs(project.ref, clock.now + timedelta(days=2))  # the window ends on Dec 3
    assert not keys.diff(first.id, first.outs, later).changes
    clock.now += timedelta(days=DAYS)
    news = inputs(project.ref, clock.now)
    diff = keys.diff(first.id, first.outs, news)
    assert diff.changes and not diff.replaces
    rotated = keys.update(first.id, first.outs, news).outs
    assert rotated["key_id"] != first.outs["key_id"] and rotated["key_name"] == "staging_ci_20261203"
    assert rotated["retiring"] == [{"id": first.outs["key_id"], "name": "staging_ci_20261103",
                                    "retire_after": (clock.now + timedelta(seconds=GRACE)).isoformat()}]
    assert fake.count(DELETE) == 0 and fake.key(project.ref, first.outs["key_id"]) is not None


def test_a_project_change_replaces_creating_the_new_key_first(fake, project, keys, clock):
    first = keys.create(inputs(project.ref, clock.now))
    other = fake.add_project("maintainpro-other")
    diff = keys.diff(first.id, first.outs, inputs(other.ref, clock.now))
    assert diff.replaces == ["project_ref"] and not diff.delete_before_replace


def test_read_refreshes_the_value_and_drops_retiring_keys_that_are_gone(fake, project, keys, clock):
    first = keys.create(inputs(project.ref, clock.now))
    clock.now += timedelta(days=DAYS)
    rotated = keys.update(first.id, first.outs, inputs(project.ref, clock.now)).outs
    fake.projects[project.ref].api_keys.remove(fake.key(project.ref, first.outs["key_id"]))
    read = keys.read(first.id, rotated)
    assert read.outs["retiring"] == [] and read.outs["api_key"] == rotated["api_key"]
    fake.projects[project.ref].api_keys.remove(fake.key(project.ref, rotated["key_id"]))
    assert keys.read(first.id, rotated).id is None  # gone: the next `up` creates it and updates the consumers


def test_delete_removes_current_and_retiring_keys_and_a_404_is_gone(fake, project, keys, clock):
    first = keys.create(inputs(project.ref, clock.now))
    clock.now += timedelta(days=DAYS)
    rotated = keys.update(first.id, first.outs, inputs(project.ref, clock.now)).outs
    fake.projects[project.ref].api_keys.remove(fake.key(project.ref, first.outs["key_id"]))  # already gone: 404
    keys.delete(first.id, rotated)
    assert secret_names(fake, project.ref) == ["default"]
    assert fake.count(DELETE) == 2


def test_check_refuses_a_grace_period_as_long_as_the_rotation_period(project, keys, clock):
    news = {**inputs(project.ref, clock.now), "grace_seconds": DAYS * 86400.0}
    (failure,) = keys.check({}, news).failures
    assert failure.property == "grace_seconds"


def test_a_retirement_deletes_only_what_it_lists_and_never_the_current_key(fake, project, keys, retirement, clock):
    first = keys.create(inputs(project.ref, clock.now))
    clock.now += timedelta(days=DAYS)
    rotated = keys.update(first.id, first.outs, inputs(project.ref, clock.now)).outs
    props = {"project_ref": project.ref, "key": "ci", "delete": [rotated["key_id"]], "keep": [rotated["key_id"]]}
    assert retirement.check({}, props).failures
    retirement.create({**props, "delete": [first.outs["key_id"]]})
    (deleted,) = fake.projects[project.ref].deleted_keys
    assert deleted["key"]["id"] == first.outs["key_id"]
    assert (deleted["was_compromised"], deleted["reason"]) == (False, "rotating_key")
    retirement.delete("x", props)  # removing the retirement deletes nothing
    assert fake.key(project.ref, rotated["key_id"]) is not None


# -- the full rotation, in the engine's order, with a clock ---------------------------------------------------

class ConsumerDown(Exception):
    """A consumer's update failed: the engine stops and runs none of its dependents (the retirement)."""


@dataclass
class Consumer:
    """What one consumer holds (a GitHub secret, a function secret): the value it was last given."""

    name: str
    value: str | None = None
    failing: bool = False

    def update(self, value: str) -> None:
        if value != self.value:
            if self.failing:
                raise ConsumerDown(self.name)
            self.value = value


@dataclass
class Stack:
    """One key's state, its retirement's and its consumers, run as `pulumi up` would run them."""

    keys: SecretApiKeyProvider
    retirement: SecretApiKeyRetirementProvider
    ref: str
    consumers: list[Consumer]
    key_state: tuple[str, dict[str, Any]] | None = None
    retirement_state: dict[str, Any] | None = None
    log: list[str] = field(default_factory=list)

    def up(self, now: datetime) -> None:
        news = inputs(self.ref, now)
        if self.key_state is None:
            result = self.keys.create(self.keys.check({}, news).inputs)
            self.key_state = (result.id, result.outs)
        elif self.keys.diff(self.key_state[0], self.key_state[1], news).changes:
            self.key_state = (self.key_state[0], self.keys.update(*self.key_state, news).outs)
        outs = self.key_state[1]
        try:
            for consumer in self.consumers:
                consumer.update(outs["api_key"])
        except ConsumerDown as down:
            self.log.append(f"{now:%Y-%m-%d %H:%M}: {down} failed, run stopped")
            return
        props = {"project_ref": self.ref, "key": "ci", "delete": due(outs["retiring"], now), "keep": [outs["key_id"]]}
        assert not self.retirement.check({}, props).failures
        if self.retirement_state is None:
            self.retirement_state = self.retirement.create(props).outs
        elif self.retirement.diff("r", self.retirement_state, props).changes:
            self.retirement_state = self.retirement.update("r", self.retirement_state, props).outs


def assert_every_consumer_holds_a_live_key(fake, stack: Stack) -> None:
    for consumer in stack.consumers:
        assert consumer.value is not None and fake.authenticates(stack.ref, consumer.value), (
            f"{consumer.name} holds a key the project no longer accepts")


def test_full_rotation_never_leaves_a_consumer_holding_a_deleted_key(fake, project, keys, retirement, clock):
    github, functions = Consumer("github SUPABASE_SECRET_KEY"), Consumer("function secrets")
    stack = Stack(keys, retirement, project.ref, [github, functions])
    day = timedelta(days=1)
    w1 = RotationWindow.containing(clock.now, DAYS).start
    w2, w3 = w1 + timedelta(days=DAYS), w1 + timedelta(days=2 * DAYS)

    def at(moment: datetime) -> None:
        clock.now = moment
        stack.up(moment)
        assert_every_consumer_holds_a_live_key(fake, stack)

    at(w1 + timedelta(days=6))
    (k1,) = [k for k in fake.keys_of(project.ref, "secret") if k["name"] != "default"]
    at(w1 + timedelta(days=20))  # inside the window: nothing
    assert fake.count(CREATE) == 1

    functions.failing = True  # the new window's run creates K2, then a consumer update fails
    at(w2 + timedelta(hours=2))
    assert github.value != k1["api_key"] and functions.value == k1["api_key"]
    assert fake.key(project.ref, k1["id"]) is not None

    at(w2 + timedelta(hours=30))  # grace over, but the consumer still fails: the retirement never runs
    assert fake.key(project.ref, k1["id"]) is not None and fake.count(DELETE) == 0

    functions.failing = False
    at(w2 + timedelta(hours=31))  # every consumer gets K2, then K1 (due) is retired
    assert fake.key(project.ref, k1["id"]) is None and fake.count(DELETE) == 1
    k2 = stack.key_state[1]["key_id"]

    at(w3 + timedelta(days=20))  # a late run: K3 now, K2 kept a full grace period from K3's creation
    assert fake.key(project.ref, k2) is not None
    at(w3 + timedelta(days=20) + day - timedelta(minutes=1))
    assert fake.key(project.ref, k2) is not None
    at(w3 + timedelta(days=20) + day)
    assert fake.key(project.ref, k2) is None
    assert secret_names(fake, project.ref) == ["default", key_name("staging_ci", w3.isoformat())]
    assert [d["key"]["id"] for d in fake.projects[project.ref].deleted_keys] == [k1["id"], k2]
    assert stack.log == [f"{w2 + timedelta(hours=2):%Y-%m-%d %H:%M}: function secrets failed, run stopped",
                         f"{w2 + timedelta(hours=30):%Y-%m-%d %H:%M}: function secrets failed, run stopped"]


def test_a_run_skipping_a_whole_window_still_keeps_the_previous_key_through_the_grace(fake, project, keys, retirement, clock):
    consumer = Consumer("github")
    stack = Stack(keys, retirement, project.ref, [consumer])
    start = RotationWindow.containing(clock.now, DAYS).start
    for moment in (start, start + timedelta(days=2 * DAYS + 5), start + timedelta(days=2 * DAYS + 5, hours=23)):
        clock.now = moment
        stack.up(moment)
        assert_every_consumer_holds_a_live_key(fake, stack)
    assert len(fake.keys_of(project.ref, "secret")) == 3  # default, the old window's key (in its grace), the new


# -- legacy keys ------------------------------------------------------------------------------------------------

@pytest.fixture
def legacy(fake) -> LegacyApiKeysProvider:
    return connect(LegacyApiKeysProvider(), fake.url)


def test_disabling_legacy_keys_stops_them_authenticating_and_keeps_the_new_ones(fake, legacy):
    project = fake.add_project("old-project", keys="both")
    anon = next(k for k in project.api_keys if k["name"] == "anon")["api_key"]
    secret = fake.keys_of(project.ref, "secret")[0]["api_key"]
    assert fake.authenticates(project.ref, anon)
    result = legacy.create({"project_ref": project.ref, "enabled": False})
    assert result.outs == {"project_ref": project.ref, "enabled": False, "wait_timeout": 900.0, "note": None}
    assert not fake.authenticates(project.ref, anon) and fake.authenticates(project.ref, secret)
    assert legacy.read(project.ref, result.outs).outs["enabled"] is False


def test_a_removed_legacy_endpoint_reads_as_disabled_with_a_note(fake, legacy):
    project = fake.add_project("new-project")
    fake.legacy_route = False
    result = legacy.create({"project_ref": project.ref, "enabled": False})
    assert result.outs["enabled"] is False and "removed upstream" in result.outs["note"]
    assert legacy.read(project.ref, result.outs).outs["enabled"] is False
    with pytest.raises(Exception, match="cannot be enabled"):
        legacy.update(project.ref, result.outs, {"project_ref": project.ref, "enabled": True})
    legacy.delete(project.ref, result.outs)  # stop managing: never re-enables
    assert fake.count("v1-update-project-legacy-api-keys") == 2
