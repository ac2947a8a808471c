"""github-secrets-no-literal: GitHub Actions secrets get their value from a resource, never a literal."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.props import feeds, get, label, of_type
from policies.registry import cis, soc2, stack_policy


def check(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for secret in of_type(args.resources, *R.GITHUB_SECRET_TYPES):
        if get(secret.props, "secretName") in config["fromSecretConfig"]:
            continue
        present = [p for p in R.GITHUB_SECRET_VALUE_PROPS if p in (secret.props or {})]
        literal = [p for p in present if not feeds(secret, p)]
        if literal:
            yield (
                f"{label(secret)}: {', '.join(literal)} is a literal written in the program, not wired from a "
                "generated secret or another resource's output",
                secret.urn,
            )


POLICY = stack_policy(
    name="github-secrets-no-literal",
    description="GitHub Actions secrets are wired from generated secrets or resource outputs, never set from literals in the program.",
    family="secrets",
    subjects=R.GITHUB_SECRET_TYPES,
    severity=Severity.CRITICAL,
    controls=soc2("CC6.1", "CC6.7") + cis("3.11"),
    remediation=(
        "Feed the secret from a `RotatingSecret` (secrets.<name>.consumers.github_secrets) or from the output of "
        "the resource that owns the value; never write a secret's value in code or in a stack file."
    ),
    check=check,
    # Policies cannot see whether a value is secret (pulumi/pulumi-policy#241): a secret read from
    # encrypted stack config (`config.require_secret`) has no resource behind it either. Such
    # secrets are named here, deliberately, by the pack config.
    config={"fromSecretConfig": {"type": "array", "items": {"type": "string"}, "default": []}},
)
