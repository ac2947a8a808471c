"""monitoring-domain-require-ssl-expiry-check: an expiring certificate alerts someone before users see an error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.props import get, items, of_type
from policies.registry import soc2, stack_policy


def watched_hosts(args: StackValidationArgs) -> set[str]:
    """Hostnames whose certificate an activated Checkly SSL monitor watches."""
    return {
        str(get(monitor.props, *R.SSL_HOSTNAME)).lower()
        for monitor in of_type(args.resources, R.CHECKLY_SSL_MONITOR)
        if get(monitor.props, R.ACTIVATED) is not False and get(monitor.props, *R.SSL_HOSTNAME)
    }


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    sites = [s for s in of_type(args.resources, R.NETLIFY_SITE) if get(s.props, R.SITE_CUSTOM_DOMAIN)]
    hosts = watched_hosts(args) if sites else set()
    for site in sites:
        names = [str(get(site.props, R.SITE_CUSTOM_DOMAIN)), *map(str, items(get(site.props, R.SITE_DOMAIN_ALIASES)))]
        for name in (n.lower() for n in names):
            if name not in hosts:
                yield f"{name} has no activated SSL monitor: an expiring certificate would go unnoticed", site.urn


POLICY = stack_policy(
    name="monitoring-domain-require-ssl-expiry-check",
    description="Every custom domain and alias of a site is watched by an activated Checkly SSL monitor.",
    family="resilience",
    subjects=(R.NETLIFY_SITE,),
    severity=Severity.MEDIUM,
    controls=soc2("A1.1", "CC7.2"),
    remediation="Add a `monitoring.checks` entry with `kind: ssl_expiry` and the domain's https:// URL "
                "(components/monitoring.py makes it a Checkly SslMonitor).",
    check=check,
)
