"""netlify-headers-require-nosniff: browsers do not guess content types."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.headers.served import served
from policies.registry import asvs, resource_policy, soc2


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    headers = served(args)
    value = headers.first("x-content-type-options")
    if value is None:
        yield "X-Content-Type-Options is missing for /; it must be 'nosniff'"
    elif value.strip().lower() != "nosniff":
        yield f"X-Content-Type-Options is {value!r} for /; it must be 'nosniff'"


POLICY = resource_policy(
    name="netlify-headers-require-nosniff",
    description="The site serves X-Content-Type-Options: nosniff.",
    family="headers",
    types=(R.GITHUB_REPOSITORY_FILE,),
    severity=Severity.MEDIUM,
    controls=asvs("14.4.4") + soc2("CC6.1"),
    remediation="Set `headers.content_type_nosniff: true` in the stack file.",
    check=check,
)
