"""Refresh-time drift, property by property: `read` hands the engine inputs that differ from the
program's exactly where the live object drifted (pulumi/pulumi#13839; the dynamic host's Diff
names no property, so the engine can only name one through these inputs).

For each type: create against the stateful fake, change one managed property out of band (as a
dashboard user would, directly in the fake's state), read, and check (a) the local diff against
the program sees a change, (b) the refreshed inputs differ from the program's on that property
only, (c) a read with no out-of-band change hands back the program's inputs (no false drift).
"""

from __future__ import annotations

from typing import Any

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
             "allowed_branches": ["main", "develop"], "skip_prs": False},
    "custom_domain": "maintainpro.example",
    "domain_aliases": ["www.maintainpro.example"],
    "force_ssl": True,
}


def drifted(inputs: dict[str, Any] | None, program: dict[str, Any]) -> set[str]:
    """Keys on which the engine would see the refreshed inputs differ (None and absent are the same)."""
    assert inputs is not None
    return {k for k in {*inputs, *program} if inputs.get(k) != program.get(k)}


def settled(provider, id_: str, outs: dict[str, Any], program: dict[str, Any]) -> dict[str, Any]:
    """(c): a read with nothing changed: the program's inputs, no change."""
    read = provider.read(id_, outs)
    assert drifted(read.inputs, program) == set()
    assert provider.diff(id_, read.outs, program).changes is False
    return read.outs


def test_site_drift_names_the_build_setting(fake):
    provider, _ = attach(SiteProvider(), fake.url)
    created = provider.create(dict(SITE))
    outs = settled(provider, created.id, created.outs, SITE)
    # A dashboard user sets fields the program leaves unmanaged: still no drift.
    fake.sites[created.id]["deploy_preview_custom_domain"] = "preview.maintainpro.example"
    fake.sites[created.id]["build_settings"]["cmd"] = "make"
    outs = settled(provider, created.id, outs, SITE)
    fake.sites[created.id]["build_settings"]["repo_branch"] = "release"
    read = provider.read(created.id, outs)
    assert provider.diff(created.id, read.outs, SITE).changes is True
    assert drifted(read.inputs, SITE) == {"repo"}
    assert read.inputs["repo"] == {**SITE["repo"], "repo_branch": "release"}


def test_env_var_drift_names_values_and_keeps_secret_values_by_hash(fake):
    provider, _ = attach(EnvVarProvider(), fake.url)
    program = {"account_id": "maintainpro", "site_id": "site-1", "key": "VITE_SUPABASE_URL", "is_secret": False,
               "scopes": ["builds"], "values": [{"context": "production", "value": "https://prod.supabase.example"}]}
    created = provider.create(dict(program))
    outs = settled(provider, created.id, created.outs, program)
    fake.env[("maintainpro", "site-1", "VITE_SUPABASE_URL")]["values"][0]["value"] = "https://evil.example"
    read = provider.read(created.id, outs)
    assert provider.diff(created.id, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"values"}


def test_secret_env_var_value_changed_out_of_band_is_not_seen(fake):
    """Secret values are write-only (the API masks them on read): state keeps what was written and
    its hashes, so a value changed in the dashboard cannot be seen; the inputs stay the program's."""
    provider, _ = attach(EnvVarProvider(), fake.url)
    program = {"account_id": "maintainpro", "site_id": "site-1", "key": "SENTRY_AUTH_TOKEN", "is_secret": True,
               "values": [{"context": "production", "value": "fake-secret-value"}]}
    created = provider.create(dict(program))
    outs = settled(provider, created.id, created.outs, program)
    fake.env[("maintainpro", "site-1", "SENTRY_AUTH_TOKEN")]["values"][0]["value"] = "fake-other-value"
    settled(provider, created.id, outs, program)


def test_dns_zone_rewritten_name_is_not_drift_and_site_link_is_create_only(fake):
    provider, _ = attach(DnsZoneProvider(), fake.url)
    program = {"name": "MaintainPro.example.", "account_slug": "maintainpro"}
    created = provider.create(dict(program))
    outs = settled(provider, created.id, created.outs, program)
    # The only in-place drift a zone can show is its team (its name is its identity too).
    fake.zones[created.id]["account_slug"] = "other-team"
    read = provider.read(created.id, outs)
    assert provider.diff(created.id, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"account_slug"}


