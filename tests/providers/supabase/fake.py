"""A small stateful Supabase Management API for lifecycle, wait, drift and fault tests.

Prism checks request shapes but keeps no state and always reports a project INACTIVE, so this
fake keeps projects and their settings in memory. Every request body is validated against the
same pinned spec's request schema and every answer against its response schema; any mismatch
is recorded in `violations` (tests assert it stays empty) and answered 422.
Like the real API it reads write-only auth fields back masked, rewrites comma lists and CIDRs,
lists edge-function secrets as SHA-256 digests, and answers the pooler config with one entry per
database (tenant-qualified user, pooler host, a `[YOUR-PASSWORD]` placeholder in the string).
API keys are those of a project created since November 2025: a publishable and a secret key, both
named `default`, no `anon` / `service_role`; `add_project(keys=...)` seeds older projects that
still have the legacy keys (with or without the new ones). Listed without `reveal=true`, a secret
key shows only its identifying prefix, as the platform does. Keys are read one by one
(`GET /api-keys/{id}`) and deleted (`DELETE /api-keys/{id}`, `was_compromised` and `reason` kept in
`deleted_keys`); `authenticates` says whether a value would still be accepted by the project's
APIs: a deleted key never is, nor a legacy key while `PUT /api-keys/legacy?enabled=false` holds.
Whether a listing still shows legacy keys once they are disabled is not documented:
`legacy_listed_when_disabled` chooses; `legacy_route = False` answers the legacy endpoint 404, as
its spec text warns it will one day ("This API endpoint will be removed in the future").
An SSL enforcement change is asynchronous and restarts the database (`appliedSuccessfully` false,
project RESTARTING, services coming up) for a bounded number of polls. Network restrictions read
back as `0.0.0.0/0` and `::/0` when unrestricted and hold for every route to the database, pooled or
direct (`may_connect`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import random
import re
import string
import threading
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from providers.supabase import spec
from tests.support.faults import Answer
from tests.support.loopback import FakeHandler, LoopbackServer, reply_json

TOKEN = "fake-supabase-token"
MASK = "****"
# The routes to a project's database: direct host, Supavisor session (5432) and transaction (6543) ports.
ROUTES = frozenset({"direct", "session-pooler", "transaction-pooler"})
WRITE_ONLY = re.compile(r"(_secret|_secrets|_pass|_auth_token|_api_key|_access_key|_api_secret)$")
# `sb_secret_` and 5 identifying characters: all of a secret key a listing shows without reveal
# (supabase/supabase apps/studio/lib/api/self-hosted/api-keys.ts, which "mirrors the platform management API").
SECRET_PREFIX_LENGTH = 15
KeySet = Literal["new", "legacy", "both"]


@dataclass
class Call:
    operation: str
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class FakeProject:
    ref: str
    name: str
    organization_slug: str
    region: str
    password_sha256: str
    instance_size: str | None
    polls_left: int | None  # GETs still answered COMING_UP; None: never healthy
    status: str = "COMING_UP"
    auth: dict[str, Any] = field(default_factory=lambda: _auth_defaults())
    postgrest: dict[str, Any] = field(default_factory=lambda: {"db_schema": "public,storage,graphql_public",
                                                               "max_rows": 1000, "db_extra_search_path": "public,extensions",
                                                               "db_pool": None})
    ssl: bool = False
    cidrs: dict[str, list[str]] = field(default_factory=lambda: {"dbAllowedCidrs": ["0.0.0.0/0"], "dbAllowedCidrsV6": ["::/0"]})
    pooler: dict[str, Any] = field(default_factory=lambda: {"pool_mode": "transaction", "default_pool_size": 15})
    # Supavisor's host for the project; deliberately not derivable from the region or the ref.
    pooler_host: str = "aws-1-fake-region.pooler.example.test"
    read_replica: bool = False
    hostname: str | None = None
    secrets: dict[str, str] = field(default_factory=dict)  # name -> sha256
    keys_polls_left: int = 0
    secret_key_polls_left: int = 0  # listings that still show the publishable key alone (provisioned one by one)
    api_keys: list[dict[str, Any]] = field(default_factory=list)  # ApiKeyResponse records, values in clear
    ssl_polls_left: int = 0  # GETs of the SSL config still answered `appliedSuccessfully: false`
    ssl_supported: bool = True  # False: a project too old for SSL enforcement (Postgres < 13.3.0)
    restart_polls_left: int = 0  # project GETs still answered RESTARTING once the SSL change applied
    network_entitlement: str = "allowed"
    legacy_enabled: bool = True  # PUT /api-keys/legacy?enabled=...
    deleted_keys: list[dict[str, Any]] = field(default_factory=list)  # {key, was_compromised, reason}


def _auth_defaults() -> dict[str, Any]:
    """Every field the spec's AuthConfigResponse requires (all nullable), plus a few real defaults."""
    schema = spec.component("AuthConfigResponse")
    zero = {"boolean": False, "integer": 0, "number": 0, "string": ""}
    base = {k: None if schema["properties"][k].get("nullable") else zero[schema["properties"][k]["type"]]
            for k in schema["required"]}
    return {**base, "site_url": "http://localhost:3000", "jwt_exp": 3600,
            "uri_allow_list": "", "disable_signup": False, "password_min_length": 6}


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_api_key(key_type: str, name: str = "default", description: str | None = None) -> dict[str, Any]:
    """A publishable or secret key as the API keeps it (the fake's values are obviously fake)."""
    value = f"sb_{key_type}_fake" + "".join(random.choices(string.ascii_letters + string.digits, k=28))
    return {"id": str(uuid.uuid4()), "type": key_type, "name": name, "api_key": value,
            "prefix": value[:SECRET_PREFIX_LENGTH] if key_type == "secret" else None,
            "hash": _sha(value)[:32], "description": description, "secret_jwt_template": None,
            "inserted_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}


def legacy_api_keys(ref: str) -> list[dict[str, Any]]:
    """The JWT-based `anon` and `service_role` keys of a project created before November 2025."""
    return [{"id": name, "type": "legacy", "name": name, "api_key": f"fake-{name}-key-{ref}", "prefix": None,
             "hash": None, "description": None, "secret_jwt_template": None} for name in ("anon", "service_role")]


def key_set(ref: str, keys: KeySet) -> list[dict[str, Any]]:
    legacy = legacy_api_keys(ref) if keys in ("legacy", "both") else []
    new = [new_api_key("publishable"), new_api_key("secret")] if keys in ("new", "both") else []
    return legacy + new


def as_listed(key: dict[str, Any], reveal: bool) -> dict[str, Any]:
    """A key as listed: a secret key is masked to its prefix unless `reveal=true` (publishable and legacy are not)."""
    return key if reveal or key["type"] != "secret" else {**key, "api_key": key["prefix"]}


def _routes() -> list[tuple[re.Pattern[str], str, str]]:
    routes = []
    for op in spec.operations().values():
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", op.path)
        routes.append((re.compile(f"^{pattern}$"), op.method, op.operation_id))
    # Literal paths first so /v1/projects/available-regions never matches /v1/projects/{ref}.
    routes.sort(key=lambda r: r[0].pattern.count("(?P"))
    return routes


class FakeSupabase(LoopbackServer):
    """In-memory Management API on 127.0.0.1; configure, then use as a context manager."""

    def __init__(self, polls_until_healthy: int | None = 1, keys_delay_polls: int = 0, ssl_apply_polls: int = 2,
                 restart_polls: int = 1) -> None:
        self.polls_until_healthy = polls_until_healthy
        self.keys_delay_polls = keys_delay_polls
        # A new project's keys need not appear together: listings after the first key that still lack
        # the secret one (nothing documents the order; the provider must not take a gap for a missing key).
        self.secret_key_lag_polls = 0
        # An SSL enforcement PUT is applied after this many GETs of its config, then the database is
        # back after `restart_polls` project GETs (0 and 0: applied in the PUT's own answer, no restart).
        self.ssl_apply_polls = ssl_apply_polls
        self.restart_polls = restart_polls
        # Not documented either way: whether GET /api-keys still lists legacy keys once they are disabled.
        self.legacy_listed_when_disabled = True
        self.legacy_route = True  # False: the legacy endpoint is gone (404), as its spec text warns
        self.projects: dict[str, FakeProject] = {}
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self._faults: dict[str, deque[tuple[str, Answer]]] = defaultdict(deque)
        self._lock = threading.RLock()
        self._routes = _routes()
        fake = self

        class Handler(FakeHandler):
            def _handle(self) -> None:
                fake._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        super().__init__(Handler)

    # -- scripting -------------------------------------------------------------------------
    def fail(self, operation: str, *answers: Answer) -> None:
        """Answer the next calls of `operation` with these instead of doing them."""
        self._faults[operation].extend(("before", a) for a in answers)

    def lose_answer(self, operation: str, answer: Answer | None = None) -> None:
        """Do the next call of `operation`, then drop the connection (or answer `answer`)."""
        self._faults[operation].append(("after", answer or Answer(drop=True)))

    def count(self, operation: str | None = None) -> int:
        return len([c for c in self.calls if operation is None or c.operation == operation])

    def operations(self) -> list[str]:
        return [c.operation for c in self.calls]

    def may_connect(self, ref: str, source: str, route: str) -> bool:
        """Whether every address of `source` (an address or a CIDR) may open a database connection by `route`.

        Supabase's network restrictions hold for every route to the database: the direct host and
        Supavisor's session and transaction ports alike; nothing bypasses them through the pooler.
        """
        if route not in ROUTES:
            raise ValueError(f"unknown route {route!r}: one of {sorted(ROUTES)}")
        p = self.projects[ref]
        network = ipaddress.ip_network(source, strict=False)
        allowed = p.cidrs["dbAllowedCidrs" if network.version == 4 else "dbAllowedCidrsV6"]
        return any(network.subnet_of(ipaddress.ip_network(c)) for c in allowed)  # type: ignore[arg-type]

    def add_project(self, name: str, slug: str = "acme", region: str = "eu-central-1", status: str = "ACTIVE_HEALTHY",
                    instance_size: str | None = None, keys: KeySet = "new") -> FakeProject:
        """An existing project; `keys="legacy"` for one made before November 2025 and never migrated."""
        ref = "".join(random.choices(string.ascii_lowercase, k=20))
        project = FakeProject(ref, name, slug, region, _sha("unknown"), instance_size, 0, status,
                              api_keys=key_set(ref, keys))
        self.projects[ref] = project
        return project

    def keys_of(self, ref: str, key_type: str) -> list[dict[str, Any]]:
        return [k for k in self.projects[ref].api_keys if k["type"] == key_type]

    def key(self, ref: str, key_id: str) -> dict[str, Any] | None:
        return next((k for k in self.projects[ref].api_keys if k["id"] == key_id), None)

    def authenticates(self, ref: str, value: str) -> bool:
        """Whether the project's APIs accept `value`: a live key, and a legacy one only while legacy keys are enabled.

        A deleted secret key is refused at once (supabase.com/docs/guides/security/rotate-leaked-api-keys:
        retiring the key "stops granting access"); disabled legacy keys are refused while disabled
        (supabase.com/changelog/29260: "You can disable and re-enable the anon and service_role keys").
        """
        p = self.projects[ref]
        key = next((k for k in p.api_keys if k["api_key"] == value), None)
        return key is not None and (key["type"] != "legacy" or p.legacy_enabled)

    # -- serving ---------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._reply(h, 400, {"message": "malformed JSON"})
            return
        match = next(((m, op) for rx, meth, op in self._routes if meth == h.command and (m := rx.match(url.path))), None)
        if match is None:
            self.violations.append(f"{h.command} {url.path}: no such operation in the spec")
            self._reply(h, 404, {"message": "not found"})
            return
        m, operation = match
        query = parse_qs(url.query)
        with self._lock:
            self.calls.append(Call(operation, h.command, url.path, query, body))
            fault = self._faults[operation].popleft() if self._faults[operation] else None
        if h.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._reply(h, 401, {"message": "Unauthorized"})
            return
        problems = spec.validate_body(operation, body)
        if body is not None and h.headers.get("Content-Type", "").split(";")[0] != "application/json":
            problems.append(("(headers)", "Content-Type must be application/json"))
        if problems:
            self.violations.append(f"{operation}: {problems}")
            self._reply(h, 422, {"message": f"invalid request: {problems}"})
            return
        if fault and fault[0] == "before":
            self._answer(h, fault[1])
            return
        with self._lock:
            try:
                status, answer = self._operate(operation, m.groupdict(), query, body)
            except _NotReady:
                status, answer = 500, {"message": "error adding pooler tenant"}
            except KeyError:
                status, answer = 404, {"message": "Project not found"}
        if fault and fault[0] == "after":
            self._answer(h, fault[1])
            return
        if status < 300:
            self._check_response(operation, status, answer)
        self._reply(h, status, answer)

    def _check_response(self, operation: str, status: int, answer: Any) -> None:
        op = spec.document()["paths"][spec.operation(operation).path][spec.operation(operation).method.lower()]
        schema = op["responses"].get(str(status), {}).get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            problems = spec.validate_schema(schema, answer)
            if problems:
                self.violations.append(f"fake answer of {operation} breaks the spec: {problems}")

    def _answer(self, h: BaseHTTPRequestHandler, a: Answer) -> None:
        reply_json(h, a.status, a.body, a.headers, delay=a.delay, drop=a.drop)

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        reply_json(h, status, body, headers)

    # -- the API ---------------------------------------------------------------------------
    def _project_json(self, p: FakeProject, with_database: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"id": p.ref, "ref": p.ref, "organization_id": p.organization_slug,
                               "organization_slug": p.organization_slug, "name": p.name, "region": p.region,
                               "created_at": "2026-01-01T00:00:00Z", "status": p.status}
        if with_database:
            out["database"] = {"host": f"db.{p.ref}.supabase.co", "version": "17.4",
                               "postgres_engine": "17", "release_channel": "ga"}
        return out

    def _operate(self, op: str, path: dict[str, str], query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        ref = path.get("ref", "")
        if op == "v1-get-all-projects-for-organization":
            search = query.get("search", [""])[0]
            offset, limit = int(query.get("offset", ["0"])[0]), int(query.get("limit", ["100"])[0])
            found = [p for p in self.projects.values() if p.organization_slug == path["slug"] and search in p.name]
            page = found[offset: offset + limit]
            return 200, {"projects": [{"ref": p.ref, "name": p.name, "cloud_provider": "AWS", "region": p.region,
                                       "is_branch": False, "status": p.status, "inserted_at": "2026-01-01T00:00:00Z",
                                       "databases": []} for p in page],
                         "pagination": {"count": len(found), "limit": limit, "offset": offset}}
        if op == "v1-create-a-project":
            ref = "".join(random.choices(string.ascii_lowercase, k=20))
            region = body.get("region_selection", {}).get("code") or body.get("region") or "us-east-1"
            p = FakeProject(ref, body["name"], body["organization_slug"], region, _sha(body["db_pass"]),
                            body.get("desired_instance_size"), self.polls_until_healthy,
                            keys_polls_left=self.keys_delay_polls, secret_key_polls_left=self.secret_key_lag_polls,
                            api_keys=key_set(ref, "new"))
            self.projects[ref] = p
            return 201, self._project_json(p, with_database=False)
        p = self.projects[ref]
        if op == "v1-get-project":
            self._tick_restart(p)
            if p.status == "COMING_UP" and p.polls_left is not None:
                if p.polls_left <= 0:
                    p.status = "ACTIVE_HEALTHY"
                p.polls_left -= 1
            return 200, self._project_json(p)
        if op == "v1-update-a-project":
            p.name = body["name"]
            return 200, {"id": 1, "ref": p.ref, "name": p.name}
        if op == "v1-delete-a-project":
            del self.projects[ref]
            return 200, {"id": 1, "ref": p.ref, "name": p.name}
        if op == "v1-update-database-password":
            p.password_sha256 = _sha(body["password"])
            return 200, {"message": "ok"}
        if op == "v1-list-project-addons":
            # A compute add-on is selected once the project runs on a size other than the plan's default.
            price = {"description": "fake price", "type": "usage", "interval": "hourly", "amount": 0.01}
            selected = [{"type": "compute_instance",
                         "variant": {"id": f"ci_{p.instance_size}", "name": p.instance_size, "price": price}}
                        ] if p.instance_size and p.instance_size != "nano" else []
            ipv4 = {"type": "ipv4", "variant": {"id": "ipv4_default", "name": "IPv4", "price": price}}
            return 200, {"selected_addons": [ipv4, *selected], "available_addons": []}
        if op == "v1-apply-project-addon":
            p.instance_size = body["addon_variant"].removeprefix("ci_")
            return 200, None
        if op == "v1-get-project-api-keys":
            if p.keys_polls_left > 0:
                p.keys_polls_left -= 1
                return 200, []
            listed = p.api_keys
            if not p.legacy_enabled and not self.legacy_listed_when_disabled:
                listed = [k for k in listed if k["type"] != "legacy"]
            if p.secret_key_polls_left > 0:
                p.secret_key_polls_left -= 1
                listed = [k for k in listed if k["type"] != "secret" or k["name"] != "default"]
            return 200, [as_listed(k, query.get("reveal") == ["true"]) for k in listed]
        if op == "v1-create-project-api-key":
            if body["type"] == "publishable" and self.keys_of(ref, "publishable"):
                # "A single publishable key" per project (supabase.com/changelog/29260).
                self.violations.append(f"{op}: {ref} already has a publishable key")
                return 409, {"message": "project already has a publishable key"}
            if any(k["type"] == body["type"] and k["name"] == body["name"] for k in p.api_keys):
                # Assumption: one name per key type (the Terraform import tells same-named keys apart by type).
                return 409, {"message": f"an API key named {body['name']} already exists"}
            key = new_api_key(body["type"], body["name"], body.get("description"))
            key["secret_jwt_template"] = body.get("secret_jwt_template")
            p.api_keys.append(key)
            return 201, as_listed(key, query.get("reveal") == ["true"])
        if op == "v1-get-project-api-key":
            key = self.key(ref, path["id"])
            if key is None:
                return 404, {"message": "API key not found"}
            return 200, as_listed(key, query.get("reveal") == ["true"])
        if op == "v1-delete-project-api-key":
            key = self.key(ref, path["id"])
            if key is None:
                return 404, {"message": "API key not found"}
            p.api_keys.remove(key)
            p.deleted_keys.append({"key": key, "was_compromised": query.get("was_compromised", ["false"])[0] == "true",
                                   "reason": query.get("reason", [None])[0]})
            return 200, as_listed(key, query.get("reveal") == ["true"])
        if op in ("v1-get-project-legacy-api-keys", "v1-update-project-legacy-api-keys"):
            if not self.legacy_route:
                return 404, {"message": "Not Found"}
            if op == "v1-update-project-legacy-api-keys":
                p.legacy_enabled = query.get("enabled") == ["true"]
            return 200, {"enabled": p.legacy_enabled}
        if op == "v1-get-services-health":
            self._tick_restart(p)
            coming_up = p.status in ("COMING_UP", "RESTARTING")
            return 200, [{"name": name, "healthy": not coming_up, "status": "COMING_UP" if coming_up else "ACTIVE_HEALTHY"}
                         for name in query.get("services", [])]
        if op in ("v1-get-ssl-enforcement-config", "v1-update-ssl-enforcement-config") and not p.ssl_supported:
            # The 400 fragment supabase/terraform-provider-supabase settings_resource.go matches
            # (sslEnforcementUnsupported); the rest of the live text is not documented.
            return 400, {"message": "Project is not allowed to configure SSL enforcements"}
        if op == "v1-get-ssl-enforcement-config":
            # Read while the database restarts; the requested value shows before it is applied.
            self._tick_restart(p)
            return 200, {"currentConfig": {"database": p.ssl}, "appliedSuccessfully": not p.ssl_polls_left}
        self._require_healthy(p)
        if op == "v1-update-ssl-enforcement-config":
            p.ssl = body["requestedConfig"]["database"]
            p.ssl_polls_left, p.restart_polls_left = self.ssl_apply_polls, self.restart_polls
            if p.ssl_polls_left or p.restart_polls_left:
                p.status = "RESTARTING"
            return 200, {"currentConfig": {"database": p.ssl}, "appliedSuccessfully": not p.ssl_polls_left}
        if op == "v1-get-auth-service-config":
            shown = {k: (MASK if WRITE_ONLY.search(k) and v else v) for k, v in p.auth.items()}
            # Like the real service, the allow list comes back re-joined in its own order.
            items = [i for i in (p.auth.get("uri_allow_list") or "").split(",") if i]
            shown["uri_allow_list"] = ", ".join(reversed(items))
            return 200, shown
        if op == "v1-update-auth-service-config":
            p.auth.update(body)
            return 200, {k: (MASK if WRITE_ONLY.search(k) and v else v) for k, v in p.auth.items()}
        if op == "v1-get-postgrest-service-config":
            return 200, {**p.postgrest, "jwt_secret": "fake-jwt-secret"}
        if op == "v1-update-postgrest-service-config":
            p.postgrest.update(body)
            return 200, dict(p.postgrest)
        if op == "v1-get-network-restrictions":
            return 200, {"entitlement": p.network_entitlement, "config": p.cidrs, "status": "applied"}
        if op == "v1-update-network-restrictions":
            if p.network_entitlement != "allowed":
                return 403, {"message": "network restrictions are not available on this project's plan"}
            # An empty list admits no address of its family: unrestricted is 0.0.0.0/0 and ::/0.
            p.cidrs = {k: [str(ipaddress.ip_network(c, strict=False)) for c in body.get(k, [])]
                       for k in ("dbAllowedCidrs", "dbAllowedCidrsV6")}
            return 201, {"entitlement": "allowed", "config": p.cidrs, "status": "stored"}
        if op == "v1-get-pooler-config":
            return 200, self._pooler_json(p)
        if op == "v1-update-pooler-config":
            p.pooler.update(body)
            return 200, dict(p.pooler)
        if op == "v1-get-hostname-config":
            return 200, self._hostname_json(p)
        if op == "v1-update-hostname-config":
            p.hostname = body["custom_hostname"]
            return 201, self._hostname_json(p)
        if op == "v1-Delete hostname config":
            p.hostname = None
            return 200, None
        if op == "v1-list-all-secrets":
            return 200, [{"name": n, "value": d, "updated_at": "2026-01-01"} for n, d in sorted(p.secrets.items())]
        if op == "v1-bulk-create-secrets":
            p.secrets.update({s["name"]: _sha(s["value"]) for s in body})
            return 201, None
        if op == "v1-bulk-delete-secrets":
            for n in body:
                p.secrets.pop(n, None)
            return 200, None
        self.violations.append(f"{op}: not implemented by the fake")
        return 501, {"message": "not implemented"}

    @staticmethod
    def _pooler_json(p: FakeProject) -> list[dict[str, Any]]:
        """One entry per database; `db_port` is the port of the entry's pool mode, as the API answers."""

        def entry(kind: str, identifier: str, host: str) -> dict[str, Any]:
            user, port = f"postgres.{p.ref}", 5432 if p.pooler["pool_mode"] == "session" else 6543
            url = f"postgresql://{user}:[YOUR-PASSWORD]@{host}:{port}/postgres"
            return {"identifier": identifier, "database_type": kind, "is_using_scram_auth": True, "db_user": user,
                    "db_host": host, "db_port": port, "db_name": "postgres", "connection_string": url,
                    "connectionString": url, "max_client_conn": 200, **p.pooler}

        replica = [entry("READ_REPLICA", f"{p.ref}-rr", f"replica.{p.pooler_host}")] if p.read_replica else []
        return [*replica, entry("PRIMARY", p.ref, p.pooler_host)]

    @staticmethod
    def _tick_restart(p: FakeProject) -> None:
        """One poll's worth of an SSL change: first it applies, then the restarted database comes back."""
        if p.status != "RESTARTING":
            return
        if p.ssl_polls_left > 0:
            p.ssl_polls_left -= 1
        elif p.restart_polls_left > 0:
            p.restart_polls_left -= 1
        if not (p.ssl_polls_left or p.restart_polls_left):
            p.status = "ACTIVE_HEALTHY"

    @staticmethod
    def _require_healthy(p: FakeProject) -> None:
        if p.status != "ACTIVE_HEALTHY":
            raise _NotReady()

    @staticmethod
    def _hostname_json(p: FakeProject) -> dict[str, Any]:
        host = p.hostname or ""
        return {"status": "2_initiated" if host else "1_not_started", "custom_hostname": host,
                "data": {"success": True, "errors": [], "messages": [],
                         "result": {"id": "h1", "hostname": host, "custom_origin_server": f"{p.ref}.supabase.co",
                                    "status": "pending",
                                    "ownership_verification": {"type": "txt", "name": f"_cf-custom-hostname.{host}",
                                                               "value": "fake-ownership-token"},
                                    "ssl": {"status": "pending_validation",
                                            "validation_records": [{"txt_name": f"_acme-challenge.{host}",
                                                                    "txt_value": "fake-acme-token"}]}}}}


class _NotReady(Exception):
    """Settings calls on a project that is not healthy yet (the real API answers 5xx)."""
