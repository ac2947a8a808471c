"""netlify-headers-require-permissions-policy: powerful browser features are off unless the app needs them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.headers.served import served
from policies.registry import resource_policy, soc2


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    headers = served(args)
    value = headers.first("permissions-policy")
    if value is None or not value.strip():
        yield "no Permissions-Policy header is served for /"


POLICY = resource_policy(
    name="netlify-headers-require-permissions-policy",
    description="The site serves a Permissions-Policy restricting browser features (camera, geolocation, payment...).",
    family="headers",
    types=(R.GITHUB_REPOSITORY_FILE,),
    severity=Severity.LOW,
    controls=soc2("CC6.1", "CC6.8"),
    remediation="List the features the app uses in `headers.permissions_policy` (others with an empty allow list).",
    check=check,
)
