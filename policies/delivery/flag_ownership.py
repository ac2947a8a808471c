"""configcat-flag-require-owner-and-expiry: every flag has someone to ask and a date to be gone by.

A flag nobody owns is never removed, and one without a planned removal date becomes a permanent
branch in the code. Judged on each `FeatureFlag` component's record (components/flags.py
`flag_record`), which the program registers as the component's inputs and outputs alike.
Mandatory in production, disabled in staging (the config requires `expires` in production too).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.props import get, of_type
from policies.registry import soc2, stack_policy


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for flag in of_type(args.resources, R.FEATURE_FLAG):
        key = get(flag.props, R.FLAG_KEY) or flag.name
        owner = get(flag.props, R.FLAG_OWNER)
        if not (isinstance(owner, str) and owner.strip()):
            yield f"flag {key} has no owner: nobody is asked to finish its rollout and remove it", flag.urn
        expires = get(flag.props, R.FLAG_EXPIRES)
        if _date(expires) is None:
            what = "no planned removal date" if expires is None else f"expiry {expires!r}, not a date"
            yield f"flag {key} has {what}: it would stay in the code forever", flag.urn


POLICY = stack_policy(
    name="configcat-flag-require-owner-and-expiry",
    description="Every feature flag names an owner and a planned removal date (expires).",
    family="delivery",
    subjects=(R.FEATURE_FLAG,),
    severity=Severity.MEDIUM,
    controls=soc2("CC8.1"),
    remediation="Give each entry of `flags.flags` an `owner` and an `expires` date (components/flags.py).",
    check=check,
)
