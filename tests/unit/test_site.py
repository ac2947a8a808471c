"""`NetlifySite` under the mock engine: the children each stack registers, and no token anywhere."""

from __future__ import annotations

import base64
import dataclasses
import json

import pulumi
import pytest

from components.config import PROJECT, ConfigError, load_stack_config, split_config
from components.site import NetlifySite, NetlifySiteArgs, repository_name
from ops.engine import SECRET, run_stack
from ops.stackfile import read_stack_file
from tests.stacks import mutate, stack_document
from tests.support.capture import revealed

TOKEN = "fake-netlify-token"
NETLIFY = "pulumi-python:dynamic/netlify:"
REPO_DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey"


def run(stack: str, monkeypatch):
    """The real program for `stack`, with a Netlify token both in secret config and in the env."""
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN)
    stack_file = read_stack_file(stack)
    key = f"{PROJECT}:netlifyToken"
    stack_file = dataclasses.replace(
        stack_file, raw={**stack_file.raw, key: TOKEN}, secret_keys=stack_file.secret_keys | {key}
    )
    return run_stack(stack_file)


def site_children(preview, stack):
    [site] = preview.by_type("maintainpro:site:NetlifySite")
    assert site.name == "netlify"  # fixed: a site rename must not move every child
    return site, {r.name: r for r in preview.children(site.urn)}


def test_production_site_children(monkeypatch):
    preview = run("production", monkeypatch)
    site, children = site_children(preview, "production")
    [platform] = preview.by_type("maintainpro:platform:Platform")
    assert site.parent == platform.urn
    name = "netlify"
    assert {n: r.type.removeprefix(NETLIFY) for n, r in children.items()} == {
        f"{name}-deploy-key": "DeployKey",
        f"{name}-repo-deploy-key": REPO_DEPLOY_KEY,
        f"{name}-site": "Site",
        f"{name}-env-VITE_APP_ENV": "EnvVar",
        f"{name}-env-VITE_SENTRY_ENVIRONMENT": "EnvVar",
        f"{name}-env-BUILD_HOOK_SECRET": "EnvVar",  # a rotated secret delivered to Netlify
        f"{name}-env-VITE_SUPABASE_URL": "EnvVar",  # from the database component
        f"{name}-env-VITE_SUPABASE_PUBLISHABLE_KEY": "EnvVar",
        f"{name}-env-VITE_SUPABASE_ANON_KEY": "EnvVar",  # netlify.legacy_anon_key_env: the app still reads it
        f"{name}-env-VITE_CONFIGCAT_SDK_KEY": "EnvVar",  # from the flags component (ConfigCat's browser SDK)
        f"{name}-zone": "DnsZone",
        # No CNAME/ALIAS for the site's domains: the zone is linked to the site, so Netlify
        # serves them with its own NETLIFY records and refuses another address record there.
        f"{name}-caa-letsencrypt-org": "DnsRecord",
        f"{name}-certificate": "Certificate",
    }
    web = children[f"{name}-site"].inputs
    assert web["custom_domain"] == "app.maintainpro.example"
    assert web["domain_aliases"] == ["www.maintainpro.example"]
    assert web["force_ssl"] is True and web["account_slug"] == "maintainpro-example"
    assert web["repo"]["repo_branch"] == "main" and web["repo"]["allowed_branches"] == ["main"]
    assert web["repo"]["repo_path"] == "maintainpro-example/maintainpro-app"
    caa = children[f"{name}-caa-letsencrypt-org"].inputs
    assert (caa["type"], caa["hostname"], caa["value"], caa["flag"], caa["tag"]) == (
        "CAA", "maintainpro.example", "letsencrypt.org", 0, "issue")
    zone = children[f"{name}-zone"]
    assert zone.property_dependencies["site_id"] == (children[f"{name}-site"].urn,)
    assert (zone.protect, zone.retain_on_delete) == (True, True)  # production data: its records
    assert web["repo"]["skip_prs"] is True  # deploy_previews: false in the production stack file
    cert = children[f"{name}-certificate"]
    assert cert.inputs["domains"] == ["app.maintainpro.example", "www.maintainpro.example"]
    record_urns = {children[n].urn for n in children if "-dns-" in n or "-caa-" in n}
    assert record_urns <= set(cert.dependencies)
    # The zone's name servers reach the certificate, whose "delegate first" error names them.
    assert cert.property_dependencies["dns_servers"] == (children[f"{name}-zone"].urn,)
    rotated = children[f"{name}-env-BUILD_HOOK_SECRET"]
    assert rotated.inputs["is_secret"] is True and rotated.inputs["values"] == SECRET
    assert rotated.additional_secret_outputs == ("values", "value_hashes")
    sentry = children[f"{name}-env-VITE_SENTRY_ENVIRONMENT"].inputs
    assert sentry["values"] == [
        {"context": "production", "value": "production"},
        {"context": "deploy-preview", "value": "production-preview"},
    ]


