"""Database and resilience policies over the stack graph."""

from __future__ import annotations

import pytest

from policies import resources as R
from policies.database import network_restricted, protected, ssl_enforced
from policies.resilience import backup_retention, backup_schedule, dns_zone_protected, ssl_expiry_monitor
from tests.policies.factories import PRODUCTION, assert_fails, assert_passes, compliant_stack, resource_args, violations

STACK_POLICIES = [ssl_enforced, network_restricted, backup_schedule, backup_retention, ssl_expiry_monitor]


@pytest.mark.parametrize("module", STACK_POLICIES, ids=lambda m: m.POLICY.name)
def test_compliant_stack_passes(module) -> None:
    assert_passes(module.POLICY, compliant_stack().args(PRODUCTION.get(module.POLICY.name)))


def test_protected_project_passes_and_unprotected_fails() -> None:
    project = compliant_stack()["database"]
    assert_passes(protected.POLICY, resource_args(project))
    project.opts.protect = False
    assert_fails(protected.POLICY, resource_args(project), "Supabase project database is not protected")


def test_protected_dns_zone_passes_and_unprotected_fails() -> None:
    stack = compliant_stack()
    zone = stack.add(R.NETLIFY_DNS_ZONE, "dns-zone", {"name": "maintainpro.example"}, protect=True)
    assert_passes(dns_zone_protected.POLICY, resource_args(zone))
    zone.opts.protect = False
    assert_fails(dns_zone_protected.POLICY, resource_args(zone), "Netlify DNS zone dns-zone is not protected")


def test_ssl_enforcement_off_fails() -> None:
    stack = compliant_stack()
    stack["ssl"].props["settings"] = {"database": False}
    assert_fails(ssl_enforced.POLICY, stack.args(), "has SSL enforcement turned off", stack["database"].urn)


def test_missing_ssl_enforcement_fails() -> None:
    stack = compliant_stack()
    stack.remove("ssl")
    assert_fails(ssl_enforced.POLICY, stack.args(), "declares no SSL enforcement")


def test_ssl_enforcement_of_another_project_does_not_count() -> None:
    stack = compliant_stack()
    stack["ssl"].property_dependencies["project_ref"] = []
    assert_fails(ssl_enforced.POLICY, stack.args(), "declares no SSL enforcement")


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"dbAllowedCidrs": [], "dbAllowedCidrsV6": []}, "has no network restrictions"),
        ({"dbAllowedCidrs": ["0.0.0.0/0"]}, "allows database connections from anywhere (0.0.0.0/0)"),
        ({"dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": ["::/0"]}, "from anywhere (::/0)"),
    ],
)
def test_open_database_network_fails(settings: dict, expected: str) -> None:
    stack = compliant_stack()
    stack["network"].props["settings"] = settings
    assert_fails(network_restricted.POLICY, stack.args(), expected, stack["database"].urn)


def test_missing_network_restrictions_fails() -> None:
    stack = compliant_stack()
    stack.remove("network")
    assert_fails(network_restricted.POLICY, stack.args(), "has no network restrictions")


def test_project_without_backup_schedule_fails() -> None:
    stack = compliant_stack()
    stack.remove("backups")
    assert_fails(backup_schedule.POLICY, stack.args(), "Supabase project database has no backup schedule", stack["database"].urn)


def test_backup_schedule_without_cron_workflow_fails() -> None:
    stack = compliant_stack()
    stack["backup-workflow"].props["content"] = "name: database-backup\non:\n  workflow_dispatch: {}\n"
    messages = [m for m, _ in violations(backup_schedule.POLICY, stack.args())]
    assert messages == [
        "backup schedule backups is incomplete: no scheduled workflow (on.schedule cron)",
        "Supabase project database has no backup schedule: no off-site backup is taken",
    ]


def test_backup_schedule_without_bucket_fails() -> None:
    stack = compliant_stack()
    stack.remove("backup-bucket")
    messages = [m for m, _ in violations(backup_schedule.POLICY, stack.args())]
    assert messages[0] == "backup schedule backups is incomplete: no backup bucket"


def test_short_lifecycle_expiry_fails_against_the_minimum() -> None:
    stack = compliant_stack()
    stack["backup-lifecycle"].props["rules"][0]["expiration"]["days"] = 90.0
    assert_fails(backup_retention.POLICY, stack.args({"minRetentionDays": 365}),
                 "lifecycle rule expire deletes backups after 90 days; they must be kept at least 365 days", stack["backup-bucket"].urn)
    assert_passes(backup_retention.POLICY, stack.args({"minRetentionDays": 30}))


def test_short_noncurrent_version_expiry_fails_against_the_minimum() -> None:
    stack = compliant_stack()
    stack["backup-lifecycle"].props["rules"][0]["noncurrentVersionExpiration"]["noncurrentDays"] = 1.0
    assert_fails(backup_retention.POLICY, stack.args({"minRetentionDays": 365}),
                 "lifecycle rule expire deletes pruned (noncurrent) backup versions after 1 days; they must be kept at least 365 days",
                 stack["backup-bucket"].urn)
    assert_passes(backup_retention.POLICY, stack.args({"minRetentionDays": 1}))


def test_disabled_lifecycle_rule_does_not_count() -> None:
    stack = compliant_stack()
    rule = stack["backup-lifecycle"].props["rules"][0]
    rule.update(status="Disabled", expiration={"days": 1.0})
    assert_passes(backup_retention.POLICY, stack.args({"minRetentionDays": 365}))
