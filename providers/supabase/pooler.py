"""Connection pooler (Supavisor) of the primary database: its settings, and its session endpoint.

Why the session-pooler endpoint is an output of this resource and not of `Project`: it comes from
the very GET that reads these settings, so a refresh stays one GET per resource (the project's
read would need a second one), and the endpoint is the pooler's, not the project's. The output
`session_url` carries no password: this resource never sees the database password, so its state
holds nothing secret; `SupabaseProject` adds the rotating password to build the secret
`pooler_url`, and a rotation changes that URL in the same run without touching this resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, UpdateResult

from providers.http import ApiError
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT
from providers.supabase.connection import primary, session_pooler_url
from providers.supabase.settings import SettingsProvider, SettingsResource
from providers.supabase.validation import POOLER_UPDATE_OP as UPDATE_OP
from providers.supabase.validation import pooler_problems
from providers.unknowns import is_unknown


def input_problems(settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for pooler settings the pinned spec rejects (unset fields are unmanaged)."""
    return pooler_problems(settings, is_unknown)


class PoolerConfigProvider(SettingsProvider):
    kind = "supabase pooler config"
    get_op = "v1-get-pooler-config"
    put_op = UPDATE_OP

    def observe(self, response: Any) -> dict[str, Any]:
        # GET answers one entry per database (PRIMARY, READ_REPLICA...); settings apply to the primary.
        entry = primary(response) or {}
        return {k: entry.get(k) for k in ("pool_mode", "default_pool_size")}

    def observed_outputs(self, ref: str, response: Any) -> dict[str, Any]:
        try:
            return {"session_url": session_pooler_url(response, ref)}
        except ValueError as exc:
            raise ApiError(self.kind, self.get_op, None, f"project {ref}: no session pooler endpoint: {exc}") from None

    def _endpoint(self, ref: str) -> dict[str, Any]:
        return self.observed_outputs(ref, self.call(self.get_op, ref=ref))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(id_, olds, news)
        if not result.changes and not olds.get("session_url"):
            # State written before the endpoint was an output: one update reads it (local: no call here).
            return DiffResult(changes=True, replaces=[])
        return result

    def create(self, props: dict[str, Any]) -> CreateResult:
        created = super().create(props)
        return CreateResult(created.id, {**(created.outs or {}), **self._endpoint(created.id)})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Pool settings do not move the endpoint: keep it, read it only when state lacks it.
        outs = super().update(id_, olds, news).outs or {}
        endpoint = {"session_url": olds["session_url"]} if olds.get("session_url") else self._endpoint(id_)
        return UpdateResult({**outs, **endpoint})


@dataclass(frozen=True)
class PoolerConfigArgs:
    project_ref: pulumi.Input[str]
    pool_mode: str | None = None
    default_pool_size: int | None = None
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class PoolerConfig(SettingsResource, module="supabase", name="PoolerConfig"):
    """Pool mode and size of the primary database; `session_url` is its password-less session-mode URL."""

    session_url: pulumi.Output[str]

    def __init__(self, resource_name: str, args: PoolerConfigArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        settings = {"pool_mode": args.pool_mode, "default_pool_size": args.default_pool_size}
        super().__init__(PoolerConfigProvider(), resource_name, args.project_ref, settings, None, opts,
                         outputs=("session_url",), wait_timeout=args.wait_timeout)
