"""netlify-headers-require-referrer-policy: URLs (work-order ids, tokens in paths) do not leak to other sites."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.headers.served import served
from policies.registry import asvs, resource_policy, soc2

# The values the MDN HTTP Observatory counts as private.
PRIVATE = ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    headers = served(args)
    value = headers.first("referrer-policy")
    if value is None:
        yield "no Referrer-Policy header is served for /"
        return
    # With a list, browsers apply the last value they understand.
    effective = [v.strip().lower() for v in value.split(",") if v.strip()][-1:]
    if not effective or effective[0] not in PRIVATE:
        yield f"Referrer-Policy '{value}' leaks full URLs; use one of {', '.join(PRIVATE)}"


POLICY = resource_policy(
    name="netlify-headers-require-referrer-policy",
    description="The site serves a Referrer-Policy that does not send full URLs to other origins.",
    family="headers",
    types=(R.GITHUB_REPOSITORY_FILE,),
    severity=Severity.LOW,
    controls=asvs("14.4.6") + soc2("CC6.7"),
    remediation="Set `headers.referrer_policy: strict-origin-when-cross-origin` (or stricter) in the stack file.",
    check=check,
)
