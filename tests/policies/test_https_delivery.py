"""HTTPS and delivery policies: forced HTTPS and certificates on custom domains; production deploy protection."""

from __future__ import annotations

import pytest

from policies.delivery import environment_deployment_policy, environment_reviewers, ruleset
from policies.https import force_ssl, tls_certificate
from tests.policies.factories import assert_fails, assert_not_applicable, assert_passes, compliant_stack, resource_args


def test_compliant_site_passes() -> None:
    stack = compliant_stack()
    assert_passes(force_ssl.POLICY, resource_args(stack["site"]))
    assert_passes(tls_certificate.POLICY, stack.args())


@pytest.mark.parametrize("value", [False, None])
def test_custom_domain_without_forced_https_fails(value) -> None:
    site = compliant_stack()["site"]
    site.props["force_ssl"] = value
    assert_fails(force_ssl.POLICY, resource_args(site), "site on custom domain app.maintainpro.example does not force HTTPS")


def test_site_without_custom_domain_needs_neither_forced_https_nor_certificate() -> None:
    stack = compliant_stack()
    stack["site"].props.update(custom_domain=None, force_ssl=False)
    stack.remove("certificate")
    assert_passes(force_ssl.POLICY, resource_args(stack["site"]))
    assert_passes(tls_certificate.POLICY, stack.args())


def test_custom_domain_without_certificate_fails() -> None:
    stack = compliant_stack()
    stack.remove("certificate")
    assert_fails(tls_certificate.POLICY, stack.args(), "serves app.maintainpro.example but declares no TLS certificate", stack["site"].urn)


def test_certificate_missing_an_alias_fails() -> None:
    stack = compliant_stack()
    stack["certificate"].props["domains"] = ["app.maintainpro.example"]
    assert_fails(tls_certificate.POLICY, stack.args(), "does not cover www.maintainpro.example")


def test_certificate_of_another_site_does_not_count() -> None:
    stack = compliant_stack()
    stack["certificate"].property_dependencies["site_id"] = []
    assert_fails(tls_certificate.POLICY, stack.args(), "declares no TLS certificate")


def test_compliant_production_environment_passes() -> None:
    environment = compliant_stack()["environment"]
    assert_passes(environment_reviewers.POLICY, resource_args(environment))
    assert_passes(environment_deployment_policy.POLICY, resource_args(environment))


@pytest.mark.parametrize("reviewers", [[], [{"teams": [], "users": []}], None])
def test_production_environment_without_reviewers_fails(reviewers) -> None:
    environment = compliant_stack()["environment"]
    environment.props["reviewers"] = reviewers
    assert_fails(environment_reviewers.POLICY, resource_args(environment), "GitHub environment 'production' has no required reviewers")


@pytest.mark.parametrize("policy", [None, {"protectedBranches": False, "customBranchPolicies": False}])
def test_production_environment_open_to_any_branch_fails(policy) -> None:
    environment = compliant_stack()["environment"]
    environment.props["deploymentBranchPolicy"] = policy
    assert_fails(environment_deployment_policy.POLICY, resource_args(environment), "accepts deployments from any branch")


def test_staging_environment_is_not_held_to_production_rules() -> None:
    environment = compliant_stack()["environment"]
    environment.props.update(environment="staging", reviewers=[], deploymentBranchPolicy=None)
    assert_not_applicable(environment_reviewers.POLICY, resource_args(environment))
    assert_not_applicable(environment_deployment_policy.POLICY, resource_args(environment))
    # ... unless the pack config names it as protected.
    assert_fails(environment_reviewers.POLICY, resource_args(environment, {"environments": ["staging"]}), "'staging'")


def test_default_branch_ruleset_passes() -> None:
    assert_passes(ruleset.POLICY, compliant_stack().args())


def test_repository_without_ruleset_fails() -> None:
    stack = compliant_stack()
    stack.remove("ruleset")
    assert_fails(ruleset.POLICY, stack.args(), "repository maintainpro-app deploys through environment 'production' but its default branch has no active ruleset", stack["environment"].urn)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"enforcement": "evaluate"}, "has no active ruleset"),
        ({"target": "tag"}, "has no active ruleset"),
        ({"conditions": {"refName": {"includes": ["refs/heads/feature"], "excludes": []}}}, "has no active ruleset"),
        ({"repository": "other-repo"}, "has no active ruleset"),
        ({"rules": {"nonFastForward": True, "deletion": True}}, "lacks pull request reviews"),
        ({"rules": {"pullRequest": {}, "deletion": True}}, "lacks blocking force pushes"),
        ({"rules": {"pullRequest": {}, "nonFastForward": True}}, "lacks blocking deletion"),
    ],
)
def test_weak_or_misdirected_ruleset_fails(change: dict, expected: str) -> None:
    stack = compliant_stack()
    stack["ruleset"].props.update(change)
    assert_fails(ruleset.POLICY, stack.args(), expected)


def test_ruleset_naming_the_default_branch_explicitly_counts() -> None:
    stack = compliant_stack()
    stack["ruleset"].props["conditions"] = {"refName": {"includes": ["refs/heads/main"], "excludes": []}}
    assert_passes(ruleset.POLICY, stack.args())
    assert_fails(ruleset.POLICY, stack.args({"defaultBranch": "trunk"}), "has no active ruleset")


def test_a_default_branch_file_that_does_not_wait_for_the_ruleset_fails() -> None:
    """Only the ruleset's bypass actors push past it: a file committed without depending on it races it."""
    stack = compliant_stack()
    headers = stack["headers-file"]
    headers.dependencies = [d for d in headers.dependencies if d.name != "ruleset"]
    assert_fails(ruleset.POLICY, stack.args(),
                 "public/_headers is committed to the default branch of maintainpro-app without depending on its ruleset",
                 headers.urn)


def test_a_file_on_another_branch_need_not_wait_for_the_ruleset() -> None:
    stack = compliant_stack()
    headers = stack["headers-file"]
    headers.props["branch"] = "gh-pages"
    headers.dependencies = []
    assert_passes(ruleset.POLICY, stack.args())
