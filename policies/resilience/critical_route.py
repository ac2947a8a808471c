"""monitoring-alerts-require-critical-route: an outage pages someone.

A critical route exists when an activated, unmuted check or monitor tagged `severity-critical`
(components/checkly_checks.py tags each with its severity) is subscribed to an alert channel that
sends failures: its `alertChannelSubscriptions` are wired from that channel's id, every
subscription activated. Channels nobody subscribes to, and critical checks subscribed to nothing,
page no one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from policies import resources as R
from policies.props import feeds, get, items, of_type
from policies.registry import soc2, stack_policy


def _pages(check: PolicyResource) -> bool:
    """Whether this critical check notifies at least one channel that sends failures."""
    subscriptions = [s for s in items(get(check.props, R.ALERT_SUBSCRIPTIONS)) if isinstance(s, Mapping)]
    if not subscriptions or any(s.get(R.ACTIVATED) is False for s in subscriptions):
        return False
    channels = [c for c in feeds(check, R.ALERT_SUBSCRIPTIONS) if c.resource_type == R.CHECKLY_ALERT_CHANNEL]
    return any(get(c.props, R.SEND_FAILURE) is not False for c in channels)


def critical_checks(resources: list[PolicyResource]) -> list[PolicyResource]:
    return [r for r in of_type(resources, *R.CHECKLY_ALERTING_TYPES)
            if R.CRITICAL_TAG in items(get(r.props, R.TAGS))
            and get(r.props, R.ACTIVATED) is not False and get(r.props, R.MUTED) is not True]


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    resources = list(args.resources)
    if any(_pages(c) for c in critical_checks(resources)):
        return
    subjects = of_type(resources, R.MONITORING)
    yield (
        "no critical alert route: no activated check or monitor tagged severity-critical notifies an alert channel "
        "that sends failures, so an outage pages no one",
        subjects[0].urn if subjects else None,
    )


POLICY = stack_policy(
    name="monitoring-alerts-require-critical-route",
    description="At least one critical Checkly check or monitor alerts a channel that sends failures (someone is paged).",
    family="resilience",
    subjects=(R.MONITORING,),
    severity=Severity.HIGH,
    controls=soc2("CC7.3", "A1.1"),
    remediation="Add a `monitoring.alert_routes` entry with `severity: critical` (PagerDuty, email, Slack or webhook) "
                "and give the checks that mean an outage `severity: critical`.",
    check=check,
)
