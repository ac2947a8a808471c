"""Every dynamic provider's check and diff with values not known yet, in both forms they arrive.

Under a real `pulumi preview` the provider host (`python -m pulumi.dynamic`) deserializes inputs
with `keep_unknowns=True`, so a value that depends on a resource being created or updated arrives as
a `pulumi.output.Unknown` object; the SDK mock engine hands the sentinel string instead. For each
provider, each input (and each value nested in it, and each whole map) is made unknown in turn:
check must not report it (it is validated once known), diff must not touch it (no hashing, no API
call), must count a diffed input as changed, and must never put an unknown identity in `replaces`
(the real update diffs again with the known value and replaces only if it really changed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from providers.netlify.build_hook import BuildHookProvider
from providers.netlify.certificate import CertificateProvider
from providers.netlify.deploy_key import DeployKeyProvider
from providers.netlify.dns_record import DnsRecordProvider
from providers.netlify.dns_zone import DnsZoneProvider
from providers.netlify.env_var import EnvVarProvider, value_hashes
from providers.netlify.site import SiteProvider
from providers.supabase.auth import AuthConfigProvider
from providers.supabase.custom_hostname import CustomHostnameProvider
from providers.supabase.function_secrets import FunctionSecretsProvider
from providers.supabase.network_restrictions import NetworkRestrictionsProvider
from providers.supabase.pooler import PoolerConfigProvider
from providers.supabase.postgrest import PostgrestConfigProvider
from providers.supabase.project import ProjectProvider
from providers.supabase.ssl_enforcement import SslEnforcementProvider
from providers.unknowns import has_unknown, is_unknown, without_unknowns

REF = "abcdefghijklmnopqrst"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Case:
    provider: Callable[[], ResourceProvider]
    news: dict[str, Any]
    olds: dict[str, Any]  # state matching `news`: the baseline diff has no changes
    diffed: frozenset[str]  # top-level inputs diff compares (others, like wait_timeout, never diff)
    identity: frozenset[str]  # inputs whose known change replaces


SETTINGS_IGNORED = frozenset({"wait_timeout"})


def _settings(provider: Callable[[], ResourceProvider], settings: dict[str, Any],
              secret: dict[str, str] | None = None, **extra_olds: Any) -> Case:
    news: dict[str, Any] = {"project_ref": REF, "settings": settings, "wait_timeout": 900.0}
    olds: dict[str, Any] = {"project_ref": REF, "settings": settings, "secret_hashes": {}, **extra_olds}
    if secret:
        news["secret_settings"] = secret
        olds["secret_hashes"] = {k: _sha(v) for k, v in secret.items()}
    return Case(provider, news, olds, frozenset(news) - SETTINGS_IGNORED, frozenset({"project_ref"}))


SITE = {"name": "maintainpro-production", "account_slug": "maintainpro",
        "repo": {"provider": "github", "repo_path": "maintainpro/app", "repo_branch": "main",
                 "cmd": "npm run build", "dir": "dist", "allowed_branches": ["main"]},
        "custom_domain": "app.maintainpro.example", "domain_aliases": ["www.maintainpro.example"],
        "force_ssl": True, "pretty_urls": True}
ENV = {"account_id": "maintainpro", "site_id": "site-1", "key": "VITE_SUPABASE_URL", "scopes": ["builds"],
       "values": [{"context": "production", "value": "https://abcdefghijklmnopqrst.supabase.co"}],
       "is_secret": False}
HOOK = {"site_id": "site-1", "title": "nightly-rebuild", "branch": "main"}
CERT = {"site_id": "site-1", "domains": ["app.maintainpro.example", "www.maintainpro.example"]}
ZONE = {"name": "maintainpro.example", "account_slug": "maintainpro", "site_id": "site-1"}
RECORD = {"zone_id": "zone-1", "type": "CNAME", "hostname": "app.maintainpro.example",
          "value": "maintainpro-production.netlify.app", "ttl": 3600}
PROJECT = {"organization_slug": "maintainpro-example", "name": "maintainpro-production",
           "region": "eu-central-1", "instance_size": "small", "db_pass": "fake-db-password-1",
           "wait_timeout": 900.0, "poll_interval": 10.0}

CASES: dict[str, Case] = {
    "netlify:Site": Case(SiteProvider, SITE, SITE, frozenset(SITE), frozenset({"account_slug"})),
    "netlify:EnvVar": Case(EnvVarProvider, ENV, {**ENV, "value_hashes": value_hashes(ENV["values"])}, frozenset(ENV),
                           frozenset({"account_id", "site_id", "key"})),
    "netlify:BuildHook": Case(BuildHookProvider, HOOK, HOOK, frozenset(HOOK), frozenset({"site_id"})),
    "netlify:Certificate": Case(CertificateProvider, CERT, CERT, frozenset(CERT), frozenset({"site_id"})),
    # site_id links the zone at creation only: never diffed (providers/netlify/dns_zone.py).
    "netlify:DnsZone": Case(DnsZoneProvider, ZONE, ZONE, frozenset({"name", "account_slug"}),
                            frozenset({"name", "account_slug"})),
    "netlify:DnsRecord": Case(DnsRecordProvider, RECORD, RECORD, frozenset(RECORD), frozenset(RECORD)),
    "netlify:DeployKey": Case(DeployKeyProvider, {"title": "maintainpro-app"}, {"title": "maintainpro-app"},
                              frozenset(), frozenset()),
    "supabase:Project": Case(
        ProjectProvider, PROJECT,
        {**{k: v for k, v in PROJECT.items() if k != "db_pass"}, "ref": REF, "db_pass_sha256": _sha("fake-db-password-1"),
         "publishable_key": "sb_publishable_fake", "secret_key": "sb_secret_fake"},
        frozenset({"organization_slug", "name", "region", "instance_size", "db_pass"}),
        frozenset({"organization_slug", "region"})),
    "supabase:AuthConfig": _settings(
        AuthConfigProvider, {"site_url": "https://app.maintainpro.example", "jwt_exp": 3600},
        {"smtp_pass": "fake-smtp-password"}),
    "supabase:PostgrestConfig": _settings(PostgrestConfigProvider, {"db_schema": "public,storage", "max_rows": 1000}),
    "supabase:SslEnforcement": _settings(SslEnforcementProvider, {"database": True}),
    "supabase:NetworkRestrictions": _settings(
        NetworkRestrictionsProvider, {"dbAllowedCidrs": ["10.0.0.0/8", "198.51.100.0/24"], "dbAllowedCidrsV6": []}),
    "supabase:PoolerConfig": _settings(PoolerConfigProvider, {"pool_mode": "transaction", "default_pool_size": 30},
                                       session_url="postgresql://postgres.abcdefghijklmnopqrst@pooler:5432/postgres"),
    "supabase:FunctionSecrets": Case(
        FunctionSecretsProvider,
        {"project_ref": REF, "secrets": {"WORK_ORDER_WEBHOOK_SECRET": "fake-webhook-secret"}, "wait_timeout": 900.0},
        {"project_ref": REF, "hashes": {"WORK_ORDER_WEBHOOK_SECRET": _sha("fake-webhook-secret")}},
        frozenset({"project_ref", "secrets"}), frozenset({"project_ref"})),
    "supabase:CustomHostname": Case(
        CustomHostnameProvider, {"project_ref": REF, "hostname": "db.maintainpro.example", "wait_timeout": 900.0},
        {"project_ref": REF, "hostname": "db.maintainpro.example"},
        frozenset({"project_ref", "hostname"}), frozenset({"project_ref", "hostname"})),
}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every position in `value`: each input, and each value nested in a map or list."""
    if prefix:
        yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield from _paths(inner, (*prefix, key))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    return [_replace(v, rest, new) if i == head else v for i, v in enumerate(value)]


