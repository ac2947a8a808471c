"""netlify-dns-zone-require-protection: the production DNS zone cannot be deleted by an update.

Deleting a Netlify DNS zone deletes every record in it, the ones this program never made (mail,
domain verification) included, and a zone made again gets new name servers the registrar does not
delegate to: the domain is offline until someone changes the delegation by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.registry import resource_policy, soc2


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if not args.opts.protect:
        yield (f"Netlify DNS zone {args.name} is not protected: a `pulumi up` or `destroy` could delete it "
               "with every record in it and change its name servers")


POLICY = resource_policy(
    name="netlify-dns-zone-require-protection",
    description="The production Netlify DNS zone is `protect`ed so no update or destroy can delete it and its records.",
    family="resilience",
    types=(R.NETLIFY_DNS_ZONE,),
    severity=Severity.HIGH,
    controls=soc2("A1.2", "CC7.5"),
    remediation=(
        "Keep production's DNS zone declared by components/site.py, which registers it with protect=True and "
        "retain_on_delete=True in production (NetlifySiteArgs.protect_data)."
    ),
    check=check,
)
