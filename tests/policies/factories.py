"""Compliant-args factories and assert helpers for policy tests (after pulumi/compliance-policies).

`compliant_stack()` builds, as `PolicyResource`s, everything a fully compliant production stack
registers; a test changes one thing and asserts the one violation that follows. Values are in
the shape the engine hands to policies (camelCase pulumi_github/aws inputs, floats for numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.policy import _NotApplicableError

from components.headers import render as render_headers
from ops.stackfile import read_stack_file
from policies import resources as R
from policies.registry import Entry

# The production stack's `_headers` file as the renderer writes it (a stand-in Supabase origin, a
# stack output unknown offline): never a hand-copied text, so the fixture cannot drift from it.
FAKE_SUPABASE_URL = "https://fakeref.supabase.co"
COMPLIANT_HEADERS = render_headers(read_stack_file("production").validate().headers, FAKE_SUPABASE_URL)

BACKUP_WORKFLOW = """\
name: database-backup
on:
  schedule:
    - cron: "17 2 * * *"
  workflow_dispatch: {}
jobs:
  backup:
    runs-on: ubuntu-24.04
    environment: production-backups
    steps:
      - run: python -m ops backup --stack production
      - run: curl --fail "$HEARTBEAT_URL"
        env:
          HEARTBEAT_URL: ${{ secrets.BACKUP_HEARTBEAT_URL }}
"""

DELIVERY_WORKFLOW = """\
name: delivery-production
on:
  workflow_dispatch: {}
jobs:
  deploy-production:
    runs-on: ubuntu-24.04
    environment:
      name: production
      url: https://app.maintainpro.example
    steps:
      - id: draft
        run: python -m ops deploy --stack production --dir "$DIST" --json > draft.json
      - run: python -m ops promote --stack production --deploy "$DEPLOY_ID"
"""

DEPENDABOT_APP = """\
version: 2
updates:
  - package-ecosystem: npm
    directory: /
    schedule:
      interval: weekly