def test_staging_site_children(monkeypatch):
    preview = run("staging", monkeypatch)
    site, children = site_children(preview, "staging")
    kinds = sorted(r.type.removeprefix(NETLIFY) for r in children.values())
    assert kinds == ["DeployKey"] + ["EnvVar"] * 6 + ["Site", REPO_DEPLOY_KEY]  # no domain, zone or certificate
    keys = ("netlify-env-VITE_SUPABASE_PUBLISHABLE_KEY", "netlify-env-VITE_SUPABASE_ANON_KEY",
            "netlify-env-VITE_CONFIGCAT_SDK_KEY")  # the flags component hands the SDK key over as a secret too
    assert {"netlify-env-VITE_SUPABASE_URL", *keys} <= set(children)
    for key in keys:
        assert children[key].inputs["values"] == SECRET  # handed over as a secret; it stays one
        assert children[key].additional_secret_outputs == ("values", "value_hashes")
    assert children["netlify-env-VITE_APP_ENV"].additional_secret_outputs == ()
    web = children["netlify-site"].inputs
    assert "custom_domain" not in web and web["force_ssl"] is True
    assert web["repo"]["skip_prs"] is False  # staging builds deploy previews
    assert web["repo"]["repo_branch"] == "main"
    assert web["repo"]["allowed_branches"] == ["main", "develop", "release/next"]  # branch deploys on
    sentry = children["netlify-env-VITE_SENTRY_ENVIRONMENT"].inputs
    assert {v["context"] for v in sentry["values"]} == {"production", "deploy-preview", "branch-deploy"}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_netlify_deploy_key_is_a_read_only_deploy_key_of_the_app_repo(stack, monkeypatch):
    """Without the public key on the (private) app repo, Netlify cannot clone it and no build runs."""
    preview = run(stack, monkeypatch)
    site, children = site_children(preview, stack)
    name = "netlify"
    repo_key, netlify_key = children[f"{name}-repo-deploy-key"], children[f"{name}-deploy-key"]
    assert repo_key.type == REPO_DEPLOY_KEY and repo_key.parent == site.urn
    assert repo_key.inputs["readOnly"] is True
    assert repo_key.inputs["repository"] == "maintainpro-app"  # github.app_repo of the stack file
    assert repo_key.inputs["title"] == f"Netlify site maintainpro-{stack}"  # names the live site
    # The key is the Netlify key's output (known only after Netlify generates it), not a literal.
    assert repo_key.property_dependencies["key"] == (netlify_key.urn,)
    assert netlify_key.urn in repo_key.dependencies


def test_repository_deploy_key_carries_the_generated_public_key():
    """With a created Netlify key, the GitHub deploy key receives exactly its public key."""
    doc = stack_document("staging")["config"]
    cfg = load_stack_config(split_config(doc, set(), "x"), "staging", "x")
    public_key = "ssh-rsa AAAAfakepublickey netlify"

    class KeyMocks(Capture):
        def new_resource(self, args):
            id_, state = super().new_resource(args)
            if args.typ.endswith("netlify:DeployKey"):
                state = {**state, "key_id": "key-1", "public_key": public_key}
            return id_, state

    mocks = KeyMocks()
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="staging", preview=False)

    @pulumi.runtime.test
    def program():
        NetlifySite("s", NetlifySiteArgs(netlify=cfg.netlify, repo_path="acme/cmms-app"))

    program()
    [key] = [r for r in mocks.resources if r.typ == REPO_DEPLOY_KEY]
    assert (key.inputs["key"], key.inputs["readOnly"], key.inputs["repository"]) == (public_key, True, "cmms-app")
    [site] = [r for r in mocks.resources if r.typ.endswith("netlify:Site")]
    assert site.inputs["repo"]["deploy_key_id"] == "key-1"


