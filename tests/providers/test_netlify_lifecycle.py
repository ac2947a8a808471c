"""Create → read → update → delete, adoption, import by id and drift, against the stateful fake."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from providers.http import ApiError
from providers.netlify.build_hook import BuildHookProvider
from providers.netlify.certificate import CertificateProvider
from providers.netlify.deploy_key import DeployKeyProvider
from providers.netlify.dns_record import DnsRecordProvider
from providers.netlify.dns_zone import DnsZoneProvider
from providers.netlify.env_var import EnvVarProvider
from providers.netlify.site import SiteProvider
from tests.providers.conftest import attach

SITE = {
    "name": "maintainpro-production",
    "account_slug": "maintainpro",
    "repo": {"provider": "github", "repo_path": "maintainpro/app", "repo_branch": "main",
             "cmd": "npm run build", "dir": "dist", "allowed_branches": ["main"]},
    "custom_domain": "maintainpro.example",
    "domain_aliases": ["www.maintainpro.example"],
    "force_ssl": True,
    "pretty_urls": True,
}


def writes(fake) -> list[str]:
    return [c.operation for c in fake.calls if c.method != "GET"]


def test_site_lifecycle(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    created = provider.create(dict(SITE))
    assert fake.ops() == ["listSites", "createSiteInTeam"]
    live = fake.sites[created.id]
    assert live["account_slug"] == "maintainpro" and live["build_settings"]["cmd"] == "npm run build"
    assert live["processing_settings"] == {"html": {"pretty_urls": True}}
    assert provider.diff(created.id, created.outs, dict(SITE)).changes is False

    fake.reset_calls()
    read = provider.read(created.id, created.outs)
    assert fake.ops() == ["getSite"]
    assert read.outs["custom_domain"] == "maintainpro.example"

    news = {**SITE, "force_ssl": False, "repo": {**SITE["repo"], "cmd": "npm run build:prod"}}
    diff = provider.diff(created.id, read.outs, news)
    assert diff.changes is True and diff.replaces == []
    fake.reset_calls()
    updated = provider.update(created.id, read.outs, news)
    assert fake.ops() == ["updateSite"]
    assert fake.calls[0].body == {"force_ssl": False, "build_settings": {"cmd": "npm run build:prod"}}
    assert fake.sites[created.id]["force_ssl"] is False and updated.outs["force_ssl"] is False

    assert provider.diff(created.id, updated.outs, {**news, "account_slug": "other-team"}).replaces == ["account_slug"]

    provider.delete(created.id, updated.outs)
    assert fake.sites == {}
    provider.delete(created.id, updated.outs)  # already gone: 404 is fine
    assert provider.read(created.id, updated.outs).id == ""


def test_site_create_adopts_existing_and_converges(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    first = provider.create({**SITE, "force_ssl": False})
    fake.reset_calls()
    second = provider.create(dict(SITE))
    assert second.id == first.id and len(fake.sites) == 1
    assert fake.ops() == ["listSites", "updateSite"]
    assert fake.calls[1].body == {"force_ssl": True}


def test_site_adopted_after_lost_create_response(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    fake.fail("createSiteInTeam", drop_after=True)
    created = provider.create(dict(SITE))
    assert len(fake.sites) == 1 and created.id in fake.sites
    assert fake.ops() == ["listSites", "createSiteInTeam", "listSites"]


def test_site_import_by_id_and_drift(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    created = provider.create(dict(SITE))
    imported = provider.read(created.id, {})
    assert imported.inputs["name"] == SITE["name"] and imported.inputs["repo"]["repo_path"] == "maintainpro/app"
    assert provider.diff(created.id, imported.outs, dict(SITE)).changes is False
    fake.sites[created.id]["domain_aliases"] = []  # someone edits the site in the UI
    drifted = provider.read(created.id, imported.outs)
    diff = provider.diff(created.id, drifted.outs, dict(SITE))
    assert diff.changes is True and diff.replaces == []


SECRET = {
    "account_id": "maintainpro",
    "site_id": "site-1",
    "key": "SENTRY_AUTH_TOKEN",
    "scopes": ["builds"],
    "values": [
        {"context": "production", "value": "fake-sentry-production"},
        {"context": "deploy-preview", "value": "fake-sentry-preview"},
    ],
    "is_secret": True,
}


def test_secret_env_var_is_diffed_by_hash_not_against_masked_read_back(fake):
    provider, _ = attach(EnvVarProvider(), fake.url)
    created = provider.create(dict(SECRET))
    assert created.id == "maintainpro/site-1/SENTRY_AUTH_TOKEN"
    assert fake.ops() == ["getEnvVar", "createEnvVars"]
    assert fake.calls[1].query == {"site_id": "site-1"}
    stored = fake.env[("maintainpro", "site-1", "SENTRY_AUTH_TOKEN")]
    assert {v["value"] for v in stored["values"]} == {"fake-sentry-production", "fake-sentry-preview"}

    read = provider.read(created.id, created.outs)  # the API answers "********"
    assert "********" not in str(read.outs)
    assert provider.diff(created.id, read.outs, dict(SECRET)).changes is False

    rotated = {**SECRET, "values": [{"context": "production", "value": "fake-sentry-rotated"}, SECRET["values"][1]]}
    assert provider.diff(created.id, read.outs, rotated).changes is True
    fake.reset_calls()
    updated = provider.update(created.id, read.outs, rotated)
    assert fake.ops() == ["setEnvVarValue"]
    assert fake.calls[0].body == {"context": "production", "value": "fake-sentry-rotated"}
    assert provider.diff(created.id, updated.outs, rotated).changes is False

    fake.reset_calls()
    provider.update(created.id, updated.outs, {**rotated, "values": rotated["values"][:1]})
    assert fake.ops() == ["updateEnvVar"]  # a removed context needs the full PUT
    assert [v["context"] for v in stored["values"]] == ["production"]

    # Netlify cannot remove the secret flag: making it plain again replaces the variable, deleting first
    # (test_netlify_replacement.py proves it exists afterwards).
    unsecret = provider.diff(created.id, updated.outs, {**rotated, "is_secret": False})
    assert unsecret.replaces == ["is_secret"] and unsecret.delete_before_replace is True
    provider.delete(created.id, updated.outs)
    assert fake.env == {}


def test_env_var_drift_and_import(fake):
    provider, _ = attach(EnvVarProvider(), fake.url)
    plain = {**SECRET, "key": "VITE_SUPABASE_URL", "is_secret": False,
             "values": [{"context": "production", "value": "https://prod.supabase.example"},
                        {"context": "branch", "context_parameter": "develop", "value": "https://stage.supabase.example"}]}
    created = provider.create(dict(plain))
    imported = provider.read(created.id, {})
    assert provider.diff(created.id, imported.outs, dict(plain)).changes is False
    fake.env[("maintainpro", "site-1", "VITE_SUPABASE_URL")]["values"][0]["value"] = "https://evil.example"
    drifted = provider.read(created.id, imported.outs)
    assert provider.diff(created.id, drifted.outs, dict(plain)).changes is True

    secret = provider.create(dict(SECRET))
    # Imported secrets cannot be read back, so the next update writes them once.
    assert provider.diff(secret.id, provider.read(secret.id, {}).outs, dict(SECRET)).changes is True


def test_env_var_adopted_after_lost_create(fake):
    provider, _ = attach(EnvVarProvider(), fake.url)
    fake.fail("createEnvVars", drop_after=True)
    created = provider.create(dict(SECRET))
    # Found, not recreated; whose values it holds cannot be read back, so they are written once.
    assert len(fake.env) == 1
    assert fake.ops() == ["getEnvVar", "createEnvVars", "getEnvVar", "setEnvVarValue", "setEnvVarValue"]
    assert provider.diff(created.id, created.outs, dict(SECRET)).changes is False


def test_dns_zone_and_records_lifecycle(fake):
    zones, _ = attach(DnsZoneProvider(), fake.url)
    zone = zones.create({"name": "MaintainPro.example.", "account_slug": "maintainpro"})
    assert fake.zones[zone.id]["name"] == "maintainpro.example" and zone.outs["dns_servers"]
    assert zones.diff(zone.id, zone.outs, {"name": "maintainpro.example", "account_slug": "maintainpro"}).changes is False
    assert zones.read(zone.id, {}).inputs["name"] == "maintainpro.example"

    records, _ = attach(DnsRecordProvider(), fake.url)
    caa = {"zone_id": zone.id, "type": "CAA", "hostname": "maintainpro.example", "value": "letsencrypt.org",
           "flag": 0, "tag": "issue"}
    made = records.create(dict(caa))
    stored = fake.records[zone.id][made.id.split("/")[1]]
    assert (stored["type"], stored["flag"], stored["tag"], stored["value"]) == ("CAA", 0, "issue", "letsencrypt.org")
    again = records.create(dict(caa))  # found, not duplicated
    assert again.id == made.id and len(fake.records[zone.id]) == 1

    imported = records.read(made.id, {})
    assert records.diff(made.id, imported.outs, dict(caa)).changes is False
    diff = records.diff(made.id, imported.outs, {**caa, "value": "sectigo.com"})
    assert diff.replaces == ["value"] and diff.delete_before_replace is False
    cname = {"zone_id": zone.id, "type": "CNAME", "hostname": "www.maintainpro.example", "value": "a.netlify.app"}
    assert records.diff("z/r", cname, {**cname, "value": "b.netlify.app"}).delete_before_replace is True

    records.delete(made.id, imported.outs)
    assert fake.records[zone.id] == {}
    zones.delete(zone.id, zone.outs)
    zones.delete(zone.id, zone.outs)
    assert fake.zones == {}


def test_dns_record_adopted_after_lost_create(fake):
    zones, _ = attach(DnsZoneProvider(), fake.url)
    zone = zones.create({"name": "maintainpro.example", "account_slug": "maintainpro"})
    records, _ = attach(DnsRecordProvider(), fake.url)
    fake.fail("createDnsRecord", drop_after=True)
    records.create({"zone_id": zone.id, "type": "A", "hostname": "maintainpro.example", "value": "75.2.60.5"})
    assert len(fake.records[zone.id]) == 1


def test_certificate_provisioning(fake):
    sites, _ = attach(SiteProvider(), fake.url)
    site = sites.create(dict(SITE))
    certs, _ = attach(CertificateProvider(), fake.url)
    props = {"site_id": site.id, "domains": ["maintainpro.example", "www.maintainpro.example"]}
    fake.reset_calls()
    cert = certs.create(dict(props))
    assert fake.ops() == ["showSiteTLSCertificate", "provisionSiteTLSCertificate"]
    assert cert.id == site.id and cert.outs["state"] == "issued"
    fake.reset_calls()
    assert certs.create(dict(props)).id == site.id  # already covered: adopted, nothing provisioned
    assert fake.ops() == ["showSiteTLSCertificate"]
    assert certs.diff(cert.id, certs.read(cert.id, {}).outs, dict(props)).changes is False
    grown = {**props, "domains": [*props["domains"], "app.maintainpro.example"]}
    assert certs.diff(cert.id, cert.outs, grown).changes is True
    certs.delete(cert.id, cert.outs)  # no API: a no-op that must not fail


def test_certificate_without_custom_domain_fails_clearly(fake):
    sites, _ = attach(SiteProvider(), fake.url)
    site = sites.create({"name": "bare-site"})
    certs, _ = attach(CertificateProvider(), fake.url)
    with pytest.raises(Exception) as err:
        certs.create({"site_id": site.id, "domains": ["maintainpro.example"]})
    assert str(err.value) == (
        "netlify tls certificate: provision certificate failed (HTTP 422): No custom domain configured"
    )


def test_certificate_on_an_undelegated_zone_says_to_delegate_and_rerun(fake):
    sites, _ = attach(SiteProvider(), fake.url)
    site = sites.create(dict(SITE))
    certs, _ = attach(CertificateProvider(), fake.url)
    servers = ["dns1.p01.nsone.net", "dns2.p01.nsone.net"]
    props = {"site_id": site.id, "domains": ["www.maintainpro.example", "maintainpro.example"], "dns_servers": servers}
    fake.dns_delegated = False
    fake.reset_calls()
    with pytest.raises(ApiError) as err:
        certs.create(dict(props))
    assert fake.ops() == ["showSiteTLSCertificate", "provisionSiteTLSCertificate"]  # a 422 is not retried
    message = str(err.value)
    assert message.startswith("netlify tls certificate: provision certificate failed (HTTP 422): ")
    assert "maintainpro.example, www.maintainpro.example" in message
    assert "dns1.p01.nsone.net, dns2.p01.nsone.net" in message and "`pulumi up` again" in message
    assert fake.certs == {}
    # Name servers not known (e.g. zone managed elsewhere): still says what to do, names no server.
    with pytest.raises(ApiError, match=r"Netlify DNS zone's name servers .*`pulumi up` again"):
        certs.create({"site_id": site.id, "domains": ["maintainpro.example"]})
    # After delegating, the re-run provisions it.
    fake.dns_delegated = True
    assert certs.create(dict(props)).outs["state"] == "issued"


def test_certificate_other_422_is_passed_through(fake):
    sites, _ = attach(SiteProvider(), fake.url)
    site = sites.create(dict(SITE))
    certs, _ = attach(CertificateProvider(), fake.url)
    fake.fail("provisionSiteTLSCertificate", status=422)
    with pytest.raises(ApiError) as err:
        certs.create({"site_id": site.id, "domains": ["maintainpro.example"], "dns_servers": ["dns1.example"]})
    assert str(err.value) == "netlify tls certificate: provision certificate failed (HTTP 422): injected"


def test_build_hook_lifecycle(fake):
    sites, _ = attach(SiteProvider(), fake.url)
    site = sites.create(dict(SITE))
    hooks, _ = attach(BuildHookProvider(), fake.url)
    props = {"site_id": site.id, "title": "nightly", "branch": "main"}
    hook = hooks.create(dict(props))
    assert hook.outs["url"].startswith("https://api.netlify.com/build_hooks/")
    assert hooks.create(dict(props)).id == hook.id
    fake.reset_calls()
    updated = hooks.update(hook.id, hook.outs, {**props, "branch": "develop"})
    assert fake.ops() == ["updateSiteBuildHook"] and updated.outs["branch"] == "develop"
    hook_id = hook.id.split("/")[1]
    assert fake.hooks[site.id][hook_id]["branch"] == "develop"
    assert hooks.read(hook.id, {}).inputs == {"site_id": site.id, "title": "nightly", "branch": "develop"}
    hooks.delete(hook.id, updated.outs)
    assert fake.hooks[site.id] == {}


def test_deploy_key_lifecycle_and_adoption(fake):
    keys, _ = attach(DeployKeyProvider(), fake.url)
    fake.keys["key-old"] = {"id": "key-old", "public_key": "ssh-ed25519 AAAAold", "created_at": "2026-01-01T00:00:00Z"}
    fake.fail("createDeployKey", drop_after=True)
    key = keys.create({})
    assert len(fake.keys) == 2 and key.id != "key-old" and key.outs["public_key"].startswith("ssh-ed25519")
    assert fake.ops() == ["listDeployKeys", "createDeployKey", "listDeployKeys"]
    assert keys.read(key.id, {}).outs["key_id"] == key.id
    keys.delete(key.id, key.outs)
    assert list(fake.keys) == ["key-old"]


@pytest.mark.parametrize("provider, props, problem", [
    (SiteProvider(), {"name": "Bad Name!"}, "name"),
    (SiteProvider(), {**SITE, "domain_aliases": ["not a domain"]}, "domain_aliases[0]"),
    (SiteProvider(), {**SITE, "repo": {**SITE["repo"], "provider": "svn"}}, "repo.provider"),
    (EnvVarProvider(), {**SECRET, "values": [{"context": "staging", "value": "x"}]}, "values[0].context"),
    (EnvVarProvider(), {**SECRET, "values": [{"context": "branch", "value": "x"}]}, "values[0].context_parameter"),
    (EnvVarProvider(), {**SECRET, "scopes": ["build"]}, "scopes"),
    (DnsRecordProvider(), {"zone_id": "z", "type": "CAA", "hostname": "a.example", "value": "letsencrypt.org"}, "tag"),
    (DnsRecordProvider(), {"zone_id": "z", "type": "A", "hostname": "a.example", "value": "not-an-ip"}, "value"),
    (CertificateProvider(), {"site_id": "s", "domains": []}, "domains"),
    (BuildHookProvider(), {"site_id": "s", "title": "", "branch": "main"}, "title"),
])
def test_check_names_the_bad_input(provider, props, problem):
    failures = provider.check({}, props).failures
    assert problem in [f.property for f in failures], [(f.property, f.reason) for f in failures]


def test_engine_floats_reach_the_api_as_integers(fake):
    """The engine hands numbers over as floats (protobuf Struct); the API must get integers."""
    zones, _ = attach(DnsZoneProvider(), fake.url)
    zone = zones.create({"name": "maintainpro.example", "account_slug": "maintainpro"})
    records, _ = attach(DnsRecordProvider(), fake.url)
    caa = {"zone_id": zone.id, "type": "CAA", "hostname": "maintainpro.example", "value": "letsencrypt.org",
           "flag": 0.0, "tag": "issue", "ttl": 3600.0}
    assert records.check({}, caa).failures == []
    records.create(dict(caa))
    body = fake.calls[-1].body
    assert type(body["flag"]) is int and type(body["ttl"]) is int


@pytest.mark.parametrize("unknown", [UNKNOWN, Unknown()], ids=["sentinel", "Unknown"])
def test_unknown_inputs_in_preview_count_as_changes_without_calls(fake, unknown):
    """Both forms of a not-yet-known value; an unknown identity (site_id) is a change, not a replacement."""
    provider, _ = attach(EnvVarProvider(), fake.url)
    created = provider.create(dict(SECRET))
    fake.reset_calls()
    diff = provider.diff(created.id, created.outs, {**SECRET, "site_id": unknown})
    assert diff.changes is True and diff.replaces == [] and fake.calls == []
    assert provider.check({}, {**SECRET, "values": unknown}).failures == []


def test_adopting_a_secret_env_var_rewrites_its_unreadable_values(fake):
    provider, _ = attach(EnvVarProvider(), fake.url)
    fake.env[("maintainpro", "site-1", "SENTRY_AUTH_TOKEN")] = {
        "key": "SENTRY_AUTH_TOKEN", "scopes": ["builds"], "is_secret": True,
        "values": [{"id": "v1", "context": "production", "value": "fake-someone-elses"},
                   {"id": "v2", "context": "deploy-preview", "value": "fake-someone-elses"}],
    }
    created = provider.create(dict(SECRET))
    assert fake.ops() == ["getEnvVar", "setEnvVarValue", "setEnvVarValue"]
    stored = fake.env[("maintainpro", "site-1", "SENTRY_AUTH_TOKEN")]["values"]
    assert sorted(v["value"] for v in stored) == ["fake-sentry-preview", "fake-sentry-production"]
    assert provider.diff(created.id, created.outs, dict(SECRET)).changes is False


def test_production_branch_change_is_written_as_branch_and_settles(fake):
    """netlify/open-api#358: the live API ignores a PATCH of build_settings.repo_branch."""
    provider, _ = attach(SiteProvider(), fake.url)
    created = provider.create(dict(SITE))
    news = {**SITE, "repo": {**SITE["repo"], "repo_branch": "release", "allowed_branches": ["release"]}}
    fake.reset_calls()
    updated = provider.update(created.id, created.outs, news)
    assert fake.calls[0].body == {"build_settings": {"branch": "release", "allowed_branches": ["release"]}}
    assert fake.sites[created.id]["build_settings"]["repo_branch"] == "release"
    read = provider.read(created.id, updated.outs)
    assert provider.diff(created.id, read.outs, news).changes is False


