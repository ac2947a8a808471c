"""Every request the Netlify providers send is valid per the official spec (Prism as oracle).

Prism keeps no state and answers schema placeholders, so these tests check request shapes,
paths, methods and query parameters, and that the providers parse real response shapes; the
lifecycle itself is tested against the stateful fake.
"""

from __future__ import annotations

import json

import pytest

from providers.http import ApiError
from providers.netlify.build_hook import BuildHookProvider
from providers.netlify.certificate import CertificateProvider
from providers.netlify.deploy_key import DeployKeyProvider
from providers.netlify.dns_record import DnsRecordProvider
from providers.netlify.dns_zone import DnsZoneProvider
from providers.netlify.env_var import EnvVarProvider, value_hashes
from providers.netlify.site import SiteProvider
from tests.providers.conftest import Recorder, attach

SITE = {
    "name": "maintainpro-staging",
    "account_slug": "maintainpro",
    "repo": {
        "provider": "github",
        "repo_path": "maintainpro/app",
        "repo_branch": "main",
        "cmd": "npm run build",
        "dir": "dist",
        "allowed_branches": ["main", "develop"],
    },
    "custom_domain": "staging.maintainpro.example",
    "domain_aliases": ["www.staging.maintainpro.example"],
    "force_ssl": True,
    "pretty_urls": True,
    "deploy_preview_custom_domain": "preview.maintainpro.example",
}


def assert_valid(recorder: Recorder, *, expect: set[str]) -> None:
    """No request drew a validation complaint, and every operation we meant to cover was sent."""
    assert recorder.exchanges, "no request was sent"
    for request, response in recorder.exchanges:
        where = f"{request.method} {request.url.path}?{request.url.query.decode()}"
        assert "sl-violations" not in response.headers, f"{where}: {response.headers['sl-violations']}"
        assert response.status_code not in (401, 404, 405, 415, 422), f"{where}: HTTP {response.status_code}"
    sent = {f"{r.method} {r.url.path}" for r, _ in recorder.exchanges}
    assert expect <= sent, f"not covered: {expect - sent}"


def test_site_crud_requests_are_valid(prism_url):
    provider, rec = attach(SiteProvider(), prism_url)
    provider.create(dict(SITE))
    created = provider.create_new(dict(SITE))
    provider.create_new({**SITE, "account_slug": None})
    olds = provider.read(created["id"], {}).outs
    provider.update(created["id"], olds, {**SITE, "force_ssl": False, "repo": {**SITE["repo"], "cmd": "npm run build:prod"}})
    provider.delete(created["id"], olds)
    assert_valid(rec, expect={
        "GET /sites", "POST /maintainpro/sites", "POST /sites", "GET /sites/string",
        "PATCH /sites/string", "DELETE /sites/string",
    })
    patch = [r for r, _ in rec.exchanges if r.method == "PATCH"][-1]
    assert b'"build_settings"' in patch.content and b"npm run build:prod" in patch.content
    # A new production branch goes as build_settings.branch (netlify/open-api#358), previews off
    # as build_settings.skip_prs: fields the pinned repoInfo schema does not list but allows.
    provider.update(created["id"], olds, {**SITE, "repo": {**SITE["repo"], "repo_branch": "release", "skip_prs": True}})
    patch = [r for r, _ in rec.exchanges if r.method == "PATCH"][-1]
    written = json.loads(patch.content)["build_settings"]  # (Prism's read-back differs in every field)
    assert (written["branch"], written["skip_prs"], "repo_branch" in written) == ("release", True, False)
    assert_valid(rec, expect={"PATCH /sites/string"})
    # CI publishes: builds stopped (repoInfo.stop_builds), API production deploys allowed (a site property).
    # Prism's read-back holds placeholders: state a site that builds and refuses API production deploys.
    blocked = {**olds, "repo": {**(olds["repo"] or {}), "stop_builds": False}, "prevent_non_git_prod_deploys": True}
    provider.update(created["id"], blocked, {**SITE, "repo": {**SITE["repo"], "stop_builds": True},
                                             "prevent_non_git_prod_deploys": False})
    patch = [r for r, _ in rec.exchanges if r.method == "PATCH"][-1]
    body = json.loads(patch.content)
    assert (body["build_settings"]["stop_builds"], body["prevent_non_git_prod_deploys"]) == (True, False)
    assert_valid(rec, expect={"PATCH /sites/string"})


ENV = {
    "account_id": "maintainpro",
    "site_id": "site-1",
    "key": "VITE_SUPABASE_URL",
    "scopes": ["builds", "runtime"],
    "values": [
        {"context": "production", "value": "https://prod.supabase.example"},
        {"context": "deploy-preview", "value": "https://stage.supabase.example"},
        {"context": "branch", "context_parameter": "develop", "value": "https://stage.supabase.example"},
    ],
    "is_secret": False,
}


