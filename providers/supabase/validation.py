"""Checks of provider inputs against the pinned Management API spec, importable without pulumi.

The stack config runs these too (`components/config/rules.py`), so a region, instance size or
pool mode the API no longer offers fails before any resource is registered, and validating a
stack loads neither the engine SDK nor the HTTP client. The providers (`project.py`,
`pooler.py`) call them with their predicate for values not known yet during a preview.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from providers.supabase import spec

CREATE_PROJECT_OP = "v1-create-a-project"
POOLER_UPDATE_OP = "v1-update-pooler-config"
# Where a create-body field comes from among the project's inputs (for check messages).
INPUT_OF = {
    "region_selection.code": "region",
    "region_selection": "region",
    "desired_instance_size": "instance_size",
    "db_pass": "db_pass",
}


class _NotKnown:
    """An input the caller cannot know yet (the config's stand-in for the generated database password)."""

    def __repr__(self) -> str:
        return "NOT_KNOWN"


NOT_KNOWN: Any = _NotKnown()
UnknownPredicate = Callable[[Any], bool]


def _not_known(value: Any) -> bool:
    return value is NOT_KNOWN


def without(value: Any, is_unknown: UnknownPredicate) -> Any:
    """`value` with not-yet-known members dropped (recursively), so validation sees only what is known."""
    if isinstance(value, Mapping):
        return {k: without(v, is_unknown) for k, v in value.items() if not is_unknown(v)}
    if isinstance(value, (list, tuple)):
        return [without(v, is_unknown) for v in value if not is_unknown(v)]
    return value


def create_body(props: Mapping[str, Any]) -> dict[str, Any]:
    """The create-a-project request body of a project's inputs."""
    body: dict[str, Any] = {
        "name": props.get("name"),
        "organization_slug": props.get("organization_slug"),
        "db_pass": props.get("db_pass"),
        "region_selection": {"type": "specific", "code": props.get("region")},
    }
    if props.get("instance_size") is not None:
        body["desired_instance_size"] = props["instance_size"]
    return body


def project_problems(props: Mapping[str, Any], is_unknown: UnknownPredicate = _not_known) -> list[tuple[str, str]]:
    """(input, message) for project inputs the pinned spec rejects; unknown (preview) values are skipped."""
    unknown = {k for k, v in props.items() if is_unknown(v)}
    problems = []
    for where, what in spec.validate_body(CREATE_PROJECT_OP, without(create_body(props), is_unknown)):
        field = INPUT_OF.get(where, where)
        if field not in unknown:
            problems.append((field, what))
    return problems


def pooler_problems(settings: Mapping[str, Any], is_unknown: UnknownPredicate = _not_known) -> list[tuple[str, str]]:
    """(field, message) for pooler settings the pinned spec rejects (unset fields are unmanaged).

    The pool modes are the server's enum, so they come from the spec, never a literal.
    """
    return spec.validate_body(POOLER_UPDATE_OP, without({k: v for k, v in settings.items() if v is not None}, is_unknown))