def test_deploy_previews_off_is_skip_prs(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    no_previews = {**SITE, "repo": {**SITE["repo"], "skip_prs": True}}
    created = provider.create(no_previews)
    assert fake.sites[created.id]["build_settings"]["skip_prs"] is True
    assert provider.diff(created.id, provider.read(created.id, created.outs).outs, no_previews).changes is False
    previews = {**SITE, "repo": {**SITE["repo"], "skip_prs": False}}
    fake.reset_calls()
    provider.update(created.id, created.outs, previews)
    assert fake.calls[0].body == {"build_settings": {"skip_prs": False}}
    # A site that never had the flag set reads as previews on: no change to write.
    fake.sites[created.id]["build_settings"].pop("skip_prs")
    assert provider.diff(created.id, provider.read(created.id, {}).outs, previews).changes is False


def test_builds_stopped_with_api_deploys_allowed_is_written_and_settles(fake):
    """A site that builds from git becomes one CI publishes to: `stop_builds` in build_settings (the
    spec's repoInfo), `prevent_non_git_prod_deploys` on the site, each written once, then no change."""
    provider, _ = attach(SiteProvider(), fake.url)
    created = provider.create(dict(SITE))
    fake.sites[created.id]["prevent_non_git_prod_deploys"] = True  # set in the dashboard: API deploys blocked
    ci = {**SITE, "repo": {**SITE["repo"], "stop_builds": True}, "prevent_non_git_prod_deploys": False}
    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, ci).changes is True
    fake.reset_calls()
    updated = provider.update(created.id, read.outs, ci)
    assert fake.ops() == ["updateSite"]
    assert fake.calls[0].body == {"prevent_non_git_prod_deploys": False, "build_settings": {"stop_builds": True}}
    live = fake.sites[created.id]
    assert (live["build_settings"]["stop_builds"], live["prevent_non_git_prod_deploys"]) == (True, False)
    assert updated.outs["repo"]["stop_builds"] is True and updated.outs["prevent_non_git_prod_deploys"] is False
    assert provider.diff(created.id, provider.read(created.id, updated.outs).outs, ci).changes is False


