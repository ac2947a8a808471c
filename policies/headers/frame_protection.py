"""netlify-headers-require-frame-protection: other sites cannot frame the app (clickjacking)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.headers.served import served
from policies.registry import asvs, resource_policy, soc2

SAFE_ANCESTORS = {"'none'", "'self'"}
SAFE_FRAME_OPTIONS = {"deny", "sameorigin"}


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    headers = served(args)
    ancestors = (headers.csp() or {}).get("frame-ancestors")
    frame_options = (headers.first("x-frame-options") or "").strip().lower()
    csp_ok = ancestors is not None and set(ancestors) <= SAFE_ANCESTORS and bool(ancestors)
    if not csp_ok and frame_options not in SAFE_FRAME_OPTIONS:
        yield (
            "framing is not restricted: neither CSP frame-ancestors 'none'/'self' nor X-Frame-Options "
            "DENY/SAMEORIGIN is served for /"
        )


POLICY = resource_policy(
    name="netlify-headers-require-frame-protection",
    description="The site forbids framing by other origins (CSP frame-ancestors 'none'/'self' or X-Frame-Options DENY/SAMEORIGIN).",
    family="headers",
    types=(R.GITHUB_REPOSITORY_FILE,),
    severity=Severity.MEDIUM,
    controls=asvs("14.4.7") + soc2("CC6.1"),
    remediation="Set `headers.csp.frame-ancestors: [\"'none'\"]` and `headers.frame_options: DENY` in the stack file.",
    check=check,
)
