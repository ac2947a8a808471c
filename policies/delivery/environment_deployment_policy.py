"""github-environment-require-deployment-policy: production deploys only from protected branches or release refs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.delivery.environment_reviewers import PROTECTED
from policies.props import get
from policies.registry import cis, resource_policy, soc2


def check(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    name = get(args.props, R.ENVIRONMENT_NAME)
    if name not in config["environments"]:
        args.not_applicable(f"environment '{name}' is not one the pack config protects")
    policy = get(args.props, R.ENVIRONMENT_BRANCH_POLICY)
    if not (get(policy, "protectedBranches") is True or get(policy, "customBranchPolicies") is True):
        yield f"GitHub environment '{name}' accepts deployments from any branch (no deployment branch policy)"


POLICY = resource_policy(
    name="github-environment-require-deployment-policy",
    description="The production GitHub environment limits deployments to protected branches or branch/tag patterns.",
    family="delivery",
    types=(R.GITHUB_ENVIRONMENT,),
    severity=Severity.HIGH,
    controls=soc2("CC8.1") + cis("16.1"),
    remediation=(
        "Set `github.environment.protected_branches_only: true` or list `branch_patterns` / `tag_patterns` "
        "(e.g. main, v*.*.*)."
    ),
    check=check,
    config={"environments": PROTECTED},
)