"""

# The audit clock of the compliant stack: inside both passwords' rotation windows.
NOW = "2026-11-26T12:00:00+00:00"

PRODUCTION = {
    "netlify-headers-require-hsts": {"requirePreload": True},
    "secrets-password-require-rotation": {"maxRotationDays": 90, "now": NOW},
    "configcat-flag-require-cleanup": {"now": NOW},
    "aws-backups-bucket-require-retention": {"minRetentionDays": 365},
    "github-repository-require-security-features": {
        "repositories": ["maintainpro-app", "maintainpro-platform"], "dependabotEcosystems": {"maintainpro-app": ["npm"]}},
    # As policies/config/production.json: Checkly computes a heartbeat's ping token, the program cannot rotate it.
    "secrets-delivered-require-rotation": {"exempt": {"BACKUP_HEARTBEAT_URL": "fake reason: a ping URL"}},
}


def _options(protect: bool, parent: str | None) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


@dataclass
class Stack:
    """A resource graph under construction; nodes are looked up by name."""

    nodes: list[PolicyResource] = field(default_factory=list)

    def add(
        self, type_: str, name: str, props: Mapping[str, Any] | None = None, *, parent: PolicyResource | None = None,
        feeds: Mapping[str, list[PolicyResource]] | None = None, protect: bool = False,
    ) -> PolicyResource:
        prefix = f"{parent.urn.split('::')[2]}$" if parent else ""
        urn = f"urn:pulumi:production::maintainpro-platform::{prefix}{type_}::{name}"
        node = PolicyResource(
            type_, dict(props or {}), urn, name, _options(protect, parent.urn if parent else None), None, parent,
            [d for deps in (feeds or {}).values() for d in deps], {k: list(v) for k, v in (feeds or {}).items()},
        )
        self.nodes.append(node)
        return node

    def __getitem__(self, name: str) -> PolicyResource:
        return next(n for n in self.nodes if n.name == name)

    def remove(self, name: str) -> None:
        self.nodes = [n for n in self.nodes if n.name != name and (n.parent is None or n.parent.name != name)]

    def args(self, config: Mapping[str, Any] | None = None) -> StackValidationArgs:
        return StackValidationArgs(self.nodes, dict(config or {}))


def compliant_stack() -> Stack:
    s = Stack()
    password = s.add(R.RANDOM_PASSWORD, "database-password", {"length": 40.0, "special": False,
                     "keepers": {R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2026-11-01T00:00:00+00:00"}},
                     parent=s.add(R.ROTATING_SECRET, "database-password-secret"))
    hook = s.add(R.RANDOM_PASSWORD, "build-hook-secret", {"length": 32.0, "keepers": {R.ROTATION_PERIOD_KEEPER: "90", R.ROTATION_WINDOW_KEEPER: "2026-10-01T00:00:00+00:00"}})
    site = s.add(R.NETLIFY_SITE, "site", {"name": "maintainpro-production", "custom_domain": "app.maintainpro.example",
                 "domain_aliases": ["www.maintainpro.example"], "force_ssl": True,
                 "prevent_non_git_prod_deploys": False, "repo": {"repo_path": "maintainpro-example/maintainpro-app",
                 "stop_builds": True, "repo_branch": "main"}})
    s.add(R.NETLIFY_CERTIFICATE, "certificate", {"site_id": "site-id", "domains": ["app.maintainpro.example", "www.maintainpro.example"]},
          feeds={"site_id": [site]})
    s.add(R.NETLIFY_ENV_VAR, "env-build-hook-secret", {"key": "BUILD_HOOK_SECRET", "is_secret": True,
          "values": [{"context": "all", "value": "[secret]"}]}, feeds={"values": [hook], "site_id": [site]})
    s.add(R.NETLIFY_ENV_VAR, "env-app-env", {"key": "VITE_APP_ENV", "is_secret": False, "values": [{"context": "all", "value": "production"}]})
    s.add(R.GITHUB_REPOSITORY_FILE, "delivery-workflow", {"repository": "maintainpro-app",
          "file": ".github/workflows/delivery-production.yml", "content": DELIVERY_WORKFLOW, "branch": "main"})
    s.add(R.GITHUB_REPOSITORY_FILE, "headers-file", {"repository": "maintainpro-app", "file": "public/_headers",
          "content": COMPLIANT_HEADERS, "branch": "main"})
    project = s.add(R.SUPABASE_PROJECT, "database", {"name": "maintainpro-production", "region": "eu-central-1",
                    "db_pass": "[secret]", "legacy_api_keys": "disabled"}, feeds={"db_pass": [password]}, protect=True)
    s.add(R.SUPABASE_LEGACY_API_KEYS, "legacy-api-keys", {"project_ref": "ref", "enabled": False}, feeds={"project_ref": [project]})
    ci_key = s.add(R.SUPABASE_SECRET_API_KEY, "secret-key-ci", {"project_ref": "ref", "name_prefix": "production_ci",
                   "keepers": {R.ROTATION_PERIOD_KEEPER: "30", R.ROTATION_WINDOW_KEEPER: "2026-11-03T00:00:00+00:00"}},
                   feeds={"project_ref": [project]})
    s.add(R.SUPABASE_SSL_ENFORCEMENT, "ssl", {"project_ref": "ref", "settings": {"database": True}}, feeds={"project_ref": [project]})
    s.add(R.SUPABASE_NETWORK_RESTRICTIONS, "network", {"project_ref": "ref", "settings": {
          "dbAllowedCidrs": ["203.0.113.0/24"], "dbAllowedCidrsV6": []}}, feeds={"project_ref": [project]})
    environment = s.add(R.GITHUB_ENVIRONMENT, "environment", {"repository": "maintainpro-app", "environment": "production",
                        "reviewers": [{"teams": [4100001.0], "users": [5100001.0]}], "preventSelfReview": True,
                        "deploymentBranchPolicy": {"protectedBranches": False, "customBranchPolicies": True}})
    s.add(R.GITHUB_RULESET, "ruleset", {"repository": "maintainpro-app", "target": "branch", "enforcement": "active",
          "conditions": {"refName": {"includes": ["~DEFAULT_BRANCH"], "excludes": []}},
          "rules": {"pullRequest": {"requiredApprovingReviewCount": 2.0}, "nonFastForward": True, "deletion": True}})
    s.add(R.GITHUB_ENVIRONMENT_SECRET, "secret-database-password", {"repository": "maintainpro-app", "environment": "production",
          "secretName": "DATABASE_PASSWORD", "plaintextValue": "[secret]"},
          feeds={"plaintextValue": [password], "environment": [environment]})
    s.add(R.GITHUB_ENVIRONMENT_SECRET, "secret-supabase-secret-key", {"repository": "maintainpro-app", "environment": "production",
          "secretName": "SUPABASE_SECRET_KEY", "value": "[secret]"}, feeds={"value": [ci_key], "environment": [environment]})
    backups = s.add(R.BACKUP_SCHEDULE, "backups")
    bucket = s.add(R.AWS_BUCKET, "backup-bucket", {"bucket": "maintainpro-production-db-backups-example"}, parent=backups, protect=True)
    s.add(R.AWS_BUCKET_LIFECYCLE, "backup-lifecycle", {"bucket": "bucket-id", "rules": [
          {"id": "expire", "status": "Enabled", "expiration": {"days": 400.0}, "noncurrentVersionExpiration": {"noncurrentDays": 365.0}}]},
          parent=backups, feeds={"bucket": [bucket]})
    s.add(R.GITHUB_REPOSITORY_FILE, "backup-workflow", {"repository": "maintainpro-app", "file": ".github/workflows/database-backup.yml",
          "content": BACKUP_WORKFLOW}, parent=backups)
    # Checkly (components/monitoring.py): a critical check paging through PagerDuty, an SSL monitor per
    # certificate name, the backup job's heartbeat whose ping URL is a secret of the backup environment.
    monitoring = s.add(R.MONITORING, "monitoring")
    pager = s.add(R.CHECKLY_ALERT_CHANNEL, "alert-critical-pagerduty", {"pagerduty": "[secret]", "sendFailure": True,
                  "sendRecovery": True}, parent=monitoring)
    def critical() -> dict[str, Any]:
        return {"tags": ["maintainpro-production", R.CRITICAL_TAG],
                "alertChannelSubscriptions": [{"channelId": "alert-critical-pagerduty-id", "activated": True}]}

    s.add(R.CHECKLY_CHECK, "check-app-uptime", {"type": "API", "activated": True, "frequency": 1.0, **critical()},
          parent=monitoring, feeds={"alertChannelSubscriptions": [pager]})
    for host in ("app.maintainpro.example", "www.maintainpro.example"):
        s.add(R.CHECKLY_SSL_MONITOR, f"ssl-{host.split('.')[0]}", {"activated": True, "frequency": 720.0,
              "request": {"hostname": host, "port": 443.0, "alertDaysBeforeExpiry": 21.0}}, parent=monitoring)
    heartbeat = s.add(R.CHECKLY_HEARTBEAT_MONITOR, "heartbeat-backup", {"activated": True, "heartbeat": {
        "period": 1.0, "periodUnit": "days", "grace": 4.0, "graceUnit": "hours"}, **critical()},
        parent=monitoring, feeds={"alertChannelSubscriptions": [pager]})
    s.add(R.GITHUB_ENVIRONMENT_SECRET, "backup-secret-heartbeat", {"repository": "maintainpro-app",
          "environment": "production-backups", "secretName": "BACKUP_HEARTBEAT_URL", "value": "[secret]"},
          parent=backups, feeds={"value": [heartbeat]})
    for repo in ("maintainpro-app", "maintainpro-platform"):
        repository = s.add(R.GITHUB_REPOSITORY, f"{repo}-repository", {"name": repo, "archiveOnDestroy": True, "securityAndAnalysis": {
            "secretScanning": {"status": "enabled"}, "secretScanningPushProtection": {"status": "enabled"}}}, protect=True)
        alerts = s.add(R.GITHUB_VULNERABILITY_ALERTS, f"{repo}-alerts", {"repository": repo, "enabled": True},
                       feeds={"repository": [repository]})
        updates = s.add(R.GITHUB_DEPENDABOT_SECURITY_UPDATES, f"{repo}-security-updates", {"repository": repo, "enabled": True},
                        feeds={"repository": [repository]})
        updates.dependencies.append(alerts)
    s.add(R.GITHUB_REPOSITORY_FILE, "dependabot-file", {"repository": "maintainpro-app", "file": R.DEPENDABOT_FILE,
          "content": DEPENDABOT_APP, "branch": "main"})
    # Feature flags (components/flags.py): each FeatureFlag's record, one mid-rollout, one at 100 % still soaking.
    flags = s.add("maintainpro:flags:FeatureFlags", "flags")
    s.add(R.FEATURE_FLAG, "flags-newWorkOrderForm", {"key": "newWorkOrderForm", "owner": "work-orders@maintainpro.example",
          "expires": "2027-06-30", "percentage": 10.0, "stage": 2.0, "stages": 4.0, "since": "2026-11-20T09:00:00+00:00",
          "soak_hours": 72.0}, parent=flags)
    s.add(R.FEATURE_FLAG, "flags-fastSearch", {"key": "fastSearch", "owner": "search@maintainpro.example",
          "expires": "2027-01-31", "percentage": 100.0, "stage": 3.0, "stages": 3.0, "since": "2026-11-25T12:00:00+00:00",
          "soak_hours": 48.0}, parent=flags)
    # Files committed to the default branch wait for its ruleset (the deploying App bypasses it).
    for node in s.nodes:
        if node.resource_type == R.GITHUB_REPOSITORY_FILE:
            node.dependencies.append(s["ruleset"])
    return s


def resource_args(node: PolicyResource, config: Mapping[str, Any] | None = None) -> ResourceValidationArgs:
    return ResourceValidationArgs(node.resource_type, node.props, node.urn, node.name, node.opts, None, dict(config or {}))


def violations(entry: Entry, args: ResourceValidationArgs | StackValidationArgs) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    entry.policy.validate(args, lambda message, urn=None: found.append((message, urn)))
    return found


def assert_not_applicable(entry: Entry, args: ResourceValidationArgs | StackValidationArgs) -> None:
    with pytest.raises(_NotApplicableError):
        violations(entry, args)


def assert_passes(entry: Entry, args: ResourceValidationArgs | StackValidationArgs) -> None:
    found = violations(entry, args)
    assert not found, f"{entry.name} reported {found}"


def assert_fails(entry: Entry, args: ResourceValidationArgs | StackValidationArgs, expected: str, urn: str | None = "any") -> None:
    """Exactly one violation, whose message contains `expected` (and names `urn` when given)."""
    found = violations(entry, args)
    assert len(found) == 1, f"{entry.name}: expected one violation containing {expected!r}, got {found}"
    message, where = found[0]
    assert expected in message, f"{entry.name}: {message!r} does not contain {expected!r}"
    if urn != "any":
        assert where == urn, f"{entry.name}: violation at {where}, expected {urn}"
