"""The arguments of each Checkly check and monitor, built with the pinned SDK's own `XArgs` classes.

A wrong field name or a missing required one fails when the class is constructed (tests construct
every one of them), so no copy of Checkly's schema lives here. What each kind asserts:

- `uptime`: an API check, status equals `expect_status`;
- `headers`: also Content-Security-Policy and Strict-Transport-Security equal to what
  components/headers.py renders for the stack (the Supabase origin included);
- `health`: also the JSON body's `$.ok` is `true` (the app's `/healthz` contract);
- `ssl_expiry`: an SSL monitor alerting `ssl_expiry_warn_days` before the certificate expires.

Every run is retried (`monitoring.retry`, from another location) before it counts as failed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import pulumi
import pulumi_checkly as checkly

from components.config import CheckConfig, RetryConfig, Severity
from policies.resources import SEVERITY_TAG_PREFIX

# Google Public DNS's JSON API (developers.google.com/speed/public-dns/docs/doh/json: GET
# /resolve?name=&type=, `Status` 0 is NOERROR, `Answer[].data` the records). Checkly's DNS monitors
# query only A, AAAA, CNAME, MX, NS, TXT and SOA (pulumi-checkly `DnsMonitorRequestArgs.record_type`),
# so the CAA records are watched by an API check of this resolver instead.
DOH_RESOLVER = "https://dns.google/resolve"
HEALTH_PROPERTY, HEALTHY = "$.ok", "true"
ASSERTED_HEADERS = ("Content-Security-Policy", "Strict-Transport-Security")


def stack_tag(stack: str) -> str:
    """Every check and monitor of a stack carries it: maintenance windows silence by it."""
    return f"maintainpro-{stack}"


def check_tag(stack: str, check: str) -> str:
    """One check's own tag: status page automation rules match failing checks by it."""
    return f"maintainpro-{stack}-{check}"


def severity_tag(stack: str, severity: Severity) -> str:
    """A stack's checks of one severity: maintenance windows silence by it (tags are account-wide, so
    the plain severity tag would silence the other stack too)."""
    return f"{stack_tag(stack)}-{SEVERITY_TAG_PREFIX}{severity}"


def tags(stack: str, name: str, severity: Severity) -> list[str]:
    return [stack_tag(stack), check_tag(stack, name), f"{SEVERITY_TAG_PREFIX}{severity}", severity_tag(stack, severity)]


class Retry(Protocol):
    def __init__(self, *, type: pulumi.Input[str], base_backoff_seconds: pulumi.Input[int] | None = None,
                 max_duration_seconds: pulumi.Input[int] | None = None, max_retries: pulumi.Input[int] | None = None,
                 same_region: pulumi.Input[bool] | None = None) -> None: ...


R = TypeVar("R", bound=Retry)


def retry(cfg: RetryConfig, kind: type[R]) -> R:
    """`retry_strategy` in the SDK class of one check type; retries run in another location."""
    return kind(type=cfg.strategy, max_retries=cfg.max_retries, base_backoff_seconds=cfg.base_backoff_seconds,
                max_duration_seconds=cfg.max_duration_seconds, same_region=False)


@dataclass(frozen=True)
class Placement:
    """What every check and monitor of one stack shares."""

    stack: str
    locations: Sequence[str]
    retry: RetryConfig
    group_id: pulumi.Input[int]


def api_assertions(check: CheckConfig, expected: pulumi.Input[Mapping[str, str]] | None = None,
                   ) -> list[checkly.CheckRequestAssertionArgs]:
    """Status, and by kind the security headers (`expected`: the rendered headers) or the health JSON."""
    out = [checkly.CheckRequestAssertionArgs(source="STATUS_CODE", comparison="EQUALS", target=str(check.expect_status))]
    if check.kind == "headers":
        if expected is None:
            raise pulumi.RunError(f"monitoring.checks.{check.name}: a headers check needs the rendered headers")
        rendered = pulumi.Output.from_input(expected)
        for header in ASSERTED_HEADERS:
            out.append(checkly.CheckRequestAssertionArgs(
                source="HEADERS", property=header, comparison="EQUALS",
                target=rendered.apply(functools.partial(_header, name=header))))
    elif check.kind == "health":
        out.append(checkly.CheckRequestAssertionArgs(source="JSON_BODY", property=HEALTH_PROPERTY, comparison="EQUALS",
                                                     target=HEALTHY))
    return out


def _header(headers: Mapping[str, str], name: str) -> str:
    if name not in headers:
        raise pulumi.RunError(f"monitoring: the stack's headers render no {name}, which a headers check asserts")
    return headers[name]


