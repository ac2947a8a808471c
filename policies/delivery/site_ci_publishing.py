"""netlify-site-require-ci-publishing: only the delivery pipeline publishes the site, never a git build."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.props import get
from policies.registry import cis, resource_policy, soc2


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    name = get(args.props, "name")
    repo = get(args.props, R.SITE_REPO)
    # A site linked to a repository builds and publishes every push unless builds are stopped
    # (the spec's repoInfo.stop_builds): a merge would go live past tests, smoke test and approval.
    if repo is not None and get(repo, R.SITE_STOP_BUILDS) is not True:
        yield (f"Netlify site '{name}' builds and publishes from git (repo.stop_builds is not true): "
               "a merge goes live without the pipeline's tests, smoke test and approval")
    # The spec's prevent_non_git_prod_deploys: with it on, the API refuses the pipeline's production deploys.
    if get(args.props, R.SITE_PREVENT_NON_GIT_PROD_DEPLOYS) is True:
        yield (f"Netlify site '{name}' refuses production deploys that do not come from git "
               "(prevent_non_git_prod_deploys): the pipeline could not publish")


POLICY = resource_policy(
    name="netlify-site-require-ci-publishing",
    description="The site does not build from git: the delivery pipeline is the only publisher.",
    family="delivery",
    types=(R.NETLIFY_SITE,),
    severity=Severity.HIGH,
    controls=soc2("CC8.1") + cis("16.1"),
    remediation=(
        "Keep the program's defaults: the site's build settings stop builds (`stop_builds: true`) and allow "
        "API deploys (`prevent_non_git_prod_deploys: false`); the generated delivery workflow publishes."
    ),
    check=check,
)
