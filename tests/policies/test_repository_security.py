"""github-repository-require-security-features: one compliant and one violating stack per rule."""

from __future__ import annotations

import pytest

from policies import resources as R
from policies.delivery import repository_security
from tests.policies.factories import PRODUCTION, assert_fails, assert_passes, compliant_stack, violations

POLICY = repository_security.POLICY
CONFIG = PRODUCTION[POLICY.name]
APP = "maintainpro-app"


def test_compliant_repositories_pass() -> None:
    assert_passes(POLICY, compliant_stack().args(CONFIG))


@pytest.mark.parametrize(("feature", "expected"), [
    ("secretScanning", "repository maintainpro-app: secret scanning is off"),
    ("secretScanningPushProtection", "repository maintainpro-app: push protection is off"),
])
def test_scanning_feature_disabled_fails(feature: str, expected: str) -> None:
    stack = compliant_stack()
    stack[f"{APP}-repository"].props["securityAndAnalysis"][feature] = {"status": "disabled"}
    assert_fails(POLICY, stack.args(CONFIG), expected, stack[f"{APP}-repository"].urn)


def test_scanning_feature_left_out_fails() -> None:
    stack = compliant_stack()
    del stack[f"{APP}-repository"].props["securityAndAnalysis"]["secretScanningPushProtection"]
    assert_fails(POLICY, stack.args(CONFIG), "push protection is off")


@pytest.mark.parametrize("path", ["securityAndAnalysis", "securityAndAnalysis.secretScanning"])
def test_scanning_feature_in_ignore_changes_fails(path: str) -> None:
    stack = compliant_stack()
    stack[f"{APP}-repository"].opts.ignore_changes = ["description", path]
    found = violations(POLICY, stack.args(CONFIG))
    assert any("secret scanning is in ignore_changes" in message for message, _ in found), found


def test_ignoring_settings_the_program_does_not_own_passes() -> None:
    stack = compliant_stack()
    stack[f"{APP}-repository"].opts.ignore_changes = ["description", "visibility", "securityAndAnalysis.advancedSecurity"]
    assert_passes(POLICY, stack.args(CONFIG))


def test_required_repository_without_a_repository_resource_fails() -> None:
    stack = compliant_stack()
    stack.remove("maintainpro-platform-repository")
    found = violations(POLICY, stack.args(CONFIG))
    assert [m for m, _ in found] == [
        "repository maintainpro-platform: no github.Repository declares its secret scanning and push protection "
        "(security_and_analysis exists on no other resource)"]


def test_required_repository_declared_nowhere_fails_every_feature() -> None:
    stack = compliant_stack()
    for name in ("maintainpro-platform-repository", "maintainpro-platform-alerts", "maintainpro-platform-security-updates"):
        stack.remove(name)
    messages = [m for m, _ in violations(POLICY, stack.args(CONFIG))]
    assert len(messages) == 3 and all(m.startswith("repository maintainpro-platform: ") for m in messages)
    assert any("vulnerability alerts are not declared" in m for m in messages)
    assert any("Dependabot security updates are not declared" in m for m in messages)
    # ... and with no repository configured and none named by a resource, there is nothing to judge.
    assert_passes(POLICY, stack.args({**CONFIG, "repositories": [APP]}))


def test_repository_only_named_by_a_committed_file_is_judged() -> None:
    stack = compliant_stack()
    stack.add(R.GITHUB_REPOSITORY_FILE, "docs-file", {"repository": "maintainpro-docs", "file": "README.md"})
    messages = [m for m, _ in violations(POLICY, stack.args(CONFIG))]
    assert messages and all(m.startswith("repository maintainpro-docs: ") for m in messages)


def test_vulnerability_alerts_off_fails() -> None:
    stack = compliant_stack()
    stack[f"{APP}-alerts"].props["enabled"] = False
    assert_fails(POLICY, stack.args(CONFIG), "repository maintainpro-app: vulnerability alerts are off", stack[f"{APP}-alerts"].urn)


def test_vulnerability_alerts_missing_fails() -> None:
    stack = compliant_stack()
    stack.remove(f"{APP}-alerts")
    stack[f"{APP}-security-updates"].dependencies.clear()
    assert_fails(POLICY, stack.args(CONFIG), "repository maintainpro-app: vulnerability alerts are not declared")


@pytest.mark.parametrize("enabled", [False, None])
def test_security_updates_off_fails(enabled) -> None:
    stack = compliant_stack()
    stack[f"{APP}-security-updates"].props["enabled"] = enabled
    assert_fails(POLICY, stack.args(CONFIG), "repository maintainpro-app: Dependabot security updates are off")


def test_security_updates_missing_fails() -> None:
    stack = compliant_stack()
    stack.remove(f"{APP}-security-updates")
    assert_fails(POLICY, stack.args(CONFIG), "repository maintainpro-app: Dependabot security updates are not declared")


def test_security_updates_not_waiting_for_the_alerts_fail() -> None:
    stack = compliant_stack()
    stack[f"{APP}-security-updates"].dependencies[:] = [stack[f"{APP}-repository"]]
    assert_fails(POLICY, stack.args(CONFIG), "Dependabot security updates do not depend on its vulnerability alerts")


def test_resources_wired_from_the_repository_count_for_it() -> None:
    """The alerts' `repository` input is the Repository's output: its value may differ (unknown), the wiring decides."""
    stack = compliant_stack()
    stack[f"{APP}-alerts"].props["repository"] = "value-not-known-yet"
    assert_passes(POLICY, stack.args(CONFIG))
    stack[f"{APP}-alerts"].property_dependencies["repository"] = []  # now the literal names another repository
    messages = [m for m, _ in violations(POLICY, stack.args(CONFIG))]
    assert "repository maintainpro-app: vulnerability alerts are not declared" in messages


def test_dependabot_file_missing_fails() -> None:
    stack = compliant_stack()
    stack.remove("dependabot-file")
    assert_fails(POLICY, stack.args(CONFIG), "repository maintainpro-app: no .github/dependabot.yml is committed (version updates for npm)")


def test_dependabot_file_without_a_required_ecosystem_fails() -> None:
    stack = compliant_stack()
    assert_fails(POLICY, stack.args({**CONFIG, "dependabotEcosystems": {APP: ["npm", "github-actions"]}}),
                 "repository maintainpro-app: .github/dependabot.yml has no updates for github-actions", stack["dependabot-file"].urn)
    stack["dependabot-file"].props["content"] = "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n"
    assert_fails(POLICY, stack.args(CONFIG), "has no updates for npm")


@pytest.mark.parametrize("content", ["version: 1\nupdates: []\n", "not: [valid", None])
def test_dependabot_file_that_is_not_a_v2_configuration_fails(content) -> None:
    stack = compliant_stack()
    stack["dependabot-file"].props["content"] = content
    assert_fails(POLICY, stack.args(CONFIG), "is not a Dependabot version 2 configuration")


def test_dependabot_file_of_another_repository_does_not_count() -> None:
    stack = compliant_stack()
    stack["dependabot-file"].props["repository"] = "maintainpro-platform"
    assert_fails(POLICY, stack.args(CONFIG), "repository maintainpro-app: no .github/dependabot.yml is committed")