@pytest.mark.parametrize("repo_path", ["cmms-app", "acme/", "/cmms-app", "acme/cmms/app"])
def test_repo_path_must_be_owner_and_name(repo_path):
    with pytest.raises(pulumi.RunError, match="must be 'owner/name'"):
        repository_name(repo_path)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_no_token_value_anywhere(stack, monkeypatch):
    preview = run(stack, monkeypatch)
    assert preview.by_type(f"{NETLIFY}Site")
    assert TOKEN not in json.dumps([dataclasses.asdict(r) for r in preview.resources], default=str)
    assert TOKEN not in json.dumps(preview.outputs, default=str)


class Capture(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args):
        self.resources.append(args)
        return (f"{args.name}-id" if args.typ.startswith("pulumi-python") else None), dict(args.inputs)

    def call(self, args):
        return {}, None


@pytest.mark.parametrize("legacy", [True, False])
def test_values_from_other_components_become_env_vars_and_secrets_stay_secret(monkeypatch, legacy):
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", TOKEN)
    doc = mutate(stack_document("staging"), f"{PROJECT}:netlify", "legacy_anon_key_env", legacy)["config"]
    sections = split_config(dict(doc), set(), "Pulumi.staging.yaml")
    cfg = load_stack_config(sections, "staging", "Pulumi.staging.yaml")
    mocks = Capture()
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="staging", preview=False)

    @pulumi.runtime.test
    def program():
        site = NetlifySite("maintainpro-staging", NetlifySiteArgs(
            netlify=cfg.netlify,
            repo_path="maintainpro-example/maintainpro-app",
            supabase_url=pulumi.Output.from_input("https://stage.supabase.example"),
            supabase_publishable_key=pulumi.Output.secret("sb_publishable_fake-key"),
            secret_env={"WORK_ORDER_WEBHOOK_SECRET": pulumi.Output.secret("fake-webhook-secret")},
        ))
        return site.url

    program()
    env = {r.inputs["key"]: r for r in mocks.resources if r.typ.endswith("netlify:EnvVar")}
    assert env["VITE_SUPABASE_URL"].inputs["values"] == [
        {"context": c, "value": "https://stage.supabase.example"}
        for c in ("production", "deploy-preview", "branch-deploy")
    ]
    # The publishable key under its own name, and under the legacy anon name only while config asks for it.
    named = ["VITE_SUPABASE_PUBLISHABLE_KEY", *(["VITE_SUPABASE_ANON_KEY"] if legacy else [])]
    assert sorted(k for k in env if "_KEY" in k) == sorted(named)
    for key in named:
        assert env[key].inputs["is_secret"] is False
        assert {v["value"] for v in revealed(env[key].inputs["values"])} == {"sb_publishable_fake-key"}
    webhook = env["WORK_ORDER_WEBHOOK_SECRET"]
    assert webhook.inputs["is_secret"] is True
    for args in mocks.resources:
        if args.typ.startswith("pulumi-python"):
            provider = args.inputs["__provider"]  # always a secret: unwrap the marker
            pickled = base64.b64decode(provider["value"] if isinstance(provider, dict) else provider)
            assert TOKEN.encode() not in pickled


def test_env_key_set_twice_is_a_clear_error(monkeypatch):
    doc = stack_document("staging")["config"]
    cfg = load_stack_config(split_config(doc, set(), "x"), "staging", "x")
    mocks = Capture()
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="staging", preview=True)

    @pulumi.runtime.test
    def program():
        NetlifySite("s", NetlifySiteArgs(netlify=cfg.netlify, repo_path="o/r",
                                         secret_env={"VITE_APP_ENV": "x"}))

    with pytest.raises(pulumi.RunError, match="netlify.env: VITE_APP_ENV also come"):
        program()


