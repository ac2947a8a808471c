"""The CRUD skeleton's hooks, on small in-memory providers, and which providers sit on the skeleton's
hooks (issue 14, "One provider skeleton"): write-only inputs and open maps (`Toy`); an object found
or made and then settled, read with the state that names it, older state lacking an output, stable
outputs (`Keyed`, the shape of the Supabase project and rotating key).

The toy providers keep their objects in dicts (no HTTP): what is asserted is the skeleton's own
behaviour, the same for every provider that uses the hook.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from pulumi.output import Unknown

from providers.crud import CrudProvider, Problems, Props
from providers.http import ResponseLost
from providers.values import sha256
from tests.providers.test_provider_skeleton import PICKLED


class Toy(CrudProvider):
    """One API object with an open map of fields (`settings`) and a write-only map (`secrets`)."""

    kind = "toy"
    inputs: ClassVar[tuple[str, ...]] = ("name", "settings", "secrets")
    identity = frozenset({"name"})
    write_only: ClassVar[Mapping[str, str]] = {"secrets": "secret_hashes"}
    open_maps = frozenset({"settings", "secrets"})

    def __init__(self) -> None:
        self.live: dict[str, Any] = {}
        self.written: list[dict[str, Any]] = []

    def validate(self, news: Props) -> Problems:
        return [(f"settings.{k}", "must be a whole number") for k, v in (news.get("settings") or {}).items()
                if not isinstance(v, int)]

    def find(self, props: Props) -> dict[str, Any] | None:
        return None

    def create_new(self, props: Props) -> dict[str, Any]:
        self.written.append({**props.get("settings", {}), **props.get("secrets", {})})
        return self._store(props)

    def _store(self, props: Props) -> dict[str, Any]:
        self.live = {"id": props["name"], "settings": dict(props.get("settings") or {}),
                     "secret_hashes": {k: sha256(v) for k, v in (props.get("secrets") or {}).items()}}
        return self.live

    def fetch(self, id_: str) -> dict[str, Any] | None:
        return self.live or None

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        return {"name": id_, "settings": dict(live["settings"]), "secret_hashes": dict(live["secret_hashes"])}

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        self.written.append({k: news[k] for k in changed})
        return self._store(news)


NEWS = {"name": "one", "settings": {"size": 2, "mode": 1}, "secrets": {"token": "fake-token"}}


def test_a_write_only_input_is_kept_as_its_hash_and_diffed_by_it():
    provider = Toy()
    outs = provider.create(NEWS).outs
    assert "secrets" not in outs and "fake-token" not in repr(outs)  # state never holds the value
    assert outs["secret_hashes"] == {"token": sha256("fake-token")}
    assert provider.diff("one", outs, NEWS).changes is False
    changed = provider.diff("one", outs, {**NEWS, "secrets": {"token": "other-token"}})
    assert changed.changes is True and not changed.replaces
    assert provider.diff("one", outs, {**NEWS, "secrets": {"token": Unknown()}}).changes is True
    update = provider.update("one", outs, {**NEWS, "secrets": {"token": "other-token"}})
    assert provider.written[-1] == {"secrets": {"token": "other-token"}}
    assert "other-token" not in repr(update.outs) and update.outs["secret_hashes"]["token"] == sha256("other-token")


def test_a_read_hands_back_no_write_only_value_and_names_it_only_when_its_hash_drifted():
    provider = Toy()
    outs = provider.create(NEWS).outs
    # Nothing drifted: the engine keeps its stored inputs (which still hold the value).
    assert provider.read("one", outs).inputs is None
    provider.live["settings"]["size"] = 3
    drifted = provider.read("one", outs)
    assert drifted.inputs == {"name": "one", "settings": {"size": 3, "mode": 1}}
    provider.live["settings"]["size"] = 2
    provider.live["secret_hashes"] = {"token": sha256("changed by hand")}
    secret_drift = provider.read("one", outs)
    assert secret_drift.inputs == {"name": "one", "settings": {"size": 2, "mode": 1}}  # `secrets` left out: drift


def test_an_unknown_member_of_an_open_map_hides_only_its_own_problems():
    provider = Toy()
    failures = provider.check({}, {**NEWS, "settings": {"size": Unknown(), "mode": "fast"}}).failures
    assert [(f.property, f.reason) for f in failures] == [("settings.mode", "must be a whole number")]
    assert provider.check({}, {**NEWS, "settings": {"size": Unknown(), "mode": 1}}).failures == []


def test_a_declared_member_of_an_open_map_the_api_does_not_show_stays_managed_as_none():
    provider = Toy()
    outs = provider.create(NEWS).outs
    del provider.live["settings"]["mode"]
    read = provider.read("one", outs)
    assert read.outs["settings"] == {"size": 2, "mode": None}
    assert provider.diff("one", read.outs, NEWS).changes is True


# Providers that override the skeleton's methods (always around it, via super()), and which ones.
OVERRIDES = {
    # Around the skeleton's (super()): the session endpoint read from the same GET, and old state without it.
    "providers.supabase.pooler.PoolerConfigProvider": {"diff", "create", "update"},
    # Netlify, around the skeleton's: a secret flag cannot be removed (replace), a certificate's
    # provisioning answer, a generated key found as the one that appeared since the POST.
    "providers.netlify.env_var.EnvVarProvider": {"diff"},
    "providers.netlify.certificate.CertificateProvider": {"create"},
    "providers.netlify.deploy_key.DeployKeyProvider": {"create"},
}
METHODS = ("check", "diff", "create", "read", "update", "delete")


@pytest.mark.parametrize("path", PICKLED)
def test_providers_sit_on_the_skeletons_hooks(path):
    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    overridden = {m for m in METHODS
                  if next(c for c in cls.__mro__ if m in c.__dict__) is not CrudProvider}
    assert overridden == OVERRIDES.get(path, set())


# -- the hooks of an object found or made, read with its state, and older state ------------------------------

class Keyed(CrudProvider):
    """One API object per name whose API id (`serial`) changes on every make and lives in state (the
    resource id is the name), which must be switched on once found or made (`settle`), and whose
    state written by an older version lacks the `on` output."""

    kind = "keyed toy"
    inputs: ClassVar[tuple[str, ...]] = ("name", "size")
    identity = frozenset({"name"})
    stables: ClassVar[tuple[str, ...]] = ("serial",)

    def __init__(self, *, lose_first_answer: bool = False) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.log: list[tuple[Any, ...]] = []
        self.lose = lose_first_answer

    def add(self, name: str, size: int) -> dict[str, Any]:
        serial = f"s{len(self.objects) + 1}"
        self.objects[serial] = {"serial": serial, "name": name, "size": size, "on": False}
        return self.objects[serial]

    def find(self, props: Props) -> dict[str, Any] | None:
        return next((o for o in self.objects.values() if o["name"] == props["name"]), None)

    def create_new(self, props: Props) -> dict[str, Any]:
        made = self.add(props["name"], props["size"])
        if self.lose:
            self.lose = False
            raise ResponseLost(self.kind, "make", None, "connection lost")
        return made

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return str(props["name"])

    def settle(self, id_: str, live: dict[str, Any], props: Props, *, made: bool) -> dict[str, Any]:
        self.log.append(("settle", live["serial"], made))
        live["on"] = True
        return live

    def fetch(self, id_: str) -> dict[str, Any] | None:
        raise AssertionError("the resource id does not name the API object: its serial is in state")

    def fetch_with_state(self, id_: str, state: Props) -> dict[str, Any] | None:
        return self.objects.get(state.get("serial"))

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        return {k: live[k] for k in ("name", "size", "serial", "on")}

    def missing_outputs(self, olds: Props) -> list[str]:
        return [] if "on" in olds else ["on"]

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        self.log.append(("apply", *changed))
        self.objects[olds["serial"]].update(size=news["size"], on=True)
        return None  # the answer carries nothing: the skeleton reads the object back


def test_an_adopted_object_is_settled_like_a_made_one_then_converged():
    provider = Keyed()
    found = provider.add("one", size=1)
    created = provider.create({"name": "one", "size": 2})
    assert created.id == "one" and len(provider.objects) == 1
    # Settled as found (made=False) first, then the size it shows converged by one update.
    assert provider.log == [("settle", "s1", False), ("apply", "size")]
    assert found == {"serial": "s1", "name": "one", "size": 2, "on": True}
    assert created.outs == {"name": "one", "size": 2, "serial": "s1", "on": True}
    provider.log.clear()
    assert provider.create({"name": "two", "size": 3}).outs["on"] is True
    assert provider.log == [("settle", "s2", True)]


def test_a_lost_create_answer_is_adopted_and_still_settled_once():
    provider = Keyed(lose_first_answer=True)
    created = provider.create({"name": "one", "size": 2})
    assert len(provider.objects) == 1 and created.outs["on"] is True
    assert provider.log == [("settle", "s1", False)]  # what a found object needs: no update, nothing differs


def test_read_and_update_fetch_with_the_state_that_names_the_api_object():
    provider = Keyed()
    outs = provider.create({"name": "one", "size": 2}).outs
    provider.objects["s1"]["size"] = 5  # changed out of band
    read = provider.read("one", outs)
    assert read.outs["size"] == 5 and read.inputs == {"name": "one", "size": 5}
    updated = provider.update("one", read.outs, {"name": "one", "size": 2})  # apply answers None: read back
    assert updated.outs == {"name": "one", "size": 2, "serial": "s1", "on": True}
    del provider.objects["s1"]
    assert provider.read("one", outs).id == ""  # gone: the object state names no longer exists


def test_outputs_older_state_lacks_are_a_local_change_the_next_update_fills_in():
    provider = Keyed()
    outs = provider.create({"name": "one", "size": 2}).outs
    older = {k: v for k, v in outs.items() if k != "on"}
    provider.log.clear()
    assert provider.diff("one", outs, {"name": "one", "size": 2}).changes is False
    diff = provider.diff("one", older, {"name": "one", "size": 2})
    assert diff.changes is True and diff.replaces == [] and provider.log == []  # local: no call
    assert provider.update("one", older, {"name": "one", "size": 2}).outs["on"] is True
    assert provider.log == [("apply", "on")]


def test_stable_outputs_are_named_in_every_diff():
    provider = Keyed()
    outs = provider.create({"name": "one", "size": 2}).outs
    assert provider.diff("one", outs, {"name": "one", "size": 3}).stables == ["serial"]
    assert Toy().diff("one", {}, NEWS).stables is None  # a provider without stable outputs names none
