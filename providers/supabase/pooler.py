"""Connection pooler (Supavisor) settings: pool mode and default pool size of the primary database."""

from __future__ import annotations

from typing import Any

import pulumi

from providers.supabase.settings import SettingsProvider, SettingsResource


class PoolerConfigProvider(SettingsProvider):
    kind = "supabase pooler config"
    get_op = "v1-get-pooler-config"
    put_op = "v1-update-pooler-config"

    def observe(self, response: Any) -> dict[str, Any]:
        # GET answers one entry per database (PRIMARY, READ_REPLICA...); settings apply to the primary.
        primary = next((d for d in response or [] if d.get("database_type") == "PRIMARY"), {})
        return {k: primary.get(k) for k in ("pool_mode", "default_pool_size")}


class PoolerConfig(SettingsResource, module="supabase", name="PoolerConfig"):
    def __init__(
        self,
        resource_name: str,
        *,
        project_ref: pulumi.Input[str],
        pool_mode: str | None = None,
        default_pool_size: int | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        settings = {"pool_mode": pool_mode, "default_pool_size": default_pool_size}
        super().__init__(PoolerConfigProvider(), resource_name, project_ref, settings, None, opts)
