"""Supabase secret API keys (`sb_secret_...`) that rotate with an overlap, and the legacy JWT key switch.

A secret key bypasses row-level security, so each consumer gets its own (`SecretApiKey`) and it
is replaced every rotation window. Replacing it must never revoke a key a consumer still holds:
- `SecretApiKey` creates the window's key on update and moves the previous one to `retiring` with
  `retire_after` = the moment the new key was created (provider clock) + the grace period. It
  never deletes a key on update, so a run that fails before every consumer got the new key
  leaves the old one working.
- `SecretApiKeyRetirement` deletes only the ids the program lists (retiring keys whose
  `retire_after` has passed) and `depends_on` every consumer of the key: the engine runs it
  after they were updated, and not at all when one of them failed (after a failure it lets
  in-flight operations finish "but not starting any new operations": pulumi.com blog "Continue on
  Error in the Pulumi CLI"). Its delete removes nothing.
Rotation is an update, never a replacement: the old half of a replacement is a pending delete
that the next `up` after a failed run performs first, before the dependents (pulumi/pulumi#9979).
Keys are named `<prefix>_<YYYYMMDD>` (the window's start), so a create whose answer was lost is
found by name and adopted, never duplicated.

`LegacyApiKeys` switches the project's JWT-based `anon` / `service_role` keys off
(`PUT /api-keys/legacy?enabled=false`). The spec says of that endpoint: "This API endpoint will be
removed in the future, check for HTTP 404 Not Found"; a 404 reads as disabled, as
supabase/terraform-provider-supabase `internal/provider/project_resource.go` reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, NamedTuple

import pulumi

from providers.crud import Problems, Props
from providers.http import ApiError, create_or_adopt
from providers.keepers import KEEPER, PERIOD_KEEPER, key_name
from providers.keepers import due as due  # re-exported: components and ops import them from here
from providers.keepers import key_prefix as key_prefix
from providers.supabase import spec
from providers.supabase.api import (
    DEFAULT_WAIT_TIMEOUT,
    SECRET_JWT_TEMPLATE,
    SupabaseProvider,
    seconds_problem,
    wait_timeout_of,
)
from providers.values import parse_id

SECRET_OUTPUTS = ["api_key"]
# What a rotation's DELETE says (the spec's own example of `reason`); a compromise is not a rotation.
RETIRE_PARAMS = {"was_compromised": False, "reason": "rotating_key"}
# A key's name (prefix + window start) and grace period (shorter than the window) are checked together:
# not at all while one of them is not known yet.
_NAMING = frozenset({"keepers", "name_prefix", "grace_seconds"})


class _Clocked(SupabaseProvider):
    """A provider that reads the time (for grace periods); tests inject the clock, state never holds it."""

    def now(self) -> datetime:
        clock: Callable[[], datetime] | None = self.__dict__.get("_clock")
        return clock() if clock else datetime.now(timezone.utc)

    def use_clock(self, clock: Callable[[], datetime]) -> None:
        self.__dict__["_clock"] = clock

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_clock", None)
        return state

    def _delete_key(self, ref: str, key_id: str, timeout: float) -> None:
        """DELETE one key; one already gone (404) is fine."""
        self.write(ref, lambda: self.call("v1-delete-project-api-key", ref=ref, id=key_id, params=RETIRE_PARAMS,
                                          not_found_ok=True), timeout)


class SecretApiKeyProvider(_Clocked):
    """On the CRUD skeleton's hooks. The resource id (`project_ref/name_prefix`) stays while the key
    behind it changes every window, so the key's id lives in state (`fetch_with_state`). The live
    object is the window's key with its clock stamp and the retiring keys (`{"key", "created_at",
    "retiring"}`, made by `settle`). The keepers compare by what they decide (`normalise`): the day the
    key is named after, and the period. An update never writes the key in place (`apply`): a new window
    finds or creates its key and moves the previous one to `retiring`, never deleting it. `find` and
    `create_new` run under the settings retry (`write`), and a POST resent after a lasting 5xx looks
    for the key first, so a lost answer never makes a second key."""

    kind = "supabase secret api key"
    inputs: ClassVar[tuple[str, ...]] = ("project_ref", "name_prefix", "keepers", "grace_seconds", "description")
    # A key of another project: the new one is created first, the old keys go at the end of the run.
    identity = frozenset({"project_ref"})
    unset_is_value = frozenset({"description"})  # a key without one
    plumbing: ClassVar[tuple[str, ...]] = ("wait_timeout",)
    depends_on: ClassVar[dict[str, frozenset[str]]] = {k: _NAMING - {k} for k in _NAMING}

    # -- local (an unset `wait_timeout` is the default at call time: `wait_timeout_of`) -------
    def validate(self, news: Props) -> Problems:
        problems: Problems = []
        keepers = news.get("keepers") or {}
        start, days, grace = keepers.get(KEEPER), keepers.get(PERIOD_KEEPER), news.get("grace_seconds")
        try:
            name = key_name(str(news.get("name_prefix")), str(start))
        except ValueError:
            problems.append((f"keepers.{KEEPER}", f"{start!r} is not an ISO 8601 date/time"))
        else:
            problems += [("name_prefix", f"key name {name!r}: {what}")
                         for _where, what in spec.validate_body("v1-create-project-api-key", {"type": "secret", "name": name})]
        if not str(days).isdigit() or int(str(days)) < 1:
            problems.append((f"keepers.{PERIOD_KEEPER}", "must be a whole number of days"))
        elif isinstance(grace, bool) or not isinstance(grace, (int, float)) or not 0 < grace < int(str(days)) * 86400:
            problems.append(("grace_seconds", "must be positive and shorter than the rotation period"))
        problem = seconds_problem(DEFAULT_WAIT_TIMEOUT if news.get("wait_timeout") is None else news["wait_timeout"])
        return [*problems, *([("wait_timeout", problem)] if problem else [])]

    def normalise(self, key: str, value: Any, props: Props, *, old: bool) -> Any:
        # Another instant of the same day names the same key: a window start compares by its day.
        if key == "keepers" and isinstance(value, Mapping) and isinstance(value.get(KEEPER), str):
            try:
                return {**value, KEEPER: datetime.fromisoformat(value[KEEPER]).date().isoformat()}
            except ValueError:
                return value
        return value

    # -- remote ------------------------------------------------------------------------------
    def _named(self, ref: str, name: str) -> dict[str, Any] | None:
        keys = self.call("v1-get-project-api-keys", ref=ref, params={"reveal": True}) or []
        return next((k for k in keys if k.get("type") == "secret" and k.get("name") == name and k.get("api_key")), None)

    @staticmethod
    def _ref_and_name(props: Props) -> tuple[str, str]:
        return props["project_ref"], key_name(props["name_prefix"], props["keepers"][KEEPER])

    def find(self, props: Props) -> dict[str, Any] | None:
        ref, name = self._ref_and_name(props)
        return self.write(ref, lambda: self._named(ref, name), wait_timeout_of(props))

    def create_new(self, props: Props) -> dict[str, Any]:
        ref, name = self._ref_and_name(props)
        body = {"type": "secret", "name": name, "description": props.get("description"),
                "secret_jwt_template": SECRET_JWT_TEMPLATE}
        sent: list[bool] = []

        def send() -> Any:
            # Sent again after a lasting 5xx (`write`): the first POST may have made the key, so look first.
            if sent and (found := self._named(ref, name)) is not None:
                return found
            sent.append(True)
            return self.call("v1-create-project-api-key", ref=ref, params={"reveal": True}, json=body)

        return self.write(ref, send, wait_timeout_of(props))

    def _checked(self, props: Props, key: dict[str, Any]) -> dict[str, Any]:
        if key.get("id") and key.get("api_key"):
            return key
        ref, name = self._ref_and_name(props)
        raise ApiError(self.kind, "v1-create-project-api-key", None, f"project {ref}: key {name} came back without its id or value")

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return f"{props['project_ref']}/{props['name_prefix']}"

    def settle(self, id_: str, live: dict[str, Any], props: Props, *, made: bool) -> dict[str, Any]:
        # Found or made, the key is this window's from now on (provider clock: tests inject it).
        return {"key": self._checked(props, live), "created_at": self.now().isoformat(), "retiring": []}

    def _live(self, ref: str, retiring: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The retiring keys that still exist (one GET each): one deleted by a retirement or by hand drops out."""
        return [r for r in retiring
                if self.call("v1-get-project-api-key", ref=ref, id=r["id"], not_found_ok=True) is not None]

    def fetch_with_state(self, id_: str, state: Props) -> dict[str, Any] | None:
        if not state.get("key_id"):
            raise ValueError(f"{self.kind} {id_!r}: state holds no key id (a secret key is created, never imported)")
        ref = state.get("project_ref") or parse_id(KeyId, id_, self.kind).project_ref
        key = self.call("v1-get-project-api-key", ref=ref, id=state["key_id"], params={"reveal": True}, not_found_ok=True)
        if key is None:
            return None  # deleted out of band: the next `up` creates it and updates every consumer
        current = {"id": state["key_id"], "name": state.get("key_name"), "api_key": key.get("api_key") or state.get("api_key")}
        return {"key": current, "created_at": state.get("created_at"),
                "retiring": self._live(ref, list(state.get("retiring") or []))}

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        key = live["key"]
        return {**{k: props.get(k) for k in KEY_INPUTS}, "key_id": key["id"], "key_name": key["name"],
                "api_key": key["api_key"], "created_at": live["created_at"], "retiring": live["retiring"]}

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        ref = news["project_ref"]
        retiring = self._live(ref, list(olds.get("retiring") or []))
        if olds.get("key_name") == self._ref_and_name(news)[1]:  # the period, grace or description: nothing to write
            current = {"id": olds["key_id"], "name": olds["key_name"], "api_key": olds["api_key"]}
            return {"key": current, "created_at": olds["created_at"], "retiring": retiring}
        key = self._checked(news, create_or_adopt(lambda: self.find(news), lambda: self.create_new(news),
                                                  resource=self.kind))
        created = self.now()
        if olds.get("key_id") and olds["key_id"] != key["id"]:
            # Never deleted here: only a retirement does, after every consumer holds the new key.
            retire_after = created + timedelta(seconds=float(news["grace_seconds"]))
            retiring.append({"id": olds["key_id"], "name": olds["key_name"], "retire_after": retire_after.isoformat()})
        retiring = [r for r in retiring if r["id"] != key["id"]]
        return {"key": key, "created_at": created.isoformat(), "retiring": retiring}

    def remove(self, id_: str, props: Props) -> None:
        # The resource is gone from the program: so are its consumers, which the engine deletes first.
        ref = props["project_ref"]
        for key_id in [props.get("key_id"), *(r["id"] for r in props.get("retiring") or [])]:
            if key_id:
                self._delete_key(ref, str(key_id), wait_timeout_of(props))


class KeyId(NamedTuple):
    """The parts of a secret key's resource id `project_ref/name_prefix`."""

    project_ref: str
    name_prefix: str


KEY_INPUTS = ("project_ref", "name_prefix", "grace_seconds", "description", "wait_timeout", "keepers")
RETIREMENT_INPUTS = ("project_ref", "key", "delete", "keep", "wait_timeout")


class SecretApiKeyRetirementProvider(_Clocked):
    """On the CRUD skeleton's hooks. No API object of its own: nothing to find, `create_new` and `apply`
    delete the listed keys (`delete`, compared as a set), `fetch` has nothing to read (nothing can
    drift), and `remove` deletes nothing (`SecretApiKey`'s own delete takes its keys)."""

    kind = "supabase secret api key retirement"
    inputs: ClassVar[tuple[str, ...]] = ("project_ref", "delete")
    plumbing: ClassVar[tuple[str, ...]] = ("key", "keep", "wait_timeout")
    # Whether `delete` lists a current key depends on `keep`.
    depends_on: ClassVar[dict[str, frozenset[str]]] = {"delete": frozenset({"keep"})}

    def defaults(self, news: Props) -> Props:
        return {**news, "wait_timeout": wait_timeout_of(news)}

    def validate(self, news: Props) -> Problems:
        problems: Problems = []
        if set(news.get("delete") or []) & set(news.get("keep") or []):
            problems.append(("delete", "lists a key that is still current (in keep): it is never deleted"))
        problem = seconds_problem(DEFAULT_WAIT_TIMEOUT if news.get("wait_timeout") is None else news["wait_timeout"])
        return [*problems, *([("wait_timeout", problem)] if problem else [])]

    def normalise(self, key: str, value: Any, props: Props, *, old: bool) -> Any:
        return sorted(value) if key == "delete" else value

    def _retire(self, props: Props) -> dict[str, Any]:
        for key_id in sorted(props.get("delete") or []):
            self._delete_key(props["project_ref"], key_id, wait_timeout_of(props))
        return {}

    def find(self, props: Props) -> dict[str, Any] | None:
        return None

    def create_new(self, props: Props) -> dict[str, Any]:
        return self._retire(props)

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return f"{props['project_ref']}/{props['key']}/retirement"

    def fetch(self, id_: str) -> dict[str, Any] | None:
        return {}  # nothing of its own to read: the outputs are what state holds

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        return {k: props.get(k) for k in RETIREMENT_INPUTS}

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        return self._retire(news)

    def remove(self, id_: str, props: Props) -> None:
        """Removing the retirement deletes nothing: `SecretApiKey`'s own delete takes its keys."""


class LegacyApiKeysProvider(SupabaseProvider):
    """On the CRUD skeleton's hooks. A project switch, not an object: the id is the project ref, there is
    nothing to find (create and update are the same PUT), a 404 of the endpoint reads as disabled rather
    than gone, and delete stops managing (re-enabling legacy keys is a deliberate act, never a side effect)."""

    kind = "supabase legacy api keys"
    inputs: ClassVar[tuple[str, ...]] = ("project_ref", "enabled")
    plumbing: ClassVar[tuple[str, ...]] = ("wait_timeout",)

    def defaults(self, news: Props) -> Props:
        return {**news, "wait_timeout": wait_timeout_of(news)}

    def validate(self, news: Props) -> Problems:
        problem = seconds_problem(news.get("wait_timeout"))
        return [("wait_timeout", problem)] if problem else []

    def _switch(self, props: Props) -> dict[str, Any]:
        """The one PUT of create and update; its answer as the live switch."""
        ref, enabled = props["project_ref"], bool(props["enabled"])
        answer = self.write(ref, lambda: self.call("v1-update-project-legacy-api-keys", ref=ref,
                                                   params={"enabled": enabled}, not_found_ok=True), wait_timeout_of(props))
        if answer is None:
            if enabled:
                raise ApiError(self.kind, "v1-update-project-legacy-api-keys", 404,
                               f"project {ref}: the legacy API key endpoint is gone; legacy keys cannot be enabled")
            # Removed upstream, as the spec says it will be: legacy keys no longer exist to disable.
            return {"project_ref": ref, "enabled": False, "note": "endpoint removed upstream (404): treated as disabled"}
        return {"project_ref": ref, "enabled": bool(answer.get("enabled")), "note": None}

    def find(self, props: Props) -> dict[str, Any] | None:
        return None

    def create_new(self, props: Props) -> dict[str, Any]:
        return self._switch(props)

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return str(props["project_ref"])

    def fetch(self, id_: str) -> dict[str, Any] | None:
        answer = self.call("v1-get-project-legacy-api-keys", ref=id_, not_found_ok=True)
        return {"project_ref": id_, "enabled": bool(answer.get("enabled")) if answer is not None else False}

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        return self._switch(news)

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        return {"project_ref": live["project_ref"], "enabled": live["enabled"], "wait_timeout": props.get("wait_timeout"),
                "note": live["note"] if "note" in live else props.get("note")}

    def remove(self, id_: str, props: Props) -> None:
        """Stops managing the switch; re-enabling legacy keys is a deliberate act, never a side effect."""


@dataclass(frozen=True)
class SecretApiKeyArgs:
    """One consumer's key: named `<name_prefix>_<YYYYMMDD of window_start>`, kept `grace_seconds` after rotation."""

    project_ref: pulumi.Input[str]
    name_prefix: str
    window_start: str
    rotation_days: int
    grace_seconds: float
    description: str
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class SecretApiKey(pulumi.dynamic.Resource, module="supabase", name="SecretApiKey"):
    """One consumer's secret key, replaced each rotation window; the previous one is only marked retiring."""

    key_id: pulumi.Output[str]
    key_name: pulumi.Output[str]
    api_key: pulumi.Output[str]
    created_at: pulumi.Output[str]
    retiring: pulumi.Output[list[dict[str, Any]]]

    def __init__(self, resource_name: str, args: SecretApiKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "project_ref": args.project_ref, "name_prefix": args.name_prefix, "grace_seconds": args.grace_seconds,
            "description": args.description, "wait_timeout": args.wait_timeout,
            # Keepers as on a RandomPassword: the rotation policy judges both the same way.
            "keepers": {KEEPER: args.window_start, PERIOD_KEEPER: str(args.rotation_days)},
            **dict.fromkeys(("key_id", "key_name", "api_key", "created_at", "retiring")),
        }
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS))
        super().__init__(SecretApiKeyProvider(), resource_name, props, opts)


@dataclass(frozen=True)
class SecretApiKeyRetirementArgs:
    """`delete`: retiring key ids whose grace is over; `keep`: the current key id (never deleted)."""

    project_ref: pulumi.Input[str]
    key: str
    delete: pulumi.Input[list[str]]
    keep: pulumi.Input[list[str]]
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class SecretApiKeyRetirement(pulumi.dynamic.Resource, module="supabase", name="SecretApiKeyRetirement"):
    """Deletes the listed retiring keys of one `SecretApiKey`; give it `depends_on` every consumer of the key."""

    def __init__(self, resource_name: str, args: SecretApiKeyRetirementArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"project_ref": args.project_ref, "key": args.key, "delete": args.delete, "keep": args.keep,
                 "wait_timeout": args.wait_timeout}
        super().__init__(SecretApiKeyRetirementProvider(), resource_name, props, opts)


@dataclass(frozen=True)
class LegacyApiKeysArgs:
    project_ref: pulumi.Input[str]
    enabled: bool = False
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class LegacyApiKeys(pulumi.dynamic.Resource, module="supabase", name="LegacyApiKeys"):
    """The project's legacy `anon` / `service_role` switch; declare it after every consumer of the new keys."""

    enabled: pulumi.Output[bool]

    def __init__(self, resource_name: str, args: LegacyApiKeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"project_ref": args.project_ref, "enabled": args.enabled, "wait_timeout": args.wait_timeout,
                 "note": None}
        super().__init__(LegacyApiKeysProvider(), resource_name, props, opts)
