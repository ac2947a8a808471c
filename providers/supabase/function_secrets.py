"""Edge-function secrets of a project, managed as one set of names.

Values are secret inputs; state keeps only their SHA-256. The API's list endpoint answers each
secret's SHA-256 digest (never the value), so a refresh detects out-of-band changes by comparing
digests. Names starting with SUPABASE_ are reserved by the platform (the spec's pattern says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from providers.base import refreshed_inputs
from providers.supabase import spec
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT, SupabaseProvider, require_ref, seconds_problem, wait_timeout_of
from providers.unknowns import UNKNOWN, is_unknown, known_mapping
from providers.values import hashes, sha256


class FunctionSecretsProvider(SupabaseProvider):
    """Overrides the CRUD skeleton's methods: the object is a set of names within the project (nothing
    to find; the id is the project ref), the values are write-only and kept as hashes compared with the
    API's digests, and an update is upserts plus removals of names rather than a write of changed inputs."""

    kind = "supabase function secrets"

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # A whole map not known yet (a value depends on a resource being created) is checked at apply.
        secrets = dict(known_mapping(news.get("secrets")) or {})
        known = {n: v for n, v in secrets.items() if not is_unknown(v)}  # the rest is checked once known
        names = list(known)
        body = [{"name": n, "value": v} for n, v in known.items()]
        failures = []
        for where, what in spec.validate_body("v1-bulk-create-secrets", body):
            index, _, field = where.partition(".")
            name = names[int(index)] if index.isdigit() and int(index) < len(names) else where
            failures.append(CheckFailure(f"secrets.{name}", f"{field or 'value'} {what}"))
        problem = seconds_problem(news.get("wait_timeout", DEFAULT_WAIT_TIMEOUT))
        if problem:
            failures.append(CheckFailure("wait_timeout", problem))
        return CheckResult(news, failures)

    @staticmethod
    def _changed(olds: dict[str, Any], news: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
        """Upserts and removals; in a preview a not-known value (or map) counts as changed, never read."""
        old = olds.get("hashes") or {}
        new = known_mapping(news.get("secrets"))
        if new is None:
            return {"secrets": UNKNOWN}, []
        upserts = {k: v for k, v in new.items() if is_unknown(v) or old.get(k) != sha256(v)}
        return upserts, sorted(set(old) - set(new))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if is_unknown(news.get("project_ref")):
            # The project is being updated; the real update diffs again with the known ref.
            return DiffResult(changes=True, replaces=[])
        if olds.get("project_ref") != news.get("project_ref"):
            return DiffResult(changes=True, replaces=["project_ref"], delete_before_replace=True)
        upserts, removals = self._changed(olds, news)
        return DiffResult(changes=bool(upserts or removals), replaces=[])

    def _upsert(self, ref: str, secrets: Mapping[str, str], timeout: float) -> None:
        body = [{"name": k, "value": v} for k, v in sorted(secrets.items())]
        # Bulk create is an upsert: resending after a lost answer is harmless.
        self.write(ref, lambda: self.call("v1-bulk-create-secrets", ref=ref, json=body, idempotent=True), timeout)

    def _remove(self, ref: str, names: list[str], timeout: float) -> None:
        self.write(ref, lambda: self.call("v1-bulk-delete-secrets", ref=ref, json=names), timeout)

    def create(self, props: dict[str, Any]) -> CreateResult:
        ref = props["project_ref"]
        timeout = wait_timeout_of(props)
        self.wait_until_healthy(ref, timeout=timeout)
        if props.get("secrets"):
            self._upsert(ref, props["secrets"], timeout)
        return CreateResult(ref, {"project_ref": ref, "hashes": hashes(props.get("secrets") or {}),
                                  "wait_timeout": props.get("wait_timeout")})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        require_ref("v1-list-all-secrets", id_, self.kind)
        live = {s["name"]: str(s.get("value", "")).lower() for s in self.call("v1-list-all-secrets", ref=id_) or []}
        managed = props.get("hashes")
        names = managed.keys() if managed else [n for n in live if not n.startswith("SUPABASE_")]
        # A managed secret deleted out of band reads as "" so the next diff puts it back.
        outs = {"project_ref": id_, "hashes": {n: live.get(n, "") for n in names},
                "wait_timeout": props.get("wait_timeout")}
        if not managed:
            return ReadResult(id_, outs)  # no state (an import)
        # The values are write-only (state keeps digests only): a drifted value is named by leaving
        # `secrets` out of the inputs; with nothing drifted the engine keeps its stored inputs.
        drifted = ["secrets"] if outs["hashes"] != managed else []
        inputs = refreshed_inputs({**props, "project_ref": id_}, ("project_ref", "wait_timeout"), {}, drifted,
                                  unreadable=["secrets"])
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        upserts, removals = self._changed(olds, news)
        if upserts:
            self._upsert(id_, upserts, wait_timeout_of(news))
        if removals:
            self._remove(id_, removals, wait_timeout_of(news))
        return UpdateResult({"project_ref": id_, "hashes": hashes(news.get("secrets") or {}),
                             "wait_timeout": news.get("wait_timeout")})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
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
