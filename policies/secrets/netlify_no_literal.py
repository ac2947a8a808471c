"""netlify-envvars-no-literal-secret: secret Netlify variables get their value from a resource, never a literal."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.props import feeds, get, of_type
from policies.registry import cis, soc2, stack_policy


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for var in of_type(args.resources, R.NETLIFY_ENV_VAR):
        if get(var.props, R.ENV_VAR_IS_SECRET) is True and not feeds(var, R.ENV_VAR_VALUES):
            key = get(var.props, R.ENV_VAR_KEY) or var.name
            yield (
                f"secret environment variable {key} is set from a literal in the program or stack file, not from "
                "a generated secret or another resource's output",
                var.urn,
            )


POLICY = stack_policy(
    name="netlify-envvars-no-literal-secret",
    description="Netlify environment variables marked secret are wired from generated secrets or resource outputs, never literals.",
    family="secrets",
    subjects=(R.NETLIFY_ENV_VAR,),
    severity=Severity.CRITICAL,
    controls=soc2("CC6.1", "CC6.7") + cis("3.11"),
    remediation=(
        "Remove the value from `netlify.env` and deliver it through `secrets.<name>.consumers.netlify_env` "
        "(a RotatingSecret) or from the output of the resource that owns it."
    ),
    check=check,
)
