"""Let's Encrypt TLS certificate of a site's custom domains.

The spec's own text (provisionSiteTLSCertificate, @netlify/open-api 2.60.0): POST
/sites/{id}/ssl without certificate material starts Let's Encrypt provisioning only on a site
with no certificate; on a site that has one it REQUIRES certificate, key and ca_certificates
(422 "certificate parameter is required when updating an existing certificate"), and "POST
/api/v1/sites/{site_id}/ssl/renew" renews an existing Let's Encrypt certificate. That path is
named only in that text, not among the spec's paths. Netlify also issues the certificate itself
once a site's domains are set: a live certificate that covers the domains is adopted, one that
does not is renewed (Netlify reissues it for the site's current domains), and only a site with
none is provisioned. Neither POST is resent blind: after a lost answer the certificate is read
and adopted if it covers the domains. The id is the site id. The API cannot delete a
certificate: it lives as long as the site's domains.

On a zone just created in Netlify DNS the registrar still points elsewhere, so the first POST
answers 422 "bad dns for custom domain": no retry can fix that, only the operator delegating the
zone, so the error says what to do (and to which name servers) instead of echoing the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CreateResult

from providers.http import ApiError, ResponseLost, create_or_adopt
from providers.netlify.common import (
    NetlifyProvider,
    Problems,
    Props,
    hostname,
    plain,
    secret_opts,
    to_props,
    with_outputs,
)
from providers.netlify.site import DOMAIN
from providers.unknowns import has_unknown

OUTPUTS = ("state", "expires_at")


@dataclass(frozen=True)
class CertificateArgs:
    site_id: pulumi.Input[str]
    domains: pulumi.Input[list[str]]
    # The Netlify DNS zone's name servers when the zone is managed: named in the "delegate" error.
    # Informational only (not an input the diff compares).
    dns_servers: pulumi.Input[list[str]] | None = None


# The API's 422 messages (listed in the spec's 422 description of provisionSiteTLSCertificate):
# while the domains' DNS does not point at Netlify yet, and when the site already has one.
BAD_DNS = "bad dns for custom domain"
HAS_CERTIFICATE = "certificate parameter is required when updating an existing certificate"


def _domains(values: list[str]) -> list[str]:
    return sorted({hostname(v) for v in values})


def delegate_message(props: Props) -> str:
    """What the operator must do when Netlify cannot see its DNS for the domains yet."""
    domains = ", ".join(_domains(props.get("domains") or [])) or "the custom domain"
    servers = [s for s in props.get("dns_servers") or [] if isinstance(s, str) and s]
    where = (
        f"the zone's name servers at your registrar to Netlify DNS: {', '.join(servers)}"
        if servers
        else "the zone's name servers at your registrar to the Netlify DNS zone's name servers "
        "(Netlify UI: Domains > the zone > Name servers)"
    )
    return (
        f"Netlify cannot issue the certificate for {domains} yet: their DNS does not point at Netlify "
        f'(API: "{BAD_DNS}"). Set {where}; once the delegation has propagated, run `pulumi up` again.'
    )


class CertificateProvider(NetlifyProvider):
    kind = "netlify tls certificate"
    inputs: ClassVar[tuple[str, ...]] = ("site_id", "domains")
    plumbing = ("dns_servers",)
    identity = frozenset({"site_id"})

    def validate(self, news: Props) -> Problems:
        problems: Problems = []
        if not (isinstance(news.get("site_id"), str) and news["site_id"]):
            problems.append(("site_id", "is required"))
        domains = news.get("domains")
        if not isinstance(domains, list) or not domains:
            problems.append(("domains", "list the custom domain and its aliases the certificate must cover"))
        else:
            for i, domain in enumerate(domains):
                if not (isinstance(domain, str) and DOMAIN.match(hostname(domain))):
                    problems.append((f"domains[{i}]", f"{domain!r} is not a domain name"))
        return problems

    def normalise(self, key: str, value: Any, props: Props, *, old: bool) -> Any:
        return _domains(value) if key == "domains" else value

    def changed(self, olds: Props, news: Props) -> list[str]:
        # A certificate covering more names than declared (Netlify adds www.) is not drift.
        out = super().changed(olds, news)
        known = isinstance(news.get("domains"), list) and not has_unknown(news["domains"])
        if "domains" in out and known and self._covers(olds, news):
            out.remove("domains")
        return out

    def _covers(self, live: dict[str, Any] | None, props: Props) -> bool:
        return bool(live and set(_domains(props["domains"])) <= set(_domains(live.get("domains") or [])))

    def _post(self, path: str, operation: str, props: Props) -> dict[str, Any]:
        try:
            return self.client().request("POST", path, operation=operation)
        except ApiError as err:
            if err.status == 422 and BAD_DNS in err.message.lower():
                raise ApiError(err.resource, err.operation, err.status, delegate_message(props)) from None
            raise

    def _issue(self, site_id: str, props: Props, *, exists: bool) -> dict[str, Any]:
        """Renew the site's certificate if it has one (Netlify may have issued it itself), else provision."""
        provision = (f"/sites/{site_id}/ssl", "provision certificate")
        renew = (f"/sites/{site_id}/ssl/renew", "renew certificate")
        first, then = (renew, provision) if exists else (provision, renew)
        try:
            return self._post(*first, props)
        except ApiError as err:
            # The certificate went (renew: 404) or came (Netlify issued it between our look and
            # the POST: 422 "certificate parameter is required ..."): the other call applies.
            came = not exists and err.status == 422 and HAS_CERTIFICATE in err.message.lower()
            if exists and err.status == 404 and self.fetch(site_id) is not None:
                # The certificate is there, so the 404 is the renew route itself (named only in the
                # spec's text): provisioning would be refused too. Netlify reissues by itself.
                raise ApiError(err.resource, "renew certificate", 404, (
                    f"POST /sites/{site_id}/ssl/renew answered 404 although the site has a certificate; Netlify "
                    f"reissues the certificate for the site's domains itself: re-run `pulumi up` once "
                    f"GET /sites/{site_id}/ssl lists {', '.join(_domains(props['domains']))}")) from None
            if not (came or (exists and err.status == 404)):
                raise
        return self._post(*then, props)

    def create(self, props: Props) -> CreateResult:
        props = plain(props)
        seen: list[dict[str, Any] | None] = []

        def find() -> dict[str, Any] | None:
            seen.append(self.fetch(props["site_id"]))
            return seen[-1] if self._covers(seen[-1], props) else None

        live = create_or_adopt(
            find, lambda: self._issue(props["site_id"], props, exists=seen[-1] is not None), resource=self.kind
        )
        return CreateResult(str(props["site_id"]), self.managed_outputs(str(props["site_id"]), live, props))

    def fetch(self, id_: str) -> dict[str, Any] | None:
        return self.client().request("GET", f"/sites/{id_}/ssl", operation="read certificate", not_found_ok=True)

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        # New domains: renew, and Netlify reissues the certificate for the site's current domains.
        try:
            return self._issue(id_, news, exists=True)
        except ResponseLost:
            live = self.fetch(id_)  # the POST may have gone through: look before anything else
            if self._covers(live, news):
                return live
            raise

    def remove(self, id_: str, props: Props) -> None:
        """Nothing to call: the certificate goes with the site's domains (no delete operation)."""

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        return {
            "site_id": id_,
            "domains": list(live.get("domains") or []),
            "state": live.get("state"),
            "expires_at": live.get("expires_at"),
        }


class Certificate(pulumi.dynamic.Resource, module="netlify", name="Certificate"):
    """A site's Let's Encrypt certificate (type `pulumi-python:dynamic/netlify:Certificate`)."""

    state: pulumi.Output[str]
    expires_at: pulumi.Output[str]

    def __init__(self, name: str, args: CertificateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(CertificateProvider(), name, with_outputs(to_props(args), OUTPUTS), secret_opts(opts, []))
