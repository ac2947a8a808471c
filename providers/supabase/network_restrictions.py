"""Database network restrictions: the CIDRs allowed to connect (POST /apply replaces the whole list).

CIDRs are compared in the form the API stores (network address, sorted), so `10.1.2.3/8`
and `10.0.0.0/8` do not diff. An empty list means the API's default (allow all).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from providers.supabase.api import DEFAULT_WAIT_TIMEOUT
from providers.supabase.settings import SettingsProvider, SettingsResource
from providers.supabase.values import cidrs


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


class NetworkRestrictions(SettingsResource, module="supabase", name="NetworkRestrictions"):
    def __init__(
        self,
        resource_name: str,
        *,
        project_ref: pulumi.Input[str],
        allowed_cidrs: Sequence[str] = (),
        allowed_cidrs_v6: Sequence[str] = (),
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        settings = {"dbAllowedCidrs": list(allowed_cidrs), "dbAllowedCidrsV6": list(allowed_cidrs_v6)}
        super().__init__(NetworkRestrictionsProvider(), resource_name, project_ref, settings, None, opts,
                         wait_timeout=wait_timeout)
