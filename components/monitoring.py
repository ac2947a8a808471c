"""Monitoring on Checkly (pulumi-checkly): what watches the stack from outside, and whom it alerts.

Per stack: a check group (the two stacks never share one), an alert channel per route, an API
check or SSL monitor per `monitoring.checks` entry (each subscribed to the channels of its
severity), DNS monitors for the records a stack with a managed zone serves (CAA through an API
check), heartbeats for the backup job and the restore drill (their ping URLs go to the backup
environment, see components/backups.py), maintenance windows that silence the stack's alerts, and
in production a status page. `ops probe` runs the same checks once, on demand.

The scheduled GitHub Actions probe this replaces is gone: its workflow file and its
`monitoring-<stack>` environment are no longer declared, so the next `up` deletes them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_checkly as checkly

from components.alerting import AlertChannels, numeric_id
from components.checkly_checks import (
    Placement,
    api_assertions,
    api_check_args,
    caa_assertions,
    caa_check,
    check_tag,
    dns_monitor_args,
    severity_tag,
    ssl_monitor_args,
    stack_tag,
    tags,
)
from components.config import (
    ALERT_WEBHOOKS_KEY,
    BackupsConfig,
    HeadersConfig,
    MonitoringConfig,
    NetlifyConfig,
    StackConfig,
    StatusPageConfig,
)
from components.config.monitoring_rules import custom_domains
from components.headers import security_headers
from components.heartbeats import in_units, ping_url, plan
from components.names import record_name

CHECKLY_TIME = "%Y-%m-%dT%H:%M:%S.000Z"  # the SDK's MaintenanceWindow example: "2014-08-24T00:00:00.000Z"
DNS_FREQUENCY = 60  # minutes: records change on a deploy, not between two checks


@dataclass(frozen=True)
class MonitoringArgs:
    monitoring: MonitoringConfig
    stack: str
    headers: HeadersConfig
    netlify: NetlifyConfig
    backups: BackupsConfig
    supabase_url: pulumi.Input[str] | None = None  # the CSP's connect-src, asserted by `headers` checks
    dns_servers: pulumi.Input[Sequence[str]] | None = None  # the managed zone's name servers
    webhook_urls: pulumi.Input[Mapping[str, str]] | None = None  # secret: `alertWebhooks`, by route target

    @classmethod
    def from_stack(cls, cfg: StackConfig, *, supabase_url: pulumi.Input[str] | None = None,
                   dns_servers: pulumi.Input[Sequence[str]] | None = None) -> MonitoringArgs:
        """The webhook URLs come from secret config only (`pulumi config set --secret --path ...`)."""
        hooks = None
        if cfg.monitoring.webhook_targets:
            namespace, _, key = ALERT_WEBHOOKS_KEY.partition(":")
            hooks = pulumi.Config(namespace).require_secret_object(key)
        return cls(monitoring=cfg.monitoring, stack=cfg.environment,
                   headers=cfg.headers, netlify=cfg.netlify, backups=cfg.backups,
                   supabase_url=supabase_url, dns_servers=dns_servers, webhook_urls=hooks)


class Monitoring(pulumi.ComponentResource):
    """The stack's Checkly checks, monitors, heartbeats, alert channels, maintenance windows and status page."""

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:monitoring:Monitoring", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        m = args.monitoring
        self.group = checkly.CheckGroupV2(
            f"{name}-group", checkly.CheckGroupV2Args(name=f"MaintAInPro {args.stack}", activated=True, muted=False,
                                                      tags=[stack_tag(args.stack)]), opts=self._child)
        self.channels = AlertChannels(name, m.alert_routes, args.stack, args.webhook_urls, self)
        self._where = Placement(args.stack, m.locations, m.retry, numeric_id(self.group))
        self._checks()
        self._dns()
        self.heartbeat_urls: dict[str, pulumi.Output[str]] = self._heartbeats()
        self._maintenance_windows()
        self.status_page = self._status_page(m.status_page) if m.status_page else None
        self.register_outputs({"group": self.group.id, "heartbeats": sorted(self.heartbeat_urls)})

    def _checks(self) -> None:
        """An API check per uptime/headers/health entry, an SSL monitor per ssl_expiry entry."""
        args, m = self._args, self._args.monitoring
        rendered = pulumi.Output.from_input(args.supabase_url).apply(lambda url: security_headers(args.headers, url))
        for check in m.checks:
            if check.kind == "ssl_expiry":
                checkly.SslMonitor(f"{self._name}-ssl-{check.name}", ssl_monitor_args(
                    check, m.frequency(check), self._where,
                    self.channels.subscriptions(check.severity, checkly.SslMonitorAlertChannelSubscriptionArgs)),
                    opts=self._child)
            else:
                checkly.Check(f"{self._name}-check-{check.name}", api_check_args(
                    check, m.frequency(check), self._where,
                    self.channels.subscriptions(check.severity, checkly.CheckAlertChannelSubscriptionArgs),
                    api_assertions(check, rendered)), opts=self._child)

    def _dns(self) -> None:
        """With a managed zone: its delegation (NS), each custom domain and alias (A) and its CAA records."""
        args, netlify, severity = self._args, self._args.netlify, self._args.monitoring.dns_severity
        if not (netlify.manage_dns and netlify.custom_domain and netlify.dns_zone):
            return
        zone = netlify.dns_zone
        subscribe = self.channels.subscriptions(severity, checkly.DnsMonitorAlertChannelSubscriptionArgs)
        records = [("ns", zone, "NS", args.dns_servers), *(("a", host, "A", None) for host in custom_domains(netlify))]
        for kind, query, record_type, expected in records:
            label = f"dns-{kind}-{record_name(query)}"
            checkly.DnsMonitor(f"{self._name}-{label}", dns_monitor_args(
                label, query, record_type, DNS_FREQUENCY, self._where, severity, subscribe, expected), opts=self._child)
        caa = caa_check(zone, severity)
        checkly.Check(f"{self._name}-check-{caa.name}", api_check_args(
            caa, DNS_FREQUENCY, self._where, self.channels.subscriptions(severity, checkly.CheckAlertChannelSubscriptionArgs),
            caa_assertions(netlify.caa_issuers)), opts=self._child)

    def _heartbeats(self) -> dict[str, pulumi.Output[str]]:
        """A heartbeat per backup workflow job; the ping URLs (secret), by job, for the backup environment."""
        args = self._args
        severity = args.monitoring.heartbeats.severity
        urls: dict[str, pulumi.Output[str]] = {}
        for beat in plan(args.backups, args.monitoring.heartbeats):
            period, period_unit = in_units(beat.period_minutes)
            grace, grace_unit = in_units(beat.grace_minutes)
            monitor = checkly.HeartbeatMonitor(
                f"{self._name}-heartbeat-{beat.job}",
                checkly.HeartbeatMonitorArgs(
                    activated=True, name=f"{beat.title} ({args.stack})",
                    description=f"Pinged by the {beat.job} job of the backup workflow after it verified its work (cron {beat.cron}).",
                    heartbeat=checkly.HeartbeatMonitorHeartbeatArgs(period=period, period_unit=period_unit,
                                                                    grace=grace, grace_unit=grace_unit),
                    tags=tags(args.stack, f"heartbeat-{beat.job}", severity), use_global_alert_settings=False,
                    alert_channel_subscriptions=self.channels.subscriptions(
                        severity, checkly.HeartbeatMonitorAlertChannelSubscriptionArgs)),
                # The ping token is a credential (a ping hides a missed backup) the provider does not mark sensitive.
                opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["heartbeat"]),
            )
            urls[beat.job] = pulumi.Output.secret(monitor.heartbeat.apply(functools.partial(_ping_url, job=beat.job)))
        return urls

    def _maintenance_windows(self) -> None:
        """Each window silences the alerts of this stack's checks of the severities it lists (by their
        per-stack severity tags); checks keep running. Critical alerts are not silenced by default:
        Checkly sends no alert after a window for a check that started failing inside it ("Maintenance
        windows", Silence alerts: Warning), so a silenced outage that outlasts the window pages no one."""
        args = self._args
        for window in args.monitoring.maintenance_windows:
            repeat = window.repeat
            checkly.MaintenanceWindow(f"{self._name}-maintenance-{window.name}", checkly.MaintenanceWindowArgs(
                name=f"{window.name} ({args.stack})", description=window.description,
                starts_at=window.starts_utc.strftime(CHECKLY_TIME), ends_at=window.ends_utc.strftime(CHECKLY_TIME),
                timezone=window.timezone, silence_all_alerts=False,
                silence_alerts_tags=[severity_tag(args.stack, severity) for severity in window.silences],
                repeat_unit=repeat.unit if repeat else None, repeat_interval=repeat.interval if repeat else None,
                repeat_ends_at=repeat.until.strftime("%Y-%m-%dT00:00:00.000Z") if repeat and repeat.until else None,
            ), opts=self._child)

    def _status_page(self, page: StatusPageConfig) -> checkly.StatusPageV3:
        """The page, a component per service, and a rule opening an incident on it when one of its checks fails."""
        stack = self._args.stack
        status = checkly.StatusPageV3(f"{self._name}-status-page", checkly.StatusPageV3Args(
            url=page.subdomain, name=page.title, custom_domain=page.custom_domain,
            description=f"Current status of {page.title}"), opts=self._child)
        for order, service in enumerate(page.services):
            slug = record_name("-".join(service.name.lower().split()))
            component = checkly.StatusPageV3Component(f"{self._name}-status-{slug}", checkly.StatusPageV3ComponentArgs(
                status_page_id=status.id, name=service.name, display_order=order, type="SERVICE"), opts=self._child)
            checkly.StatusPageV3AutomationRule(f"{self._name}-status-{slug}-outage", checkly.StatusPageV3AutomationRuleArgs(
                status_page_id=status.id, name=f"{service.name} outage", tags=[check_tag(stack, c) for c in service.checks],
                first_update=f"We are investigating a problem with {service.name}.",
                last_update=f"{service.name} is working normally again.",
                components=[checkly.StatusPageV3AutomationRuleComponentArgs(component_id=component.id,
                                                                            target_impact="MAJOR_OUTAGE")]),
                opts=self._child)
        return status


def _ping_url(heartbeat: Any, job: str) -> str:
    token = getattr(heartbeat, "ping_token", None)
    if not token:  # computed by Checkly on create; a preview never gets here (the output is unknown)
        raise pulumi.RunError(f"Checkly returned no ping token for the {job} heartbeat")
    return ping_url(token)
