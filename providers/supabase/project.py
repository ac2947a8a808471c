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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi

from providers.crud import Problems, Props
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
# What an import takes from the API as the program's inputs (no password: it cannot be read).
IMPORTED = ("organization_slug", "name", "region", "instance_size", "wait_timeout", "poll_interval")


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
    """On the CRUD skeleton's hooks. Found by organization and name (`find`; a same-named project in
    another region is refused, never adopted), then `settle`d whether found or made: waited on until
    ACTIVE_HEALTHY, its API keys listed (a found legacy-only project gets the new ones). A found
    project's password is not the stack's (`adopted`), so `create` converges it: one update sets it.
    The live object is the project with its keys (`{"project", "keys"}`, + `instance_size` on an
    import); `fetch_with_state` reads more than the project only where state lacks something: the
    keys (state from before them, which `missing_outputs` also names) or, on an import, the compute
    add-on. An update reads nothing back (`apply` answers the project as state knows it). The password
    is write-only (`db_pass_sha256`, the layout state already holds); `ref` never changes (`stables`)."""

    kind = "supabase project"
    inputs: ClassVar[tuple[str, ...]] = ("organization_slug", "name", "region", "instance_size", "db_pass",
                                         "legacy_api_keys")
    # A new project of the same name would adopt the old one: a replacement deletes first.
    identity = frozenset({"organization_slug", "region"})
    # No declared size is a value too (the API's default); legacy keys: see `normalise`.
    unset_is_value = frozenset({"instance_size", "legacy_api_keys"})
    write_only: ClassVar[Mapping[str, str]] = {"db_pass": "db_pass_sha256"}
    plumbing: ClassVar[tuple[str, ...]] = ("wait_timeout", "poll_interval")
    stables: ClassVar[tuple[str, ...]] = ("ref",)

    # -- local -------------------------------------------------------------------------------
    def defaults(self, news: Props) -> Props:
        return {**news,
                "wait_timeout": DEFAULT_WAIT_TIMEOUT if news.get("wait_timeout") is None else news["wait_timeout"],
                "poll_interval": DEFAULT_POLL_INTERVAL if news.get("poll_interval") is None else news["poll_interval"]}

    def validate(self, news: Props) -> Problems:
        problems = input_problems(news)
        for key in ("wait_timeout", "poll_interval"):
            if problem := seconds_problem(news.get(key)):
                problems.append((key, problem))
        return problems

    def normalise(self, key: str, value: Any, props: Props, *, old: bool) -> Any:
        # Legacy keys on is what state written before the switch existed meant: compared as unset.
        return None if key == "legacy_api_keys" and value == "enabled" else value

    def missing_outputs(self, olds: Props) -> list[str]:
        return [] if has_new_keys(olds) else ["api_keys"]

    def delete_before_replace(self, olds: Props, news: Props) -> bool:
        return True

    def adopted(self, props: Props) -> Props:
        # A found project's password is unknown: no hash in its outputs, so `create` converges it.
        return {k: v for k, v in props.items() if k != "db_pass"}

    def read_inputs(self, outs: Props, prior: Props) -> Props | None:
        if prior.get("db_pass_sha256") is None:
            # An import (no password in state yet): the inputs are what the API shows, the size even when None.
            return {k: outs.get(k) for k in IMPORTED}
        return super().read_inputs(outs, prior)

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

    def _api_keys(self, ref: str, interval: float, *, fresh: bool) -> dict[str, str]:
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
        return {**legacy_outputs(keys), **outs}

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

    def find(self, props: Props) -> dict[str, Any] | None:
        project = self._find(props["organization_slug"], props["name"])
        if project is not None and project.get("region") not in (None, props["region"]):
            raise ApiError(self.kind, "adopt", None,
                           f"project {props['name']!r} (ref {project['ref']}) already exists in region "
                           f"{project['region']}, not {props['region']}: import it with that region or choose another name")
        return project

    def create_new(self, props: Props) -> dict[str, Any]:
        return self.call("v1-create-a-project", json=_create_body(props))

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return str(live["ref"])

    def settle(self, id_: str, live: dict[str, Any], props: Props, *, made: bool) -> dict[str, Any]:
        # Found: a lost answer or a timed-out wait in an earlier run, or a same-named project.
        project = self.wait_until_healthy(id_, timeout=props["wait_timeout"], interval=props["poll_interval"])
        return {"project": project, "keys": self._api_keys(id_, props["poll_interval"], fresh=made)}

    def fetch_with_state(self, id_: str, state: Props) -> dict[str, Any] | None:
        require_ref("v1-get-project", id_, self.kind)
        project = self.call("v1-get-project", ref=id_, not_found_ok=True)
        if project is None:
            return None
        # State holding the keys keeps a refresh one GET; older state (or an import) lists them, migrating.
        interval = DEFAULT_POLL_INTERVAL if state.get("poll_interval") is None else state["poll_interval"]
        live = {"project": project,
                "keys": _stored_keys(state) if has_new_keys(state) else self._api_keys(id_, interval, fresh=False)}
        if state.get("db_pass_sha256") is None:
            # An import: the live compute size, so the first `up` after it applies no add-on it already has.
            live["instance_size"] = self._instance_size(id_)
        return live

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        observed, password = self._observed(live["project"]), props.get("db_pass")
        return {
            **observed,
            "instance_size": live["instance_size"] if "instance_size" in live else props.get("instance_size"),
            "legacy_api_keys": props.get("legacy_api_keys") or "enabled",
            **self.defaults({k: props.get(k) for k in self.plumbing}),  # an import's state has none
            # Once the stack disabled them, no legacy key is an output: nothing can deliver one.
            **{k: v for k, v in live["keys"].items() if not (legacy_off(props) and k in LEGACY_OUTPUTS.values())},
            # Known when written (create, update); a read keeps what state holds.
            "db_url": props.get("db_url", "") if password is None else self._db_url(observed["db_host"], password),
            "db_pass_sha256": props.get("db_pass_sha256") if password is None else sha256(password),
        }

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        keys = self._api_keys(id_, news["poll_interval"], fresh=False) if "api_keys" in changed else _stored_keys(olds)
        if "name" in changed:
            self.write(id_, lambda: self.call("v1-update-a-project", ref=id_, json={"name": news["name"]}))
        size = news.get("instance_size")
        if "instance_size" in changed and size is not None:
            body = {"addon_type": "compute_instance", "addon_variant": f"{COMPUTE_PREFIX}{size}"}
            if spec.validate_body("v1-apply-project-addon", body):
                raise ApiError(self.kind, "v1-apply-project-addon", None,
                               f"instance_size {size!r} cannot be applied to an existing project "
                               f"(the API has no compute add-on ci_{size})")
            self.write(id_, lambda: self.call("v1-apply-project-addon", ref=id_, json=body))
        if "db_pass" in changed:
            self._set_password(id_, news["db_pass"])
        # No read back: the project as state knows it, with what was just written.
        project = {"ref": id_, "name": news["name"], "organization_slug": news["organization_slug"],
                   "region": news["region"], "status": olds.get("status"), "database": {"host": olds.get("db_host")}}
        return {"project": project, "keys": keys}

    def remove(self, id_: str, props: Props) -> None:
        self.call("v1-delete-a-project", ref=id_, not_found_ok=True)


def _stored_keys(state: Props) -> dict[str, str]:
    """The key outputs state holds (a refresh or an update reads no key)."""
    return {k: state[k] for k in ("publishable_key", "secret_key", *LEGACY_OUTPUTS.values()) if state.get(k)}


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
