"""A real-host preview: inputs not known yet reach Check and Diff as the engine sends them.

A small program (a generated password, a Supabase project and what depends on it, a Netlify site
and what depends on it) is registered under the mock engine in preview mode, where every computed
output is unknown: the first deploy, a password rotation, an upstream Site or Project being updated.
Each dynamic resource's registered inputs are then sent, the way the engine marshals them (secret
wrappers removed, unknowns kept), to the real provider host `python -m pulumi.dynamic` started in
the project root. Before the fix this preview failed: false check failures (`db_pass must be of
type string`, `site_id is required`, `values[0].value must be a string`), diffs crashing
(`'Unknown' object has no attribute 'encode'`) and replacements reported on unknown identities.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pulumi_random
import pytest
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import provider_pb2

from providers.netlify.build_hook import BuildHook, BuildHookArgs
from providers.netlify.certificate import Certificate, CertificateArgs
from providers.netlify.env_var import EnvValueArgs, EnvVar, EnvVarArgs
from providers.netlify.site import Site, SiteArgs
from providers.supabase.auth import AuthConfig, AuthConfigArgs
from providers.supabase.function_secrets import FunctionSecrets, FunctionSecretsArgs
from providers.supabase.pooler import PoolerConfig, PoolerConfigArgs
from providers.supabase.project import Project, ProjectArgs
from tests.support.provider_host import ProviderHost, engine_view

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "maintainpro-platform"
REF = "abcdefghijklmnopqrst"
PROVIDER_KEY = "__provider"
CONTEXTS = ("production", "deploy-preview", "branch-deploy")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def program() -> None:
    password = pulumi_random.RandomPassword("db-password", length=32, special=False)
    project = Project("supabase-project", ProjectArgs(
        organization_slug="maintainpro-example", name="maintainpro-production",
        region="eu-central-1", instance_size="small", db_password=password.result))
    AuthConfig("supabase-auth", AuthConfigArgs(project_ref=project.ref,
               settings={"site_url": "https://app.maintainpro.example", "jwt_exp": 3600},
               secret_settings={"smtp_pass": password.result}))
    PoolerConfig("supabase-pooler", PoolerConfigArgs(project_ref=project.ref, pool_mode="transaction",
                                                     default_pool_size=30))
    FunctionSecrets("supabase-function-secrets", FunctionSecretsArgs(project_ref=project.ref,
                    secrets={"WORK_ORDER_WEBHOOK_SECRET": password.result, "STATIC_SECRET": "fake-static-secret"}))
    site = Site("site", SiteArgs(name="maintainpro-production", account_slug="maintainpro",
                                 custom_domain="app.maintainpro.example", domain_aliases=["www.maintainpro.example"]))
    EnvVar("env-url", EnvVarArgs(account_id="maintainpro", key="VITE_SUPABASE_URL", site_id=site.site_id,
                                 values=[EnvValueArgs(c, project.url) for c in CONTEXTS]))
    EnvVar("env-publishable-key", EnvVarArgs(account_id="maintainpro", key="VITE_SUPABASE_PUBLISHABLE_KEY",
                                             site_id=site.site_id, is_secret=True,
                                             values=[EnvValueArgs("production", project.publishable_key),
                                                     EnvValueArgs("deploy-preview", "fake-preview-key")]))
    BuildHook("hook", BuildHookArgs(site_id=site.site_id, title="nightly-rebuild", branch="main"))
    Certificate("certificate", CertificateArgs(site_id=site.site_id,
                                               domains=["app.maintainpro.example", "www.maintainpro.example"]))


# State of each resource after an earlier deploy: identities known (the real update re-diffs them).
OLDS: dict[str, dict[str, Any]] = {
    "supabase-project": {"organization_slug": "maintainpro-example", "name": "maintainpro-production",
                         "region": "eu-central-1", "instance_size": "small", "ref": REF,
                         "db_pass_sha256": _sha("fake-old-password"),
                         "publishable_key": "sb_publishable_fake-old", "secret_key": "sb_secret_fake-old"},
    "supabase-auth": {"project_ref": REF, "settings": {"site_url": "https://app.maintainpro.example", "jwt_exp": 3600},
                      "secret_hashes": {"smtp_pass": _sha("fake-old-password")}},
    "supabase-pooler": {"project_ref": REF, "settings": {"pool_mode": "transaction", "default_pool_size": 30},
                        "secret_hashes": {}, "session_url": "postgresql://postgres.x@pooler.example.test:5432/postgres"},
    "supabase-function-secrets": {"project_ref": REF, "hashes": {"WORK_ORDER_WEBHOOK_SECRET": _sha("fake-old"),
                                                                 "STATIC_SECRET": _sha("fake-static-secret")}},
    "site": {"name": "maintainpro-production", "account_slug": "maintainpro", "site_id": "site-1",
             "custom_domain": "app.maintainpro.example", "domain_aliases": ["www.maintainpro.example"]},
    "env-url": {"account_id": "maintainpro", "site_id": "site-1", "key": "VITE_SUPABASE_URL", "scopes": None,
                "is_secret": False, "values": [], "value_hashes": {}},
    "env-publishable-key": {"account_id": "maintainpro", "site_id": "site-1", "key": "VITE_SUPABASE_PUBLISHABLE_KEY",
                            "is_secret": True, "values": [], "value_hashes": {}},
    "hook": {"site_id": "site-1", "title": "nightly-rebuild", "branch": "main", "hook_id": "h1"},
    "certificate": {"site_id": "site-1", "domains": ["app.maintainpro.example", "www.maintainpro.example"]},
}


class _Bare(pulumi.runtime.Mocks):
    """Preview: a resource answers only its inputs, so every computed output stays unknown."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        return args.name + "-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


