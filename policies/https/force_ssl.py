"""netlify-site-require-https: a site on a custom domain redirects HTTP to HTTPS."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.props import get
from policies.registry import asvs, cis, resource_policy, soc2


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    domain = get(args.props, R.SITE_CUSTOM_DOMAIN)
    if domain and get(args.props, R.SITE_FORCE_SSL) is not True:
        yield f"site on custom domain {domain} does not force HTTPS ({R.SITE_FORCE_SSL} is not true)"


POLICY = resource_policy(
    name="netlify-site-require-https",
    description="Every Netlify site with a custom domain forces HTTPS (HTTP requests are redirected).",
    family="https",
    types=(R.NETLIFY_SITE,),
    severity=Severity.HIGH,
    controls=soc2("CC6.7") + asvs("9.1.1") + cis("3.10"),
    remediation="Set `netlify.force_ssl: true` in the stack file.",
    check=check,
)
