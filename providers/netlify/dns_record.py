"""Netlify DNS record (A, AAAA, ALIAS, CNAME, TXT, MX, CAA, ...).

The API has no update for records (PUT answers 405), so any change is a replacement. A CNAME
cannot coexist with another record of the same name, so it is deleted before its replacement.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import pulumi

from providers.netlify.common import (
    NetlifyProvider,
    Problems,
    Props,
    hostname,
    parse_id,
    secret_opts,
    to_props,
    with_outputs,
)

TYPES = ("A", "AAAA", "ALIAS", "CNAME", "TXT", "MX", "NS", "SRV", "CAA", "SPF")
CAA_TAGS = ("issue", "issuewild", "iodef")
OUTPUTS = ("record_id",)


class RecordId(NamedTuple):
    """The parts of the resource id `zone_id/record_id`."""

    zone_id: str
    record_id: str


@dataclass(frozen=True)
class DnsRecordArgs:
    zone_id: pulumi.Input[str]
    type: str
    hostname: pulumi.Input[str]
    value: pulumi.Input[str]
    ttl: int | None = None
    priority: int | None = None
    flag: int | None = None
    tag: str | None = None


class DnsRecordProvider(NetlifyProvider):
    kind = "netlify dns record"
    inputs: ClassVar[tuple[str, ...]] = ("zone_id", "type", "hostname", "value", "ttl", "priority", "flag", "tag")
    identity = frozenset(inputs)

    def validate(self, news: Props) -> Problems:
        problems: Problems = []
        rtype = news.get("type")
        if rtype not in TYPES:
            problems.append(("type", f"{rtype!r} not in {', '.join(TYPES)}"))
        if not (isinstance(news.get("zone_id"), str) and news["zone_id"]):
            problems.append(("zone_id", "is required"))
        if not (isinstance(news.get("hostname"), str) and news["hostname"].strip()):
            problems.append(("hostname", "is required"))
        value = news.get("value")
        if not (isinstance(value, str) and value.strip()):
            problems.append(("value", "is required"))
        elif rtype in ("A", "AAAA"):
            try:
                address = ipaddress.ip_address(value)
                if address.version != (4 if rtype == "A" else 6):
                    raise ValueError
            except ValueError:
                problems.append(("value", f"{value!r} is not an IPv{4 if rtype == 'A' else 6} address"))
        for key, low, high in (("ttl", 1, 2_147_483_647), ("priority", 0, 65535), ("flag", 0, 255)):
            number = news.get(key)
            if number is not None and not (isinstance(number, int) and low <= number <= high):
                problems.append((key, f"must be an integer from {low} to {high}"))
        if rtype == "CAA":
            if news.get("flag") is None:
                problems.append(("flag", "a CAA record needs a flag (usually 0)"))
            if news.get("tag") not in CAA_TAGS:
                problems.append(("tag", f"a CAA record needs a tag in {', '.join(CAA_TAGS)}"))
        elif news.get("flag") is not None or news.get("tag") is not None:
            problems.append(("tag", "flag and tag only apply to CAA records"))
        if rtype == "MX" and news.get("priority") is None:
            problems.append(("priority", "an MX record needs a priority"))
        return problems

    def normalise(self, key: str, value: Any, props: Props, *, old: bool) -> Any:
        if key == "hostname":
            return hostname(value)
        if key == "value" and props.get("type") in ("CNAME", "ALIAS", "MX", "NS"):
            return hostname(value)
        if key == "type":
            return value.upper()
        return value

    def delete_before_replace(self, olds: Props, news: Props) -> bool:
        return news.get("type") == "CNAME"

    def _same(self, live: dict[str, Any], props: Props) -> bool:
        # Every declared input, ttl and priority included: a replacement (say a new ttl) then
        # creates its record beside the old one, which the engine deletes by id, instead of
        # adopting the old record and seeing it deleted.
        return all(
            live.get(k) is not None
            and self.normalise(k, live[k], props, old=True) == self.normalise(k, props[k], props, old=False)
            for k in self.inputs
            if k != "zone_id" and props.get(k) is not None
        )

    def find(self, props: Props) -> dict[str, Any] | None:
        records = self.client().request(
            "GET", f"/dns_zones/{props['zone_id']}/dns_records", operation="find record"
        )
        return next((r for r in records or [] if self._same(r, props)), None)

    def create_new(self, props: Props) -> dict[str, Any]:
        body = {k: props[k] for k in self.inputs if k != "zone_id" and props.get(k) is not None}
        return self.client().request(
            "POST", f"/dns_zones/{props['zone_id']}/dns_records", operation="create record", json=body
        )

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return f"{props['zone_id']}/{live['id']}"

    def fetch(self, id_: str) -> dict[str, Any] | None:
        zone_id, record_id = parse_id(RecordId, id_, "netlify dns record")
        return self.client().request(
            "GET", f"/dns_zones/{zone_id}/dns_records/{record_id}", operation="read record", not_found_ok=True
        )

    def remove(self, id_: str, props: Props) -> None:
        zone_id, record_id = parse_id(RecordId, id_, "netlify dns record")
        self.client().request(
            "DELETE", f"/dns_zones/{zone_id}/dns_records/{record_id}", operation="delete record", not_found_ok=True
        )

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        zone_id, record_id = parse_id(RecordId, id_, "netlify dns record")
        out: Props = {"zone_id": zone_id, "record_id": record_id}
        for key in ("type", "hostname", "value", "ttl", "priority", "flag", "tag"):
            out[key] = live.get(key) if live.get(key) is not None else props.get(key)
        return out


class DnsRecord(pulumi.dynamic.Resource, module="netlify", name="DnsRecord"):
    """One record in a Netlify DNS zone (type `pulumi-python:dynamic/netlify:DnsRecord`)."""

    record_id: pulumi.Output[str]

    def __init__(self, name: str, args: DnsRecordArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(DnsRecordProvider(), name, with_outputs(to_props(args), OUTPUTS), secret_opts(opts, []))
