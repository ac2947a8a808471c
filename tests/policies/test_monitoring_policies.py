"""The monitoring policies over Checkly resources: SSL monitors per certificate name, a critical route, backup heartbeats."""

from __future__ import annotations

import pytest

from policies import resources as R
from policies.resilience import backup_heartbeat, critical_route, ssl_expiry_monitor
from tests.policies.factories import BACKUP_WORKFLOW, assert_fails, assert_passes, compliant_stack

POLICIES = [ssl_expiry_monitor, critical_route, backup_heartbeat]


@pytest.mark.parametrize("module", POLICIES, ids=lambda m: m.POLICY.name)
def test_the_compliant_production_stack_passes(module) -> None:
    assert_passes(module.POLICY, compliant_stack().args())


# -- monitoring-domain-require-ssl-expiry-check --------------------------------------------------------------

def test_an_alias_without_an_ssl_monitor_fails() -> None:
    stack = compliant_stack()
    stack.remove("ssl-www")
    assert_fails(ssl_expiry_monitor.POLICY, stack.args(), "www.maintainpro.example has no activated SSL monitor", stack["site"].urn)


def test_the_custom_domain_without_an_ssl_monitor_fails() -> None:
    stack = compliant_stack()
    stack.remove("ssl-app")
    assert_fails(ssl_expiry_monitor.POLICY, stack.args(), "app.maintainpro.example has no activated SSL monitor")


def test_a_deactivated_ssl_monitor_does_not_count() -> None:
    stack = compliant_stack()
    stack["ssl-app"].props["activated"] = False
    assert_fails(ssl_expiry_monitor.POLICY, stack.args(), "app.maintainpro.example has no activated SSL monitor")


def test_an_ssl_monitor_of_another_host_does_not_count() -> None:
    stack = compliant_stack()
    stack["ssl-www"].props["request"]["hostname"] = "staging.maintainpro.example"
    assert_fails(ssl_expiry_monitor.POLICY, stack.args(), "www.maintainpro.example has no activated SSL monitor")


def test_a_site_without_a_custom_domain_needs_no_ssl_monitor() -> None:
    stack = compliant_stack()
    stack["site"].props.update(custom_domain=None, domain_aliases=[])
    stack.remove("ssl-app")
    stack.remove("ssl-www")
    assert_passes(ssl_expiry_monitor.POLICY, stack.args())


# -- monitoring-alerts-require-critical-route -----------------------------------------------------------------

NO_ROUTE = "no critical alert route"


def test_no_critical_check_fails_at_the_monitoring_component() -> None:
    stack = compliant_stack()
    for name in ("check-app-uptime", "heartbeat-backup"):
        stack[name].props["tags"] = ["maintainpro-production", "severity-warning"]
    assert_fails(critical_route.POLICY, stack.args(), NO_ROUTE, stack["monitoring"].urn)


def test_critical_checks_subscribed_to_no_channel_fail() -> None:
    stack = compliant_stack()
    for name in ("check-app-uptime", "heartbeat-backup"):
        stack[name].props["alertChannelSubscriptions"] = []
        stack[name].property_dependencies["alertChannelSubscriptions"] = []
    assert_fails(critical_route.POLICY, stack.args(), NO_ROUTE)


def test_a_channel_that_sends_no_failures_is_no_route() -> None:
    stack = compliant_stack()
    stack["alert-critical-pagerduty"].props["sendFailure"] = False
    assert_fails(critical_route.POLICY, stack.args(), NO_ROUTE)


def test_deactivated_subscriptions_and_muted_checks_page_no_one() -> None:
    stack = compliant_stack()
    stack["check-app-uptime"].props["alertChannelSubscriptions"][0]["activated"] = False
    stack["heartbeat-backup"].props["muted"] = True
    assert_fails(critical_route.POLICY, stack.args(), NO_ROUTE)
    stack["heartbeat-backup"].props["muted"] = False
    assert_passes(critical_route.POLICY, stack.args())


def test_a_subscription_not_wired_from_a_channel_does_not_count() -> None:
    """A channel id typed in by hand (no property dependency) may name another account's channel."""
    stack = compliant_stack()
    for name in ("check-app-uptime", "heartbeat-backup"):
        stack[name].property_dependencies["alertChannelSubscriptions"] = []
    assert_fails(critical_route.POLICY, stack.args(), NO_ROUTE)


# -- monitoring-backup-require-heartbeat ----------------------------------------------------------------------

NO_PING = "backup schedule backups: the backup job pings no heartbeat"


def test_a_backup_job_without_a_ping_step_fails() -> None:
    stack = compliant_stack()
    stack["backup-workflow"].props["content"] = BACKUP_WORKFLOW.split("      - run: curl")[0]
    assert_fails(backup_heartbeat.POLICY, stack.args(), NO_PING, stack["backups"].urn)


def test_a_ping_before_the_backup_proves_nothing() -> None:
    stack = compliant_stack()
    backup = "      - run: python -m ops backup --stack production\n"
    content = BACKUP_WORKFLOW.replace(backup, "")
    stack["backup-workflow"].props["content"] = content + backup
    assert_fails(backup_heartbeat.POLICY, stack.args(), NO_PING)


def test_a_ping_url_not_wired_from_a_heartbeat_fails() -> None:
    stack = compliant_stack()
    stack["backup-secret-heartbeat"].property_dependencies["value"] = []
    assert_fails(backup_heartbeat.POLICY, stack.args(), NO_PING)


def test_a_deactivated_or_silent_heartbeat_does_not_count() -> None:
    stack = compliant_stack()
    stack["heartbeat-backup"].props["activated"] = False
    assert_fails(backup_heartbeat.POLICY, stack.args(), NO_PING)
    stack["heartbeat-backup"].props.update(activated=True, alertChannelSubscriptions=[])
    assert_fails(backup_heartbeat.POLICY, stack.args(), NO_PING)


def test_a_heartbeat_secret_outside_the_backup_schedule_does_not_count() -> None:
    """Only the backup environment's secrets reach the job: one in another environment pings nothing."""
    stack = compliant_stack()
    secret = stack["backup-secret-heartbeat"]
    secret.parent = None
    assert_fails(backup_heartbeat.POLICY, stack.args(), NO_PING)


def test_the_restore_drill_job_needs_its_own_ping() -> None:
    stack = compliant_stack()
    drill = ("  restore-drill:\n    runs-on: ubuntu-24.04\n    steps:\n"
             "      - run: python -m ops restore-drill --jobs 4\n")
    stack["backup-workflow"].props["content"] = BACKUP_WORKFLOW + drill
    assert_fails(backup_heartbeat.POLICY, stack.args(), "the restore drill job pings no heartbeat")


def test_the_policies_read_the_checkly_type_tokens() -> None:
    """The tokens the SDK registers (pulumi-checkly 2.14.0 `super().__init__('checkly:index/...')`)."""
    import pulumi_checkly as checkly

    for cls, token in [(checkly.SslMonitor, R.CHECKLY_SSL_MONITOR), (checkly.Check, R.CHECKLY_CHECK),
                       (checkly.HeartbeatMonitor, R.CHECKLY_HEARTBEAT_MONITOR), (checkly.AlertChannel, R.CHECKLY_ALERT_CHANNEL),
                       (checkly.DnsMonitor, R.CHECKLY_DNS_MONITOR), (checkly.UrlMonitor, R.CHECKLY_URL_MONITOR)]:
        import inspect

        assert f"'{token}'" in inspect.getsource(cls._internal_init), (cls, token)
