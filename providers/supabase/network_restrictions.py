"""Database network restrictions: the CIDRs allowed to connect (POST /apply replaces the whole list).

The restrictions hold for every route to the database, the direct host and Supavisor's pooler
ports alike, so a job that connects through the session pooler (the nightly `pg_dump`) must come
from a listed network too. An unrestricted project reads back as `0.0.0.0/0` and `::/0` (the
spec's NetworkRestrictionsResponse; Supabase's Terraform provider example lists exactly these two
to allow everything): an empty list admits *no* address of its family, it is not "allow all".
The component always declares this resource, with those two CIDRs when the stack restricts
nothing, so dropping `supabase.allowed_cidrs` writes the allow-all lists back (delete only stops
managing, as for every settings object: a rename or replacement never lifts or locks anything).
Both families go in one POST, so a change is never half-applied.

`entitlement` says whether the project's plan allows restrictions at all. Where it is
`disallowed`, nothing restricts the project, so writing allow-all is a no-op, and asking for a
restriction fails with a message saying so.

CIDRs are compared in the form the API stores (network address, sorted), so `10.1.2.3/8`
and `10.0.0.0/8` do not diff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from providers.http import ApiError
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT
from providers.supabase.settings import SettingsProvider, SettingsResource
from providers.supabase.values import cidrs

# What an unrestricted project reads back as, per family.
ALLOW_ALL_V4 = ("0.0.0.0/0",)
ALLOW_ALL_V6 = ("::/0",)


def allows_all(settings: dict[str, Any]) -> bool:
    return (list(settings.get("dbAllowedCidrs") or []) == list(ALLOW_ALL_V4)
            and list(settings.get("dbAllowedCidrsV6") or []) == list(ALLOW_ALL_V6))


class NetworkRestrictionsProvider(SettingsProvider):
    kind = "supabase network restrictions"
    get_op = "v1-get-network-restrictions"
    put_op = "v1-update-network-restrictions"
    partial = False
    normalisers = {"dbAllowedCidrs": cidrs, "dbAllowedCidrsV6": cidrs}

    def observe(self, response: Any) -> dict[str, Any]:
        return dict((response or {}).get("config") or {})

    def local_problems(self, settings: dict[str, Any]) -> list[tuple[str, str]]:
        problems = []
        for field, version in (("dbAllowedCidrs", 4), ("dbAllowedCidrsV6", 6)):
            for cidr in settings.get(field, []):
                if (":" in cidr) != (version == 6):
                    problems.append((field, f"{cidr} is not an IPv{version} CIDR"))
        return problems

    def _send(self, ref: str, fields: dict[str, Any], timeout: float) -> None:
        try:
            super()._send(ref, fields, timeout)
        except ApiError as exc:
            if exc.status is None or not 400 <= exc.status < 500:
                raise
            if (self.get(ref) or {}).get("entitlement") != "disallowed":
                raise
            if allows_all(self.normal_form(fields)):
                return  # the plan allows no restriction: the project is already unrestricted
            raise ApiError(
                self.kind, exc.operation, exc.status,
                f"project {ref}: its plan does not allow network restrictions (entitlement 'disallowed'); "
                f"remove supabase.allowed_cidrs / allowed_cidrs_v6 or change the plan",
            ) from None


@dataclass(frozen=True)
class NetworkRestrictionsArgs:
    project_ref: pulumi.Input[str]
    allowed_cidrs: Sequence[str] = ALLOW_ALL_V4
    allowed_cidrs_v6: Sequence[str] = ALLOW_ALL_V6
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class NetworkRestrictions(SettingsResource, module="supabase", name="NetworkRestrictions"):
    def __init__(self, resource_name: str, args: NetworkRestrictionsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        settings = {"dbAllowedCidrs": list(args.allowed_cidrs), "dbAllowedCidrsV6": list(args.allowed_cidrs_v6)}
        super().__init__(NetworkRestrictionsProvider(), resource_name, args.project_ref, settings, None, opts,
                         wait_timeout=args.wait_timeout)