class _Capturing(MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered: dict[str, tuple[str, bytes]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type.startswith("pulumi-python:dynamic/"):
            self.registered[request.name] = (response.urn, request.object.SerializeToString())
        return response


@pytest.fixture(scope="module")
def registered() -> dict[str, tuple[str, bytes]]:
    # Module-scoped, so tests/conftest.py's per-test reset of the SDK's pickler patch comes after
    # this registration's tests: put the method back here too, so this leaks nothing either way.
    batch_setitems = pickle._Pickler._batch_setitems
    mocks = _Bare()
    monitor = _Capturing(mocks)
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="staging", preview=True, monitor=monitor)

    @pulumi.runtime.test
    def run() -> pulumi.Output:
        program()
        return pulumi.Output.from_input(None)

    try:
        run()
    finally:
        pickle._Pickler._batch_setitems = batch_setitems
    assert sorted(monitor.registered) == sorted(OLDS)
    return monitor.registered


@pytest.fixture(scope="module")
def host() -> ProviderHost:
    """A host with no Netlify or Supabase credential at all, as the pull-request preview runs it
    (.github/workflows/preview.yml): Check and Diff are local, so a preview needs no API token."""
    with ProviderHost(ROOT, PROJECT, without_env=("NETLIFY_AUTH_TOKEN", "SUPABASE_ACCESS_TOKEN")) as started:
        started.configure({})
        yield started


def _unknown_keys(news: dict[str, Any]) -> set[str]:
    return {k for k, v in news.items() if k != PROVIDER_KEY and rpc.contains_unknowns(v)}


def test_the_program_has_unknown_inputs_where_a_preview_does(registered):
    """The premise: these inputs really arrive unknown (else the tests below prove nothing)."""
    unknown = {name: _unknown_keys(engine_view(obj)) for name, (_urn, obj) in registered.items()}
    assert unknown["supabase-project"] == {"db_pass"}
    assert {"project_ref", "secret_settings"} <= unknown["supabase-auth"]
    assert unknown["supabase-function-secrets"] == {"project_ref", "secrets"}
    assert {"site_id", "values"} <= unknown["env-url"] and {"site_id", "values"} <= unknown["env-publishable-key"]
    assert "site_id" in unknown["hook"] and "site_id" in unknown["certificate"]


def test_one_unknown_secret_leaves_the_secret_map_known(registered):
    """Each value is secret, not the map: one unknown value does not hide the others' names."""
    for name, key in (("supabase-function-secrets", "secrets"), ("supabase-auth", "secret_settings")):
        value = engine_view(registered[name][1])[key]
        assert isinstance(value, dict), (name, value)
    secrets = engine_view(registered["supabase-function-secrets"][1])["secrets"]
    assert secrets["STATIC_SECRET"] == "fake-static-secret"
    assert rpc.contains_unknowns(secrets["WORK_ORDER_WEBHOOK_SECRET"])


@pytest.mark.parametrize("name", sorted(OLDS))
def test_check_reports_no_failure_for_unknown_inputs(registered, host, name):
    urn, obj = registered[name]
    try:
        answer = host.check(urn, {}, engine_view(obj))
    except grpc.RpcError as exc:
        pytest.fail(f"Check crashed in the provider host: {exc.details()}")
    assert [(f.property, f.reason) for f in answer.failures] == []


@pytest.mark.parametrize("name", sorted(OLDS))
def test_diff_counts_unknown_inputs_as_changes_and_replaces_nothing_unknown(registered, host, name):
    urn, obj = registered[name]
    news = engine_view(obj)
    olds = {**OLDS[name], PROVIDER_KEY: news[PROVIDER_KEY]}
    try:
        answer = host.diff(urn, f"{name}-id", olds, news)
    except grpc.RpcError as exc:
        pytest.fail(f"Diff crashed in the provider host: {exc.details()}")
    unknown = _unknown_keys(news)
    # An unknown input is a change; without one (the site) the state matches and nothing changes.
    expected = provider_pb2.DiffResponse.DIFF_SOME if unknown else provider_pb2.DiffResponse.DIFF_NONE
    assert answer.changes == expected, unknown
    assert not set(answer.replaces) & unknown, list(answer.replaces)


def test_a_known_identity_change_still_replaces_through_the_host(registered, host):
    """The same path with a known new site_id: the build hook is replaced, as before."""
    urn, obj = registered["hook"]
    news = {**engine_view(obj), "site_id": "site-2"}
    answer = host.diff(urn, "hook-id", {**OLDS["hook"], PROVIDER_KEY: news[PROVIDER_KEY]}, news)
    assert list(answer.replaces) == ["site_id"]
