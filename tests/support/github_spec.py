"""GitHub's REST description (npm @octokit/openapi, pinned in package.json) as the GitHub fake reads it:
routes from paths to operationIds, and validators for request bodies, query parameters and answers.

The description is OpenAPI 3.0.3 and 13 MB: it is parsed once per process (about 0.4 s) and a
schema is turned into JSON Schema only when an operation first needs it. OpenAPI 3.0 schemas are
draft-4-like with two differences handled here: `nullable: true` (rewritten to "or null") and
`$ref`s into `#/components/schemas`, resolved through a `referencing` registry holding the converted
components an operation reaches (each converted once, when an operation first needs it).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
COMPONENT = "urn:github-rest:schemas:"  # a converted `#/components/schemas/<name>`
_SKIPPED = frozenset({"example", "examples", "nullable", "discriminator", "xml", "externalDocs", "deprecated",
                      "readOnly", "writeOnly"})
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@functools.cache
def spec() -> dict[str, Any]:
    if not SPEC_PATH.exists():
        raise RuntimeError(f"GitHub's REST description is missing at {SPEC_PATH}; run `npm ci`")
    return json.loads(SPEC_PATH.read_text())  # type: ignore[no-any-return]


def to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema object as draft-4 JSON Schema (`nullable`, component `$ref`s)."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SKIPPED or key.startswith("x-"):
            continue
        if key == "$ref":
            out[key] = COMPONENT + value.removeprefix("#/components/schemas/")
        elif key in ("properties", "patternProperties"):
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [to_json_schema(sub) for sub in value]
        elif key in ("items", "additionalProperties", "not"):
            out[key] = to_json_schema(value)
        else:
            out[key] = value
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def _component(name: str) -> Any:
    return to_json_schema(spec()["components"]["schemas"][name])


def _references(node: Any) -> Iterator[str]:
    """The component names a converted schema refers to, directly."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(COMPONENT):
                yield value.removeprefix(COMPONENT)
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def registry_for(schema: Any) -> Registry[Any]:
    """A registry holding, already crawled, every component `schema` reaches: validation then never
    retrieves (retrieving re-crawls on each lookup, 7 ms a commit where this takes 0.2)."""
    names: set[str] = set()
    todo = list(_references(schema))
    while todo:
        name = todo.pop()
        if name not in names:
            names.add(name)
            todo.extend(_references(_component(name)))
    resources = [(COMPONENT + name, Resource.from_contents(_component(name), default_specification=DRAFT4))
                 for name in sorted(names)]
    return Registry().with_resources(resources).crawl()  # type: ignore[no-any-return]


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    """RFC 3339, as GitHub writes every timestamp (`2026-01-01T00:00:00Z`)."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.fromisoformat(value)
    return True


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A component (`#/components/responses/...`, `.../parameters/...`) behind a `$ref`, once."""
    while "$ref" in node:
        section, name = node["$ref"].removeprefix("#/components/").split("/", 1)
        node = spec()["components"][section][name]
    return node


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    operation: str
    op: dict[str, Any]

    @property
    def handler_name(self) -> str:
        return "op_" + re.sub(r"[^0-9a-zA-Z]", "_", self.operation)

    def parameters(self, where: str) -> Iterator[dict[str, Any]]:
        for parameter in self.op.get("parameters", []):
            resolved = _resolve(parameter)
            if resolved["in"] == where:
                yield resolved


