"""Delivery policies for issue 16: the site does not build from git, and production publishes from its environment."""

from __future__ import annotations

import pytest

from policies.delivery import publishing_environment, site_ci_publishing
from tests.policies.factories import DELIVERY_WORKFLOW, assert_fails, assert_passes, compliant_stack, resource_args

CI = site_ci_publishing.POLICY
PUBLISHING = publishing_environment.POLICY


def test_compliant_stack_passes_both() -> None:
    stack = compliant_stack()
    assert_passes(CI, resource_args(stack["site"]))
    assert_passes(PUBLISHING, stack.args())


@pytest.mark.parametrize("stop_builds", [False, None])
def test_a_site_that_builds_from_git_fails(stop_builds: bool | None) -> None:
    site = compliant_stack()["site"]
    site.props["repo"]["stop_builds"] = stop_builds
    assert_fails(CI, resource_args(site), "Netlify site 'maintainpro-production' builds and publishes from git")


def test_a_site_refusing_api_production_deploys_fails() -> None:
    site = compliant_stack()["site"]
    site.props["prevent_non_git_prod_deploys"] = True
    assert_fails(CI, resource_args(site), "refuses production deploys that do not come from git")


def test_a_site_linked_to_no_repository_builds_nothing_and_passes() -> None:
    site = compliant_stack()["site"]
    del site.props["repo"]
    assert_passes(CI, resource_args(site))


def _workflow(stack, content: str) -> None:
    stack["delivery-workflow"].props["content"] = content


def test_promote_in_a_job_outside_the_production_environment_fails() -> None:
    stack = compliant_stack()
    _workflow(stack, DELIVERY_WORKFLOW.replace("      name: production\n", "      name: staging\n"))
    assert_fails(PUBLISHING, stack.args(),
                 ".github/workflows/delivery-production.yml: job 'deploy-production' publishes production outside "
                 "the 'production' environment (runs in staging)", urn=stack["environment"].urn)


def test_promote_in_a_job_with_no_environment_fails() -> None:
    stack = compliant_stack()
    lines = DELIVERY_WORKFLOW.splitlines(keepends=True)
    start = lines.index("    environment:\n")
    _workflow(stack, "".join(lines[:start] + lines[start + 3:]))
    assert_fails(PUBLISHING, stack.args(), "(runs in no environment)", urn=stack["environment"].urn)


def test_no_job_publishing_production_fails_on_the_environment() -> None:
    stack = compliant_stack()
    _workflow(stack, DELIVERY_WORKFLOW.replace("ops promote", "ops probe"))
    assert_fails(PUBLISHING, stack.args(), "no committed workflow publishes production (no job runs "
                 "`ops promote --stack production`)", urn=stack["environment"].urn)


def test_an_environment_string_is_read_like_a_mapping() -> None:
    stack = compliant_stack()
    _workflow(stack, DELIVERY_WORKFLOW.replace(
        "    environment:\n      name: production\n      url: https://app.maintainpro.example\n",
        "    environment: production\n"))
    assert_passes(PUBLISHING, stack.args())


def test_unknown_workflow_content_is_left_to_the_update() -> None:
    stack = compliant_stack()
    stack["delivery-workflow"].props["content"] = None  # an output not known until apply
    assert_passes(PUBLISHING, stack.args())
