"""netlify-site-require-tls-certificate: every custom domain of a site is covered by a declared certificate."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.props import get, items, of_type, wired_from
from policies.registry import asvs, soc2, stack_policy


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    certificates = of_type(args.resources, R.NETLIFY_CERTIFICATE)
    for site in of_type(args.resources, R.NETLIFY_SITE):
        domain = get(site.props, R.SITE_CUSTOM_DOMAIN)
        if not domain:
            continue
        wanted = {str(d).lower() for d in [domain, *items(get(site.props, R.SITE_DOMAIN_ALIASES))]}
        mine = [c for c in certificates if wired_from(c, R.CERTIFICATE_SITE, site)]
        if not mine:
            yield f"site {site.name} serves {domain} but declares no TLS certificate", site.urn
            continue
        covered = {str(d).lower() for c in mine for d in items(get(c.props, R.CERTIFICATE_DOMAINS))}
        missing = sorted(wanted - covered)
        if missing:
            yield f"site {site.name}: the TLS certificate does not cover {', '.join(missing)}", site.urn


POLICY = stack_policy(
    name="netlify-site-require-tls-certificate",
    description="Every Netlify site with a custom domain declares a TLS certificate covering the domain and its aliases.",
    family="https",
    subjects=(R.NETLIFY_SITE,),
    severity=Severity.HIGH,
    controls=soc2("CC6.7") + asvs("9.1.1"),
    remediation=(
        "Declare the site's certificate in components/site.py (a netlify Certificate with `site_id` from the site "
        "and `domains` = custom domain + aliases)."
    ),
    check=check,
)