@functools.cache
def routes() -> tuple[Route, ...]:
    """Every operation of the description; the most literal template first, so `/compare/{basehead}`
    (not deprecated) wins over `/compare/{base}...{head}` and `/commits/{ref}` loses to longer paths."""
    found = []
    for template, item in spec()["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            multi = {p["name"] for p in map(_resolve, op.get("parameters", [])) if p.get("x-multi-segment")}

            def group(match: re.Match[str], multi: set[str] = multi) -> str:
                return "(.+?)" if match.group(1) in multi else "([^/]+)"

            pattern = re.compile("^" + re.sub(r"\{([^}]+)\}", group, template) + "$")
            found.append(Route(method.upper(), template, pattern, op["operationId"], op))
    found.sort(key=lambda r: (r.template.count("{"), "(.+?)" in r.pattern.pattern, -len(r.template)))
    return tuple(found)


@functools.cache
def _candidates(method: str, segments: int) -> tuple[Route, ...]:
    """The routes a `method` request of a path with `segments` slashes may match, in `routes()` order: those
    with as many segments, and every route with a multi-segment parameter."""
    return tuple(r for r in routes() if r.method == method
                 and (r.template.count("/") == segments or "(.+?)" in r.pattern.pattern))


@functools.lru_cache(maxsize=4096)
def match(method: str, path: str) -> tuple[Route, tuple[str, ...]] | None:
    """The operation a request names, and its path parameters (cached: a listing asks again and again)."""
    for route in _candidates(method, path.count("/")):
        found = route.pattern.match(path)
        if found:
            return route, found.groups()
    return None


_VALID: set[tuple[str, int]] = set()  # (a component's URI, hash of a value that passed it)
_draft4_ref = jsonschema.Draft4Validator.VALIDATORS["$ref"]


def _ref_once(validator: Any, ref: str, instance: Any, schema: Any) -> Iterator[Any]:
    """Draft 4 `$ref`, skipping a value already found valid against the same component: answers
    repeat the same users, commits and deployments page after page, and a fresh validation costs
    milliseconds each (a 50,000-commit history would take minutes)."""
    if not isinstance(instance, (dict, list)):
        yield from _draft4_ref(validator, ref, instance, schema)
        return
    key = (ref, hash(json.dumps(instance, sort_keys=True)))
    if key in _VALID:
        return
    errors = list(_draft4_ref(validator, ref, instance, schema))
    if errors:
        yield from errors
    else:
        _VALID.add(key)


Validator = jsonschema.validators.extend(jsonschema.Draft4Validator, {"$ref": _ref_once})


def _validator(schema: Any) -> Any:
    converted = to_json_schema(schema)
    return Validator(converted, registry=registry_for(converted), format_checker=FORMATS)


@functools.cache
def body_validator(operation: str) -> Any:
    """The operation's requestBody schema (application/json), or None when it takes no body."""
    route = next(r for r in routes() if r.operation == operation)
    body = route.op.get("requestBody")
    if body is None:
        return None
    return _validator(_resolve(body)["content"]["application/json"]["schema"])


@functools.cache
def answer_schema(operation: str, status: int) -> tuple[bool, Any]:
    """(declared, validator) for the operation's answer with `status`: a validator for its JSON body,
    None when the description declares the status without a body."""
    route = next(r for r in routes() if r.operation == operation)
    declared = route.op["responses"].get(str(status))
    if declared is None:
        return False, None
    schema = _resolve(declared).get("content", {}).get("application/json", {}).get("schema")
    return True, None if schema is None else _validator(schema)


@functools.cache
def basic_error() -> Any:
    """`basic-error`, the body of the 401/403/404 every operation may answer (docs.github.com,
    "Troubleshooting the REST API") though most operations do not declare them."""
    return _validator({"$ref": "#/components/schemas/basic-error"})


def query_problems(route: Route, query: dict[str, str]) -> list[str]:
    """What is wrong with the declared query parameters sent (unknown ones are ignored, as GitHub does)."""
    problems = []
    for parameter in route.parameters("query"):
        name, schema = parameter["name"], parameter.get("schema", {})
        if name not in query:
            continue
        value = query[name]
        if schema.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
            problems.append(f"{name}: {value!r} is not an integer")
        elif schema.get("format") == "date-time":
            try:
                _date_time(value)
            except ValueError as error:
                problems.append(f"{name}: {error}")
        elif "enum" in schema and value not in schema["enum"]:
            problems.append(f"{name}: {value!r} is not one of {schema['enum']}")
    return problems
