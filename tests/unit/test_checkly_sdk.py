"""Argument shapes against the pinned pulumi-checkly SDK's own types: its `XArgs` classes and docstrings.

The SDK has no enums; what Checkly allows is written in its docstrings. The config's constants are
compared with those texts (a new SDK that changes them fails here), and every builder constructs
the SDK's classes, which refuse a field they do not have.
"""

from __future__ import annotations

import re
from typing import get_args

import pulumi
import pulumi_checkly as checkly
import pulumi_pagerduty as pagerduty
import pytest

from components import alerting, checkly_checks
from components.config import CHECK_FREQUENCIES, RETRY_STRATEGIES, AlertRoute, MaintenanceWindowConfig, RetryConfig
from components.config.monitoring import RepeatConfig
from components.heartbeats import UNITS
from ops.stackfile import read_stack_file


def documented(doc: str | None) -> list[str]:
    """The back-quoted values a docstring lists (`0`, `LINEAR`, ...)."""
    return re.findall(r"`([^`]+)`", (doc or "").split("(Default")[0])


@pytest.mark.parametrize("args", [checkly.CheckArgs, checkly.SslMonitorArgs, checkly.DnsMonitorArgs, checkly.UrlMonitorArgs])
def test_the_offered_frequencies_are_the_sdks_minus_high_frequency(args: type) -> None:
    values = [int(v) for v in documented(args.frequency.__doc__) if v.isdigit()]
    assert values[0] == 0  # high frequency, which needs frequency_offset: not offered
    assert tuple(values[1:]) == CHECK_FREQUENCIES


def test_retry_strategies_and_bounds_are_the_sdks() -> None:
    doc = checkly.CheckRetryStrategyArgs.type.__doc__
    assert set(RETRY_STRATEGIES) <= set(documented(doc)) and {"SINGLE_RETRY", "NO_RETRIES"} <= set(documented(doc))
    assert "between `1` and `10`" in (checkly.CheckRetryStrategyArgs.max_retries.__doc__ or "")
    fields = RetryConfig.model_fields
    assert (fields["max_retries"].metadata[0].ge, fields["max_retries"].metadata[1].le) == (1, 10)
    assert "maximum 600 seconds" in (checkly.CheckRetryStrategyArgs.max_duration_seconds.__doc__ or "")


def test_repeat_units_heartbeat_units_and_record_types_are_the_sdks() -> None:
    assert documented(checkly.MaintenanceWindowArgs.repeat_unit.__doc__) == list(get_args(RepeatConfig.model_fields["unit"].annotation))
    assert {unit for unit, _ in UNITS} <= set(documented(checkly.HeartbeatMonitorHeartbeatArgs.period_unit.__doc__))
    record_types = documented(checkly.DnsMonitorRequestArgs.record_type.__doc__)
    assert {"A", "NS"} <= set(record_types)
    assert "CAA" not in record_types  # why the CAA records are read through DNS over HTTPS (checkly_checks.DOH_RESOLVER)


def test_response_times_and_ssl_days_fit_the_sdks_ranges() -> None:
    assert "between 0 and 30000" in (checkly.CheckArgs.max_response_time.__doc__ or "")
    assert "between 1 and 365" in (checkly.SslMonitorRequestArgs.alert_days_before_expiry.__doc__ or "")


def test_a_misspelt_or_missing_field_fails_at_construction() -> None:
    with pytest.raises(TypeError, match="locatoins"):
        checkly.CheckArgs(type="API", activated=True, frequency=5, locatoins=["eu-west-1"])  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="hostname"):
        checkly.SslMonitorRequestArgs(alert_days_before_expiry=21)  # type: ignore[call-arg]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_check_of_both_stacks_builds_the_sdks_own_args(stack: str) -> None:
    cfg = read_stack_file(stack).validate()
    m = cfg.monitoring
    where = checkly_checks.Placement(stack, m.locations, m.retry, 1)
    for check in m.checks:
        if check.kind == "ssl_expiry":
            args = checkly_checks.ssl_monitor_args(check, m.frequency(check), where, [])
            assert isinstance(args, checkly.SslMonitorArgs)
            assert isinstance(args.request, checkly.SslMonitorRequestArgs)
            assert isinstance(args.retry_strategy, checkly.SslMonitorRetryStrategyArgs)
        else:
            rendered = {"Content-Security-Policy": "default-src 'self'", "Strict-Transport-Security": "max-age=1"}
            api = checkly_checks.api_check_args(check, m.frequency(check), where, [],
                                                checkly_checks.api_assertions(check, rendered))
            assert isinstance(api, checkly.CheckArgs) and api.type == "API"
            assert all(isinstance(a, checkly.CheckRequestAssertionArgs) for a in api.request.assertions)
            assert isinstance(api.retry_strategy, checkly.CheckRetryStrategyArgs)
    dns = checkly_checks.dns_monitor_args("dns-a", "app.maintainpro.example", "A", 60, where, "warning", [])
    assert isinstance(dns, checkly.DnsMonitorArgs) and isinstance(dns.retry_strategy, checkly.DnsMonitorRetryStrategyArgs)
    for window in m.maintenance_windows:
        assert isinstance(window, MaintenanceWindowConfig)


