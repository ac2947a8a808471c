"""A Supabase project: created or adopted by name, waited on until healthy, never orphaned.

The project ref is the one thing that must survive a failed run: a create whose wait times out
raises after the project exists, so the next run finds it by name in the organization and
adopts it instead of creating (and billing) a second one. The database password is a secret
input that rotates in place (PATCH /database/password); state keeps only its SHA-256.

API keys are read by type, not by name: a project created since November 2025 has only a
publishable and a secret key, no `anon` / `service_role` (deprecated by the end of 2026). A
project that still has only the legacy pair gets the new keys created once, which disables
nothing (supabase.com/docs/guides/getting-started/migrating-to-new-api-keys: "Both key types
work simultaneously"). Once the stack disables the legacy keys (`legacy_api_keys: "disabled"`,
switched off by `api_keys.LegacyApiKeys`), the project outputs neither `anon_key` nor
`service_role_key`, so nothing in the program can deliver one; keys are still read by type, so
whether the listing keeps showing the disabled legacy keys does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from providers.base import refreshed_inputs
from providers.http import ApiError, create_or_adopt
from providers.supabase import spec
from providers.supabase.api import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    SECRET_JWT_TEMPLATE,
    SupabaseProvider,
    require_ref,
    seconds_problem,
)
from providers.supabase.connection import postgres_url
from providers.supabase.validation import create_body as _create_body
from providers.supabase.validation import project_problems
from providers.unknowns import is_unknown
from providers.values import sha256

# anon_key / service_role_key only while the project still has its legacy keys.
SECRET_OUTPUTS = ["publishable_key", "secret_key", "anon_key", "service_role_key", "db_url"]
PAGE = 100
MAX_PAGES = 50
KEY_POLLS = 10
COMPUTE_PREFIX = "ci_"  # compute add-on variants are `ci_<instance size>`
KEY_TYPES = ("publishable", "secret")  # ApiKeyResponse.type: legacy | publishable | secret
KEY_NAME = "default"  # what a new project's keys are named, and what a migration creates
LEGACY_OUTPUTS = {"anon": "anon_key", "service_role": "service_role_key"}


def pick_key(keys: list[dict[str, Any]], key_type: str) -> dict[str, Any] | None:
    """The key of `key_type` the program uses: the one named `default`, else the first listed.

    By type, as supabase/terraform-provider-supabase `internal/provider/apikeys_data_source.go`
    reads them (only legacy keys are told apart by name).
    """
    found = [k for k in keys if k.get("type") == key_type and k.get("api_key")]
    return next((k for k in found if k.get("name") == KEY_NAME), found[0] if found else None)


def legacy_outputs(keys: list[dict[str, Any]]) -> dict[str, str]:
    """anon_key / service_role_key for the legacy keys the project still has (type null in older answers)."""
    return {LEGACY_OUTPUTS[k["name"]]: k["api_key"] for k in keys
            if k.get("type") in ("legacy", None) and k.get("name") in LEGACY_OUTPUTS and k.get("api_key")}


def legacy_off(props: dict[str, Any]) -> bool:
    """The stack disabled the legacy keys: they are no output of the project (nothing can deliver one)."""
    return props.get("legacy_api_keys") == "disabled"


def has_new_keys(outs: dict[str, Any]) -> bool:
    """State written before publishable/secret keys were outputs lacks them: the next update migrates."""
    return bool(outs.get("publishable_key") and outs.get("secret_key"))


def input_problems(props: dict[str, Any]) -> list[tuple[str, str]]:
    """(input, message) for project inputs the pinned spec rejects; unknown (preview) values are skipped."""
    return project_problems(props, is_unknown)


class ProjectProvider(SupabaseProvider):
    """Overrides the CRUD skeleton's methods; the hooks it would need are not general. Create adopts by
    name like the skeleton, but then must wait for ACTIVE_HEALTHY, refuse a found project in another
    region, set the password of an adopted one (its hash cannot be compared, so the skeleton's
    converge-by-update cannot see it) and list or create the API keys: other API objects, no
    `outputs` of one GET answer. `read` is one GET only when state already holds the keys: whether it
    lists them (state from before them) or the compute add-on (an import) depends on the prior
    state, which `fetch` never sees. `diff` reports a change of outputs (`api_keys`: state missing the
    new keys) and `stables`, which compare no input. The password is write-only (kept as
    `db_pass_sha256`, the layout state already holds, with no `wait_timeout`-style plumbing)."""

    kind = "supabase project"

    # -- local -------------------------------------------------------------------------------
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {
            **news,
            "wait_timeout": DEFAULT_WAIT_TIMEOUT if news.get("wait_timeout") is None else news["wait_timeout"],
            "poll_interval": DEFAULT_POLL_INTERVAL if news.get("poll_interval") is None else news["poll_interval"],
        }
        failures = [CheckFailure(field, what) for field, what in input_problems(news)]
        for key in ("wait_timeout", "poll_interval"):
            problem = seconds_problem(inputs[key])
            if problem:
                failures.append(CheckFailure(key, problem))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A new project of the same name would adopt the old one: replacement deletes first.
        # An identity input not known yet is a change, not a replacement: the update diffs it again once known.
        moved = [k for k in ("organization_slug", "region") if olds.get(k) != news.get(k)]
        replaces = [k for k in moved if not is_unknown(news.get(k))]
        changed = [k for k in ("name", "instance_size") if olds.get(k) != news.get(k)] + moved
        password = news.get("db_pass")
        if is_unknown(password) or sha256(str(password)) != olds.get("db_pass_sha256"):
            changed.append("db_pass")
        if not has_new_keys(olds):
            changed.append("api_keys")  # the one output diffed: state from before the new keys
        if olds.get("legacy_api_keys", "enabled") != news.get("legacy_api_keys", "enabled"):
            changed.append("legacy_api_keys")
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            stables=["ref"],
            delete_before_replace=True,
        )

    # -- remote ------------------------------------------------------------------------------
    def _find(self, slug: str, name: str) -> dict[str, Any] | None:
        """The live project named `name` in the organization, if any (bounded pagination)."""
        for page in range(MAX_PAGES):
            answer = self.call(
                "v1-get-all-projects-for-organization",
                slug=slug,
                params={"search": name, "limit": PAGE, "offset": page * PAGE},
            )
            projects = answer.get("projects", [])
            for project in projects:
                if project.get("name") == name and project.get("status") not in ("REMOVED", "GOING_DOWN"):
                    return project
            if len(projects) < PAGE:
                return None
        return None

    def _list_keys(self, ref: str) -> list[dict[str, Any]]:
        # Without reveal a secret key lists as its prefix only (`sb_secret_` + 5 characters): the spec says
        # nothing more than "Boolean string"; supabase/supabase apps/studio/lib/api/self-hosted/api-keys.ts
        # masks so "matching the platform management API", and the Terraform provider always reveals.
        return self.call("v1-get-project-api-keys", ref=ref, params={"reveal": True}) or []

    def _create_key(self, ref: str, key_type: str) -> dict[str, Any]:
        body: dict[str, Any] = {"type": key_type, "name": KEY_NAME,
                                "description": "created by maintainpro-platform"}
        if key_type == "secret":
            body["secret_jwt_template"] = SECRET_JWT_TEMPLATE
        return self.call("v1-create-project-api-key", ref=ref, params={"reveal": True}, json=body)

    def _ensure_key(self, ref: str, keys: list[dict[str, Any]], key_type: str) -> dict[str, Any]:
        """The key of `key_type`, created when the project has none; a lost POST is found, never resent blind."""
        known = pick_key(keys, key_type)
        if known is not None:
            return known
        listed = [keys]  # the first look is the listing just made; later ones (after a lost answer) list again
        return create_or_adopt(lambda: pick_key(listed.pop() if listed else self._list_keys(ref), key_type),
                               lambda: self._create_key(ref, key_type), resource=self.kind)

    def _api_keys(self, ref: str, interval: float, *, fresh: bool, legacy: bool = True) -> dict[str, str]:
        """publishable_key and secret_key (+ the legacy pair while it exists), migrating a project without them.

        Right after create (`fresh`) the new keys may take a while to be listed: wait for both,
        boundedly. So does a project that lists one new key but not the other: it is a new-style
        project still provisioning (an adoption after a lost create answer), and creating the
        missing key would leave it with two. Only a project listing no publishable or secret key at
        all (legacy-only) is settled at once, and migrated.
        """
        keys: list[dict[str, Any]] = []
        for poll in range(KEY_POLLS):
            keys = self._list_keys(ref)
            found = [t for t in KEY_TYPES if pick_key(keys, t)]
            if len(found) == len(KEY_TYPES) or (keys and not fresh and not found):
                break
            if poll < KEY_POLLS - 1:
                self.client().sleep(interval)
        if not keys:
            raise ApiError(self.kind, "v1-get-project-api-keys", None,
                           f"project {ref} lists no API keys after {KEY_POLLS} polls; "
                           f"the project is kept and the next `pulumi up` adopts it")
        outs = {}
        for key_type in KEY_TYPES:
            value = self._ensure_key(ref, keys, key_type).get("api_key")
            if not value:
                raise ApiError(self.kind, "v1-create-project-api-key", None,
                               f"project {ref}: the API answered no value for its {key_type} key")
            outs[f"{key_type}_key"] = value
        return {**(legacy_outputs(keys) if legacy else {}), **outs}

    def _instance_size(self, ref: str) -> str | None:
        """The compute size from the project's selected add-ons (`ci_small` -> `small`); None without one."""
        answer = self.call("v1-list-project-addons", ref=ref) or {}
        for addon in answer.get("selected_addons") or []:
            variant = str((addon.get("variant") or {}).get("id") or "")
            if addon.get("type") == "compute_instance" and variant.startswith(COMPUTE_PREFIX):
                return variant.removeprefix(COMPUTE_PREFIX)
        return None

    def _set_password(self, ref: str, password: str) -> None:
        self.write(ref, lambda: self.call("v1-update-database-password", ref=ref, json={"password": password}))

    @staticmethod
    def _db_url(host: str, password: str) -> str:
        """The direct host (IPv6-only without the IPv4 add-on): for what must bypass the pooler."""
        return postgres_url(user="postgres", password=password, host=host, port=5432, database="postgres")

    @staticmethod
    def _observed(project: dict[str, Any]) -> dict[str, Any]:
        ref = project["ref"]
        return {
            "ref": ref,
            "name": project.get("name"),
            "organization_slug": project.get("organization_slug"),
            "region": project.get("region"),
            "status": project.get("status"),
            "db_host": (project.get("database") or {}).get("host") or f"db.{ref}.supabase.co",
            "url": f"https://{ref}.supabase.co",
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        slug, name, password = props["organization_slug"], props["name"], props["db_pass"]
        created: list[dict[str, Any]] = []

        def post() -> dict[str, Any]:
            created.append(self.call("v1-create-a-project", json=_create_body(props)))
            return created[-1]

        project = create_or_adopt(lambda: self._find(slug, name), post, resource=self.kind)
        ref = project["ref"]
        # Adopted (not created): a lost answer or a timed-out wait in an earlier run, or a same-named project.
        if not created and project.get("region") not in (None, props["region"]):
            raise ApiError(self.kind, "adopt", None,
                           f"project {name!r} (ref {ref}) already exists in region {project['region']}, "
                           f"not {props['region']}: import it with that region or choose another name")
        live = self.wait_until_healthy(ref, timeout=props["wait_timeout"], interval=props["poll_interval"])
        if not created:
            self._set_password(ref, password)
        outs = {
            **self._inputs(props),
            **self._observed(live),
            **self._api_keys(ref, props["poll_interval"], fresh=bool(created), legacy=not legacy_off(props)),
        }
        outs["db_url"] = self._db_url(outs["db_host"], password)
        outs["db_pass_sha256"] = sha256(password)
        return CreateResult(ref, outs)

    @staticmethod
    def _inputs(props: dict[str, Any]) -> dict[str, Any]:
        keep = ("organization_slug", "name", "region", "instance_size", "wait_timeout", "poll_interval")
        return {**{k: props.get(k) for k in keep}, "legacy_api_keys": props.get("legacy_api_keys") or "enabled"}

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        require_ref("v1-get-project", id_, self.kind)
        project = self.call("v1-get-project", ref=id_, not_found_ok=True)
        if project is None:
            return ReadResult(None, {})
        observed = self._observed(project)
        outs = {**props, **observed}
        outs.pop("db_pass", None)
        outs.setdefault("wait_timeout", DEFAULT_WAIT_TIMEOUT)
        outs.setdefault("poll_interval", DEFAULT_POLL_INTERVAL)
        if not has_new_keys(props):
            # Import, or state from before the new keys: list them (migrating a legacy-only project).
            # A refresh keeps the keys in state: it stays one GET.
            outs = {k: v for k, v in outs.items() if k not in LEGACY_OUTPUTS.values()}
            outs.update(self._api_keys(id_, outs["poll_interval"], fresh=False, legacy=not legacy_off(props)))
        outs.setdefault("db_url", "")
        importing = "db_pass_sha256" not in props
        if importing:
            # The live compute size, so the first `up` after an import applies no add-on it already has.
            outs["instance_size"] = self._instance_size(id_)
        outs.setdefault("instance_size", None)
        if importing:  # no state: the inputs come from the API
            return ReadResult(id_, outs, {k: outs[k] for k in ("organization_slug", "name", "region", "instance_size",
                                                                "wait_timeout", "poll_interval")})
        # A refresh: the prior inputs with each drifted field's live value. The password is
        # write-only and not in state: with nothing drifted the engine keeps its stored inputs.
        drifted = [k for k in ("organization_slug", "name", "region") if observed.get(k) != props.get(k)]
        keys = ("organization_slug", "name", "region", "instance_size", "legacy_api_keys", "wait_timeout", "poll_interval")
        return ReadResult(id_, outs, refreshed_inputs(props, keys, observed, drifted, unreadable=["db_pass"]))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        outs = {**olds, **self._inputs(news)}
        if legacy_off(news):
            outs = {k: v for k, v in outs.items() if k not in LEGACY_OUTPUTS.values()}
        if not has_new_keys(olds):
            outs = {k: v for k, v in outs.items() if k not in LEGACY_OUTPUTS.values()}
            outs.update(self._api_keys(id_, news["poll_interval"], fresh=False, legacy=not legacy_off(news)))
        if news["name"] != olds.get("name"):
            self.write(id_, lambda: self.call("v1-update-a-project", ref=id_, json={"name": news["name"]}))
        size = news.get("instance_size")
        if size is not None and size != olds.get("instance_size"):
            body = {"addon_type": "compute_instance", "addon_variant": f"{COMPUTE_PREFIX}{size}"}
            if spec.validate_body("v1-apply-project-addon", body):
                raise ApiError(self.kind, "v1-apply-project-addon", None,
                               f"instance_size {size!r} cannot be applied to an existing project "
                               f"(the API has no compute add-on ci_{size})")
            self.write(id_, lambda: self.call("v1-apply-project-addon", ref=id_, json=body))
        password = news["db_pass"]
        if sha256(password) != olds.get("db_pass_sha256"):
            self._set_password(id_, password)
            outs["db_pass_sha256"] = sha256(password)
            outs["db_url"] = self._db_url(olds.get("db_host") or f"db.{id_}.supabase.co", password)
        return UpdateResult(outs)

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        self.call("v1-delete-a-project", ref=id_, not_found_ok=True)


@dataclass(frozen=True)
class ProjectArgs:
    """A project's inputs; `db_password` is made secret, state keeps only its SHA-256."""

    organization_slug: pulumi.Input[str]
    name: pulumi.Input[str]
    region: pulumi.Input[str]
    db_password: pulumi.Input[str]
    instance_size: pulumi.Input[str] | None = None
    legacy_api_keys: str = "enabled"
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT
    poll_interval: float = DEFAULT_POLL_INTERVAL


class Project(pulumi.dynamic.Resource, module="supabase", name="Project"):
    """A Supabase project; keys and the database URL are secret outputs (legacy keys only while they exist)."""

    ref: pulumi.Output[str]
    url: pulumi.Output[str]
    status: pulumi.Output[str]
    db_host: pulumi.Output[str]
    publishable_key: pulumi.Output[str]
    secret_key: pulumi.Output[str]
    anon_key: pulumi.Output[str]
    service_role_key: pulumi.Output[str]
    db_url: pulumi.Output[str]

    def __init__(self, resource_name: str, args: ProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "organization_slug": args.organization_slug,
            "name": args.name,
            "region": args.region,
            "instance_size": args.instance_size,
            "db_pass": pulumi.Output.secret(args.db_password),
            "legacy_api_keys": args.legacy_api_keys,
            "wait_timeout": args.wait_timeout,
            "poll_interval": args.poll_interval,
            **dict.fromkeys(("ref", "url", "status", "db_host", *SECRET_OUTPUTS)),
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS))
        super().__init__(ProjectProvider(), resource_name, props, opts)
