"""secrets-password-require-rotation: every generated secret is replaced within its maximum period.

Generated secrets are random passwords/bytes (`RotatingSecret`) and Supabase secret API keys
(`SecretApiKey`, one per consumer), which keep the same two keepers.

The period keeper alone proves nothing: a value changes only when a keeper changes, and
`RotatingSecret` makes that happen through the rotation window's start. So the policy checks the
period against the stack's maximum and that the window start is a real timestamp no older than one
period at the audit clock (policies/clock.py: policy config `now`, else `MAINTAINPRO_NOW`, the clock
the program computes its windows from, else the real UTC time). A pinned or stale keeper set (`{"rotation_days": "30", "pinned": "2020-01-01"}`) fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.clock import NOW_SCHEMA, audit_now, instant
from policies.props import as_int, get
from policies.registry import cis, resource_policy, soc2

# The engine runs policies moments after the program computed its window: a run that straddles a
# window boundary must not read as "not rotated".
CLOCK_SKEW = timedelta(hours=1)


def _is_secret_generator(args: ResourceValidationArgs) -> bool:
    marked = R.SECRET_IF_MARKED.get(args.resource_type)
    if marked is None:
        return True
    return marked in (args.opts.additional_secret_outputs or []) if args.opts else False


def check(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    if not _is_secret_generator(args):
        args.not_applicable()
    period = get(args.props, R.KEEPERS, R.ROTATION_PERIOD_KEEPER)
    days = as_int(period)
    limit = config["maxRotationDays"]
    if period is None:
        yield f"generated secret has no rotation keeper '{R.ROTATION_PERIOD_KEEPER}': it is never rotated"
        return
    if days is None or days < 1:
        yield f"rotation keeper '{R.ROTATION_PERIOD_KEEPER}' is {period!r}, not a number of days"
        return
    if days > limit:
        yield f"secret rotates every {days} days; at most {limit} days is allowed on this stack"
    now, source, clock = audit_now(config)
    if now is None:
        yield f"{source} is {clock!r}, not an ISO 8601 date/time"
        return
    raw = get(args.props, R.KEEPERS, R.ROTATION_WINDOW_KEEPER)
    start = instant(raw)
    if raw is None:
        yield f"generated secret has no rotation keeper '{R.ROTATION_WINDOW_KEEPER}': nothing makes it change"
    elif start is None:
        yield f"rotation keeper '{R.ROTATION_WINDOW_KEEPER}' is {raw!r}, not an ISO 8601 date/time"
    elif start < now - timedelta(days=days) - CLOCK_SKEW:
        yield (f"secret was generated for the window starting {start.isoformat()}, more than {days} days before "
               f"{now.isoformat()}: it is not being rotated")
    elif start > now + CLOCK_SKEW:
        yield f"rotation window starting {start.isoformat()} is after {now.isoformat()}: the keeper is pinned, not computed"


POLICY = resource_policy(
    name="secrets-password-require-rotation",
    description=(
        "Every generated secret (random password or bytes, Supabase secret API key) carries a rotation period no "
        "longer than the stack's maximum and a rotation window that is current."
    ),
    family="secrets",
    types=R.GENERATED_SECRET_TYPES + tuple(R.SECRET_IF_MARKED) + R.ROTATING_KEY_TYPES,
    severity=Severity.HIGH,
    controls=soc2("CC6.1") + cis("5.2"),
    remediation=(
        "Create generated secrets with components/secrets.py `RotatingSecret` (never a bare RandomPassword/RandomBytes) "
        "and Supabase secret keys from `supabase.secret_keys`, and set their `rotation_days` to at most 90 days in "
        "production, 180 in staging."
    ),
    check=check,
    config={
        "maxRotationDays": {"type": "integer", "minimum": 1, "default": 90},
        "now": NOW_SCHEMA,
    },
)
