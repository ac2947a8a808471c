"""Network restrictions against the stateful fake: every route is restricted, unrestricted is allow-all,
and each committed stack's backup job can reach its database through the session pooler."""

from __future__ import annotations

from typing import Any

import pytest

from components.backups import workflow
from components.config import ConfigError, StackConfig, load_stack_config
from components.database import network_restrictions
from ops.stackfile import read_stack_file
from providers.http import ApiError
from providers.supabase.network_restrictions import NetworkRestrictionsProvider
from tests.providers.supabase.conftest import connect
from tests.providers.supabase.fake import ROUTES
from tests.stacks import DELETE, mutate, stack_document

# A GitHub-hosted runner's egress address is any of a large, changing set: only allow-all admits it.
GITHUB_HOSTED_EGRESS = ("0.0.0.0/0",)
# `BACKUP_DATABASE_URL` is the project's `pooler_url`: Supavisor's session mode (port 5432).
BACKUP_ROUTE = "session-pooler"


@pytest.fixture
def project(fake):
    return fake.add_project("maintainpro-staging")


def apply(fake, project, cfg: StackConfig, outs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the network restrictions the database component declares for `cfg` (create, or update from `outs`)."""
    provider = connect(NetworkRestrictionsProvider(), fake.url)
    v4, v6 = network_restrictions(cfg.supabase)
    news = provider.check({}, {"project_ref": project.ref, "settings": {"dbAllowedCidrs": v4, "dbAllowedCidrsV6": v6}}).inputs
    if outs is None:
        return provider.create(news).outs
    assert provider.diff(project.ref, outs, news).changes
    return provider.update(project.ref, outs, news).outs


def without_restrictions(stack: str) -> StackConfig:
    document = mutate(stack_document(stack), "maintainpro-platform:supabase", "allowed_cidrs", DELETE)
    sections = {k.partition(":")[2]: v for k, v in document["config"].items() if k.startswith("maintainpro-platform:")}
    return load_stack_config(sections, stack)


def backup_egress(cfg: StackConfig) -> tuple[str, ...]:
    """Where the generated backup job connects from: the configured runner's egress, or any address."""
    job = workflow(cfg.environment, cfg.backups, cfg.github.owner)["jobs"]["backup"]
    if cfg.backups.runner is not None and job["runs-on"] == cfg.backups.runner:
        return tuple(str(c) for c in cfg.backups.runner_egress_cidrs)
    return GITHUB_HOSTED_EGRESS


def test_an_unrestricted_project_reads_back_allow_all_which_is_what_an_unrestricted_stack_declares(fake, project):
    provider = connect(NetworkRestrictionsProvider(), fake.url)
    imported = provider.read(project.ref, {})
    assert imported.outs["settings"] == {"dbAllowedCidrs": ["0.0.0.0/0"], "dbAllowedCidrsV6": ["::/0"]}
    v4, v6 = network_restrictions(without_restrictions("staging").supabase)
    declared = provider.check({}, {"project_ref": project.ref, "settings": {"dbAllowedCidrs": v4, "dbAllowedCidrsV6": v6}})
    assert provider.diff(project.ref, imported.outs, declared.inputs).changes is False


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_restrictions_hold_for_every_route_and_an_empty_v6_list_admits_no_ipv6(fake, project, stack):
    cfg = read_stack_file(stack).validate()
    apply(fake, project, cfg)
    listed = str(cfg.supabase.allowed_cidrs[0])
    assert all(fake.may_connect(project.ref, listed, route) for route in ROUTES)
    for outsider in ("192.0.2.10", "2001:db8::10"):  # not listed (no IPv6 list at all: none admitted)
        assert not any(fake.may_connect(project.ref, outsider, route) for route in ROUTES)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_removing_allowed_cidrs_from_config_lifts_the_restriction(fake, project, stack):
    outs = apply(fake, project, read_stack_file(stack).validate())
    assert not fake.may_connect(project.ref, "192.0.2.10", BACKUP_ROUTE)
    apply(fake, project, without_restrictions(stack), outs)
    for anyone in ("0.0.0.0/0", "::/0"):
        assert all(fake.may_connect(project.ref, anyone, route) for route in ROUTES)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_each_stacks_backup_job_reaches_its_database_through_the_session_pooler(fake, project, stack):
    cfg = read_stack_file(stack).validate()
    apply(fake, project, cfg)
    egress = backup_egress(cfg)
    assert egress != GITHUB_HOSTED_EGRESS, "a restricted stack's backup job must not run on a GitHub-hosted runner"
    assert all(fake.may_connect(project.ref, source, BACKUP_ROUTE) for source in egress)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_old_config_github_hosted_runner_with_allowed_cidrs_is_refused_and_could_not_connect(fake, project, stack):
    document = stack_document(stack)
    for key in ("runner", "runner_egress_cidrs"):
        document = mutate(document, "maintainpro-platform:backups", key, DELETE)
    sections = {k.partition(":")[2]: v for k, v in document["config"].items() if k.startswith("maintainpro-platform:")}
    with pytest.raises(ConfigError) as caught:
        load_stack_config(sections, stack)
    (message,) = [m for p, m in caught.value.problems if p == "backups.runner"]
    assert "supabase.allowed_cidrs" in message and "pooler" in message
    # What that config would have run: the backup job on a GitHub-hosted runner, refused on every route.
    apply(fake, project, read_stack_file(stack).validate())
    assert not any(fake.may_connect(project.ref, source, route) for source in GITHUB_HOSTED_EGRESS for route in ROUTES)


def test_on_a_plan_without_network_restrictions_allow_all_is_a_no_op_and_a_restriction_says_why(fake, project):
    project.network_entitlement = "disallowed"
    provider = connect(NetworkRestrictionsProvider(), fake.url)
    allow_all = {"project_ref": project.ref, "settings": {"dbAllowedCidrs": ["0.0.0.0/0"], "dbAllowedCidrsV6": ["::/0"]}}
    provider.create(provider.check({}, allow_all).inputs)
    assert fake.may_connect(project.ref, "192.0.2.10", BACKUP_ROUTE)
    restricted = {"project_ref": project.ref, "settings": {"dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": []}}
    with pytest.raises(ApiError, match="plan does not allow network restrictions.*supabase.allowed_cidrs"):
        provider.create(provider.check({}, restricted).inputs)
