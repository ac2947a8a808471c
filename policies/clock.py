"""The instant a time-dependent policy judges at: one clock for the pack and the offline audit.

Policy config `now` (tests, `ops audit`, which passes the instant the program computed from), else
`MAINTAINPRO_NOW` when set (the program's clock override: the engine starts the pack with the CLI's
environment, so one variable moves both), else the real UTC time. The pack stands alone, so the
variable's name is repeated here rather than imported from components/runtime_config.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

NOW_ENV = "MAINTAINPRO_NOW"
NOW_SCHEMA = {"type": "string", "description": "Audit clock (ISO 8601) for tests and offline audits; default: "
              "MAINTAINPRO_NOW when set (the clock the program computes rotation windows from), else the real UTC time."}


def instant(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (UTC when no zone is given), or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def audit_now(config: Mapping[str, Any]) -> tuple[datetime | None, str, Any]:
    """(the instant or None when unreadable, where it came from, the raw value)."""
    clock, source = (config["now"], "policy config 'now'") if config.get("now") is not None else (
        os.environ.get(NOW_ENV), f"environment variable {NOW_ENV}")
    return (datetime.now(timezone.utc) if not clock else instant(clock)), source, clock
