"""Let's Encrypt TLS certificate of a site's custom domains.

Provisioning (POST /sites/{id}/ssl without certificate material) asks Netlify to obtain or renew
the certificate; asking twice is harmless, so the POST is marked idempotent and retried. The id
is the site id. The API cannot delete a certificate: it lives as long as the site's domains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi

from providers.netlify.common import (
    NetlifyProvider,
    Problems,
    Props,
    hostname,
    secret_opts,
    to_props,
    with_outputs,
)
from providers.netlify.site import DOMAIN

OUTPUTS = ("state", "expires_at")


@dataclass(frozen=True)
class CertificateArgs:
    site_id: pulumi.Input[str]
    domains: pulumi.Input[list[str]]


def _domains(values: list[str]) -> list[str]:
    return sorted({hostname(v) for v in values})


class CertificateProvider(NetlifyProvider):
    kind = "netlify tls certificate"
    inputs: ClassVar[tuple[str, ...]] = ("site_id", "domains")
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
        if "domains" in out and isinstance(news.get("domains"), list) and self._covers(olds, news):
            out.remove("domains")
        return out

    def _covers(self, live: dict[str, Any] | None, props: Props) -> bool:
        return bool(live and set(_domains(props["domains"])) <= set(_domains(live.get("domains") or [])))

    def find(self, props: Props) -> dict[str, Any] | None:
        live = self.fetch(props["site_id"])
        return live if self._covers(live, props) else None

    def _provision(self, site_id: str) -> dict[str, Any]:
        return self.client().request(
            "POST", f"/sites/{site_id}/ssl", operation="provision certificate", idempotent=True
        )

    def create_new(self, props: Props) -> dict[str, Any]:
        return self._provision(props["site_id"])

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return str(props["site_id"])

    def fetch(self, id_: str) -> dict[str, Any] | None:
        return self.client().request("GET", f"/sites/{id_}/ssl", operation="read certificate", not_found_ok=True)

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        # New domains: ask again, Netlify reissues the certificate for the site's current domains.
        return self._provision(id_)

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
