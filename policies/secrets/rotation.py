"""secrets-password-require-rotation: every generated secret is replaced within its maximum period."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.props import as_int, get
from policies.registry import cis, resource_policy, soc2


def check(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Iterator[str]:
    period = get(args.props, R.KEEPERS, R.ROTATION_PERIOD_KEEPER)
    days = as_int(period)
    limit = config["maxRotationDays"]
    if period is None:
        yield f"generated secret has no rotation keeper '{R.ROTATION_PERIOD_KEEPER}': it is never rotated"
    elif days is None or days < 1:
        yield f"rotation keeper '{R.ROTATION_PERIOD_KEEPER}' is {period!r}, not a number of days"
    elif days > limit:
        yield f"secret rotates every {days} days; at most {limit} days is allowed on this stack"


POLICY = resource_policy(
    name="secrets-password-require-rotation",
    description="Every generated secret (random password) carries a rotation period no longer than the stack's maximum.",
    family="secrets",
    types=R.GENERATED_SECRET_TYPES,
    severity=Severity.HIGH,
    controls=soc2("CC6.1") + cis("5.2"),
    remediation=(
        "Create generated secrets with components/secrets.py `RotatingSecret` (never a bare RandomPassword) and set "
        "`secrets.<name>.rotation_days` to at most 90 days in production, 180 in staging."
    ),
    check=check,
    config={"maxRotationDays": {"type": "integer", "minimum": 1, "default": 90}},
)
