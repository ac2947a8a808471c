"""A small stateful fake of the Netlify API v1 for lifecycle tests, on a loopback port.

Prism validates requests but keeps no state, so create → read → update → delete, adoption and
drift need this fake. Routes come from the official spec (each request is matched to its
operationId), and every answer is validated against that operation's response schema in the
spec, so the fake cannot drift into shapes the real API never sends. Faults can be scheduled
per operation: answer a status, or apply the request and then drop the connection (a lost answer).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema

from tests.support.loopback import Call, FakeHandler, Fault, LoopbackServer, reply_json
from tests.support.netlify_deploys import DeployFiles

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "node_modules" / "@netlify" / "open-api" / "dist" / "swagger.json"
RENEW_OPERATION = "renewSiteTLSCertificate"  # a name of ours: the spec has no operation for it
# The live refusals the spec does not show (their sources are in docs/ARCHITECTURE.md).
CERT_PARAMS_REQUIRED = "certificate parameter is required when updating an existing certificate"
LINK_EXISTS = "link exists, all config must be empty"
# Records that resolve the name to an address: they cannot share a hostname with Netlify's own.
ADDRESS_TYPES = frozenset({"A", "AAAA", "ALIAS", "CNAME"})


class Reply(Exception):
    """Raised by a handler to answer an error status with the spec's error body."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


RENEW_PATH = "/sites/{site_id}/ssl/renew"