def test_stop_builds_and_the_deploy_guard_must_be_booleans():
    provider = SiteProvider()
    problems = provider.validate({**SITE, "repo": {**SITE["repo"], "stop_builds": "yes"},
                                  "prevent_non_git_prod_deploys": "no"})
    assert ("repo.stop_builds", "must be true or false") in problems
    assert ("prevent_non_git_prod_deploys", "must be true or false") in problems


def _certified_site(fake, **extra):
    sites, _ = attach(SiteProvider(), fake.url)
    site = sites.create({**SITE, **extra})
    return sites, site


def test_certificate_widened_is_renewed_not_provisioned_again(fake):
    """The spec's text: POST /ssl on a site that has a certificate requires certificate, key and
    CA (422 otherwise); renewing a Let's Encrypt certificate is POST /ssl/renew."""
    sites, site = _certified_site(fake, domain_aliases=[])
    certs, _ = attach(CertificateProvider(), fake.url)
    props = {"site_id": site.id, "domains": ["maintainpro.example"]}
    cert = certs.create(dict(props))
    sites.update(site.id, site.outs, dict(SITE))  # the alias is added to the site
    grown = {**props, "domains": ["maintainpro.example", "www.maintainpro.example"]}
    fake.reset_calls()
    updated = certs.update(cert.id, cert.outs, grown)
    assert fake.ops() == ["renewSiteTLSCertificate"]
    assert set(updated.outs["domains"]) == {"maintainpro.example", "www.maintainpro.example"}
    assert certs.diff(cert.id, updated.outs, grown).changes is False


