"""configcat-flag-require-cleanup: a flag that has done its job is reported, so its code path goes.

Two findings per flag: past its planned removal date (`expires`), and at 100 % for longer than its
rollout's soak time (every user has had the new path for a full soak: the flag only adds a branch).
Advisory on both stacks: a finished rollout is cleanup to schedule, never a reason to block an
`up` (which may be the fix of an outage). Judged at the audit clock (policies/clock.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.clock import NOW_SCHEMA, audit_now, instant
from policies.props import as_int, get, of_type
from policies.registry import soc2, stack_policy


def check(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    now, source, clock = audit_now(config)
    if now is None:
        yield f"{source} is {clock!r}, not an ISO 8601 date/time", None
        return
    for flag in of_type(args.resources, R.FEATURE_FLAG):
        key = get(flag.props, R.FLAG_KEY) or flag.name
        expires = get(flag.props, R.FLAG_EXPIRES)
        try:
            overdue = isinstance(expires, str) and now.date() > date.fromisoformat(expires)
        except ValueError:
            overdue = False  # not a date: configcat-flag-require-owner-and-expiry says so
        if overdue:
            yield f"flag {key} is past its planned removal date ({expires}): remove it from the code and the stack", flag.urn
        since, soak = instant(get(flag.props, R.FLAG_SINCE)), as_int(get(flag.props, R.FLAG_SOAK_HOURS))
        if as_int(get(flag.props, R.FLAG_PERCENTAGE)) == 100 and since and soak and now - since > timedelta(hours=soak):
            yield (f"flag {key} has served 100 % since {since:%Y-%m-%d %H:%M} UTC, longer than its {soak} h soak: "
                   "ready to remove"), flag.urn


POLICY = stack_policy(
    name="configcat-flag-require-cleanup",
    description="A feature flag past its planned removal date, or at 100 % for longer than its soak time, is "
                "reported as ready to remove.",
    family="delivery",
    subjects=(R.FEATURE_FLAG,),
    severity=Severity.LOW,
    controls=soc2("CC8.1"),
    remediation="Remove the flag's code path from the app, then its entry from `flags.flags` of both stack files "
                "(production's first: staging's owns the ConfigCat flag).",
    check=check,
    config={"now": NOW_SCHEMA},
)
