"""The pinned Supabase Management API spec, used at run time as the source of truth for requests.

Server enums (regions, instance sizes, ...) change under users' feet (the Terraform provider
hard-coded `pico`, then the API dropped it), so nothing here hard-codes them: request bodies are
validated against the request schemas of the pinned OpenAPI document, and operation paths come
from it too. To refresh the pin, replace `spec/supabase-management-api.json` with the current
`/api/v1-json` document and update `PINNED_SHA256` (a test checks the two agree).

Pin: GitHub supabase/cli `packages/api/src/generated/openapi.json` at commit
627e534b4f2b5f2f367e7e9a46fc4a0975a92ebe (written verbatim from https://api.supabase.com/api/v1-json).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from providers.values import plain

# Re-exported: the providers' one predicate for values not known yet (providers/unknowns.py).

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.exceptions import ValidationError

SPEC_PATH = Path(__file__).resolve().parent / "spec" / "supabase-management-api.json"
PINNED_SHA256 = "f68dc5692c1b1923299e25241847724d277d759b2b4bba1ea7fd27754a45e7c3"

@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    body_schema: dict[str, Any] | None
    parameters: tuple[dict[str, Any], ...]

    def url(self, **params: str) -> str:
        return self.path.format(**params)


# Nothing is read or built at import: the 566 KB document, jsonschema and each validator are loaded
# on first use and kept (functools.cache), so a program pays only for what it validates, once.
@cache
def document() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


@cache
def operations() -> dict[str, Operation]:
    ops: dict[str, Operation] = {}
    for path, item in document()["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ops[op["operationId"]] = Operation(
                op["operationId"], method.upper(), path, body.get("schema"),
                tuple(op.get("parameters", [])),
            )
    return ops


def operation(operation_id: str) -> Operation:
    try:
        return operations()[operation_id]
    except KeyError:
        raise KeyError(f"operation {operation_id!r} is not in the pinned Supabase spec") from None


def _to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema draft 4: `nullable` becomes a null type/enum member."""
    if isinstance(node, list):
        return [_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_jsonschema(v) for k, v in node.items() if k not in ("nullable", "discriminator", "example")}
    if node.get("nullable"):
        if "$ref" in out:
            return {"anyOf": [out, {"type": "null"}]}
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@cache
def _components() -> dict[str, Any]:
    # `_to_jsonschema` builds new containers and never mutates its input: no copy of the document needed.
    return _to_jsonschema(document()["components"])


def _validator(schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    import jsonschema  # deferred: only validation pays for it

    # The spec's `#/components/...` references resolve against the validated root document.
    return jsonschema.Draft4Validator({"components": _components(), "allOf": [_to_jsonschema(schema)]})


@cache
def _body_validator(operation_id: str) -> jsonschema.Draft4Validator:
    schema = operation(operation_id).body_schema
    assert schema is not None
    return _validator(schema)


@cache
def _parameter_validator(operation_id: str, name: str) -> jsonschema.Draft4Validator:
    for param in operation(operation_id).parameters:
        if param["name"] == name:
            return _validator(param.get("schema", {}))
    raise KeyError(f"{operation_id} has no parameter {name!r}")


def clear_caches() -> None:
    """Forget the loaded document and everything built from it (after `SPEC_PATH` changes)."""
    for cached in (document, operations, _components, _body_validator, _parameter_validator):
        cached.cache_clear()


def component(name: str) -> dict[str, Any]:
    return document()["components"]["schemas"][name]


def property_schema(schema_name: str, prop: str) -> dict[str, Any]:
    return component(schema_name)["properties"][prop]


def _closest_branch(errors: list[ValidationError]) -> ValidationError:
    """The first error of the oneOf/anyOf branch that failed least (the branch the user meant)."""
    branches: dict[Any, list[ValidationError]] = {}
    for e in errors:
        branches.setdefault(e.relative_schema_path[0] if e.relative_schema_path else None, []).append(e)
    return min(branches.values(), key=len)[0]


def _describe(err: ValidationError) -> tuple[str, str]:
    """(where, what) for one error, never quoting the offending value (it may be a secret)."""
    while err.context:
        err = _closest_branch(err.context)
    where = ".".join(str(p) for p in err.absolute_path)
    v, limit = err.validator, err.validator_value
    if v == "required":
        missing = re.search(r"'([^']+)'", err.message)
        return (f"{where}.{missing.group(1)}" if where else missing.group(1)) if missing else where, "is required"
    if v == "enum":
        return where, "must be one of: " + ", ".join(str(x) for x in limit if x is not None)
    if v == "additionalProperties":
        return where or "(body)", err.message.split("(")[-1].rstrip(")") + " (not a field of the API)"
    if v == "type":
        types = [limit] if isinstance(limit, str) else list(limit)
        return where or "(body)", "must be of type " + "/".join(t for t in types if t != "null")
    text = {
        "pattern": f"must match {limit}",
        "minLength": f"must be at least {limit} characters",
        "maxLength": f"must be at most {limit} characters",
        "minimum": f"must be >= {limit}",
        "maximum": f"must be <= {limit}",
        "minItems": f"must have at least {limit} items",
        "format": f"must be a valid {limit}",
    }.get(str(v), f"is not valid ({v})")
    return where or "(body)", text


def _problems(validator: jsonschema.Draft4Validator, value: Any) -> list[tuple[str, str]]:
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    return [_describe(e) for e in errors]


def validate_schema(schema: dict[str, Any], value: Any) -> list[tuple[str, str]]:
    """Problems of `value` against an OpenAPI schema of the spec, as (field path, message)."""
    return _problems(_validator(schema), value)


def validate_body(operation_id: str, body: Any) -> list[tuple[str, str]]:
    """Problems of `body` against the operation's request schema."""
    if operation(operation_id).body_schema is None:
        return [] if body is None else [("(body)", "this operation takes no body")]
    return _problems(_body_validator(operation_id), plain(body))


def validate_parameter(operation_id: str, name: str, value: Any) -> str | None:
    """Message if `value` does not fit the operation's parameter `name` (e.g. a project ref)."""
    from jsonschema.exceptions import best_match  # deferred with jsonschema

    err = best_match(_parameter_validator(operation_id, name).iter_errors(value))
    return None if err is None else f"{name} {_describe(err)[1]}"