def test_certificate_renew_route_missing_fails_saying_so_and_keeps_the_certificate(fake):
    """A 404 from renew on a site whose certificate is still there is the route, not the certificate."""
    sites, site = _certified_site(fake, domain_aliases=[])
    certs, _ = attach(CertificateProvider(), fake.url)
    props = {"site_id": site.id, "domains": ["maintainpro.example"]}
    cert = certs.create(dict(props))
    sites.update(site.id, site.outs, dict(SITE))
    fake.renew_route = False
    fake.reset_calls()
    with pytest.raises(ApiError, match=r"renew.*404.*Netlify reissues .* itself.*re-run `pulumi up`") as err:
        certs.update(cert.id, cert.outs, {**props, "domains": ["maintainpro.example", "www.maintainpro.example"]})
    assert "certificate parameter is required" not in str(err.value)
    assert fake.ops() == ["renewSiteTLSCertificate", "showSiteTLSCertificate"]  # no provisioning POST
    assert fake.certs[site.id]["domains"] == ["maintainpro.example"]


def test_certificate_netlify_issued_for_fewer_names_is_renewed_on_create(fake):
    sites, site = _certified_site(fake, domain_aliases=[])
    fake.auto_certificates = True
    sites.update(site.id, site.outs, dict(SITE))  # Netlify issues one itself for both names
    certs, _ = attach(CertificateProvider(), fake.url)
    fake.reset_calls()
    certs.create({"site_id": site.id, "domains": ["maintainpro.example", "www.maintainpro.example"]})
    assert fake.ops() == ["showSiteTLSCertificate"]  # Netlify's own certificate is adopted
    fake.certs[site.id]["domains"] = ["maintainpro.example"]  # issued before the alias came
    fake.auto_certificates = False
    fake.reset_calls()
    cert = certs.create({"site_id": site.id, "domains": ["maintainpro.example", "www.maintainpro.example"]})
    assert fake.ops() == ["showSiteTLSCertificate", "renewSiteTLSCertificate"]
    assert cert.outs["state"] == "issued" and len(cert.outs["domains"]) == 2