def test_managed_dns_needs_a_zone_holding_every_domain():
    doc = stack_document("production")
    mutate(doc, f"{PROJECT}:netlify", "dns_zone", "other.example")
    raw = doc["config"]
    with pytest.raises(ConfigError) as err:
        load_stack_config(split_config(raw, set(), "Pulumi.production.yaml"), "production", "Pulumi.production.yaml")
    assert ("netlify.custom_domain", "'app.maintainpro.example' is not inside the DNS zone 'other.example'") in err.value.problems
    assert ("netlify.domain_aliases[0]", "'www.maintainpro.example' is not inside the DNS zone 'other.example'") in err.value.problems
    from tests.stacks import DELETE
    mutate(doc, f"{PROJECT}:netlify", "dns_zone", DELETE)
    with pytest.raises(ConfigError) as err:
        load_stack_config(split_config(doc["config"], set(), "p"), "production", "p")
    assert ("netlify.dns_zone", "required when manage_dns is on and a custom_domain is set") in err.value.problems


def test_secrets_never_reach_pull_request_builds():
    """Deploy previews build pull-request code, possibly from forks: no secret in their context."""
    doc = stack_document("staging")["config"]
    cfg = load_stack_config(split_config(doc, set(), "x"), "staging", "x")
    assert cfg.netlify.deploy_previews is True
    mocks = Capture()
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="staging", preview=False)

    @pulumi.runtime.test
    def program():
        NetlifySite("s", NetlifySiteArgs(netlify=cfg.netlify, repo_path="o/r",
                                         supabase_url=pulumi.Output.from_input("https://stage.supabase.example"),
                                         secret_env={"WEBHOOK_SECRET": pulumi.Output.secret("fake-webhook-secret")}))

    program()
    env = {r.inputs["key"]: r.inputs for r in mocks.resources if r.typ.endswith("netlify:EnvVar")}
    secret_values = env["WEBHOOK_SECRET"]["values"]
    secret_values = secret_values["value"] if isinstance(secret_values, dict) else secret_values  # the secret marker
    assert [v["context"] for v in secret_values] == ["production", "branch-deploy"]
    # A public value (the Supabase URL) still reaches every build.
    assert {v["context"] for v in env["VITE_SUPABASE_URL"]["values"]} >= {"deploy-preview"}


def test_secrets_for_every_context_are_refused_whatever_deploy_previews_says():
    """Netlify: secret values "must be set to explicit deploy contexts" (docs, secrets controller)."""
    doc = stack_document("staging")
    mutate(doc, f"{PROJECT}:netlify", "secret_contexts", ["all"])
    mutate(doc, f"{PROJECT}:netlify", "deploy_previews", False)
    with pytest.raises(ConfigError) as err:
        load_stack_config(split_config(doc["config"], set(), "s"), "staging", "s")
    assert [p[0] for p in err.value.problems] == ["netlify.secret_contexts[0]"]


@pytest.mark.parametrize("context", ["deploy-preview"])
def test_stack_asking_for_secrets_in_pull_request_builds_is_refused(context):
    doc = stack_document("staging")
    mutate(doc, f"{PROJECT}:netlify", "secret_contexts", [context])
    with pytest.raises(ConfigError) as err:
        load_stack_config(split_config(doc["config"], set(), "s"), "staging", "s")
    [(path, message)] = [p for p in err.value.problems if p[0] == "netlify.secret_contexts"]
    assert context in message and "deploy_previews" in message
    # With deploy previews off no pull request is built, so the context may be asked for.
    mutate(doc, f"{PROJECT}:netlify", "deploy_previews", False)
    cfg = load_stack_config(split_config(doc["config"], set(), "s"), "staging", "s")
    assert list(cfg.netlify.secret_contexts) == [context]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_netlify_builds_nothing_and_accepts_api_deploys(stack: str) -> None:
    """CI is the only publisher: builds stopped (pushes, pull requests, branches, hooks), API deploys to
    production allowed, and no `cp` of `_headers` in a build command Netlify never runs (the workflow copies it)."""
    (site,) = run_stack(read_stack_file(stack)).by_type("pulumi-python:dynamic/netlify:Site")
    assert site.inputs["repo"]["stop_builds"] is True
    assert site.inputs["prevent_non_git_prod_deploys"] is False
    assert site.inputs["repo"]["cmd"] == "npm run build"  # both stack files' netlify.build_command, nothing appended
