"""The keepers a rotating value carries: one home for the generated secrets (components/secrets.py)
and the Supabase secret API keys (providers/supabase/api_keys.py), which both read them.

Also the names of a secret API key's windows and which retiring keys are due (`key_prefix`,
`key_name`, `due`; `providers.supabase.api_keys` re-exports them).

Imports nothing of the project: providers may not import components, and components may import this.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

# The start of the rotation window the value belongs to: a new window start is a new value.
KEEPER = "rotation_window_start"
# The period is kept too, so policies (and reviewers) can read it on the password itself; a new period
# almost always means a new window start anyway, so it adds no rotation of its own.
PERIOD_KEEPER = "rotation_days"

_NAME_UNSAFE = re.compile(r"[^a-z0-9_]+")


def key_prefix(stack: str, consumer: str) -> str:
    """`<stack>_<consumer>` in the characters a key name allows (`^[a-z_][a-z0-9_]+$`)."""
    return _NAME_UNSAFE.sub("_", f"{stack}_{consumer}".lower()).strip("_")


def key_name(prefix: str, window_start: str) -> str:
    """The key of one rotation window: `<prefix>_<YYYYMMDD>` of the window's start."""
    return f"{prefix}_{_instant(window_start).strftime('%Y%m%d')}"


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def due(retiring: Sequence[dict[str, Any]] | None, now: datetime) -> list[str]:
    """Ids of the retiring keys whose grace period is over at `now`: what a retirement may delete."""
    return sorted(str(r["id"]) for r in retiring or [] if _instant(str(r["retire_after"])) <= now)
