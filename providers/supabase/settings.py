"""One provider shape for the per-project settings objects (auth, PostgREST, SSL, network, pooler).

Each is a singleton of its project: it cannot be created or deleted, only read and written, so
`create` writes the desired fields once the project is healthy, `delete` stops managing (the live
value stays), and `update` sends only the fields that changed. State holds the desired fields in
normal form plus SHA-256 hashes of write-only values (read back masked, so never diffed raw).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from providers.base import refreshed_inputs
from providers.supabase import spec
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT, SupabaseProvider, require_ref, seconds_problem, wait_timeout_of
from providers.unknowns import UNKNOWN, has_unknown, is_unknown, known_mapping, without_unknowns
from providers.values import hashes, plain, sha256


class SettingsProvider(SupabaseProvider):
    """Overrides the CRUD skeleton's methods (not its hooks), because a settings object has not its shape:
    it is a singleton of its project (nothing to find, create or delete: `create` writes once the project
    is healthy, `delete` stops managing), its inputs are one open map of API fields (`settings`) diffed
    per field in normal form rather than a fixed list of inputs, and write-only fields are kept as hashes
    (`secret_settings` -> `secret_hashes`), never read back."""

    get_op: ClassVar[str]
    put_op: ClassVar[str]
    # True when the write takes only the fields to change (PATCH); False for full replacement.
    partial: ClassVar[bool] = True
    # Per-field normal form of values the server rewrites.
    normalisers: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    def write_only(self, field: str) -> bool:
        """Whether `field` is write-only (masked on read): it must come through `secret_settings`."""
        return False

    # -- hooks -------------------------------------------------------------------------------
    def body(self, settings: dict[str, Any]) -> Any:
        """API request body for these settings."""
        return settings

    def observe(self, response: Any) -> dict[str, Any]:
        """The settings as read from the API's GET answer."""
        return dict(response or {})

    def local_problems(self, settings: dict[str, Any]) -> list[tuple[str, str]]:
        """Checks the spec cannot express (e.g. CIDR syntax)."""
        return []

    def observed_outputs(self, ref: str, response: Any) -> dict[str, Any]:
        """Outputs read from the same GET answer besides the settings (the pooler's endpoint)."""
        return {}

    # -- contract ----------------------------------------------------------------------------
    def normal_form(self, settings: Mapping[str, Any], strict: bool = True) -> dict[str, Any]:
        """Normal forms; `strict=False` (reading the API) keeps a value it cannot parse as is, so it shows as drift."""
        out = {}
        for k, v in settings.items():
            if v is None:
                continue
            try:
                out[k] = v if has_unknown(v) or k not in self.normalisers else self.normalisers[k](v)
            except (ValueError, TypeError):
                if strict:
                    raise
                out[k] = v
        return out

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        # A whole map not known yet (its values depend on a resource being created) is checked at apply.
        given = known_mapping(news.get("settings"))
        try:
            settings = self.normal_form(plain(given or {}))
        except (ValueError, TypeError) as exc:
            return CheckResult(news, [CheckFailure("settings", str(exc))])
        given_secret = known_mapping(news.get("secret_settings"))
        secret = dict(given_secret or {})
        problem = seconds_problem(news.get("wait_timeout", DEFAULT_WAIT_TIMEOUT))
        if problem:
            failures.append(CheckFailure("wait_timeout", problem))
        for field in settings:
            if self.write_only(field):
                failures.append(CheckFailure(f"settings.{field}", "is write-only: pass it in secret_settings"))
        # Fields not known yet are checked at apply: drop them, and whatever the check says about them.
        pending = {k for k, v in {**settings, **secret}.items() if has_unknown(v)}
        known = without_unknowns({**settings, **secret})
        problems = self.local_problems(known)
        if given is not None and given_secret is not None:  # a whole map unknown: the body is not known
            problems = spec.validate_body(self.put_op, self.body(known)) + problems
        for where, what in problems:
            if pending & set(re.split(r"[.\[\]]", where)):
                continue
            section = "secret_settings" if where.split(".")[0] in secret else "settings"
            failures.append(CheckFailure(f"{section}.{where}", what))
        return CheckResult({**news, "settings": settings} if given is not None else news, failures)

    def _changed(self, olds: dict[str, Any], news: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Fields to write; in a preview, not-known values (or a not-known map) count as changed, never read."""
        old_settings, old_hashes = olds.get("settings") or {}, olds.get("secret_hashes") or {}
        new_settings = known_mapping(news.get("settings"))
        new_secrets = known_mapping(news.get("secret_settings"))
        settings = {"settings": UNKNOWN} if new_settings is None else {
            k: v for k, v in new_settings.items() if is_unknown(v) or old_settings.get(k) != v
        }
        secrets = {"secret_settings": UNKNOWN} if new_secrets is None else {
            k: v for k, v in new_secrets.items() if is_unknown(v) or old_hashes.get(k) != sha256(v)
        }
        return settings, secrets

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        ref = news.get("project_ref")
        if is_unknown(ref):
            # The project is being updated; the real update diffs again with the known ref.
            return DiffResult(changes=True, replaces=[])
        if olds.get("project_ref") != ref:
            return DiffResult(changes=True, replaces=["project_ref"], delete_before_replace=True)
        settings, secrets = self._changed(olds, news)
        return DiffResult(changes=bool(settings or secrets), replaces=[])

    def _send(self, ref: str, fields: dict[str, Any], timeout: float) -> None:
        self.write(ref, lambda: self.call(self.put_op, ref=ref, json=self.body(fields)), timeout)

    def fetch(self, ref: str) -> Any:
        """The one GET of `read`; a subclass may translate an answer the live API gives instead."""
        return self.call(self.get_op, ref=ref)

    def _outs(self, props: dict[str, Any], previous: dict[str, str] | None = None) -> dict[str, Any]:
        secret = props.get("secret_settings") or {}
        return {
            "project_ref": props["project_ref"],
            "settings": dict(props.get("settings") or {}),
            "secret_hashes": {**(previous or {}), **hashes(secret)},
            # Plumbing, kept so a `read` can hand the engine back its inputs unchanged.
            "wait_timeout": props.get("wait_timeout"),
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        ref = props["project_ref"]
        timeout = wait_timeout_of(props)
        self.wait_until_healthy(ref, timeout=timeout)
        self._send(ref, {**(props.get("settings") or {}), **(props.get("secret_settings") or {})}, timeout)
        return CreateResult(ref, self._outs(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        require_ref(self.get_op, id_, self.kind)
        response = self.fetch(id_)
        live = self.normal_form(self.observe(response), strict=False)
        wanted = props.get("settings")
        keys = wanted.keys() if wanted else [k for k in live if not self.write_only(k)]
        outs = {
            "project_ref": id_,
            "settings": {k: live.get(k) for k in keys},
            "secret_hashes": dict(props.get("secret_hashes") or {}),
            "wait_timeout": props.get("wait_timeout"),
            **self.observed_outputs(id_, response),
        }
        if not wanted:  # no state (an import): the live settings are the inputs
            return ReadResult(id_, outs, {"project_ref": id_, "settings": outs["settings"]})
        # Prior settings (already in normal form: `check` normalises the program's) with each
        # drifted field's live value; write-only fields are not in state and cannot be read.
        settings = {k: outs["settings"][k] if outs["settings"].get(k) != v else v for k, v in wanted.items()}
        settings = {k: v for k, v in settings.items() if v is not None}
        drifted = ["settings"] if settings != wanted else []
        inputs = refreshed_inputs({**props, "project_ref": id_}, ("project_ref", "settings", "wait_timeout"),
                                  {"settings": settings}, drifted,
                                  unreadable=["secret_settings"] if props.get("secret_hashes") else [])
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        settings, secrets = self._changed(olds, news)
        fields = {**settings, **secrets} if self.partial else {**news.get("settings", {}), **secrets}
        if fields:
            self._send(id_, fields, wait_timeout_of(news))
        return UpdateResult(self._outs(news, olds.get("secret_hashes")))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Settings cannot be deleted; dropping the resource stops managing them."""


class SettingsResource(pulumi.dynamic.Resource):
    """Base of the settings resources: `project_ref` + `settings` (+ secret `secret_settings`).

    `wait_timeout` bounds each wait for a healthy project (never diffed): the stack's
    `supabase.health_timeout_minutes`, like the project's own, not a fixed default.
    """

    project_ref: pulumi.Output[str]
    settings: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        provider: SettingsProvider,
        resource_name: str,
        project_ref: pulumi.Input[str],
        settings: Mapping[str, Any],
        secret_settings: Mapping[str, pulumi.Input[str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        outputs: tuple[str, ...] = (),
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
    ) -> None:
        props: dict[str, Any] = {
            "project_ref": project_ref,
            "wait_timeout": wait_timeout,
            "settings": {k: v for k, v in settings.items() if v is not None},
            "secret_hashes": None,
            **dict.fromkeys(outputs),  # the provider's `observed_outputs`, as attributes
        }
        if secret_settings:
            # Each value secret, not the map: one unknown value must not make the whole map unknown.
            props["secret_settings"] = {k: pulumi.Output.secret(v) for k, v in secret_settings.items()}
        super().__init__(provider, resource_name, props, opts)
