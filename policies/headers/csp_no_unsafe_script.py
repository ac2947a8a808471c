"""netlify-headers-csp-no-unsafe-script: scripts cannot run from inline code or eval()."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.headers.served import served
from policies.registry import asvs, resource_policy, soc2

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'")


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    csp = served(args).csp()
    if csp is None:
        return  # netlify-headers-require-csp reports the missing header
    directive = "script-src" if "script-src" in csp else "default-src"
    found = [s for s in UNSAFE if s in csp.get(directive, [])]
    if found:
        yield f"Content-Security-Policy {directive} allows {' and '.join(found)}"


POLICY = resource_policy(
    name="netlify-headers-csp-no-unsafe-script",
    description="The CSP's script-src (or default-src) allows neither 'unsafe-inline' nor 'unsafe-eval'.",
    family="headers",
    types=(R.GITHUB_REPOSITORY_FILE,),
    severity=Severity.HIGH,
    controls=asvs("14.4.3", "5.3.3") + soc2("CC6.1"),
    remediation=(
        "Remove 'unsafe-inline' and 'unsafe-eval' from `headers.csp.script-src`; load scripts from files "
        "(Vite bundles them) or allow single inline scripts by hash."
    ),
    check=check,
)