def test_dns_record_drift_names_the_value(fake):
    zones, _ = attach(DnsZoneProvider(), fake.url)
    zone = zones.create({"name": "maintainpro.example", "account_slug": "maintainpro"})
    provider, _ = attach(DnsRecordProvider(), fake.url)
    program = {"zone_id": zone.id, "type": "caa", "hostname": "MaintainPro.example.", "value": "letsencrypt.org",
               "flag": 0, "tag": "issue"}
    created = provider.create(dict(program))
    outs = settled(provider, created.id, created.outs, program)
    fake.records[zone.id][created.id.split("/")[1]]["value"] = "pki.goog"
    read = provider.read(created.id, outs)
    assert provider.diff(created.id, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"value"}


def _site_with_domains(fake) -> str:
    sites, _ = attach(SiteProvider(), fake.url)
    return sites.create({"name": "maintainpro-staging", "custom_domain": "maintainpro.example",
                         "domain_aliases": ["www.maintainpro.example"]}).id


def test_certificate_drift_names_domains_and_extra_names_are_not_drift(fake):
    """A certificate covering more names than declared is not drift; one no longer covering a
    declared name is. `dns_servers` is passed along (never read) and kept as it was."""
    site_id = _site_with_domains(fake)
    provider, _ = attach(CertificateProvider(), fake.url)
    program = {"site_id": site_id, "domains": ["maintainpro.example"], "dns_servers": ["dns1.example"]}
    created = provider.create(dict(program))
    outs = settled(provider, created.id, created.outs, program)
    fake.certs[site_id]["domains"] = ["www.maintainpro.example"]
    read = provider.read(created.id, outs)
    assert provider.diff(created.id, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"domains"}


def test_build_hook_drift_names_the_branch(fake):
    site_id = _site_with_domains(fake)
    provider, _ = attach(BuildHookProvider(), fake.url)
    program = {"site_id": site_id, "title": "nightly", "branch": "main"}
    created = provider.create(dict(program))
    outs = settled(provider, created.id, created.outs, program)
    fake.hooks[site_id][created.id.split("/")[1]]["branch"] = "develop"
    read = provider.read(created.id, outs)
    assert provider.diff(created.id, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"branch"}


def test_deploy_key_has_no_managed_input(fake):
    """A deploy key has no input (Netlify generates the pair; nothing can be changed in place), so
    its refreshed inputs are empty and nothing can drift; a deleted key reads as gone."""
    provider, _ = attach(DeployKeyProvider(), fake.url)
    created = provider.create({})
    settled(provider, created.id, created.outs, {})
    del fake.keys[created.id]
    assert provider.read(created.id, created.outs).id == ""


def test_builds_activated_or_api_deploys_blocked_in_the_dashboard_is_drift(fake):
    """CI is the only publisher: a dashboard user activating builds (build_settings.stop_builds) or
    blocking API production deploys (prevent_non_git_prod_deploys) shows as drift on that property."""
    provider, _ = attach(SiteProvider(), fake.url)
    program = {**SITE, "repo": {**SITE["repo"], "stop_builds": True}, "prevent_non_git_prod_deploys": False}
    created = provider.create(dict(program))
    outs = settled(provider, created.id, created.outs, program)
    fake.sites[created.id]["build_settings"]["stop_builds"] = False
    read = provider.read(created.id, outs)
    assert provider.diff(created.id, read.outs, program).changes is True
    assert drifted(read.inputs, program) == {"repo"} and read.inputs["repo"]["stop_builds"] is False
    fake.sites[created.id]["build_settings"]["stop_builds"] = True
    fake.sites[created.id]["prevent_non_git_prod_deploys"] = True
    read = provider.read(created.id, outs)
    assert drifted(read.inputs, program) == {"prevent_non_git_prod_deploys"}
