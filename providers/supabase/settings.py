"""One provider shape for the per-project settings objects (auth, PostgREST, SSL, network, pooler).

Each is a singleton of its project: it cannot be created or deleted, only read and written, so
`create` writes the desired fields once the project is healthy, `delete` stops managing (the live
value stays), and `update` sends only the fields that changed. State holds the desired fields in
normal form plus SHA-256 hashes of write-only values (read back masked, so never diffed raw).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pulumi

from providers.crud import Problems, Props
from providers.supabase import spec
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT, SupabaseProvider, require_ref, seconds_problem, wait_timeout_of
from providers.unknowns import has_unknown, known_mapping
from providers.values import hashes


class SettingsProvider(SupabaseProvider):
    """On the CRUD skeleton's hooks. A singleton of its project: the id is the project ref, nothing is
    found (`create_new` writes the desired fields once the project is healthy; `remove` stops managing),
    `settings` is an open map of API fields (`open_maps`: diffed and validated field by field, in the
    normal form `check` gives them), and write-only fields come through `secret_settings`, kept as
    hashes (`write_only` -> `secret_hashes`). A moved project replaces it, deleting first (same id).

    What `create_new` and `apply` answer is what was written (`{"written": ...}`), not a GET answer
    (`{"response": ...}`): a write costs no read back."""

    inputs: ClassVar[tuple[str, ...]] = ("project_ref", "settings", "secret_settings")
    identity = frozenset({"project_ref"})
    write_only: ClassVar[Mapping[str, str]] = {"secret_settings": "secret_hashes"}
    open_maps = frozenset({"settings", "secret_settings"})
    plumbing: ClassVar[tuple[str, ...]] = ("wait_timeout",)

    get_op: ClassVar[str]
    put_op: ClassVar[str]
    # True when the write takes only the fields to change (PATCH); False for full replacement.
    partial: ClassVar[bool] = True
    # Per-field normal form of values the server rewrites.
    normalisers: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}

    # -- hooks of a settings object ------------------------------------------------------------
    def write_only_field(self, field: str) -> bool:
        """Whether `field` is write-only (masked on read): it must come through `secret_settings`."""
        return False

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

    def get(self, ref: str) -> Any:
        """The GET answer; a subclass may translate an answer the live API gives instead."""
        return self.call(self.get_op, ref=ref)

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

    # -- the skeleton's hooks ------------------------------------------------------------------
    def defaults(self, news: Props) -> Props:
        # A whole map not known yet (its values depend on a resource being created) is checked at apply.
        given = known_mapping(news.get("settings"))
        if given is None:
            return news
        try:
            return {**news, "settings": self.normal_form(given)}
        except (ValueError, TypeError):
            return news  # `validate` says why

    def validate(self, news: Props) -> Problems:
        try:
            settings = self.normal_form(news.get("settings") or {})
        except (ValueError, TypeError) as exc:
            return [("settings", str(exc))]
        secret = dict(news.get("secret_settings") or {})
        problem = seconds_problem(news.get("wait_timeout", DEFAULT_WAIT_TIMEOUT))
        problems: Problems = [("wait_timeout", problem)] if problem else []
        problems += [(f"settings.{f}", "is write-only: pass it in secret_settings")
                     for f in settings if self.write_only_field(f)]
        fields = self.local_problems({**settings, **secret})
        if "settings" in news:  # a whole map unknown: the body is not known
            fields = spec.validate_body(self.put_op, self.body({**settings, **secret})) + fields
        return problems + [(f"{'secret_settings' if w.split('.')[0] in secret else 'settings'}.{w}", what)
                           for w, what in fields]

    def delete_before_replace(self, olds: Props, news: Props) -> bool:
        return True

    def _send(self, ref: str, fields: dict[str, Any], timeout: float) -> None:
        self.write(ref, lambda: self.call(self.put_op, ref=ref, json=self.body(fields)), timeout)

    def find(self, props: Props) -> dict[str, Any] | None:
        return None

    def create_new(self, props: Props) -> dict[str, Any]:
        ref, timeout = props["project_ref"], wait_timeout_of(props)
        self.wait_until_healthy(ref, timeout=timeout)
        self._send(ref, {**(props.get("settings") or {}), **(props.get("secret_settings") or {})}, timeout)
        return {"written": True, "secret_hashes": hashes(props.get("secret_settings") or {})}

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return str(props["project_ref"])

    def fetch(self, id_: str) -> dict[str, Any] | None:
        require_ref(self.get_op, id_, self.kind)
        return {"response": self.get(id_)}

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        if "response" not in live:  # what was written: the desired fields
            return {"project_ref": id_, "settings": dict(props.get("settings") or {}),
                    "secret_hashes": live["secret_hashes"]}
        response = live["response"]
        read = self.normal_form(self.observe(response), strict=False)
        wanted = props.get("settings")
        keys = wanted.keys() if wanted else [k for k in read if not self.write_only_field(k)]
        return {"project_ref": id_, "settings": {k: read.get(k) for k in keys},
                "secret_hashes": dict(props.get("secret_hashes") or {}), **self.observed_outputs(id_, response)}

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        old_settings, old_hashes = olds.get("settings") or {}, olds.get("secret_hashes") or {}
        settings, secret = dict(news.get("settings") or {}), dict(news.get("secret_settings") or {})
        secrets = {k: v for k, v in secret.items() if old_hashes.get(k) != self.hash_of(v)}
        # Only the fields that changed (PATCH), or the whole requested config (a full replacement).
        fields = {**{k: v for k, v in settings.items() if old_settings.get(k) != v}, **secrets} if self.partial \
            else {**settings, **secrets}
        if fields:
            self._send(id_, fields, wait_timeout_of(news))
        return {"written": True, "secret_hashes": {**old_hashes, **hashes(secret)}}

    def remove(self, id_: str, props: Props) -> None:
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
