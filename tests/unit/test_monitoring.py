"""Monitoring on Checkly under the mock engine, both stacks: what is watched, who is alerted, what reaches the backups."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from typing import Any

import pytest
import yaml

from ops.engine import SECRET, Preview, Registered, run_stack
from ops.stackfile import read_stack_file

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
CHECK = "checkly:index/check:Check"
SSL = "checkly:index/sslMonitor:SslMonitor"
DNS = "checkly:index/dnsMonitor:DnsMonitor"
HEARTBEAT = "checkly:index/heartbeatMonitor:HeartbeatMonitor"
CHANNEL = "checkly:index/alertChannel:AlertChannel"
ALERTING = (CHECK, SSL, DNS, HEARTBEAT)
SECRET_TYPE = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"

# The alert channels of each severity, worked out by hand from the stack files' `monitoring.alert_routes`.
CHANNELS = {
    "staging": {
        "warning": {"monitoring-alert-warning-slack-maintainpro-staging"},
        "info": {"monitoring-alert-info-email-platform-team-maintainpro-example"},
    },
    "production": {
        "critical": {"monitoring-alert-critical-pagerduty-pmaint01", "monitoring-alert-critical-email-oncall-maintainpro-example"},
        "warning": {"monitoring-alert-warning-slack-maintainpro-alerts"},
        "info": {"monitoring-alert-info-email-platform-team-maintainpro-example"},
    },
}


@cache
def preview(stack: str) -> Preview:
    return run_stack(read_stack_file(stack), NOW)


def named(p: Preview, name: str) -> Registered:
    (found,) = [r for r in p.resources if r.name == name]
    return found


def names(p: Preview, urns: tuple[str, ...] | list[str]) -> set[str]:
    return {r.name for r in p.resources if r.urn in urns}


def severity_of(resource: Registered) -> str:
    (tag,) = [t for t in resource.inputs["tags"] if t.startswith("severity-")]
    return tag.removeprefix("severity-")


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_check_subscribes_to_exactly_the_channels_of_its_severity(stack: str) -> None:
    p = preview(stack)
    alerting = [r for r in p.resources if r.type in ALERTING]
    # staging: 2 API checks, 1 SSL monitor, 2 heartbeats; production: 3 + 2 + 2, 3 DNS monitors and the CAA check
    assert len(alerting) == {"staging": 5, "production": 11}[stack]
    for resource in alerting:
        expected = CHANNELS[stack][severity_of(resource)]
        assert names(p, resource.property_dependencies["alertChannelSubscriptions"]) == expected, resource.name
        subscriptions = resource.inputs["alertChannelSubscriptions"]
        assert len(subscriptions) == len(expected) and all(s["activated"] is True for s in subscriptions)
        assert resource.inputs["useGlobalAlertSettings"] is False and resource.inputs["activated"] is True


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_each_check_has_the_severity_of_its_stack_file_entry(stack: str) -> None:
    p = preview(stack)
    for check in read_stack_file(stack).validate().monitoring.checks:
        kind = SSL if check.kind == "ssl_expiry" else CHECK
        prefix = "ssl" if check.kind == "ssl_expiry" else "check"
        resource = named(p, f"monitoring-{prefix}-{check.name}")
        assert resource.type == kind and severity_of(resource) == check.severity


def test_every_custom_domain_and_alias_has_an_ssl_monitor() -> None:
    monitors = {r.inputs["request"]["hostname"]: r.inputs["request"] for r in preview("production").by_type(SSL)}
    assert set(monitors) == {"app.maintainpro.example", "www.maintainpro.example"}
    assert all(m["alertDaysBeforeExpiry"] == 21 and m["port"] == 443 for m in monitors.values())
    # staging has no custom domain: its one SSL monitor watches the netlify.app name its check names
    (staging,) = preview("staging").by_type(SSL)
    assert staging.inputs["request"]["hostname"] == "maintainpro-staging.netlify.app"
    assert staging.inputs["request"]["alertDaysBeforeExpiry"] == 14


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_checks_run_from_two_locations_with_retries_and_response_limits(stack: str) -> None:
    cfg = read_stack_file(stack).validate().monitoring
    for resource in [r for r in preview(stack).resources if r.type in (CHECK, SSL, DNS)]:
        assert resource.inputs["locations"] == cfg.locations and len(set(cfg.locations)) >= 2
        assert resource.inputs["retryStrategy"] == {"type": "LINEAR", "maxRetries": 2, "baseBackoffSeconds": 30,
                                                    "maxDurationSeconds": 300, "sameRegion": False}
    uptime = named(preview("production"), "monitoring-check-app-uptime").inputs
    assert (uptime["frequency"], uptime["degradedResponseTime"], uptime["maxResponseTime"]) == (1, 2000, 8000)


def test_the_headers_check_asserts_the_stacks_rendered_csp_and_hsts() -> None:
    request = named(preview("production"), "monitoring-check-app-headers").inputs["request"]
    assertions = {(a["source"], a.get("property")): (a["comparison"], a["target"]) for a in request["assertions"]}
    assert assertions[("STATUS_CODE", None)] == ("EQUALS", "200")
    assert assertions[("HEADERS", "Strict-Transport-Security")] == ("EQUALS", "max-age=63072000; includeSubDomains; preload")
    comparison, csp = assertions[("HEADERS", "Content-Security-Policy")]
    assert comparison == "EQUALS"
    # connect-src names the stack's Supabase project (the offline stand-in), as the rendered _headers does
    assert "connect-src 'self' https://offlinepreviewrefxyz.supabase.co wss://offlinepreviewrefxyz.supabase.co;" in csp
    assert csp.startswith("default-src 'self'; script-src 'self';") and csp.endswith("upgrade-insecure-requests")


def test_the_health_check_asserts_status_and_the_health_json() -> None:
    request = named(preview("production"), "monitoring-check-api-health").inputs["request"]
    assert request["url"] == "https://app.maintainpro.example/healthz" and request["method"] == "GET"
    assert request["assertions"] == [
        {"source": "STATUS_CODE", "comparison": "EQUALS", "target": "200"},
        {"source": "JSON_BODY", "property": "$.ok", "comparison": "EQUALS", "target": "true"},
    ]


def test_the_managed_zone_has_dns_monitors_and_a_caa_check() -> None:
    p = preview("production")
    monitors = {(r.inputs["request"]["recordType"], r.inputs["request"]["query"]) for r in p.by_type(DNS)}
    assert monitors == {("NS", "maintainpro.example"), ("A", "app.maintainpro.example"), ("A", "www.maintainpro.example")}
    caa = named(p, "monitoring-check-dns-caa").inputs["request"]
    assert caa["url"] == "https://dns.google/resolve?name=maintainpro.example&type=CAA"
    assert {"source": "TEXT_BODY", "comparison": "CONTAINS", "target": 'issue \\"letsencrypt.org\\"'} in caa["assertions"]
    assert {"source": "JSON_BODY", "property": "$.Status", "comparison": "EQUALS", "target": "0"} in caa["assertions"]
    # the NS monitor asserts the zone's own name servers, an output of the Netlify zone
    zone = [r for r in p.resources if r.type == "pulumi-python:dynamic/netlify:DnsZone"][0]
    ns = named(p, "monitoring-dns-ns-maintainpro-example")
    assert any(zone.urn in deps for deps in ns.property_dependencies.values())
    assert preview("staging").by_type(DNS) == []  # staging manages no DNS


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_check_is_in_the_stacks_own_group(stack: str) -> None:
    p = preview(stack)
    (group,) = p.by_type("checkly:index/checkGroupV2:CheckGroupV2")
    assert group.inputs["name"] == f"MaintAInPro {stack}"
    for resource in [r for r in p.resources if r.type in (CHECK, SSL, DNS)]:
        assert resource.property_dependencies["groupId"] == (group.urn,), resource.name
        assert f"maintainpro-{stack}" in resource.inputs["tags"]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_heartbeat_ping_url_reaches_only_the_backup_environment(stack: str) -> None:
    p = preview(stack)
    beats = {r.urn: r for r in p.by_type(HEARTBEAT)}
    assert {r.name for r in beats.values()} == {"monitoring-heartbeat-backup", "monitoring-heartbeat-restore-drill"}
    assert all("heartbeat" in r.additional_secret_outputs for r in beats.values())  # the token is a secret
    fed = [r for r in p.resources if any(u in beats for deps in r.property_dependencies.values() for u in deps)]
    assert {(r.type, r.inputs["environment"], r.inputs["secretName"]) for r in fed} == {
        (SECRET_TYPE, f"{stack}-backups", "BACKUP_HEARTBEAT_URL"),
        (SECRET_TYPE, f"{stack}-backups", "RESTORE_DRILL_HEARTBEAT_URL"),
    }
    assert all(r.inputs["value"] == SECRET for r in fed)
    (backups,) = p.by_type("maintainpro:backups:BackupSchedule")
    assert all(r.parent == backups.urn for r in fed)


def test_heartbeat_periods_follow_the_crons_and_grace_covers_the_job() -> None:
    """Production: backup daily (17 2 * * *), timeout 180 min; drill weekly, 120; grace_minutes 60. The
    jobs share one concurrency group, so each may queue behind the other: 180 + 120 + 60 = 360 min each."""
    p = preview("production")
    assert named(p, "monitoring-heartbeat-backup").inputs["heartbeat"] == {
        "period": 1, "periodUnit": "days", "grace": 6, "graceUnit": "hours"}
    assert named(p, "monitoring-heartbeat-restore-drill").inputs["heartbeat"] == {
        "period": 7, "periodUnit": "days", "grace": 6, "graceUnit": "hours"}
    assert severity_of(named(p, "monitoring-heartbeat-backup")) == "critical"
    assert severity_of(named(preview("staging"), "monitoring-heartbeat-backup")) == "warning"


def backup_workflow(stack: str) -> dict[str, Any]:
    (file,) = [r for r in preview(stack).by_type("github:index/repositoryFile:RepositoryFile")
               if r.inputs["file"] == f".github/workflows/db-backup-{stack}.yml"]
    return yaml.safe_load(file.inputs["content"])


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_backup_workflow_pings_only_after_the_verified_job(stack: str) -> None:
    jobs = backup_workflow(stack)["jobs"]
    for job, command, secret in (("backup", "python -m ops backup", "BACKUP_HEARTBEAT_URL"),
                                 ("restore-drill", "python -m ops restore-drill", "RESTORE_DRILL_HEARTBEAT_URL")):
        steps = jobs[job]["steps"]
        (ping,) = [i for i, s in enumerate(steps) if "HEARTBEAT_URL" in s.get("env", {})]
        (work,) = [i for i, s in enumerate(steps) if s.get("run", "").startswith(command)]
        assert ping == len(steps) - 1 and ping > work, job  # the last step: after the command succeeded
        assert "if" not in steps[ping]  # GitHub's default `success()`: no ping after a failed step
        assert steps[ping]["env"] == {"HEARTBEAT_URL": f"${{{{ secrets.{secret} }}}}"}
        assert "--fail" in steps[ping]["run"] and '"$HEARTBEAT_URL"' in steps[ping]["run"]
        # curl's --retry alone does not retry a refused connection (curl(1), --retry-connrefused)
        assert "--retry 3 --retry-connrefused" in steps[ping]["run"]
        assert jobs[job]["environment"] == f"{stack}-backups"


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_scheduled_probe_workflow_and_its_environment_are_gone(stack: str) -> None:
    p = preview(stack)
    assert not [r for r in p.by_type("github:index/repositoryFile:RepositoryFile") if "monitoring" in r.inputs["file"]]
    environments = {r.inputs["environment"] for r in p.by_type("github:index/repositoryEnvironment:RepositoryEnvironment")}
    assert f"monitoring-{stack}" not in environments
    (component,) = p.by_type("maintainpro:monitoring:Monitoring")
    assert component.name == "monitoring"  # same URN as before: its old children are deleted, nothing moves
    assert not [r for r in p.children(component.urn) if r.type.startswith("github:")]


def test_maintenance_windows_are_utc_instants_silencing_the_stacks_alerts() -> None:
    """Stack file: 02:00-03:00 Europe/Berlin on 2026-01-04 (CET, UTC+1) weekly; 21:00-22:30 on 2026-01-06 monthly."""
    windows = {r.name: r.inputs for r in preview("production").by_type("checkly:index/maintenanceWindow:MaintenanceWindow")}
    assert windows["monitoring-maintenance-scheduled-maintenance"] == {
        "name": "scheduled-maintenance (production)", "description": "Weekly platform maintenance (dependency updates, restarts)",
        "startsAt": "2026-01-04T01:00:00.000Z", "endsAt": "2026-01-04T02:00:00.000Z", "timezone": "Europe/Berlin",
        "repeatUnit": "WEEK", "repeatInterval": 1, "silenceAllAlerts": False,
        # warning and info only, by default: a critical outage that outlasts a window must still page
        "silenceAlertsTags": ["maintainpro-production-severity-warning", "maintainpro-production-severity-info"],
    }
    migrations = windows["monitoring-maintenance-database-migrations"]
    assert (migrations["startsAt"], migrations["endsAt"], migrations["repeatUnit"]) == (
        "2026-01-06T20:00:00.000Z", "2026-01-06T21:30:00.000Z", "MONTH")
    assert "tags" not in migrations  # silenced, never paused: the checks keep recording


def test_a_window_silences_only_this_stacks_checks_of_its_severities() -> None:
    p = preview("production")
    silenced = {tag for r in p.by_type("checkly:index/maintenanceWindow:MaintenanceWindow")
                for tag in r.inputs["silenceAlertsTags"]}
    uptime = named(p, "monitoring-check-app-uptime").inputs["tags"]  # critical: pages PagerDuty
    assert "maintainpro-production-severity-critical" in uptime and not silenced & set(uptime)
    warned = [r.inputs["tags"] for r in p.resources if r.type.startswith("checkly:")
              and "maintainpro-production-severity-warning" in (r.inputs.get("tags") or [])]
    assert warned and all(silenced & set(t) for t in warned)
    assert not any("staging" in tag for tag in silenced)  # tags are account-wide: never the other stack's


def test_alert_channels_carry_their_route_and_flags() -> None:
    p = preview("production")
    slack = named(p, "monitoring-alert-warning-slack-maintainpro-alerts").inputs
    assert slack["slackApp"] == {"slackChannels": ["#maintainpro-alerts"]}
    assert (slack["sendFailure"], slack["sendRecovery"], slack["sendDegraded"]) == (True, True, True)
    info = named(p, "monitoring-alert-info-email-platform-team-maintainpro-example").inputs
    assert info["email"] == {"address": "platform-team@maintainpro.example"} and info["sendRecovery"] is False
    pager = named(p, "monitoring-alert-critical-pagerduty-pmaint01")
    assert pager.inputs["pagerduty"] == SECRET
    integration = named(p, "monitoring-pagerduty-critical-pagerduty-pmaint01")
    assert integration.inputs["type"] == "events_api_v2_inbound_integration" and integration.inputs["service"] == "PMAINT01"
    assert integration.additional_secret_outputs == ("integrationKey",)
    assert pager.property_dependencies["pagerduty"] == (integration.urn,)


def test_production_publishes_a_status_page_of_its_services() -> None:
    p = preview("production")
    (page,) = p.by_type("checkly:index/statusPageV3:StatusPageV3")
    assert page.inputs["url"] == "maintainpro-status" and page.inputs["name"] == "MaintAInPro"
    components = {r.inputs["name"]: r for r in p.by_type("checkly:index/statusPageV3Component:StatusPageV3Component")}
    assert set(components) == {"Web app", "API"}
    rules = {r.inputs["name"]: r for r in p.by_type("checkly:index/statusPageV3AutomationRule:StatusPageV3AutomationRule")}
    assert rules["Web app outage"].inputs["tags"] == ["maintainpro-production-app-uptime"]
    assert rules["API outage"].inputs["tags"] == ["maintainpro-production-api-health"]
    assert rules["API outage"].property_dependencies["components"] == (components["API"].urn,)
    # the tag a rule matches is carried by the check it names
    assert "maintainpro-production-api-health" in named(p, "monitoring-check-api-health").inputs["tags"]
    assert preview("staging").by_type("checkly:index/statusPageV3:StatusPageV3") == []


def test_ci_takes_the_monitoring_tokens_from_the_deploy_and_drift_environments_only() -> None:
    """As Netlify's: a pull request's preview job holds no Checkly or PagerDuty key, only a placeholder."""
    from tests.support.workflows import resolved_jobs

    for workflow, job_name in (("deploy", "staging"), ("deploy", "production"), ("rotate", "drift")):
        job = resolved_jobs(workflow)[job_name]
        assert job["environment"].startswith("platform-"), (workflow, job_name)
        assert job["env"]["CHECKLY_API_KEY"] == "${{ secrets.CHECKLY_API_KEY }}"
        assert job["env"]["PAGERDUTY_TOKEN"] == "${{ secrets.PAGERDUTY_TOKEN }}"
    for job in resolved_jobs("preview").values():
        env = {**(job.get("env") or {}), **{k: v for s in job.get("steps", []) for k, v in (s.get("env") or {}).items()}}
        assert "PAGERDUTY_TOKEN" not in env and "secrets." not in str(env.get("CHECKLY_API_KEY", ""))


class _Mocks:
    """Checkly's answer to a heartbeat monitor's create: its inputs plus the computed ping token."""

    def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        if args.typ == HEARTBEAT:
            state["heartbeat"] = {**state["heartbeat"], "pingToken": f"fake-token-{args.name}"}
        return f"{args.name}-id", state

    def call(self, args: Any) -> tuple[dict[str, Any], None]:
        return {}, None


def test_the_ping_url_is_checklys_url_of_the_computed_token_and_secret() -> None:
    import pulumi

    from components.monitoring import Monitoring, MonitoringArgs

    pulumi.runtime.set_mocks(_Mocks(), project="maintainpro-platform", stack="production", preview=False)  # type: ignore[arg-type]
    cfg = read_stack_file("production").validate()

    @pulumi.runtime.test
    def check() -> pulumi.Output[None]:
        monitoring = Monitoring("monitoring", MonitoringArgs.from_stack(cfg))
        url = monitoring.heartbeat_urls["backup"]

        def verify(pair: list[Any]) -> None:
            value, secret = pair
            assert value == "https://ping.checklyhq.com/fake-token-monitoring-heartbeat-backup" and secret is True

        return pulumi.Output.all(url, pulumi.Output.from_input(url.is_secret())).apply(verify)

    check()


def test_the_status_page_takes_an_optional_custom_domain(tmp_path: Any) -> None:
    from tests.stacks import mutate, stack_document, write_stack

    document = mutate(stack_document("production"), "maintainpro-platform:monitoring", "status_page.custom_domain",
                      "status.maintainpro.example")
    write_stack(tmp_path, "production", document)
    (page,) = run_stack(read_stack_file("production", tmp_path), NOW).by_type("checkly:index/statusPageV3:StatusPageV3")
    assert page.inputs["customDomain"] == "status.maintainpro.example"
    (default,) = preview("production").by_type("checkly:index/statusPageV3:StatusPageV3")
    assert "customDomain" not in default.inputs
