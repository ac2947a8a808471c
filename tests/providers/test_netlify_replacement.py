"""A change the engine turns into a replacement never ends with the Netlify object gone.

Each test applies a change as the engine would (diff; a replacement in the engine's order via
`tests/support/replacement.py`, otherwise an update) and then looks for the object on the fake.
With find-before-create adoption, a replacement in the default order finds the *old* object by
its natural key, adopts its id, and the following delete removes it: these tests catch that.
"""

from __future__ import annotations

from typing import Any

import pytest

from providers.http import ApiError
from providers.netlify.build_hook import BuildHookProvider
from providers.netlify.certificate import CertificateProvider
from providers.netlify.common import NetlifyProvider
from providers.netlify.deploy_key import DeployKeyProvider
from providers.netlify.dns_record import DnsRecordProvider
from providers.netlify.dns_zone import DnsZoneProvider
from providers.netlify.env_var import EnvVarProvider
from providers.netlify.site import SiteProvider
from tests.providers.conftest import attach
from tests.providers.test_netlify_lifecycle import SECRET, SITE
from tests.support.replacement import replace

ORDERS = pytest.mark.parametrize("delete_first", [False, True], ids=["create-first", "delete-first"])


def change(provider: NetlifyProvider, id_: str, outs: dict[str, Any], news: dict[str, Any], *,
           delete_first: bool = False) -> tuple[str, dict[str, Any]]:
    """What `pulumi up` does with a changed resource: replace it if the diff says so, else update."""
    if provider.diff(id_, outs, news).replaces:
        created = replace(provider, id_, outs, news, delete_before_replace=delete_first).created
        return created.id, created.outs
    return id_, provider.update(id_, outs, news).outs


def _site(fake, **extra: Any) -> tuple[str, dict[str, Any]]:
    created = attach(SiteProvider(), fake.url)[0].create({**SITE, **extra})
    return created.id, created.outs


