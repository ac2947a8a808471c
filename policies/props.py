"""Reading resource inputs and the stack graph the way both the engine and the offline audit supply them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource


def get(props: Any, *path: str) -> Any:
    """`props[a][b]...`, or None where any step is missing or not a mapping."""
    value = props
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def items(value: Any) -> list[Any]:
    """A list input as a list (None and scalars become empty)."""
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def as_int(value: Any) -> int | None:
    """Numbers arrive as floats from the engine and as strings from keepers."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def of_type(resources: Iterable[PolicyResource], *types: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in types]


def ancestors(resource: PolicyResource) -> Iterator[PolicyResource]:
    parent = resource.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def descendants(resources: Iterable[PolicyResource], root: PolicyResource) -> list[PolicyResource]:
    return [r for r in resources if any(a.urn == root.urn for a in ancestors(r))]


def feeds(resource: PolicyResource, prop: str) -> list[PolicyResource]:
    """The resources whose outputs flow into `resource.<prop>` (empty: the value is a literal)."""
    return list((resource.property_dependencies or {}).get(prop) or [])


def wired_from(resource: PolicyResource, prop: str, source: PolicyResource) -> bool:
    """Whether `resource.<prop>` is computed from `source` (directly or from one of its children)."""
    for dep in feeds(resource, prop):
        if dep.urn == source.urn or any(a.urn == source.urn for a in ancestors(dep)):
            return True
    return False


def label(resource: PolicyResource) -> str:
    return f"{resource.name} ({resource.resource_type.rsplit(':', 1)[-1]})"