def test_env_var_crud_requests_are_valid(prism_url):
    provider, rec = attach(EnvVarProvider(), prism_url)
    provider.create(dict(ENV))
    provider.create_new({**ENV, "is_secret": True})
    id_ = "maintainpro/site-1/VITE_SUPABASE_URL"
    olds = provider.read(id_, {}).outs
    written = {**ENV, "value_hashes": value_hashes(ENV["values"])}  # state after our own write
    # One changed value: PATCH of that value only; a removed context: full PUT.
    changed = {**ENV, "values": [{**ENV["values"][0], "value": "https://new.supabase.example"}, *ENV["values"][1:]]}
    provider.update(id_, written, changed)
    provider.update(id_, written, {**ENV, "values": ENV["values"][:1]})
    provider.delete(id_, olds)
    path = "/accounts/maintainpro/env"
    assert_valid(rec, expect={
        f"GET {path}/VITE_SUPABASE_URL", f"POST {path}", f"PATCH {path}/VITE_SUPABASE_URL",
        f"PUT {path}/VITE_SUPABASE_URL", f"DELETE {path}/VITE_SUPABASE_URL",
    })
    assert all(r.url.params.get("site_id") == "site-1" for r, _ in rec.exchanges)


ZONE = {"name": "maintainpro.example", "account_slug": "maintainpro", "site_id": "site-1"}


def test_dns_zone_crud_requests_are_valid(prism_url):
    provider, rec = attach(DnsZoneProvider(), prism_url)
    created = provider.create(dict(ZONE))
    provider.create_new(dict(ZONE))
    olds = provider.read(created.id, {}).outs
    provider.delete(created.id, olds)
    assert_valid(rec, expect={"GET /dns_zones", "POST /dns_zones", "GET /dns_zones/string", "DELETE /dns_zones/string"})


@pytest.mark.parametrize("record", [
    {"type": "A", "hostname": "maintainpro.example", "value": "75.2.60.5", "ttl": 3600},
    {"type": "ALIAS", "hostname": "maintainpro.example", "value": "apex-loadbalancer.netlify.com"},
    {"type": "CNAME", "hostname": "www.maintainpro.example", "value": "maintainpro-production.netlify.app"},
    {"type": "TXT", "hostname": "_verify.maintainpro.example", "value": "fake-verification"},
    {"type": "CAA", "hostname": "maintainpro.example", "value": "letsencrypt.org", "flag": 0, "tag": "issue"},
])
def test_dns_record_crud_requests_are_valid(prism_url, record):
    provider, rec = attach(DnsRecordProvider(), prism_url)
    props = {"zone_id": "zone-1", **record}
    assert provider.check({}, props).failures == []
    created = provider.create(dict(props))
    provider.create_new(dict(props))
    olds = provider.read(created.id, {}).outs
    provider.delete(created.id, olds)
    base = "/dns_zones/zone-1/dns_records"
    assert_valid(rec, expect={f"GET {base}", f"POST {base}", f"GET {base}/string", f"DELETE {base}/string"})


def test_certificate_requests_are_valid(prism_url):
    provider, rec = attach(CertificateProvider(), prism_url)
    props = {"site_id": "site-1", "domains": ["maintainpro.example", "www.maintainpro.example"]}
    created = provider.create(dict(props))
    olds = provider.read(created.id, {}).outs
    provider.update(created.id, olds, {**props, "domains": [*props["domains"], "app.maintainpro.example"]})
    provider.delete(created.id, olds)
    # Prism's example certificate covers no declared name, so create renews it, as update does.
    assert_valid(rec, expect={"GET /sites/site-1/ssl", "POST /sites/site-1/ssl/renew"})
    rec.exchanges.clear()
    provider._issue("site-1", props, exists=False)
    assert_valid(rec, expect={"POST /sites/site-1/ssl"})


def test_build_hook_crud_requests_are_valid(prism_url):
    provider, rec = attach(BuildHookProvider(), prism_url)
    props = {"site_id": "site-1", "title": "nightly", "branch": "main"}
    created = provider.create(dict(props))
    provider.create_new(dict(props))
    olds = provider.read(created.id, {}).outs
    provider.update(created.id, olds, {**props, "branch": "develop"})
    provider.delete(created.id, olds)
    base = "/sites/site-1/build_hooks"
    assert_valid(rec, expect={f"GET {base}", f"POST {base}", f"GET {base}/string", f"PUT {base}/string", f"DELETE {base}/string"})


def test_deploy_key_crud_requests_are_valid(prism_url):
    provider, rec = attach(DeployKeyProvider(), prism_url)
    created = provider.create({})
    olds = provider.read(created.id, {}).outs
    provider.delete(created.id, olds)
    assert_valid(rec, expect={"GET /deploy_keys", "POST /deploy_keys", "GET /deploy_keys/string", "DELETE /deploy_keys/string"})


def test_invalid_request_would_be_caught(prism_url):
    """The oracle can fail: a wrongly typed field draws a 422 with sl-violations."""
    provider, rec = attach(SiteProvider(), prism_url)
    with pytest.raises(ApiError) as err:
        provider.client().request("POST", "/sites", operation="create site", json={"name": "x", "force_ssl": "yes"})
    assert err.value.status == 422
    assert "sl-violations" in rec.exchanges[-1][1].headers


@pytest.mark.parametrize("code", ["429", "500", "503"])
def test_forced_error_after_retries_is_clear(prism_url, code):
    sleeps: list[float] = []
    provider, rec = attach(SiteProvider(), prism_url, sleeps=sleeps, extra_headers={"Prefer": f"code={code}"})
    with pytest.raises(ApiError) as err:
        provider.read("site-1", {})
    assert len(rec.exchanges) == 4 and len(sleeps) == 3
    assert str(err.value).startswith(f"netlify site: read site failed (HTTP {code}): ")
    assert "gave up after 4 attempts" in str(err.value)
