"""Netlify DNS zone for a domain.

The API has no update for zones: a new name or team replaces the zone. `site_id` links the zone
to a site when it is created (Netlify then serves the site's domains in it with its own NETLIFY
records) and is never diffed: there is no call to relink a zone, and replacing it for a new site
would delete the zone with every record in it, managed here or not. The NETLIFY records stay
valid for whichever site holds the domain (Netlify support guide, "What are the NETLIFY and
NETLIFYv6 type DNS records?": their value is cosmetic and they do not control the site shown).
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

OUTPUTS = ("zone_id", "dns_servers")


@dataclass(frozen=True)
class DnsZoneArgs:
    name: pulumi.Input[str]
    account_slug: pulumi.Input[str]
    site_id: pulumi.Input[str] | None = None


class DnsZoneProvider(NetlifyProvider):
    kind = "netlify dns zone"
    inputs: ClassVar[tuple[str, ...]] = ("name", "account_slug", "site_id")
    identity = frozenset({"name", "account_slug"})

    def changed(self, olds: Props, news: Props) -> list[str]:
        return [k for k in super().changed(olds, news) if k != "site_id"]  # create-only (see above)

    def validate(self, news: Props) -> Problems:
        problems: Problems = []
        name = news.get("name")
        if not (isinstance(name, str) and DOMAIN.match(hostname(name))):
            problems.append(("name", f"{name!r} is not a domain name"))
        if not (isinstance(news.get("account_slug"), str) and news["account_slug"]):
            problems.append(("account_slug", "is required (the team that owns the zone)"))
        return problems

    def normalise(self, key: str, value: Any, props: Props, *, old: bool) -> Any:
        return hostname(value) if key == "name" else value

    def find(self, props: Props) -> dict[str, Any] | None:
        zones = self.client().request(
            "GET", "/dns_zones", operation="find zone by name", params={"account_slug": props["account_slug"]}
        )
        return next((z for z in zones or [] if hostname(z.get("name") or "") == hostname(props["name"])), None)

    def create_new(self, props: Props) -> dict[str, Any]:
        body = {k: props[k] for k in self.inputs if props.get(k) is not None}
        body["name"] = hostname(body["name"])
        return self.client().request("POST", "/dns_zones", operation="create zone", json=body)

    def fetch(self, id_: str) -> dict[str, Any] | None:
        return self.client().request("GET", f"/dns_zones/{id_}", operation="read zone", not_found_ok=True)

    def remove(self, id_: str, props: Props) -> None:
        self.client().request("DELETE", f"/dns_zones/{id_}", operation="delete zone", not_found_ok=True)

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        return {
            "name": live.get("name") or props.get("name"),
            "account_slug": live.get("account_slug") or props.get("account_slug"),
            "site_id": live.get("site_id") or props.get("site_id"),
            "zone_id": id_,
            "dns_servers": list(live.get("dns_servers") or []),
        }


class DnsZone(pulumi.dynamic.Resource, module="netlify", name="DnsZone"):
    """A Netlify DNS zone (type `pulumi-python:dynamic/netlify:DnsZone`)."""

    zone_id: pulumi.Output[str]
    dns_servers: pulumi.Output[list[str]]

    def __init__(self, name: str, args: DnsZoneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(DnsZoneProvider(), name, with_outputs(to_props(args), OUTPUTS), secret_opts(opts, []))