@pytest.mark.parametrize(("channel", "target", "block", "kind"), [
    ("email", "oncall@maintainpro.example", "email", checkly.AlertChannelEmailArgs),
    ("slack", "#maintainpro-alerts", "slack_app", checkly.AlertChannelSlackAppArgs),
    ("pagerduty", "PMAINT01", "pagerduty", checkly.AlertChannelPagerdutyArgs),
    ("webhook", "ops-bridge", "webhook", checkly.AlertChannelWebhookArgs),
])
def test_each_route_builds_one_block_of_the_sdks_alert_channel(channel: str, target: str, block: str, kind: type) -> None:
    route = AlertRoute(severity="critical", channel=channel, target=target, send_degraded=True)  # type: ignore[arg-type]
    args = alerting.channel_args(route, "production", "fake-secret-value" if channel in ("pagerduty", "webhook") else None)
    assert isinstance(args, checkly.AlertChannelArgs) and isinstance(getattr(args, block), kind)
    others = {"email", "slack_app", "pagerduty", "webhook"} - {block}
    assert all(getattr(args, name) is None for name in others)
    assert (args.send_failure, args.send_recovery, args.send_degraded) == (True, True, True)
    assert pulumi.get(args, "slack") is None  # the deprecated Slack webhook block is never used


def test_the_pagerduty_integration_is_the_sdks_events_v2_type() -> None:
    assert alerting.PAGERDUTY_INTEGRATION in (pagerduty.ServiceIntegrationArgs.type.__doc__ or "")
    args = pagerduty.ServiceIntegrationArgs(service="PMAINT01", type=alerting.PAGERDUTY_INTEGRATION)
    assert args.service == "PMAINT01"


def test_every_assertion_uses_a_source_and_comparison_its_sdk_class_documents() -> None:
    cfg = read_stack_file("production").validate()
    rendered = {"Content-Security-Policy": "default-src 'self'", "Strict-Transport-Security": "max-age=1"}
    api = [a for c in cfg.monitoring.checks if c.kind != "ssl_expiry" for a in checkly_checks.api_assertions(c, rendered)]
    api += checkly_checks.caa_assertions(cfg.netlify.caa_issuers)
    dns = checkly_checks.dns_assertions() + checkly_checks.dns_assertions(["dns1.p01.nsone.net", "dns2.p01.nsone.net"])
    for assertions, kind in ((api, checkly.CheckRequestAssertionArgs), (dns, checkly.DnsMonitorRequestAssertionArgs)):
        sources, comparisons = documented(kind.source.__doc__), documented(kind.comparison.__doc__)
        for assertion in assertions:
            assert isinstance(assertion, kind)
            assert assertion.source in sources and assertion.comparison in comparisons, (kind.__name__, assertion.source,
                                                                                           assertion.comparison)
    assert {(a.comparison, a.target) for a in dns if a.property == "$.Answer.length"} == {("GREATER_THAN", "0"), ("EQUALS", "2")}


def test_the_other_fixed_values_are_ones_the_sdk_documents() -> None:
    assert "API" in documented(checkly.CheckArgs.type.__doc__)
    assert "GET" in documented(checkly.CheckRequestArgs.method.__doc__)
    assert "SERVICE" in documented(checkly.StatusPageV3ComponentArgs.type.__doc__)
    assert "MAJOR_OUTAGE" in documented(checkly.StatusPageV3AutomationRuleComponentArgs.target_impact.__doc__)
