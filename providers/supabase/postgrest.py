"""PostgREST settings of a project: exposed schemas, extra search path, max rows.

The GET answer also carries the project's JWT secret; it is dropped on read so it never
reaches state or outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from providers.supabase.api import DEFAULT_WAIT_TIMEOUT
from providers.supabase.settings import SettingsProvider, SettingsResource
from providers.supabase.values import comma_list


class PostgrestConfigProvider(SettingsProvider):
    kind = "supabase postgrest config"
    get_op = "v1-get-postgrest-service-config"
    put_op = "v1-update-postgrest-service-config"
    normalisers = {"db_schema": comma_list, "db_extra_search_path": comma_list}

    def observe(self, response: Any) -> dict[str, Any]:
        live = dict(response or {})
        live.pop("jwt_secret", None)
        return live


@dataclass(frozen=True)
class PostgrestConfigArgs:
    project_ref: pulumi.Input[str]
    db_schema: str | list[str]
    max_rows: int | None = None
    db_extra_search_path: str | list[str] | None = None
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class PostgrestConfig(SettingsResource, module="supabase", name="PostgrestConfig"):
    def __init__(self, resource_name: str, args: PostgrestConfigArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        settings = {"db_schema": comma_list(args.db_schema), "max_rows": args.max_rows,
                    "db_extra_search_path": comma_list(args.db_extra_search_path)}
        super().__init__(PostgrestConfigProvider(), resource_name, args.project_ref, settings, None, opts,
                         wait_timeout=args.wait_timeout)
