"""The CRUD skeleton's hooks for write-only inputs and open maps, on a small in-memory provider, and
which providers sit on the skeleton's hooks (issue 14, "One provider skeleton").

The toy provider keeps its object in a dict (no HTTP): what is asserted is the skeleton's own
behaviour, the same for every provider that sets `write_only` / `open_maps`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from pulumi.output import Unknown

from providers.crud import CrudProvider, Problems, Props
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


# Providers that override the skeleton's methods, and which ones; each says why in its docstring.
OVERRIDES = {
    "providers.supabase.project.ProjectProvider": {"check", "diff", "create", "read", "update", "delete"},
    "providers.supabase.api_keys.SecretApiKeyProvider": {"check", "diff", "create", "read", "update", "delete"},
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
def test_providers_sit_on_the_skeletons_hooks_unless_they_say_which_hook_is_missing(path):
    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    overridden = {m for m in METHODS
                  if next(c for c in cls.__mro__ if m in c.__dict__) is not CrudProvider}
    assert overridden == OVERRIDES.get(path, set())
    if path in OVERRIDES and overridden == set(METHODS):
        assert "hooks it would need are not general" in (cls.__doc__ or "")
