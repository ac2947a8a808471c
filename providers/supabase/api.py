"""What every Supabase provider shares: the endpoint, spec-routed calls, and waiting for a healthy project.

Settings calls made right after a project is created fail for minutes with 500s ("error adding
pooler tenant", supabase/terraform-provider-supabase#239); the maintainers' advice is to wait
for ACTIVE_HEALTHY first and retry boundedly, which `write` does for every settings provider.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from providers.base import ApiEndpoint
from providers.crud import CrudProvider
from providers.http import ApiError
from providers.supabase import spec
from providers.unknowns import is_unknown
from providers.values import plain

T = TypeVar("T")
log = logging.getLogger("providers.supabase")

SUPABASE = ApiEndpoint(
    name="Supabase",
    default_url="https://api.supabase.com",
    url_env="SUPABASE_API_URL",
    token_config_key="maintainpro-platform:supabaseAccessToken",
    token_env="SUPABASE_ACCESS_TOKEN",
)

HEALTHY = "ACTIVE_HEALTHY"
# Statuses a wait cannot get out of: fail at once instead of burning the whole timeout.
DEAD_ENDS = frozenset({"INIT_FAILED", "REMOVED", "RESTORE_FAILED", "PAUSE_FAILED", "GOING_DOWN"})

DEFAULT_WAIT_TIMEOUT = 900.0
# The role every secret key signs in as (project migration and per-consumer keys alike):
# supabase/terraform-provider-supabase internal/provider/apikey_resource.go (createApiKey) sends
# this for every secret key it creates.
SECRET_JWT_TEMPLATE = {"role": "service_role"}
DEFAULT_POLL_INTERVAL = 10.0
# The services whose health Supabase's Terraform provider waits for after a database restart
# (`allProjectServices`, waitForServicesActive in internal/provider/utils.go).
SERVICES = ("auth", "db", "db_postgres_user", "pooler", "realtime", "rest", "storage", "pg_bouncer")


def wait_timeout_of(props: Mapping[str, Any]) -> float:
    """A resource's `wait_timeout` input (the project's `health_timeout_minutes`); the default for older state."""
    value = props.get("wait_timeout")
    return DEFAULT_WAIT_TIMEOUT if value is None else float(value)


def seconds_problem(value: Any) -> str | None:
    """Why `value` is not a usable number of seconds, or None (unknown values are checked once known)."""
    if is_unknown(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return "must be a positive number of seconds"
    return None


class ProjectNotReady(Exception):
    """A project did not become ACTIVE_HEALTHY in time; it is kept (and adopted by name next run)."""

    def __init__(self, ref: str, name: str, status: str, waited: float, why: str) -> None:
        self.ref = ref
        self.status = status
        super().__init__(
            f"supabase project {name!r} (ref {ref}) {why} (status {status} after {waited:.0f}s). "
            f"The project is kept: the next `pulumi up` adopts it by name and waits again; "
            f"raise wait_timeout to wait longer."
        )


class NotSettled(Exception):
    """An asynchronous change did not settle within the resource's `wait_timeout`; the message says what to do."""


