"""Values not known yet during a preview, in both forms they reach a dynamic provider.

The SDK mock engine (and older hosts) hand providers the sentinel string `rpc.UNKNOWN`; the real
provider host (`python -m pulumi.dynamic`) deserializes with `keep_unknowns=True`, so the same value
arrives as a `pulumi.output.Unknown` object. Every check/diff must recognise both, or a preview
reports false failures (an Unknown is not a string) or crashes hashing it. This is the one
predicate every provider uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN


def is_unknown(value: Any) -> bool:
    """True when `value` itself is a not-yet-known value (either form)."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def has_unknown(value: Any) -> bool:
    """True when `value` or anything inside it is not known yet."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_unknown(v) for v in value)
    return False


def without_unknowns(value: Any) -> Any:
    """`value` with not-yet-known members dropped (recursively), so validation sees only what is known."""
    if isinstance(value, Mapping):
        return {k: without_unknowns(v) for k, v in value.items() if not is_unknown(v)}
    if isinstance(value, (list, tuple)):
        return [without_unknowns(v) for v in value if not is_unknown(v)]
    return value


def known_mapping(value: Any) -> Mapping[str, Any] | None:
    """A map input as a mapping, `{}` when unset, None when the whole map is not known yet."""
    if is_unknown(value):
        return None
    return value if isinstance(value, Mapping) else {}
