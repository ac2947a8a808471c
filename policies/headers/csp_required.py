"""netlify-headers-require-csp: the document is served a CSP that restricts plugins, <base> and framing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.headers.served import served
from policies.registry import asvs, resource_policy, soc2

REQUIRED_DIRECTIVES = ("object-src", "base-uri", "frame-ancestors")


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    headers = served(args)
    csp = headers.csp()
    if csp is None:
        yield "no Content-Security-Policy header is served for /"
        return
    if "script-src" not in csp and "default-src" not in csp:
        yield "Content-Security-Policy has neither script-src nor default-src, so scripts are unrestricted"
    missing = [d for d in REQUIRED_DIRECTIVES if d not in csp]
    if missing:
        yield (
            f"Content-Security-Policy lacks {', '.join(missing)} "
            "(set each explicitly; base-uri and frame-ancestors do not fall back to default-src)"
        )


POLICY = resource_policy(
    name="netlify-headers-require-csp",
    description="The site serves a Content-Security-Policy with script-src/default-src, object-src, base-uri and frame-ancestors.",
    family="headers",
    types=(R.GITHUB_REPOSITORY_FILE,),
    severity=Severity.HIGH,
    controls=asvs("14.4.3") + soc2("CC6.1", "CC6.6"),
    remediation=(
        "Set `headers.csp` in the stack file with default-src, script-src, object-src 'none', base-uri 'self' "
        "and frame-ancestors 'none'; `pulumi up` re-renders and commits the stack's `_headers` file."
    ),
    check=check,
)