def with_renew(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec plus the renew call its text documents but its paths lack.

    provisionSiteTLSCertificate's description (2.60.0) says "Use POST
    /api/v1/sites/{site_id}/ssl/renew to renew an existing Let's Encrypt certificate"; the pinned
    spec has no such path. Its answer is assumed to be provisioning's (the certificate object).
    """
    provision = spec["paths"]["/sites/{site_id}/ssl"]["post"]
    renew = {
        "operationId": RENEW_OPERATION,
        "tags": provision.get("tags", []),
        "parameters": [p for p in provision["parameters"] if p["in"] == "path"],
        "responses": provision["responses"],
    }
    return {**spec, "paths": {**spec["paths"], RENEW_PATH: {"post": renew}}}


@functools.cache
def _routes(spec_path: Path) -> list[tuple[str, re.Pattern[str], str, dict[str, Any]]]:
    """Parsed once per test session: the spec is 700 KB."""
    spec = with_renew(json.loads(spec_path.read_text()))
    routes = []
    for template, item in spec["paths"].items():
        # A file path (uploadDeployFile's trailing {path}) spans segments: `assets/app.js`.
        tail = "/(.+)" if template.endswith("/{path}") else ""
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", r"([^/]+)", template.removesuffix("/{path}")) + tail + "$")
        for method, op in item.items():
            if method != "parameters":
                routes.append((method.upper(), pattern, op["operationId"], op))
    # Literal routes before templated ones (`/sites/x` must not match `/{account_slug}/sites`).
    routes.sort(key=lambda r: r[1].pattern.count("([^/]+)"))
    return routes


_VALIDATORS: dict[tuple[str, str], jsonschema.Draft4Validator] = {}


class FakeNetlify(DeployFiles, LoopbackServer):
    """Stateful in-memory Netlify; `calls` records every request with its operationId."""

    def __init__(self, spec_path: Path = SPEC_PATH) -> None:
        if not spec_path.exists():
            raise RuntimeError(f"Netlify spec missing at {spec_path}; run `npm ci`")
        self.routes = _routes(spec_path)
        self.calls: list[Call] = []
        self.faults: deque[Fault] = deque()
        self.schema_errors: list[str] = []
        self.sites: dict[str, dict[str, Any]] = {}
        self.env: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.zones: dict[str, dict[str, Any]] = {}
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.certs: dict[str, dict[str, Any]] = {}
        self.hooks: dict[str, dict[str, dict[str, Any]]] = {}
        self.keys: dict[str, dict[str, Any]] = {}
        self.deploys: dict[str, dict[str, Any]] = {}  # by id, in creation order
        self._init_deploy_files()
        # False: the registrar does not point at Netlify DNS yet (a zone just created), so
        # provisioning a certificate answers the API's documented 422 "bad dns for custom domain".
        self.dns_delegated = True
        # True: Netlify issues the Let's Encrypt certificate itself once a site's domains are set
        # (and DNS points at it), as it does live; tests turn it on to see the program not fight it.
        self.auto_certificates = False
        # The renew route is named only in the spec's text: a live API without it answers 404 even
        # for a site that has a certificate (a possibility the tests must survive, not a known fact).
        self.renew_route = True
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__(self._handler())

    # ---- helpers for tests ---------------------------------------------------------------
    def fail(self, operation: str, **kw: Any) -> None:
        self.faults.append(Fault(operation, **kw))

    def ops(self) -> list[str]:
        return [c.operation for c in self.calls]

    def reset_calls(self) -> None:
        self.calls.clear()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def add_deploy(self, site_id: str, *, publish: bool = False, **fields: Any) -> dict[str, Any]:
        """A finished deploy of the site (ready production by default); `publish` makes it live."""
        deploy_id = fields.pop("id", None) or self.new_id("deploy")
        deploy = {"id": deploy_id, "site_id": site_id, "state": "ready", "context": "production",
                  "branch": "main", "commit_ref": f"c0ffee{deploy_id}", "title": "", "locked": False,
                  "created_at": "2026-01-01T00:00:00Z", **fields}
        self.deploys[deploy_id] = deploy
        if publish:
            self._publish(self.sites[site_id], deploy)
        return deploy

    def _publish(self, site: dict[str, Any], deploy: dict[str, Any]) -> None:
        deploy["published_at"] = deploy.get("published_at") or deploy["created_at"]
        site["published_deploy"] = deploy  # the same object: lock changes show through the site

    # ---- HTTP plumbing ---------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(FakeHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                if (self.headers.get("Content-Type") or "").startswith("application/octet-stream"):
                    body: Any = raw  # a file upload: the bytes themselves
                else:
                    try:
                        body = json.loads(raw) if raw else None
                    except ValueError:
                        body = None
                with fake._lock:
                    if not (self.headers.get("Authorization") or "").startswith("Bearer "):
                        status, payload, headers, drop = 401, {"code": 401, "message": "Access Denied"}, {}, False
                    else:
                        status, payload, headers, drop = fake.dispatch(self.command, parts.path, query, body)
                delay = float(headers.pop("X-Fake-Delay", 0) or 0)
                reply_json(self, status, payload, headers, delay=delay, drop=drop)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        return Handler

    def dispatch(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str], bool]:
        for route_method, pattern, operation, op in self.routes:  # noqa: B007 (used after the break)
            match = pattern.match(path)
            if match and route_method == method:
                break
        else:
            self.calls.append(Call(method, path, "?", query, body, 404))
            return 404, {"code": 404, "message": f"no route {method} {path}"}, {}, False
        fault = self.faults[0] if self.faults and self.faults[0].operation == operation else None
        if fault:
            self.faults.popleft()
        if fault and fault.status is not None:
            self.calls.append(Call(method, path, operation, query, body, fault.status))
            return fault.status, {"code": fault.status, "message": fault.message}, dict(fault.headers), False
        self.validate_request(operation, op, body)
        handler: Callable[..., tuple[int, Any]] | None = getattr(self, f"op_{operation}", None)
        if handler is None:
            raise AssertionError(f"fake has no handler for {operation}")
        try:
            status, payload = handler(*match.groups(), query=query, body=body)
        except Reply as r:
            status, payload = r.status, {"code": r.status, "message": r.message}
        self.validate(operation, op, status, payload)
        self.calls.append(Call(method, path, operation, query, body, status))
        headers = {"X-Fake-Delay": str(fault.delay)} if fault and fault.delay else {}
        return status, payload, headers, bool(fault and fault.drop_after)

    def validate_request(self, operation: str, op: dict[str, Any], body: Any) -> None:
        """A JSON request body against the operation's body schema, where the spec gives one."""
        schema = next((p.get("schema") for p in op.get("parameters", []) if p.get("in") == "body"), None)
        if schema is None or body is None or isinstance(body, bytes):
            return
        key = (operation, "request")
        if key not in _VALIDATORS:
            _VALIDATORS[key] = jsonschema.Draft4Validator(schema)
        for error in _VALIDATORS[key].iter_errors(body):
            self.schema_errors.append(f"{operation} request: {error.message} at {list(error.path)}")

    def validate(self, operation: str, op: dict[str, Any], status: int, payload: Any) -> None:
        response = op["responses"].get(str(status)) or op["responses"].get("default")
        if response is None:
            self.schema_errors.append(f"{operation}: status {status} is not declared in the spec")
            return
        schema = response.get("schema")
        if schema is None:
            # No schema: the spec leaves the body open (e.g. provisionSiteTLSCertificate's 422,
            # whose description lists error messages); only a success answer must then be empty.
            if status < 400 and payload is not None:
                self.schema_errors.append(f"{operation}: {status} must have no body")
            return
        key = (operation, str(status))
        if key not in _VALIDATORS:
            _VALIDATORS[key] = jsonschema.Draft4Validator(schema)
        for error in _VALIDATORS[key].iter_errors(payload):
            self.schema_errors.append(f"{operation} {status}: {error.message} at {list(error.path)}")

    # ---- sites -----------------------------------------------------------------------------
    def _site(self, site_id: str) -> dict[str, Any]:
        if site_id not in self.sites:
            raise Reply(404, "Not Found")
        return self.sites[site_id]

    def _apply_site(self, site: dict[str, Any], body: dict[str, Any], *, patch: bool) -> None:
        for key in ("name", "custom_domain", "domain_aliases", "force_ssl", "processing_settings",
                    "branch_deploy_custom_domain", "deploy_preview_custom_domain", "prevent_non_git_prod_deploys"):
            if key in body:
                site[key] = body[key]
        for key in ("repo", "build_settings"):
            if isinstance(body.get(key), dict):
                settings = dict(body[key])
                if patch and key == "build_settings":
                    # netlify/open-api#358: a PATCH's build_settings.repo_branch is ignored; the UI
                    # (and Netlify's Terraform provider) write `branch`, read back as repo_branch.
                    settings.pop("repo_branch", None)
                if "branch" in settings:
                    settings["repo_branch"] = settings.pop("branch")
                site["build_settings"] = {**site.get("build_settings", {}), **settings}
        site["url"] = f"https://{site.get('custom_domain') or site['name'] + '.netlify.app'}"
        site["ssl_url"] = site["url"]
        if any(k in body for k in ("custom_domain", "domain_aliases")):
            for zone in self.zones.values():
                if zone.get("site_id") == site["id"]:
                    self._link_records(zone, site)
            if self.auto_certificates and self.dns_delegated and site.get("custom_domain"):
                self._issue(site)

    def _site_domains(self, site: dict[str, Any]) -> list[str]:
        return [d for d in [site.get("custom_domain"), *(site.get("domain_aliases") or [])] if d]

    def _link_records(self, zone: dict[str, Any], site: dict[str, Any]) -> None:
        """Netlify DNS serves a linked site's domains with its own NETLIFY records (an address
        alias to the CDN); they stay when the domain later leaves the site (support guide)."""
        held = {(r["type"], r["hostname"]) for r in self.records[zone["id"]].values()}
        for domain in self._site_domains(site):
            if domain != zone["name"] and not domain.endswith("." + zone["name"]):
                continue
            for rtype in ("NETLIFY", "NETLIFYv6") if zone.get("ipv6_enabled") else ("NETLIFY",):
                if (rtype, domain) not in held:
                    record_id = self.new_id("rec")
                    self.records[zone["id"]][record_id] = {
                        "id": record_id, "dns_zone_id": zone["id"], "type": rtype, "hostname": domain,
                        "value": f"{site['name']}.netlify.app", "ttl": 3600, "managed": True, "site_id": site["id"]}

    def _create_site(self, account_slug: str, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or not body.get("name"):
            raise Reply(422, "name is required")
        if any(s["name"] == body["name"] for s in self.sites.values()):
            raise Reply(422, "name already exists")
        site_id = self.new_id("site")
        site = {"id": site_id, "account_slug": account_slug, "admin_url": f"https://app.netlify.com/sites/{body['name']}"}
        self.sites[site_id] = site
        self._apply_site(site, body, patch=False)
        return 201, site

    def op_createSite(self, *, query, body):
        return self._create_site("personal", body)

    def op_createSiteInTeam(self, account_slug, *, query, body):
        return self._create_site(account_slug, body)

    def op_listSites(self, *, query, body):
        name = query.get("name", "")
        return 200, [s for s in self.sites.values() if name in s["name"]]

    def op_getSite(self, site_id, *, query, body):
        return 200, self._site(site_id)

    def op_updateSite(self, site_id, *, query, body):
        site = self._site(site_id)
        self._apply_site(site, body or {}, patch=True)
        return 200, site

    def op_deleteSite(self, site_id, *, query, body):
        self._site(site_id)
        del self.sites[site_id]
        return 204, None

    # ---- deploys -----------------------------------------------------------------------------
    def _deploy(self, deploy_id: str) -> dict[str, Any]:
        if deploy_id not in self.deploys:
            raise Reply(404, "Not Found")
        return self.deploys[deploy_id]

    def op_listSiteDeploys(self, site_id, *, query, body):
        """Every context and state, newest first, one page of `per_page` (default 100)."""
        self._site(site_id)
        mine = [d for d in self.deploys.values() if d["site_id"] == site_id]
        mine.sort(key=lambda d: d["created_at"], reverse=True)
        page, per_page = int(query.get("page") or 1), int(query.get("per_page") or 100)
        # netlify/open-api#365: the live listing leaves out `draft` (getDeploy has it).
        return 200, [{k: v for k, v in d.items() if k != "draft"} for d in mine[(page - 1) * per_page : page * per_page]]

    def _site_deploy(self, site_id: str, deploy_id: str) -> dict[str, Any]:
        self._site(site_id)
        deploy = self._deploy(deploy_id)
        if deploy["site_id"] != site_id:
            raise Reply(404, "Not Found")
        return deploy

    def op_getSiteDeploy(self, site_id, deploy_id, *, query, body):
        return 200, self._site_deploy(site_id, deploy_id)

    def op_restoreSiteDeploy(self, site_id, deploy_id, *, query, body):
        """Publish a finished deploy, draft or not (the same atomic switch as the UI's "Publish deploy").

        Only a `ready` deploy can go live: the live API refuses others with 422 "The deploy is not
        ready for publishing" (the answer public projects quote after calling restore on a deploy
        still in state `new`; the spec shows only the default error). Publishing another deploy
        unlocks the one that was locked live: "You can also unlock a deploy by publishing a specific
        deploy that appears as ready in that listing" (netlify.com/docs/locked-deploys).
        """
        site = self._site(site_id)
        deploy = self._site_deploy(site_id, deploy_id)
        if deploy["state"] not in ("ready", "old"):
            raise Reply(422, "The deploy is not ready for publishing")
        previous = site.get("published_deploy")
        if previous is not None and previous is not deploy:
            previous["locked"] = False
            # A superseded deploy is listed in state `old` (BuilderIO/agent-native#3465 accepts the
            # "historical old deploy state" for rollback targets) and can still be published again.
            previous["state"] = "old"
        self._publish(site, deploy)
        return 201, deploy

    def op_lockDeploy(self, deploy_id, *, query, body):
        deploy = self._deploy(deploy_id)
        deploy["locked"] = True
        return 200, deploy

    def op_unlockDeploy(self, deploy_id, *, query, body):
        deploy = self._deploy(deploy_id)
        deploy["locked"] = False
        return 200, deploy

    # ---- environment variables -------------------------------------------------------------
    def _env_view(self, var: dict[str, Any]) -> dict[str, Any]:
        # Secret values are write-only: the API never reads them back in clear.
        values = [
            {**v, "value": "********"} if var.get("is_secret") and v["context"] != "dev" else v
            for v in var["values"]
        ]
        return {**var, "values": values}

    def _with_ids(self, values: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"id": self.new_id("val"), **{k: v for k, v in val.items() if k != "id"}} for val in values]

    def op_getEnvVars(self, account_id, *, query, body):
        site = query.get("site_id", "")
        return 200, [self._env_view(v) for (a, s, _), v in self.env.items() if a == account_id and s == site]

    def op_createEnvVars(self, account_id, *, query, body):
        site = query.get("site_id", "")
        created = []
        for item in body or []:
            where = (account_id, site, item["key"])
            if where in self.env:
                raise Reply(409, f"{item['key']} already exists")
            self._secret_contexts_explicit(item)
            var = {"key": item["key"], "scopes": item.get("scopes") or ["builds", "functions", "runtime", "post-processing"],
                   "values": self._with_ids(item.get("values") or []), "is_secret": bool(item.get("is_secret"))}
            self.env[where] = var
            created.append(self._env_view(var))
        return 201, created

    @staticmethod
    def _secret_contexts_explicit(var: dict[str, Any]) -> None:
        """docs.netlify.com/environment-variables/secrets-controller/: secret values "must be set to
        explicit deploy contexts" (not `all`); the live status and text are an approximation."""
        if var.get("is_secret") and any(v.get("context") == "all" for v in var.get("values") or []):
            raise Reply(422, "secret environment variables need values for explicit deploy contexts, not 'all'")

    def _env(self, account_id: str, key: str, query: dict[str, str]) -> dict[str, Any]:
        var = self.env.get((account_id, query.get("site_id", ""), key))
        if var is None:
            raise Reply(404, "Environment variable not found")
        return var

    def op_getEnvVar(self, account_id, key, *, query, body):
        return 200, self._env_view(self._env(account_id, key, query))

    def op_updateEnvVar(self, account_id, key, *, query, body):
        var = self._env(account_id, key, query)
        self._secret_contexts_explicit({"is_secret": body.get("is_secret", var.get("is_secret")), "values": body.get("values")})
        var["values"] = self._with_ids(body.get("values") or [])
        if body.get("scopes") is not None:
            var["scopes"] = body["scopes"]
        if body.get("is_secret") is not None:  # the PUT body's is_secret (spec: updateEnvVar)
            if var.get("is_secret") and not body["is_secret"]:
                # docs.netlify.com/environment-variables/secrets-controller/: "After an environment
                # variable is flagged as a secret, you cannot remove the flag to reveal the secret's
                # value." The live status and text are not documented: this answer is an approximation.
                return 422, {"code": 422, "message": "the secret flag of a secret environment variable cannot be removed"}
            var["is_secret"] = bool(body["is_secret"])
        return 200, self._env_view(var)

    def op_setEnvVarValue(self, account_id, key, *, query, body):
        var = self._env(account_id, key, query)
        slot = (body.get("context"), body.get("context_parameter"))
        var["values"] = [v for v in var["values"] if (v["context"], v.get("context_parameter")) != slot]
        var["values"] += self._with_ids([body])
        return 201, self._env_view(var)

    def op_deleteEnvVar(self, account_id, key, *, query, body):
        self._env(account_id, key, query)
        del self.env[(account_id, query.get("site_id", ""), key)]
        return 204, None

    # ---- DNS ---------------------------------------------------------------------------------
    def op_getDnsZones(self, *, query, body):
        return 200, [z for z in self.zones.values() if z["account_slug"] == query.get("account_slug")]

    def op_createDnsZone(self, *, query, body):
        if any(z["name"] == body["name"] for z in self.zones.values()):
            raise Reply(422, "zone already exists")
        zone_id = self.new_id("zone")
        zone = {"id": zone_id, "name": body["name"], "account_slug": body["account_slug"],
                "site_id": body.get("site_id") or "", "dns_servers": ["dns1.p01.nsone.net", "dns2.p01.nsone.net"],
                "supported_record_types": ["A", "AAAA", "ALIAS", "CAA", "CNAME", "MX", "NS", "SPF", "SRV", "TXT"]}
        self.zones[zone_id] = zone
        self.records[zone_id] = {}
        if zone["site_id"] in self.sites:
            self._link_records(zone, self.sites[zone["site_id"]])
        return 201, zone

    def _zone(self, zone_id: str) -> dict[str, Any]:
        if zone_id not in self.zones:
            raise Reply(404, "Not Found")
        return self.zones[zone_id]

    def op_getDnsZone(self, zone_id, *, query, body):
        return 200, self._zone(zone_id)

    def op_deleteDnsZone(self, zone_id, *, query, body):
        self._zone(zone_id)
        del self.zones[zone_id]
        del self.records[zone_id]
        return 204, None

    def op_getDnsRecords(self, zone_id, *, query, body):
        self._zone(zone_id)
        return 200, list(self.records[zone_id].values())

    def op_createDnsRecord(self, zone_id, *, query, body):
        self._zone(zone_id)
        name = str(body.get("hostname") or "").rstrip(".").lower()
        if str(body.get("type") or "").upper() in ADDRESS_TYPES and any(
            r["type"] in ("NETLIFY", "NETLIFYv6") and r["hostname"] == name for r in self.records[zone_id].values()
        ):
            # The live refusal, as Netlify's support guide quotes it ("400 - link exists, all
            # config must be empty"): Netlify's own record already answers for that name.
            raise Reply(400, LINK_EXISTS)
        record_id = self.new_id("rec")
        record = {"id": record_id, "dns_zone_id": zone_id, "ttl": 3600, "managed": False, **body}
        self.records[zone_id][record_id] = record
        return 201, record

    def _record(self, zone_id: str, record_id: str) -> dict[str, Any]:
        record = self.records.get(zone_id, {}).get(record_id)
        if record is None:
            raise Reply(404, "Not Found")
        return record

    def op_getIndividualDnsRecord(self, zone_id, record_id, *, query, body):
        return 200, self._record(zone_id, record_id)

    def op_deleteDnsRecord(self, zone_id, record_id, *, query, body):
        self._record(zone_id, record_id)
        del self.records[zone_id][record_id]
        return 204, None

    # ---- TLS ---------------------------------------------------------------------------------
    def _issue(self, site: dict[str, Any]) -> dict[str, Any]:
        """A Let's Encrypt certificate for the site's current domains."""
        if not site.get("custom_domain"):
            raise Reply(422, "No custom domain configured")
        if not self.dns_delegated:
            raise Reply(422, "bad dns for custom domain")
        cert = {"state": "issued", "domains": self._site_domains(site),
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                "expires_at": "2026-04-01T00:00:00Z"}
        self.certs[site["id"]] = cert
        return cert

    def op_provisionSiteTLSCertificate(self, site_id, *, query, body):
        site = self._site(site_id)
        if site_id in self.certs and not all(query.get(k) for k in ("certificate", "key", "ca_certificates")):
            # The spec's own text: updating a site that has a certificate REQUIRES certificate,
            # key and ca_certificates; a Let's Encrypt certificate is renewed at .../ssl/renew.
            raise Reply(422, CERT_PARAMS_REQUIRED)
        return 200, self._issue(site)

    def op_renewSiteTLSCertificate(self, site_id, *, query, body):
        if not self.renew_route:
            raise Reply(404, "Not Found")
        site = self._site(site_id)
        if site_id not in self.certs:
            raise Reply(404, "Not Found")
        return 200, self._issue(site)

    def op_showSiteTLSCertificate(self, site_id, *, query, body):
        self._site(site_id)
        if site_id not in self.certs:
            raise Reply(404, "Not Found")
        return 200, self.certs[site_id]

    # ---- build hooks ---------------------------------------------------------------------------
    def op_listSiteBuildHooks(self, site_id, *, query, body):
        self._site(site_id)
        return 200, list(self.hooks.get(site_id, {}).values())

    def op_createSiteBuildHook(self, site_id, *, query, body):
        self._site(site_id)
        hook_id = self.new_id("hook")
        hook = {"id": hook_id, "title": body["title"], "branch": body["branch"], "site_id": site_id,
                "url": f"https://api.netlify.com/build_hooks/{hook_id}", "created_at": "2026-01-01T00:00:00Z"}
        self.hooks.setdefault(site_id, {})[hook_id] = hook
        return 201, hook

    def _hook(self, site_id: str, hook_id: str) -> dict[str, Any]:
        hook = self.hooks.get(site_id, {}).get(hook_id)
        if hook is None:
            raise Reply(404, "Not Found")
        return hook

    def op_getSiteBuildHook(self, site_id, hook_id, *, query, body):
        return 200, self._hook(site_id, hook_id)

    def op_updateSiteBuildHook(self, site_id, hook_id, *, query, body):
        self._hook(site_id, hook_id).update({k: body[k] for k in ("title", "branch") if k in body})
        return 204, None

    def op_deleteSiteBuildHook(self, site_id, hook_id, *, query, body):
        self._hook(site_id, hook_id)
        del self.hooks[site_id][hook_id]
        return 204, None

    # ---- deploy keys ---------------------------------------------------------------------------
    def op_listDeployKeys(self, *, query, body):
        return 200, list(self.keys.values())

    def op_createDeployKey(self, *, query, body):
        key_id = self.new_id("key")
        self.keys[key_id] = {"id": key_id, "public_key": f"ssh-ed25519 AAAAfake{key_id}", "created_at": "2026-01-01T00:00:00Z"}
        return 201, self.keys[key_id]

    def op_getDeployKey(self, key_id, *, query, body):
        if key_id not in self.keys:
            raise Reply(404, "Not Found")
        return 200, self.keys[key_id]

    def op_deleteDeployKey(self, key_id, *, query, body):
        if key_id not in self.keys:
            raise Reply(404, "Not Found")
        del self.keys[key_id]
        return 204, None