def api_check_args(check: CheckConfig, frequency: int, where: Placement,
                   subscriptions: Sequence[checkly.CheckAlertChannelSubscriptionArgs],
                   assertions: Sequence[checkly.CheckRequestAssertionArgs]) -> checkly.CheckArgs:
    return checkly.CheckArgs(
        type="API", activated=True, name=f"{check.name} ({where.stack})", frequency=frequency,
        locations=list(where.locations), group_id=where.group_id, tags=tags(where.stack, check.name, check.severity),
        request=checkly.CheckRequestArgs(url=check.url, method="GET", follow_redirects=True, assertions=list(assertions)),
        degraded_response_time=check.degraded_ms, max_response_time=check.max_ms,
        retry_strategy=retry(where.retry, checkly.CheckRetryStrategyArgs),
        alert_channel_subscriptions=list(subscriptions), use_global_alert_settings=False,
    )


def ssl_monitor_args(check: CheckConfig, frequency: int, where: Placement,
                     subscriptions: Sequence[checkly.SslMonitorAlertChannelSubscriptionArgs]) -> checkly.SslMonitorArgs:
    parts = urlsplit(check.url)
    return checkly.SslMonitorArgs(
        activated=True, name=f"{check.name} ({where.stack})", frequency=frequency,
        request=checkly.SslMonitorRequestArgs(hostname=parts.hostname or "", port=parts.port or 443,
                                              alert_days_before_expiry=check.ssl_expiry_warn_days),
        locations=list(where.locations), group_id=where.group_id, tags=tags(where.stack, check.name, check.severity),
        degraded_response_time=check.degraded_ms, max_response_time=check.max_ms,
        retry_strategy=retry(where.retry, checkly.SslMonitorRetryStrategyArgs),
        alert_channel_subscriptions=list(subscriptions), use_global_alert_settings=False,
    )


def dns_assertions(expected: Sequence[str] | None = None) -> list[checkly.DnsMonitorRequestAssertionArgs]:
    """The record resolves (NOERROR) to at least one answer, or to exactly as many as `expected` lists.

    `$.Answer.length` is what Checkly's DNS monitor docs name for "the number of records returned"
    (checklyhq.com/docs/detect/uptime-monitoring/dns-monitors/configuration); DNS assertions compare
    only with EQUALS, NOT_EQUALS, GREATER_THAN or LESS_THAN (the SDK's `comparison` docstring).
    """
    count = ("EQUALS", str(len(expected))) if expected else ("GREATER_THAN", "0")
    return [
        checkly.DnsMonitorRequestAssertionArgs(source="RESPONSE_CODE", comparison="EQUALS", target="NOERROR"),
        checkly.DnsMonitorRequestAssertionArgs(source="JSON_ANSWER", property="$.Answer.length", comparison=count[0],
                                               target=count[1]),
    ]


def dns_monitor_args(name: str, query: str, record_type: str, frequency: int, where: Placement, severity: Severity,
                     subscriptions: Sequence[checkly.DnsMonitorAlertChannelSubscriptionArgs],
                     expected: pulumi.Input[Sequence[str]] | None = None) -> checkly.DnsMonitorArgs:
    """A record that must resolve; `expected` (the zone's name servers, an output) sets how many answers."""
    assertions: Any = dns_assertions()
    if expected is not None:
        assertions = pulumi.Output.from_input(expected).apply(dns_assertions)
    return checkly.DnsMonitorArgs(
        activated=True, name=f"{name} ({where.stack})", frequency=frequency,
        request=checkly.DnsMonitorRequestArgs(query=query, record_type=record_type, assertions=assertions),
        locations=list(where.locations), group_id=where.group_id, tags=tags(where.stack, name, severity),
        retry_strategy=retry(where.retry, checkly.DnsMonitorRetryStrategyArgs),
        alert_channel_subscriptions=list(subscriptions), use_global_alert_settings=False,
    )


def caa_check(zone: str, severity: Severity) -> CheckConfig:
    """The CAA records of the zone, read through the DNS-over-HTTPS JSON API (see DOH_RESOLVER)."""
    return CheckConfig(name="dns-caa", kind="uptime", url=f"{DOH_RESOLVER}?name={zone}&type=CAA", severity=severity)


def caa_assertions(issuers: Sequence[str]) -> list[checkly.CheckRequestAssertionArgs]:
    return [
        checkly.CheckRequestAssertionArgs(source="STATUS_CODE", comparison="EQUALS", target="200"),
        checkly.CheckRequestAssertionArgs(source="JSON_BODY", property="$.Status", comparison="EQUALS", target="0"),
        *(checkly.CheckRequestAssertionArgs(source="TEXT_BODY", comparison="CONTAINS", target=f'issue \\"{issuer}\\"')
          for issuer in issuers),
    ]
