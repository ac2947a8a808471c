"""Why a dynamic resource cannot be imported, and what brings a live object in instead.

The engine imports a resource (`pulumi import`, or the `import` resource option) with a `Read`
that carries only the id: pulumi/pulumi pkg/resource/deploy/step.go, `ImportStep.Apply`, calls
`prov.Read(... ID: s.new.ImportID ...)` with no inputs and no state. The Python dynamic provider
host finds the provider to call by unpickling `__provider` from that state, so it fails before
any provider code runs: pulumi/pulumi#16175 ("Exception calling application: '__provider'").
This test sends the real host exactly that request for the two objects an operator would most
want to import, and the refresh-shaped request beside it for contrast. When a Pulumi release
fixes #16175 the first test fails: then revisit docs/runbooks/adopting-live-objects.md.

The working path is adoption (`create` finds the live object by name, adopts it and converges
it); the adoption tests against the fakes are in test_netlify_lifecycle.py
(`test_site_create_adopts_existing_and_converges`) and supabase/test_supabase_project.py
(`test_create_adopts_an_existing_project_of_the_same_name`); the runbook's own cases are below
and in supabase/test_supabase_adoption.py.
"""

from __future__ import annotations

import base64
from pathlib import Path

import dill
import grpc
import pytest

from providers.netlify.site import SiteProvider
from providers.supabase.project import ProjectProvider
from tests.providers.conftest import attach
from tests.support.provider_host import ProviderHost

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "maintainpro-platform"
SITE_URN = f"urn:pulumi:production::{PROJECT}::pulumi-python:dynamic/netlify:Site::netlify-site"
PROJECT_URN = f"urn:pulumi:production::{PROJECT}::pulumi-python:dynamic/supabase:Project::supabase-project"


@pytest.fixture(scope="module")
def host() -> ProviderHost:
    with ProviderHost(ROOT, PROJECT) as started:
        started.configure({f"{PROJECT}:netlifyToken": "fake-netlify-token",
                           f"{PROJECT}:supabaseAccessToken": "fake-supabase-token"})
        yield started


@pytest.mark.parametrize(("urn", "id_"), [(SITE_URN, "fake-site-id"), (PROJECT_URN, "abcdefghijklmnopqrst")])
def test_the_engines_import_read_fails_in_the_dynamic_host_before_the_provider_runs(host, urn, id_):
    with pytest.raises(grpc.RpcError) as caught:
        host.read(urn, id_)  # what ImportStep sends: the id, no inputs, no state
    assert caught.value.code() == grpc.StatusCode.UNKNOWN
    assert "KeyError: '__provider'" in caught.value.details()


def test_a_refresh_shaped_read_reaches_the_provider(host):
    """The same host with state (the pickled provider in it) gets as far as the provider's `read`,
    which validates the ref before any HTTP call: the failure above is the missing state alone."""
    pickled = base64.b64encode(dill.dumps(ProjectProvider(), recurse=True)).decode()
    with pytest.raises(grpc.RpcError) as caught:
        host.read(PROJECT_URN, "not-a-ref", {"__provider": pickled})
    assert "is not a Supabase project ref" in caught.value.details()
    assert "__provider" not in caught.value.details()


# ---------------------------------------------------------------- the runbook's path, against the fakes


def test_a_live_site_made_by_hand_is_adopted_by_name_and_then_steady(fake):
    """docs/runbooks/adopting-live-objects.md: the stack file names the live site; `pulumi up` adopts it."""
    provider, _ = attach(SiteProvider(), fake.url)
    wanted = {"name": "maintainpro-production", "account_slug": "maintainpro", "force_ssl": True}
    by_hand = provider.create({**wanted, "force_ssl": False})  # made in the Netlify UI, outside this stack
    fake.reset_calls()
    adopted = provider.create(dict(wanted))  # the first `up` of the stack that now declares it
    assert adopted.id == by_hand.id and len(fake.sites) == 1
    assert "createSiteInTeam" not in fake.ops()  # adopted, not created again
    assert fake.sites[adopted.id]["force_ssl"] is True  # converged to the program in the same run
    assert provider.diff(adopted.id, adopted.outs, dict(wanted)).changes is False

