"""Economy (counted requests) and faults (rate limits, outages, timeouts, lost answers) against
the stateful fake: a retried create adopts instead of duplicating, and the final error is clear."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from providers.http import ApiError, RetryPolicy
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

Setup = Callable[[Any], tuple[NetlifyProvider, dict[str, Any]]]


def _site(fake) -> str:
    return attach(SiteProvider(), fake.url)[0].create(dict(SITE)).id


def _zone(fake) -> str:
    return attach(DnsZoneProvider(), fake.url)[0].create({"name": "maintainpro.example", "account_slug": "maintainpro"}).id


CASES: dict[str, Setup] = {
    "site": lambda fake: (SiteProvider(), dict(SITE)),
    "env_var": lambda fake: (EnvVarProvider(), dict(SECRET)),
    "dns_zone": lambda fake: (DnsZoneProvider(), {"name": "maintainpro.example", "account_slug": "maintainpro"}),
    "dns_record": lambda fake: (DnsRecordProvider(), {"zone_id": _zone(fake), "type": "CAA",
                                "hostname": "maintainpro.example", "value": "letsencrypt.org", "flag": 0, "tag": "issue"}),
    "certificate": lambda fake: (CertificateProvider(), {"site_id": _site(fake), "domains": ["maintainpro.example"]}),
    "build_hook": lambda fake: (BuildHookProvider(), {"site_id": _site(fake), "title": "nightly", "branch": "main"}),
    "deploy_key": lambda fake: (DeployKeyProvider(), {}),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_read_is_one_get_diff_is_local_and_no_change_update_writes_nothing(fake, kind):
    provider, props = CASES[kind](fake)
    attach(provider, fake.url)
    created = provider.create(dict(props))

    fake.reset_calls()
    read = provider.read(created.id, created.outs)
    assert [(c.method, c.status) for c in fake.calls] == [("GET", 200)]

    fake.reset_calls()
    diff = provider.diff(created.id, read.outs, dict(props))
    assert fake.calls == [] and diff.changes is False

    fake.reset_calls()
    if kind != "deploy_key":  # no update operation exists for keys; the engine never asks
        provider.update(created.id, read.outs, dict(props))
    assert fake.calls == []


def test_diff_makes_no_http_call_even_with_changes(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    created = provider.create(dict(SITE))
    fake.reset_calls()
    assert provider.diff(created.id, created.outs, {**SITE, "name": "renamed"}).changes is True
    assert fake.calls == []


def test_rate_limited_create_honours_retry_after_and_creates_once(fake):
    sleeps: list[float] = []
    provider, _ = attach(SiteProvider(), fake.url, sleeps=sleeps, retry=RetryPolicy(attempts=4, cap=30.0))
    fake.fail("listSites", status=429, headers={"Retry-After": "2"})
    fake.fail("createSiteInTeam", status=429, headers={"Retry-After": "3"})
    provider.create(dict(SITE))
    assert sleeps == [2.0, 3.0] and len(fake.sites) == 1
    assert fake.ops() == ["listSites", "listSites", "createSiteInTeam", "createSiteInTeam"]


def test_outage_on_read_is_retried(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    created = provider.create(dict(SITE))
    fake.reset_calls()
    fake.fail("getSite", status=500)
    fake.fail("getSite", status=503)
    assert provider.read(created.id, {}).id == created.id
    assert fake.ops() == ["getSite"] * 3


def test_ambiguous_500_on_create_looks_before_resending(fake):
    provider, _ = attach(EnvVarProvider(), fake.url)
    fake.fail("createEnvVars", status=500)
    provider.create(dict(SECRET))
    assert fake.ops() == ["getEnvVar", "createEnvVars", "getEnvVar", "createEnvVars"]
    assert len(fake.env) == 1


def test_create_answer_past_timeout_is_adopted_not_duplicated(fake):
    provider, _ = attach(SiteProvider(), fake.url, timeout=0.3)
    fake.fail("createSiteInTeam", delay=0.8)
    created = provider.create(dict(SITE))
    assert len(fake.sites) == 1 and created.id in fake.sites
    assert fake.ops() == ["listSites", "createSiteInTeam", "listSites"]


def test_dropped_connection_during_create_is_adopted_for_every_findable_kind(fake):
    site_id = _site(fake)
    zone_id = _zone(fake)
    cases = [
        (BuildHookProvider(), "createSiteBuildHook", {"site_id": site_id, "title": "deploy", "branch": "main"},
         lambda: len(fake.hooks[site_id])),
        (DnsRecordProvider(), "createDnsRecord", {"zone_id": zone_id, "type": "TXT", "hostname": "maintainpro.example",
                                                  "value": "fake-verification"}, lambda: len(fake.records[zone_id])),
        (DnsZoneProvider(), "createDnsZone", {"name": "other.example", "account_slug": "maintainpro"},
         lambda: len(fake.zones) - 1),
    ]
    for provider, operation, props, count in cases:
        attach(provider, fake.url)
        fake.fail(operation, drop_after=True)
        provider.create(props)
        assert count() == 1, operation


def test_persistent_outage_gives_one_clear_error_after_bounded_retries(fake):
    provider, _ = attach(SiteProvider(), fake.url, retry=RetryPolicy(attempts=3, base=0.01))
    for _ in range(3):
        fake.fail("listSites", status=503)
    with pytest.raises(ApiError) as err:
        provider.create(dict(SITE))
    assert fake.ops() == ["listSites"] * 3 and fake.sites == {}
    assert str(err.value) == (
        "netlify site: find site by name failed (HTTP 503): injected (gave up after 3 attempts)"
    )


def test_client_error_names_resource_operation_status_and_message(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    fake.sites["site-x"] = {"id": "site-x", "name": "taken", "account_slug": "someone-else"}
    with pytest.raises(ApiError) as err:
        provider.create({"name": "taken", "account_slug": "maintainpro"})
    assert str(err.value) == "netlify site: create site failed (HTTP 422): name already exists"
    assert len(fake.sites) == 1


def test_create_failing_ambiguously_every_time_ends_with_the_api_words(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    for _ in range(3):
        fake.fail("createSiteInTeam", status=502)
    with pytest.raises(ApiError) as err:
        provider.create(dict(SITE))
    assert fake.ops().count("createSiteInTeam") == 3 and fake.sites == {}
    assert str(err.value) == (
        "netlify site: create site failed (HTTP 502): outcome unknown: injected; nothing to adopt after 3 attempts"
    )


def _cert_to_widen(fake):
    sites, _ = attach(SiteProvider(), fake.url)
    site = sites.create({**SITE, "domain_aliases": []})
    certs, _ = attach(CertificateProvider(), fake.url)
    props = {"site_id": site.id, "domains": ["maintainpro.example"]}
    cert = certs.create(dict(props))
    sites.update(site.id, site.outs, dict(SITE))
    return certs, cert, {**props, "domains": ["maintainpro.example", "www.maintainpro.example"]}


def test_lost_renew_answer_is_looked_up_not_resent(fake):
    certs, cert, grown = _cert_to_widen(fake)
    fake.reset_calls()
    fake.fail("renewSiteTLSCertificate", drop_after=True)
    updated = certs.update(cert.id, cert.outs, grown)
    assert fake.ops() == ["renewSiteTLSCertificate", "showSiteTLSCertificate"]
    assert certs.diff(cert.id, updated.outs, grown).changes is False


def test_ambiguous_renew_failure_is_not_resent_and_says_so(fake):
    certs, cert, grown = _cert_to_widen(fake)
    before = dict(fake.certs[cert.id])
    fake.reset_calls()
    fake.fail("renewSiteTLSCertificate", status=502)
    with pytest.raises(ApiError, match=r"renew certificate failed \(HTTP 502\): outcome unknown"):
        certs.update(cert.id, cert.outs, grown)
    assert fake.ops() == ["renewSiteTLSCertificate", "showSiteTLSCertificate"] and fake.certs[cert.id] == before
    assert certs.update(cert.id, cert.outs, grown).outs["state"] == "issued"  # the next run renews


def test_lost_provision_answer_adopts_the_certificate_it_made(fake):
    site_id = _site(fake)
    certs, _ = attach(CertificateProvider(), fake.url)
    fake.reset_calls()
    fake.fail("provisionSiteTLSCertificate", drop_after=True)
    cert = certs.create({"site_id": site_id, "domains": ["maintainpro.example"]})
    assert fake.ops() == ["showSiteTLSCertificate", "provisionSiteTLSCertificate", "showSiteTLSCertificate"]
    assert cert.outs["state"] == "issued"


def test_certificate_issued_by_netlify_between_look_and_post_is_renewed(fake):
    """Netlify provisions on its own: our POST /ssl then meets a certificate and answers 422."""
    site_id = _site(fake)
    certs, _ = attach(CertificateProvider(), fake.url)
    fake.certs[site_id] = {"state": "issued", "domains": ["maintainpro.example"]}
    fake.fail("showSiteTLSCertificate", status=404)  # our look came just before Netlify's
    cert = certs.create({"site_id": site_id, "domains": ["maintainpro.example", "www.maintainpro.example"]})
    assert fake.ops()[-3:] == ["showSiteTLSCertificate", "provisionSiteTLSCertificate", "renewSiteTLSCertificate"]
    assert len(cert.outs["domains"]) == 2
