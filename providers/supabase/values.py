"""Value handling shared by the Supabase providers: hashes for write-only values, normal forms.

The API reads write-only values back masked (`****`) and rewrites some values (comma lists,
CIDRs). Comparing raw read-backs gives perpetual diffs, so diffs compare hashes of desired values
and normalised forms of rewritten ones.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hashes(values: Mapping[str, str]) -> dict[str, str]:
    return {k: sha256_hex(v) for k, v in sorted(values.items())}


def _items(value: str | Iterable[str]) -> list[str]:
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [p.strip() for p in parts if p and p.strip()]


def comma_set(value: str | Iterable[str] | None) -> str | None:
    """A comma list whose order does not matter (redirect allow list): sorted, unique, no spaces."""
    return None if value is None else ",".join(sorted(set(_items(value))))


def comma_list(value: str | Iterable[str] | None) -> str | None:
    """A comma list whose order matters (schemas, search path): trimmed, order kept."""
    return None if value is None else ",".join(_items(value))


def cidrs(value: Iterable[str] | None) -> list[str]:
    """CIDRs in the form the API stores them: network address, sorted, unique. Raises ValueError."""
    return sorted({str(ipaddress.ip_network(c.strip(), strict=False)) for c in (value or [])})


def whole_numbers(value: Any) -> Any:
    """Pulumi carries every number as a double (3600 arrives as 3600.0); the API wants integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value