UNKNOWN_FORMS = {"Unknown": Unknown, "sentinel": lambda: UNKNOWN}
PARAMS = [
    pytest.param(name, path, form, id=f"{name}-{'.'.join(map(str, path))}-{form}")
    for name, case in CASES.items()
    for path in _paths(case.news)
    for form in UNKNOWN_FORMS
]


class NoApi:
    """A client that fails any use: check and diff are local, a preview makes no API call."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"check/diff used the API client ({name})")


def _provider(case: Case) -> ResourceProvider:
    provider = case.provider()
    provider.use_client(NoApi())  # type: ignore[attr-defined]
    return provider


@pytest.mark.parametrize("name", sorted(CASES))
def test_baseline_is_valid_and_unchanged(name):
    """Without unknowns the example inputs pass check and match their state: the tests below are meaningful."""
    case = CASES[name]
    provider = _provider(case)
    assert provider.check({}, dict(case.news)).failures == []
    assert provider.diff("id-1", dict(case.olds), dict(case.news)).changes is False


@pytest.mark.parametrize(("name", "path", "form"), PARAMS)
def test_unknown_value_is_neither_validated_nor_touched_nor_replaced(name, path, form):
    case = CASES[name]
    provider = _provider(case)
    news = _replace(case.news, path, UNKNOWN_FORMS[form]())

    failures = provider.check({}, news).failures
    assert failures == [], [(f.property, f.reason) for f in failures]

    diff = provider.diff("id-1", dict(case.olds), news)
    if path[0] in case.diffed:
        assert diff.changes is True
    assert path[0] not in (diff.replaces or [])


@pytest.mark.parametrize("name", sorted(CASES))
def test_known_identity_change_still_replaces(name):
    """The other side of the rule above: a known change of an identity input replaces as before."""
    case = CASES[name]
    provider = _provider(case)
    for key in sorted(case.identity):
        news = {**case.news, key: "changed-" + str(case.news[key])}
        diff = provider.diff("id-1", dict(case.olds), news)
        assert diff.changes is True and key in (diff.replaces or []), key


@pytest.mark.parametrize("unknown", [Unknown(), UNKNOWN], ids=list(UNKNOWN_FORMS))
def test_one_predicate_for_both_forms(unknown):
    assert is_unknown(unknown) and has_unknown({"a": [1, {"b": unknown}]})
    assert not is_unknown("04da6b54") and not has_unknown({"a": [1, {"b": "x"}]})
    assert without_unknowns({"a": unknown, "b": [unknown, 1], "c": {"d": unknown, "e": 2}}) == {
        "b": [1], "c": {"e": 2}}


def test_project_password_rotation_preview_changes_without_replacing():
    """The reviewer's crash: a rotated password is unknown in preview (`'Unknown' object has no attribute 'encode'`)."""
    case = CASES["supabase:Project"]
    diff = _provider(case).diff("id-1", dict(case.olds), {**case.news, "db_pass": Unknown()})
    assert diff.changes is True and diff.replaces == []
