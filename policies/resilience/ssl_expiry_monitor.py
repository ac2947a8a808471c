"""monitoring-domain-require-ssl-expiry-check: an expiring certificate alerts someone before users see an error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.props import get, of_type
from policies.registry import soc2, stack_policy
from policies.resilience.documents import load, walk


def monitored_hosts(args: StackValidationArgs) -> set[str]:
    """Hosts named by an ssl_expiry check in any file the stack commits."""
    hosts: set[str] = set()
    for file in of_type(args.resources, R.GITHUB_REPOSITORY_FILE):
        for node in walk(load(get(file.props, R.FILE_CONTENT))):
            if isinstance(node, dict) and node.get(R.CHECK_KIND) == R.SSL_EXPIRY_CHECK_KIND:
                for value in node.values():
                    if isinstance(value, str):
                        hosts.add((urlparse(value).hostname or value).lower())
    return hosts


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    sites = [s for s in of_type(args.resources, R.NETLIFY_SITE) if get(s.props, R.SITE_CUSTOM_DOMAIN)]
    hosts = monitored_hosts(args) if sites else set()
    for site in sites:
        domain = str(get(site.props, R.SITE_CUSTOM_DOMAIN)).lower()
        if domain not in hosts:
            yield f"custom domain {domain} has no SSL-expiry check: an expiring certificate would go unnoticed", site.urn


POLICY = stack_policy(
    name="monitoring-domain-require-ssl-expiry-check",
    description="Every custom domain is watched by an ssl_expiry monitoring check.",
    family="resilience",
    subjects=(R.NETLIFY_SITE,),
    severity=Severity.MEDIUM,
    controls=soc2("A1.1", "CC7.2"),
    remediation="Add a `monitoring.checks` entry with `kind: ssl_expiry` and the custom domain's URL.",
    check=check,
)
