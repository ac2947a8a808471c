"""netlify-headers-csp-no-unsafe-script: scripts, plugins and `<base>` come only from sources the site chose.

The judgment is `policies.headers.csp_judgment` (Google's CSP Evaluator's HIGH findings on the
effective directives, plus 'unsafe-eval', base-uri and host wildcards), shared with the config
model so production refuses the same CSPs before any preview.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.headers.csp_judgment import judge
from policies.headers.served import served
from policies.registry import asvs, resource_policy, soc2

ALLOWED_SCRIPT_HOSTS = {"type": "array", "items": {"type": "string", "pattern": r"^\*\.[a-z0-9.-]+$"}, "default": []}


def check(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    csp = served(args).csp()
    if csp is None:
        return  # netlify-headers-require-csp reports the missing header
    for finding in judge(csp, config["allowedScriptHosts"]):
        yield f"Content-Security-Policy {finding.text}"


POLICY = resource_policy(
    name="netlify-headers-csp-no-unsafe-script",
    description=(
        "The CSP's effective script-src, object-src and base-uri (default-src where they fall back to it) are set and "
        "allow no 'unsafe-inline', 'unsafe-eval', '*', bare scheme, unlisted host wildcard or known bypass host."
    ),
    family="headers",
    types=(R.GITHUB_REPOSITORY_FILE,),
    severity=Severity.HIGH,
    controls=asvs("14.4.3", "5.3.3") + soc2("CC6.1"),
    remediation=(
        "In `headers.csp` set script-src to 'self' (plus named hosts, or nonces/hashes with 'strict-dynamic'), "
        "object-src 'none' and base-uri 'self'; drop 'unsafe-inline', 'unsafe-eval', '*', bare schemes "
        "(https:, data:, blob:) and host wildcards from them and from default-src; load scripts from files "
        "(Vite bundles them) or allow single inline scripts by hash. A host wildcard the app needs for scripts "
        "goes in this policy's `allowedScriptHosts`."
    ),
    check=check,
    config={"allowedScriptHosts": ALLOWED_SCRIPT_HOSTS},
)
