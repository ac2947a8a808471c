"""One provider skeleton: every provider on `providers.crud.CrudProvider`, every resource declared with
frozen `XArgs`, one `plain` / `sha256` / `parse_id`, and the class paths state already holds still importable."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import NamedTuple

import dill
import pulumi
import pytest

import providers
from providers.crud import CrudProvider
from providers.supabase.settings import SettingsResource
from providers.values import hashes, parse_id, plain, sha256

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(m.name for m in pkgutil.walk_packages(providers.__path__, "providers."))

# Provider classes pickled into state (`__provider`): moving one breaks refresh and delete of what exists.
PICKLED = [
    "providers.netlify.site.SiteProvider",
    "providers.netlify.env_var.EnvVarProvider",
    "providers.netlify.dns_zone.DnsZoneProvider",
    "providers.netlify.dns_record.DnsRecordProvider",
    "providers.netlify.certificate.CertificateProvider",
    "providers.netlify.build_hook.BuildHookProvider",
    "providers.netlify.deploy_key.DeployKeyProvider",
    "providers.supabase.project.ProjectProvider",
    "providers.supabase.auth.AuthConfigProvider",
    "providers.supabase.postgrest.PostgrestConfigProvider",
    "providers.supabase.ssl_enforcement.SslEnforcementProvider",
    "providers.supabase.network_restrictions.NetworkRestrictionsProvider",
    "providers.supabase.pooler.PoolerConfigProvider",
    "providers.supabase.custom_hostname.CustomHostnameProvider",
    "providers.supabase.function_secrets.FunctionSecretsProvider",
    "providers.supabase.api_keys.SecretApiKeyProvider",
    "providers.supabase.api_keys.SecretApiKeyRetirementProvider",
    "providers.supabase.api_keys.LegacyApiKeysProvider",
]


def _resolve(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _resources() -> list[type]:
    found = {}
    for name in MODULES:
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if issubclass(cls, pulumi.dynamic.Resource) and cls.__module__.startswith("providers."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [cls for _, cls in sorted(found.items()) if cls is not SettingsResource]


@pytest.mark.parametrize("path", PICKLED)
def test_pickled_provider_paths_still_import_and_round_trip(path):
    cls = _resolve(path)
    assert issubclass(cls, CrudProvider)
    again = dill.loads(dill.dumps(cls(), recurse=True))
    assert f"{type(again).__module__}.{type(again).__qualname__}" == path


def test_every_resource_is_declared_with_frozen_args():
    resources = _resources()
    assert len(resources) == len(PICKLED)
    for cls in resources:
        params = list(inspect.signature(cls.__init__).parameters)
        assert params[:3] == ["self", "resource_name", "args"] or params[:3] == ["self", "name", "args"], cls
        annotation = inspect.signature(cls.__init__).parameters["args"].annotation
        # `DeployKeyArgs | None`: the API generates the key, so its args have no fields.
        args_cls = getattr(importlib.import_module(cls.__module__), str(annotation).removesuffix(" | None"))
        assert dataclasses.is_dataclass(args_cls) and args_cls.__dataclass_params__.frozen, cls
        assert not any(p.kind is p.VAR_KEYWORD for p in inspect.signature(cls.__init__).parameters.values()), cls


def test_no_provider_module_is_over_400_lines():
    files = sorted((ROOT / "providers").rglob("*.py"))
    assert len(files) > 20
    long = {str(f.relative_to(ROOT)): n for f in files if (n := len(f.read_text().splitlines())) > 400}
    assert long == {}


class PairId(NamedTuple):
    zone_id: str
    record_id: str


class TripleId(NamedTuple):
    account_id: str
    site_id: str
    key: str


def test_a_composite_id_is_parsed_once_into_a_typed_object():
    parsed = parse_id(PairId, "zone-1/record-2", "netlify dns record")
    assert parsed == PairId("zone-1", "record-2") and parsed.record_id == "record-2"
    assert parse_id(PairId, "zone-1/record-2", "netlify dns record") is parsed  # cached: hooks of one call share it
    assert parse_id(TripleId, "acct//KEY", "netlify environment variable").site_id == ""  # account-level variable
    assert parse_id(PairId, "zone-1/a/b", "x").record_id == "a/b"
    for bad in ("zone-1", "/record", "zone-1/"):
        with pytest.raises(ValueError, match=r"netlify dns record: id .* must have 2 parts separated by '/'"):
            parse_id(PairId, bad, "netlify dns record")


def test_one_plain_and_one_sha256():
    assert plain({"ttl": 3600.0, "values": [1.0, 1.5, {"flag": 0.0}], "name": "x"}) == {
        "ttl": 3600, "values": [1, 1.5, {"flag": 0}], "name": "x"}
    assert type(plain(3600.0)) is int and plain(True) is True
    assert sha256("fake") == "b5d54c39e66671c9731b9f471e585d8262cd4f54963f0c93082d8dcf334d4c78"
    assert hashes({"b": "fake", "a": "fake"}) == {"a": sha256("fake"), "b": sha256("fake")}
