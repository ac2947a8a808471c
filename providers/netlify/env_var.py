"""Netlify environment variable: one key with a value per deploy context, scopes, secret flag.

Secret values are write-only (the API masks them on read), so they are compared by the SHA-256
of what was last written, per context, and never against what the API reads back. Changed
values go out one by one (PATCH); a removed context, changed scopes or a variable made secret need
the full PUT (which takes `is_secret`, as Netlify's Terraform provider sends it). Netlify refuses to
remove the flag, so a secret made plain again is a replacement. The API holds one variable per
key, so a replacement that keeps key and site deletes first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import pulumi
from pulumi.dynamic import DiffResult

from providers.netlify.common import (
    NetlifyProvider,
    Problems,
    Props,
    parse_id,
    plain,
    secret_opts,
    sha256,
    to_props,
    with_outputs,
)

CONTEXTS = ("all", "dev", "dev-server", "branch-deploy", "deploy-preview", "production", "branch")
SCOPES = ("builds", "functions", "runtime", "post-processing")
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
OUTPUTS = ("value_hashes",)


class EnvVarId(NamedTuple):
    """The parts of the resource id `account_id/site_id/key`."""

    account_id: str
    site_id: str
    key: str
UNREADABLE = "unreadable"  # hash placeholder for a secret value written by someone else


@dataclass(frozen=True)
class EnvValueArgs:
    context: str
    value: pulumi.Input[str]
    context_parameter: str | None = None


@dataclass(frozen=True)
class EnvVarArgs:
    account_id: pulumi.Input[str]
    key: str
    values: list[EnvValueArgs]
    site_id: pulumi.Input[str] | None = None
    scopes: list[str] | None = None
    is_secret: bool = False


def slot(value: dict[str, Any]) -> str:
    """Where a value applies: its context, plus the branch for `branch`."""
    if value.get("context") == "branch":
        return f"branch:{value.get('context_parameter') or ''}"
    return str(value.get("context"))


def value_hashes(values: list[dict[str, Any]]) -> dict[str, str]:
    return {slot(v): sha256(v.get("value") or "") for v in values}


def _query(props: Props) -> dict[str, Any]:
    return {"site_id": props.get("site_id") or None}


class EnvVarProvider(NetlifyProvider):
    kind = "netlify environment variable"
    inputs: ClassVar[tuple[str, ...]] = ("account_id", "site_id", "key", "scopes", "values", "is_secret")
    identity = frozenset({"account_id", "site_id", "key"})
    unset_is_value = frozenset({"site_id"})

    def delete_before_replace(self, olds: Props, news: Props) -> bool:
        # A team answers to its id and its slug: the "new" variable may be the old one, which
        # find would adopt and the engine then delete. Another key or site is another variable.
        return olds.get("key") == news.get("key") and (olds.get("site_id") or None) == (news.get("site_id") or None)

    def diff(self, id_: str, olds: Props, news: Props) -> DiffResult:
        result = super().diff(id_, olds, news)
        # docs.netlify.com/environment-variables/secrets-controller/: "After an environment variable
        # is flagged as a secret, you cannot remove the flag to reveal the secret's value." Flagging
        # is a PUT in place; unflagging makes the variable again (one per key: the old one goes first).
        if plain(olds).get("is_secret") is True and plain(news).get("is_secret") is False:
            return DiffResult(changes=True, replaces=[*(result.replaces or []), "is_secret"], delete_before_replace=True)
        return result

    def validate(self, news: Props) -> Problems:
        problems: Problems = []
        if not isinstance(news.get("account_id"), str) or not news["account_id"]:
            problems.append(("account_id", "is required (the team's account id or slug)"))
        if not (isinstance(news.get("key"), str) and KEY.match(news["key"])):
            problems.append(("key", f"{news.get('key')!r} is not a valid variable name"))
        scopes = news.get("scopes")
        if scopes is not None:
            bad = [s for s in scopes if s not in SCOPES] if isinstance(scopes, list) else [scopes]
            if bad:
                problems.append(("scopes", f"{bad} not in {', '.join(SCOPES)}"))
        if not isinstance(news.get("is_secret", False), bool):
            problems.append(("is_secret", "must be true or false"))
        values = news.get("values")
        if not isinstance(values, list) or not values:
            problems.append(("values", "at least one value is required"))
            return problems
        seen: set[str] = set()
        for i, value in enumerate(values):
            where = f"values[{i}]"
            if not isinstance(value, dict):
                problems.append((where, "must be an object with context and value"))
                continue
            if value.get("context") not in CONTEXTS:
                problems.append((f"{where}.context", f"{value.get('context')!r} not in {', '.join(CONTEXTS)}"))
            if value.get("context") == "branch" and not value.get("context_parameter"):
                problems.append((f"{where}.context_parameter", "context 'branch' needs the branch name"))
            if value.get("context") != "branch" and value.get("context_parameter"):
                problems.append((f"{where}.context_parameter", "only context 'branch' takes a parameter"))
            if not isinstance(value.get("value"), str):
                problems.append((f"{where}.value", "must be a string"))
            if news.get("is_secret") is True and value.get("context") == "all":
                # docs.netlify.com/environment-variables/secrets-controller/: secret values "must be set to
                # explicit deploy contexts".
                problems.append((f"{where}.context", "a secret value needs an explicit deploy context, not 'all'"))
            if slot(value) in seen:
                problems.append((where, f"duplicate value for {slot(value)}"))
            seen.add(slot(value))
        if "all" in seen and len(seen) > 1:
            problems.append(("values", "context 'all' cannot be combined with other contexts"))
        return problems

    def normalise(self, key: str, value: Any, props: Props, *, old: bool) -> Any:
        if key == "values":
            # olds carry the hashes of what was written; news carry the clear values. A list, so
            # that a removed context counts as a change (dicts compare declared keys only).
            hashes = (props.get("value_hashes") or {}) if old else value_hashes(value)
            return sorted(hashes.items())
        if key == "scopes":
            return sorted(set(value))
        return value

    def adopted(self, props: Props) -> Props:
        # A variable someone else wrote: its secret values are unknown, so they get written once.
        return {**props, "value_hashes": {}}

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return f"{props['account_id']}/{props.get('site_id') or ''}/{props['key']}"

    def _path(self, props: Props) -> str:
        return f"/accounts/{props['account_id']}/env/{props['key']}"

    @staticmethod
    def _body(props: Props) -> dict[str, Any]:
        body: dict[str, Any] = {"key": props["key"], "values": props["values"], "is_secret": bool(props.get("is_secret"))}
        if props.get("scopes") is not None:
            body["scopes"] = props["scopes"]
        return body

    def find(self, props: Props) -> dict[str, Any] | None:
        return self.client().request(
            "GET", self._path(props), operation="find variable", params=_query(props), not_found_ok=True
        )

    def create_new(self, props: Props) -> dict[str, Any]:
        created = self.client().request(
            "POST",
            f"/accounts/{props['account_id']}/env",
            operation="create variable",
            params=_query(props),
            json=[self._body(props)],
        )
        return created[0] if isinstance(created, list) and created else {"key": props["key"]}

    def _parse(self, id_: str) -> Props:
        ids = parse_id(EnvVarId, id_, "netlify environment variable")
        return {"account_id": ids.account_id, "site_id": ids.site_id or None, "key": ids.key}

    def fetch(self, id_: str) -> dict[str, Any] | None:
        ids = self._parse(id_)
        return self.client().request(
            "GET", self._path(ids), operation="read variable", params=_query(ids), not_found_ok=True
        )

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        old_hashes: dict[str, str] = olds.get("value_hashes") or {}
        new_hashes = value_hashes(news["values"])
        if "scopes" in changed or "is_secret" in changed or set(old_hashes) - set(new_hashes):
            return self.client().request(
                "PUT", self._path(news), operation="replace variable", params=_query(news), json=self._body(news)
            )
        live = None
        for value in news["values"]:
            if old_hashes.get(slot(value)) != new_hashes[slot(value)]:
                body = {k: value[k] for k in ("context", "context_parameter", "value") if value.get(k)}
                live = self.client().request(
                    "PATCH", self._path(news), operation=f"set {slot(value)} value", params=_query(news), json=body
                )
        return live

    def remove(self, id_: str, props: Props) -> None:
        ids = self._parse(id_)
        self.client().request(
            "DELETE", self._path(ids), operation="delete variable", params=_query(ids), not_found_ok=True
        )

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        ids = self._parse(id_)
        is_secret = bool(live.get("is_secret", props.get("is_secret")))
        live_values = [v for v in live.get("values") or [] if isinstance(v, dict)]
        if is_secret:
            # Never trust read-back secret values: keep what we wrote for slots that still exist.
            written = {slot(v): v for v in props.get("values") or []}
            known = value_hashes(list(written.values())) if props.get("value_hashes") is None else props["value_hashes"]
            values = [written.get(slot(v), {**v, "value": ""}) for v in live_values]
            hashes = {slot(v): known.get(slot(v), UNREADABLE) for v in live_values}
        else:
            values = [
                {k: v[k] for k in ("context", "context_parameter", "value") if v.get(k) is not None}
                for v in live_values
            ]
            hashes = value_hashes(values)
        return {
            **ids,
            "scopes": live.get("scopes") if live.get("scopes") is not None else props.get("scopes"),
            "values": values,
            "is_secret": is_secret,
            "value_hashes": hashes,
        }


class EnvVar(pulumi.dynamic.Resource, module="netlify", name="EnvVar"):
    """One environment variable of a site (type `pulumi-python:dynamic/netlify:EnvVar`)."""

    value_hashes: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: EnvVarArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = to_props(args)
        if args.is_secret:
            props["values"] = pulumi.Output.secret(props["values"])
        # Values computed by other resources may be secret there (an anon key): keep them secret here.
        from_outputs = any(not isinstance(v.value, str) for v in args.values)
        secrets = ["values", "value_hashes"] if args.is_secret or from_outputs else []
        super().__init__(EnvVarProvider(), name, with_outputs(props, OUTPUTS), secret_opts(opts, secrets))