def test_linked_zone_serves_the_site_with_netlify_records_and_refuses_an_address_record_there(fake):
    sites, site = _certified_site(fake)
    zones, _ = attach(DnsZoneProvider(), fake.url)
    zone = zones.create({"name": "maintainpro.example", "account_slug": "maintainpro", "site_id": site.id})
    held = {(r["type"], r["hostname"]) for r in fake.records[zone.id].values()}
    assert held == {("NETLIFY", "maintainpro.example"), ("NETLIFY", "www.maintainpro.example")}
    records, _ = attach(DnsRecordProvider(), fake.url)
    with pytest.raises(ApiError) as err:
        records.create({"zone_id": zone.id, "type": "CNAME", "hostname": "www.maintainpro.example",
                        "value": "maintainpro-production.netlify.app"})
    assert str(err.value) == (
        "netlify dns record: create record failed (HTTP 400): link exists, all config must be empty")
    # CAA is not an address record: allowed beside the NETLIFY record at the apex (an assumption).
    records.create({"zone_id": zone.id, "type": "CAA", "hostname": "maintainpro.example",
                    "value": "letsencrypt.org", "flag": 0, "tag": "issue"})
    sites.update(site.id, site.outs, {**SITE, "domain_aliases": ["www.maintainpro.example", "app.maintainpro.example"]})
    assert ("NETLIFY", "app.maintainpro.example") in {(r["type"], r["hostname"]) for r in fake.records[zone.id].values()}


def test_a_secret_value_for_every_context_is_refused_before_any_call(fake):
    """Netlify wants secret values in explicit deploy contexts; the fake refuses `all` as the API does."""
    provider, _ = attach(EnvVarProvider(), fake.url)
    everywhere = {**SECRET, "values": [{"context": "all", "value": "fake-sentry-everywhere"}]}
    failures = provider.check({}, everywhere).failures
    assert [(f.property, f.reason) for f in failures] == [
        ("values[0].context", "a secret value needs an explicit deploy context, not 'all'")]
    with pytest.raises(ApiError, match="explicit deploy contexts"):
        provider.create(everywhere)  # what the API answers a provider that skipped the check
    assert fake.env == {}
