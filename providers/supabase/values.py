"""Normal forms of values the Supabase API rewrites (hashes and engine numbers: `providers.values`).

The API reads write-only values back masked (`****`) and rewrites some values (comma lists,
CIDRs). Comparing raw read-backs gives perpetual diffs, so diffs compare hashes of desired values
and normalised forms of rewritten ones.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


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

