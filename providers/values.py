"""Value handling every dynamic provider shares: engine numbers, hashes of write-only values, composite ids.

One function each, for Netlify and Supabase alike: `plain` (the engine's floats back to integers),
`sha256` / `hashes` (what state keeps of a write-only value), `parse_id` (a composite id such as
`zone/record`, parsed into a small typed object, once per id: the parse is cached, so the hooks of
one call share it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar


def plain(value: Any) -> Any:
    """Pulumi carries every number as a double (3600 arrives as 3600.0); the APIs want integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def sha256(text: str) -> str:
    """The hex SHA-256 of a (write-only) value: what state keeps instead of the value."""
    return hashlib.sha256(text.encode()).hexdigest()


def hashes(values: Mapping[str, str]) -> dict[str, str]:
    """`sha256` of every value, by key (sorted)."""
    return {k: sha256(v) for k, v in sorted(values.items())}


IdT = TypeVar("IdT", bound=NamedTuple)


def parse_id(shape: type[IdT], id_: str, kind: str) -> IdT:
    """A composite id (`a/b[/c]`) as the typed `shape` (a NamedTuple naming the parts).

    The first and last parts must be non-empty (a middle one may be empty: an account-level
    environment variable has no site); a wrong shape is a clear error naming `kind`.
    """
    return _parse(shape, id_, kind)


@lru_cache(maxsize=256)
def _parse(shape: Any, id_: str, kind: str) -> Any:
    parts = len(shape._fields)
    pieces = id_.split("/", parts - 1)
    if len(pieces) != parts or not all(pieces[i] for i in (0, parts - 1)):
        raise ValueError(f"{kind}: id {id_!r} must have {parts} parts separated by '/'")
    return shape(*pieces)
