"""Edge-function secrets of a project, managed as one set of names.

Values are secret inputs; state keeps only their SHA-256. The API's list endpoint answers each
secret's SHA-256 digest (never the value), so a refresh detects out-of-band changes by comparing
digests. Names starting with SUPABASE_ are reserved by the platform (the spec's pattern says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi

from providers.crud import Problems, Props
from providers.supabase import spec
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT, SupabaseProvider, require_ref, seconds_problem, wait_timeout_of
from providers.values import hashes


class FunctionSecretsProvider(SupabaseProvider):
    """On the CRUD skeleton's hooks. The object is the set of names within the project (the id is the
    project ref, nothing to find: a bulk create is an upsert); `secrets` is write-only, kept as one
    SHA-256 per name (`hashes`) and compared with the API's own digests on read; a name the program
    drops is a change too (the map's absence is a value: every name goes)."""

    kind = "supabase function secrets"
    inputs: ClassVar[tuple[str, ...]] = ("project_ref", "secrets")
    identity = frozenset({"project_ref"})
    unset_is_value = frozenset({"secrets"})
    write_only: ClassVar[Mapping[str, str]] = {"secrets": "hashes"}
    open_maps = frozenset({"secrets"})
    plumbing: ClassVar[tuple[str, ...]] = ("wait_timeout",)

    def validate(self, news: Props) -> Problems:
        known = dict(news.get("secrets") or {})
        names = list(known)
        problems = []
        for where, what in spec.validate_body("v1-bulk-create-secrets", [{"name": n, "value": v} for n, v in known.items()]):
            index, _, field = where.partition(".")
            name = names[int(index)] if index.isdigit() and int(index) < len(names) else where
            problems.append((f"secrets.{name}", f"{field or 'value'} {what}"))
        problem = seconds_problem(news.get("wait_timeout", DEFAULT_WAIT_TIMEOUT))
        return [*problems, *([("wait_timeout", problem)] if problem else [])]

    def delete_before_replace(self, olds: Props, news: Props) -> bool:
        return True

    def _upsert(self, ref: str, secrets: Mapping[str, str], timeout: float) -> None:
        body = [{"name": k, "value": v} for k, v in sorted(secrets.items())]
        # Bulk create is an upsert: resending after a lost answer is harmless.
        self.write(ref, lambda: self.call("v1-bulk-create-secrets", ref=ref, json=body, idempotent=True), timeout)

    def _remove(self, ref: str, names: list[str], timeout: float) -> None:
        self.write(ref, lambda: self.call("v1-bulk-delete-secrets", ref=ref, json=names), timeout)

    def find(self, props: Props) -> dict[str, Any] | None:
        return None

    def create_new(self, props: Props) -> dict[str, Any]:
        ref, timeout = props["project_ref"], wait_timeout_of(props)
        self.wait_until_healthy(ref, timeout=timeout)
        if props.get("secrets"):
            self._upsert(ref, props["secrets"], timeout)
        return {"hashes": hashes(props.get("secrets") or {})}

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return str(props["project_ref"])

    def fetch(self, id_: str) -> dict[str, Any] | None:
        require_ref("v1-list-all-secrets", id_, self.kind)
        return {"hashes": {s["name"]: str(s.get("value", "")).lower()
                           for s in self.call("v1-list-all-secrets", ref=id_) or []}}

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        managed = props.get("hashes")
        names = managed.keys() if managed else [n for n in live["hashes"] if not n.startswith("SUPABASE_")]
        # A managed secret deleted out of band reads as "" so the next diff puts it back.
        return {"project_ref": id_, "hashes": {n: live["hashes"].get(n, "") for n in names}}

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        old, new = olds.get("hashes") or {}, dict(news.get("secrets") or {})
        upserts = {k: v for k, v in new.items() if old.get(k) != self.hash_of(v)}
        removals = sorted(set(old) - set(new))
        if upserts:
            self._upsert(id_, upserts, wait_timeout_of(news))
        if removals:
            self._remove(id_, removals, wait_timeout_of(news))
        return {"hashes": hashes(new)}

    def remove(self, id_: str, props: Props) -> None:
        names = sorted(props.get("hashes") or {})
        if names:
            self._remove(id_, names, wait_timeout_of(props))


@dataclass(frozen=True)
class FunctionSecretsArgs:
    """`wait_timeout`: seconds to wait for a healthy project (the stack's health_timeout_minutes)."""

    project_ref: pulumi.Input[str]
    secrets: Mapping[str, pulumi.Input[str]]
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class FunctionSecrets(pulumi.dynamic.Resource, module="supabase", name="FunctionSecrets"):
    project_ref: pulumi.Output[str]
    hashes: pulumi.Output[dict[str, str]]

    def __init__(self, resource_name: str, args: FunctionSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Each value secret, not the map: one unknown value must not make the whole map unknown.
        props = {"project_ref": args.project_ref,
                 "secrets": {k: pulumi.Output.secret(v) for k, v in args.secrets.items()},
                 "hashes": None, "wait_timeout": args.wait_timeout}
        super().__init__(FunctionSecretsProvider(), resource_name, props, opts)