def test_site_moved_to_another_team_exists_afterwards(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    created = provider.create(dict(SITE))
    # Site names are global, so the new team's site can only be made once the old one is gone.
    assert provider.diff(created.id, created.outs, {**SITE, "account_slug": "other-team"}).delete_before_replace
    new_id, _ = change(provider, created.id, created.outs, {**SITE, "account_slug": "other-team"})
    assert [(s["name"], s["account_slug"]) for s in fake.sites.values()] == [(SITE["name"], "other-team")]
    assert new_id in fake.sites


def test_env_var_made_secret_is_updated_in_place_and_exists_afterwards(fake):
    provider, _ = attach(EnvVarProvider(), fake.url)
    plain = {**SECRET, "is_secret": False}
    created = provider.create(dict(plain))
    assert provider.diff(created.id, created.outs, dict(SECRET)).replaces == []
    fake.reset_calls()
    new_id, outs = change(provider, created.id, created.outs, dict(SECRET))
    assert fake.ops() == ["updateEnvVar"] and fake.calls[0].body["is_secret"] is True
    stored = fake.env[("maintainpro", "site-1", SECRET["key"])]
    assert stored["is_secret"] is True and new_id == created.id
    assert {v["value"] for v in stored["values"]} == {v["value"] for v in SECRET["values"]}
    assert provider.diff(new_id, provider.read(new_id, outs).outs, dict(SECRET)).changes is False



@ORDERS
def test_env_var_made_plain_again_is_replaced_delete_first_and_exists_afterwards(fake, delete_first):
    """Netlify refuses to remove the secret flag: the variable is made again, plain, from the program's values."""
    provider, _ = attach(EnvVarProvider(), fake.url)
    plain = {**SECRET, "is_secret": False}
    created = provider.create(dict(SECRET))
    diff = provider.diff(created.id, created.outs, dict(plain))
    assert diff.replaces == ["is_secret"] and diff.delete_before_replace is True
    fake.reset_calls()
    new_id, outs = change(provider, created.id, created.outs, dict(plain), delete_first=delete_first)
    assert fake.ops() == ["deleteEnvVar", "getEnvVar", "createEnvVars"]
    stored = fake.env[("maintainpro", "site-1", SECRET["key"])]
    assert stored["is_secret"] is False and new_id == created.id
    assert {v["value"] for v in stored["values"]} == {v["value"] for v in SECRET["values"]}
    assert provider.diff(new_id, provider.read(new_id, outs).outs, dict(plain)).changes is False


@ORDERS
def test_env_var_renamed_exists_afterwards_and_the_old_key_is_gone(fake, delete_first):
    provider, _ = attach(EnvVarProvider(), fake.url)
    created = provider.create(dict(SECRET))
    new_id, _ = change(provider, created.id, created.outs, {**SECRET, "key": "SENTRY_TOKEN"}, delete_first=delete_first)
    assert set(fake.env) == {("maintainpro", "site-1", "SENTRY_TOKEN")}
    assert new_id == "maintainpro/site-1/SENTRY_TOKEN"


def test_env_var_under_another_account_name_is_deleted_before_it_is_made_again(fake):
    """Only the account changes: the team's id and slug may name the same variable, so the old
    one goes first and the new one is created, never adopted and then deleted."""
    provider, _ = attach(EnvVarProvider(), fake.url)
    created = provider.create(dict(SECRET))
    news = {**SECRET, "account_id": "team-id-1"}
    assert provider.diff(created.id, created.outs, news).delete_before_replace is True
    change(provider, created.id, created.outs, news)
    assert set(fake.env) == {("team-id-1", "site-1", SECRET["key"])}


def test_dns_zone_linked_to_another_site_keeps_the_zone_and_its_records(fake):
    site_id, _ = _site(fake)
    zones, _ = attach(DnsZoneProvider(), fake.url)
    props = {"name": "maintainpro.example", "account_slug": "maintainpro", "site_id": site_id}
    zone = zones.create(dict(props))
    fake.records[zone.id]["rec-mx"] = {"id": "rec-mx", "dns_zone_id": zone.id, "type": "MX", "hostname": "maintainpro.example",
                                       "value": "mail.maintainpro.example", "priority": 10, "ttl": 3600, "managed": False}
    before = dict(fake.records[zone.id])
    fake.reset_calls()
    new_id, outs = change(zones, zone.id, zone.outs, {**props, "site_id": "site-replacement"})
    assert new_id == zone.id and fake.records[zone.id] == before
    assert [c.method for c in fake.calls if c.method != "GET"] == []  # nothing to call: no relink API
    assert zones.diff(new_id, outs, {**props, "site_id": "site-replacement"}).changes is False


@ORDERS
def test_dns_zone_renamed_exists_afterwards(fake, delete_first):
    zones, _ = attach(DnsZoneProvider(), fake.url)
    props = {"name": "maintainpro.example", "account_slug": "maintainpro"}
    zone = zones.create(dict(props))
    new_id, _ = change(zones, zone.id, zone.outs, {**props, "name": "maintainpro.example.org"}, delete_first=delete_first)
    assert [z["name"] for z in fake.zones.values()] == ["maintainpro.example.org"] and new_id in fake.zones


def _zone(fake) -> str:
    return attach(DnsZoneProvider(), fake.url)[0].create({"name": "maintainpro.example", "account_slug": "maintainpro"}).id


@ORDERS
@pytest.mark.parametrize("props, news", [
    ({"type": "TXT", "hostname": "maintainpro.example", "value": "v=spf1 -all", "ttl": 3600}, {"ttl": 300}),
    ({"type": "MX", "hostname": "maintainpro.example", "value": "mail.maintainpro.example", "priority": 10}, {"priority": 20}),
    ({"type": "CNAME", "hostname": "docs.maintainpro.example", "value": "a.netlify.app", "ttl": 3600}, {"ttl": 60}),
    ({"type": "CAA", "hostname": "maintainpro.example", "value": "letsencrypt.org", "flag": 0, "tag": "issue"},
     {"value": "sectigo.com"}),
], ids=["ttl", "priority", "cname-ttl", "caa-value"])
def test_dns_record_replaced_exists_afterwards(fake, props, news, delete_first):
    zone_id = _zone(fake)
    records, _ = attach(DnsRecordProvider(), fake.url)
    props = {"zone_id": zone_id, **props}
    made = records.create(dict(props))
    new_id, _ = change(records, made.id, made.outs, {**props, **news}, delete_first=delete_first)
    [live] = fake.records[zone_id].values()
    assert new_id == f"{zone_id}/{live['id']}"
    assert {k: live.get(k) for k in news} == news


@ORDERS
def test_certificate_of_a_replaced_site_exists_afterwards(fake, delete_first):
    old_site, _ = _site(fake)
    new_site, _ = _site(fake, name="maintainpro-production-2", custom_domain="maintainpro.example.org",
                        domain_aliases=["www.maintainpro.example.org"])
    certs, _ = attach(CertificateProvider(), fake.url)
    cert = certs.create({"site_id": old_site, "domains": ["maintainpro.example"]})
    news = {"site_id": new_site, "domains": ["maintainpro.example.org"]}
    new_id, outs = change(certs, cert.id, cert.outs, news, delete_first=delete_first)
    assert new_id == new_site and fake.certs[new_site]["domains"][0] == "maintainpro.example.org"
    assert outs["state"] == "issued"


@ORDERS
def test_build_hook_of_a_replaced_site_exists_afterwards(fake, delete_first):
    old_site, _ = _site(fake)
    new_site, _ = _site(fake, name="maintainpro-production-2")
    hooks, _ = attach(BuildHookProvider(), fake.url)
    props = {"site_id": old_site, "title": "nightly", "branch": "main"}
    hook = hooks.create(dict(props))
    new_id, _ = change(hooks, hook.id, hook.outs, {**props, "site_id": new_site}, delete_first=delete_first)
    assert fake.hooks[old_site] == {} and [h["title"] for h in fake.hooks[new_site].values()] == ["nightly"]
    assert new_id.startswith(f"{new_site}/")


def test_deploy_key_replaced_by_the_engine_exists_afterwards(fake):
    """Keys have no inputs, so only `pulumi up --replace` replaces one: create first, then delete."""
    keys, _ = attach(DeployKeyProvider(), fake.url)
    old = keys.create({})
    new = keys.create({})  # must not adopt the old key, which the engine deletes next
    keys.delete(old.id, old.outs)
    assert list(fake.keys) == [new.id] and new.id != old.id


def test_dns_zone_moved_to_another_team_fails_with_the_zone_intact(fake):
    """Zone names are unique: a new team's zone cannot be made beside the old one, so the
    replacement stops at the create and the old zone (with its records) is still there."""
    zones, _ = attach(DnsZoneProvider(), fake.url)
    props = {"name": "maintainpro.example", "account_slug": "maintainpro"}
    zone = zones.create(dict(props))
    with pytest.raises(ApiError, match="already exists"):
        change(zones, zone.id, zone.outs, {**props, "account_slug": "other-team"})
    assert list(fake.zones) == [zone.id]