class SupabaseProvider(CrudProvider):
    """The CRUD skeleton bound to the Supabase API: calls named by the spec's operationIds, waits for a healthy project.

    Its providers fill in the skeleton's hooks: the settings singletons (`settings.py`: nothing to
    find, create writes the desired fields, delete stops managing, open maps, write-only fields kept
    as hashes; the pooler adds its endpoint around them), the function secrets (a write-only map
    compared with the API's digests), the custom hostname, the legacy key switch, the key retirement,
    the project (`project.py`: settled once found or made, read with its state) and the rotating
    secret key (`api_keys.SecretApiKeyProvider`: its API id lives in state).
    """

    endpoint: ClassVar[ApiEndpoint] = SUPABASE
    gone_id = None
    # Rounds of "wait for healthy, then send again" after the client's own retries gave up on a 5xx.
    settings_rounds: ClassVar[int] = 3

    def call(
        self,
        operation_id: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool | None = None,
        not_found_ok: bool = False,
        **path: str,
    ) -> Any:
        op = spec.operation(operation_id)
        return self.client().request(
            op.method,
            op.url(**path),
            operation=operation_id,
            json=plain(json),
            params=plain(params),
            idempotent=idempotent,
            not_found_ok=not_found_ok,
        )

    def wait_until_healthy(
        self,
        ref: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        interval: float = DEFAULT_POLL_INTERVAL,
    ) -> dict[str, Any]:
        """Poll the project (one GET per poll) until ACTIVE_HEALTHY; bounded by `timeout` seconds."""
        def not_ready(project: dict[str, Any], waited: float, why: str) -> ProjectNotReady:
            return ProjectNotReady(ref, str(project.get("name", ref)), str(project.get("status")), waited, why)

        return self.poll(
            lambda: self.call("v1-get-project", ref=ref),
            lambda project: str(project.get("status")) == HEALTHY,
            timeout,
            lambda project, waited: not_ready(project, waited, "is paused; restore it in the dashboard"
                                              if project.get("status") == "INACTIVE" else "did not become healthy in time"),
            interval,
            progress=lambda project: f"supabase project {ref} is {project.get('status')}",
            dead_end=lambda project, waited: (not_ready(project, waited, "cannot become healthy")
                                              if str(project.get("status")) in DEAD_ENDS else None),
        )

    def poll(
        self,
        fetch: Callable[[], T],
        done: Callable[[T], bool],
        timeout: float,
        failure: Callable[[T, float], Exception],
        interval: float = DEFAULT_POLL_INTERVAL,
        *,
        progress: Callable[[T], str],
        dead_end: Callable[[T, float], Exception | None] = lambda _value, _waited: None,
    ) -> T:
        """`fetch()` until `done`, sleeping `interval` between polls and logging `progress`, at most
        `timeout` seconds; raises what `failure` (time is up) or `dead_end` (it never will be) gives."""
        sleep = self.client().sleep
        started, slept = time.monotonic(), 0.0
        while True:
            value = fetch()
            if done(value):
                return value
            waited = max(slept, time.monotonic() - started)
            if (stop := dead_end(value, waited)) is not None:
                raise stop
            if waited >= timeout:
                raise failure(value, waited)
            step = max(0.0, min(interval, timeout - waited))
            log.info("%s; checking again in %.0fs", progress(value), step)
            sleep(step)
            slept += step

    def wait_until_services_healthy(self, ref: str, *, timeout: float = DEFAULT_WAIT_TIMEOUT) -> None:
        """Poll the project's service health until every service is ACTIVE_HEALTHY (after a database restart)."""
        def unhealthy(services: Any) -> str:
            return ", ".join(sorted(str(s.get("name")) for s in services or [] if s.get("status") != HEALTHY))

        self.poll(
            lambda: self.call("v1-get-services-health", ref=ref, params={"services": list(SERVICES)}),
            lambda services: all(s.get("status") == HEALTHY for s in services or []),
            timeout,
            lambda services, waited: NotSettled(
                f"supabase project {ref}: services {unhealthy(services)} not healthy after {waited:.0f}s; "
                f"run `pulumi up` again once the project is healthy"
            ),
            progress=lambda services: f"supabase project {ref}: waiting for services {unhealthy(services)}",
        )

    def write(self, ref: str, send: Callable[[], T], timeout: float = DEFAULT_WAIT_TIMEOUT) -> T:
        """Send a settings change; on a lasting 5xx wait (up to `timeout` s) for a healthy project and resend (bounded)."""
        for round_ in range(1, self.settings_rounds + 1):
            try:
                return send()
            except ApiError as exc:
                if exc.status is None or exc.status < 500 or round_ == self.settings_rounds:
                    raise
                log.info("supabase %s: %s; waiting for the project to be healthy", self.kind, exc.message)
                self.wait_until_healthy(ref, timeout=timeout)
        raise AssertionError("unreachable")


def require_ref(operation_id: str, ref: str, what: str) -> None:
    """Reject a malformed project ref before any call (an import with a wrong id must fail clearly)."""
    problem = spec.validate_parameter(operation_id, "ref", ref)
    if problem:
        raise ValueError(f"{what}: {ref!r} is not a Supabase project ref ({problem})")
