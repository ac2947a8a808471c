"""github-environment-require-reviewers: a person approves every production deployment."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.props import get, items
from policies.registry import cis, resource_policy, soc2

PROTECTED = {"type": "array", "items": {"type": "string"}, "default": ["production"]}


def check(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    name = get(args.props, R.ENVIRONMENT_NAME)
    if name not in config["environments"]:
        args.not_applicable(f"environment '{name}' is not one the pack config protects")
    reviewers = [
        who for entry in items(get(args.props, R.ENVIRONMENT_REVIEWERS))
        for who in items(get(entry, "teams")) + items(get(entry, "users"))
    ]
    if not reviewers:
        yield f"GitHub environment '{name}' has no required reviewers: anyone with write access can deploy"


POLICY = resource_policy(
    name="github-environment-require-reviewers",
    description="The production GitHub environment requires at least one reviewer to approve each deployment.",
    family="delivery",
    types=(R.GITHUB_ENVIRONMENT,),
    severity=Severity.HIGH,
    controls=soc2("CC8.1", "CC6.1") + cis("16.1"),
    remediation="List reviewers (teams or users, with their numeric ids) in `github.environment.reviewers`.",
    check=check,
    config={"environments": PROTECTED},
)
