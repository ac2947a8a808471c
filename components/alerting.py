"""Checkly alert channels, one per `monitoring.alert_routes` entry, and the subscriptions of a severity.

Every check and monitor subscribes to exactly the channels of its own severity. Secrets never come
from the stack file: a PagerDuty route's key is the Events API v2 integration key of the service's
integration (pulumi-pagerduty, a secret output), a webhook route's URL is the secret config
`alertWebhooks.<target>`; email addresses and Slack channels are not secret.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar, cast

import pulumi
import pulumi_checkly as checkly
import pulumi_pagerduty as pagerduty

from components.config import AlertRoute, Severity

# PagerDuty's integration for events sent by another service (pulumi-pagerduty `ServiceIntegration.type`).
PAGERDUTY_INTEGRATION = "events_api_v2_inbound_integration"


def route_slug(route: AlertRoute) -> str:
    """A resource-name-safe form of a route (`warning slack #ops` → `warning-slack-ops`)."""
    target = "".join(c if c.isalnum() else "-" for c in route.target.lower()).strip("-")
    return f"{route.severity}-{route.channel}-{target}"


# The body a webhook route receives. Without a template Checkly has none to send (terraform-provider-checkly
# `resource_alert_channel.go`: `template` optional, no default); `text` is what Slack-style receivers
# read. The variables are Checkly's ("Webhooks": CHECK_NAME, ALERT_TITLE, ALERT_TYPE, RESULT_LINK, STARTED_AT).
WEBHOOK_TEMPLATE = json.dumps({
    "text": "{{ALERT_TITLE}}: {{RESULT_LINK}}", "check": "{{CHECK_NAME}}", "alert": "{{ALERT_TYPE}}",
    "started_at": "{{STARTED_AT}}",
})


def channel_args(route: AlertRoute, stack: str, secret: pulumi.Input[str] | None = None) -> checkly.AlertChannelArgs:
    """The channel of one route; `secret` is the PagerDuty integration key or the webhook URL."""
    email = checkly.AlertChannelEmailArgs(address=route.target) if route.channel == "email" else None
    slack = checkly.AlertChannelSlackAppArgs(slack_channels=[route.target]) if route.channel == "slack" else None
    pager = webhook = None
    if route.channel in ("pagerduty", "webhook"):
        if secret is None:
            raise pulumi.RunError(f"monitoring.alert_routes: the {route.channel} route '{route.target}' has no secret")
        value = pulumi.Output.secret(secret)
        if route.channel == "pagerduty":
            pager = checkly.AlertChannelPagerdutyArgs(service_key=value, service_name=f"MaintAInPro {stack}")
        else:
            webhook = checkly.AlertChannelWebhookArgs(name=f"{route.target} ({stack})", url=value, method="POST",
                                                      template=WEBHOOK_TEMPLATE)
    return checkly.AlertChannelArgs(
        email=email, slack_app=slack, pagerduty=pager, webhook=webhook,
        send_failure=True, send_recovery=route.send_recovery, send_degraded=route.send_degraded,
    )


def numeric_id(resource: pulumi.CustomResource) -> pulumi.Output[int]:
    """A Checkly resource's id where the SDK types it as a number (`channel_id`, `group_id`).

    Checkly's ids are numbers the provider keeps as strings; the SDK's own examples pass `.id` as is
    (pulumi-checkly `AlertChannel` docstring: `"channel_id": email_ac.id`) and the bridge converts it.
    """
    return cast("pulumi.Output[int]", resource.id)


class Subscription(Protocol):
    def __init__(self, *, activated: pulumi.Input[bool], channel_id: pulumi.Input[int]) -> None: ...


S = TypeVar("S", bound=Subscription)


class AlertChannels:
    """The channels of every route, children of `parent`, looked up by severity."""

    def __init__(self, name: str, routes: Sequence[AlertRoute], stack: str,
                 webhook_urls: pulumi.Input[Mapping[str, str]] | None, parent: pulumi.Resource) -> None:
        self.by_severity: dict[Severity, list[checkly.AlertChannel]] = {}
        self.pagerduty: list[pagerduty.ServiceIntegration] = []
        hooks = pulumi.Output.secret(webhook_urls) if webhook_urls is not None else None
        for route in routes:
            slug = route_slug(route)
            secret: pulumi.Input[str] | None = None
            if route.channel == "pagerduty":
                integration = pagerduty.ServiceIntegration(
                    f"{name}-pagerduty-{slug}",
                    pagerduty.ServiceIntegrationArgs(service=route.target, type=PAGERDUTY_INTEGRATION,
                                                     name=f"Checkly (MaintAInPro {stack})"),
                    opts=pulumi.ResourceOptions(parent=parent, additional_secret_outputs=["integration_key"]),
                )
                self.pagerduty.append(integration)
                secret = integration.integration_key
            elif route.channel == "webhook" and hooks is not None:
                secret = hooks.apply(functools.partial(_entry, key=route.target))
            channel = checkly.AlertChannel(f"{name}-alert-{slug}", channel_args(route, stack, secret),
                                           opts=pulumi.ResourceOptions(parent=parent))
            self.by_severity.setdefault(route.severity, []).append(channel)

    def subscriptions(self, severity: Severity, kind: type[S]) -> list[S]:
        """`alert_channel_subscriptions` of a check or monitor of `severity`, in its SDK's own class."""
        return [kind(channel_id=numeric_id(channel), activated=True) for channel in self.by_severity.get(severity, [])]


def _entry(urls: Any, key: str) -> str:
    if not isinstance(urls, Mapping) or not urls.get(key):
        raise pulumi.RunError(f"the secret config alertWebhooks has no URL for the webhook route '{key}'")
    return str(urls[key])
