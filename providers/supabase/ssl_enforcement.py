"""SSL enforcement for database connections (PUT replaces the whole requested config)."""

from __future__ import annotations

from typing import Any

import pulumi

from providers.supabase.api import DEFAULT_WAIT_TIMEOUT
from providers.supabase.settings import SettingsProvider, SettingsResource


class SslEnforcementProvider(SettingsProvider):
    kind = "supabase ssl enforcement"
    get_op = "v1-get-ssl-enforcement-config"
    put_op = "v1-update-ssl-enforcement-config"
    partial = False

    def body(self, settings: dict[str, Any]) -> Any:
        return {"requestedConfig": settings}

    def observe(self, response: Any) -> dict[str, Any]:
        return dict((response or {}).get("currentConfig") or {})


class SslEnforcement(SettingsResource, module="supabase", name="SslEnforcement"):
    def __init__(
        self,
        resource_name: str,
        *,
        project_ref: pulumi.Input[str],
        database: bool = True,
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(SslEnforcementProvider(), resource_name, project_ref, {"database": database}, None, opts,
                         wait_timeout=wait_timeout)
