"""SSL enforcement for database connections (PUT replaces the whole requested config).

The change is asynchronous and restarts the database: the PUT (and later GETs) answer
`appliedSuccessfully: false` until it took, and the project is RESTARTING meanwhile. As Supabase's
Terraform provider does (updateSslEnforcementConfig in internal/provider/settings_resource.go:
a StateChangeConf polling GET until `AppliedSuccessfully && CurrentConfig.Database == desired`,
bounded by the resource's timeout, then waitForServicesActive "after the database reboot"),
a write returns only once the change is applied and the project and its services are healthy
again, bounded by `wait_timeout`. `read` reports the enforced value only once applied, so a
pending change shows as a diff, and a write first waits for a pending change and sends nothing
when the project already enforces the desired value: a retry never restarts the database twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from providers.http import ApiError
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT, NotSettled
from providers.supabase.settings import SettingsProvider, SettingsResource

# What the API answers (400) for a project that cannot have SSL enforced (Postgres older than 13.3.0):
# supabase/terraform-provider-supabase internal/provider/settings_resource.go ("Backend returns this
# 400 body fragment for unsupported projects") and Supabase Studio, which reads it as not enforced.
UNSUPPORTED = "not allowed to configure ssl enforcements"
NOT_ENFORCED = {"currentConfig": {"database": False}, "appliedSuccessfully": True}


def _applied(answer: Any) -> bool:
    return bool((answer or {}).get("appliedSuccessfully"))


def _enforces(answer: Any, desired: bool) -> bool:
    return _applied(answer) and ((answer or {}).get("currentConfig") or {}).get("database") == desired


class SslEnforcementProvider(SettingsProvider):
    kind = "supabase ssl enforcement"
    get_op = "v1-get-ssl-enforcement-config"
    put_op = "v1-update-ssl-enforcement-config"
    partial = False

    def body(self, settings: dict[str, Any]) -> Any:
        return {"requestedConfig": settings}

    def observe(self, response: Any) -> dict[str, Any]:
        # `currentConfig` may carry the requested value before it is applied: nothing is enforced yet.
        return dict((response or {}).get("currentConfig") or {}) if _applied(response) else {}

    def get(self, ref: str) -> Any:
        try:
            return self.call(self.get_op, ref=ref)
        except ApiError as exc:
            if exc.status == 400 and UNSUPPORTED in exc.message.lower():
                return {**NOT_ENFORCED, "unsupported": True}
            raise

    def _wait_applied(self, ref: str, desired: bool | None, timeout: float) -> Any:
        """Poll until the pending change is applied (and, when `desired` is given, enforces it)."""
        return self.poll(
            lambda: self.get(ref),
            lambda answer: _enforces(answer, desired) if desired is not None else _applied(answer),
            timeout,
            lambda answer, waited: NotSettled(
                f"supabase ssl enforcement of project {ref}: the change to database={desired} was not applied "
                f"after {waited:.0f}s (the database restarts to apply it); run `pulumi up` again: it waits for "
                f"the pending change and never sends it twice"
            ),
            progress=lambda answer: f"supabase project {ref}: SSL enforcement change not applied yet (database restarting)",
        )

    def _send(self, ref: str, fields: dict[str, Any], timeout: float) -> None:
        desired = bool(fields["database"])
        live = self.get(ref)
        if live.get("unsupported"):
            if not desired:
                return  # nothing is enforced, as asked
            raise ApiError(self.kind, "update ssl enforcement", None, (
                f"project {ref} is not allowed to configure SSL enforcement (Supabase needs Postgres 13.3.0 or later "
                f"for it): upgrade the project, or set supabase.ssl_enforced: false (refused in production)"))
        pending = not _applied(live)
        if pending:
            live = self._wait_applied(ref, None, timeout)  # an earlier change is still being applied
        if not _enforces(live, desired):
            answer = self.write(ref, lambda: self.call(self.put_op, ref=ref, json=self.body({"database": desired})),
                                timeout)
            if _enforces(answer, desired) and not pending:
                return  # applied in the PUT's own answer: no restart to wait for
            self._wait_applied(ref, desired, timeout)
        elif not pending:
            return
        # The database restarted: the project and its services come back before anything else writes.
        self.wait_until_healthy(ref, timeout=timeout)
        self.wait_until_services_healthy(ref, timeout=timeout)


@dataclass(frozen=True)
class SslEnforcementArgs:
    project_ref: pulumi.Input[str]
    database: bool = True
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class SslEnforcement(SettingsResource, module="supabase", name="SslEnforcement"):
    def __init__(self, resource_name: str, args: SslEnforcementArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SslEnforcementProvider(), resource_name, args.project_ref, {"database": args.database}, None,
                         opts, wait_timeout=args.wait_timeout)
