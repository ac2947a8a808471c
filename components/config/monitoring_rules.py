"""Rules of the `monitoring` section that read other sections: what the stack serves and backs up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from components.config.cron import longest_gap
from components.config.monitoring import MonitoringConfig
from components.config.netlify import NetlifyConfig
from components.config.stack import StackConfig
from components.config.types import ALERT_WEBHOOKS_KEY, Problem, Severity

# A Checkly heartbeat's period and grace are at most 365 days (terraform-provider-checkly
# `resource_heartbeat_monitor.go`: "period must be between 30 seconds and 365 days").
MAX_HEARTBEAT = timedelta(days=365)


def stack_domains(cfg: StackConfig) -> list[str]:
    """The hosts this stack serves: its custom domain and aliases, and the site's own netlify.app name."""
    netlify = cfg.netlify
    return [*filter(None, [netlify.custom_domain]), *netlify.domain_aliases, f"{netlify.site_name}.netlify.app"]


def custom_domains(netlify: NetlifyConfig) -> list[str]:
    """Every name a certificate of the stack covers: the custom domain and its aliases."""
    return [*filter(None, [netlify.custom_domain]), *netlify.domain_aliases]


def manages_dns(cfg: StackConfig) -> bool:
    return bool(cfg.netlify.manage_dns and cfg.netlify.custom_domain and cfg.netlify.dns_zone)


def used_severities(cfg: StackConfig) -> dict[Severity, str]:
    """Each severity something alerts with, and what uses it (first user named)."""
    users: list[tuple[Severity, str]] = [(check.severity, "a check") for check in cfg.monitoring.checks]
    if manages_dns(cfg):
        users.append((cfg.monitoring.dns_severity, "the DNS monitors"))
    if cfg.backups.enabled:
        users.append((cfg.monitoring.heartbeats.severity, "the backup heartbeats"))
    used: dict[Severity, str] = {}
    for severity, user in users:
        used.setdefault(severity, user)
    return used


def monitoring_problems(cfg: StackConfig) -> list[Problem]:
    m = cfg.monitoring
    problems: list[Problem] = []
    routed = {route.severity for route in m.alert_routes}
    for severity, user in sorted(used_severities(cfg).items()):
        if severity not in routed:
            problems.append(("monitoring.alert_routes", f"no route for severity '{severity}' used by {user}"))
    problems += _duplicates("monitoring.checks", "check name", [c.name for c in m.checks])
    problems += _duplicates("monitoring.alert_routes", "route", [f"{r.severity} {r.channel} {r.target}" for r in m.alert_routes])
    problems += _duplicates("monitoring.maintenance_windows", "window name", [w.name for w in m.maintenance_windows])
    problems += _check_url_problems(cfg)
    checks = {c.name for c in m.checks}
    if m.status_page:
        for i, service in enumerate(m.status_page.services):
            for name in service.checks:
                if name not in checks:
                    problems.append((f"monitoring.status_page.services[{i}].checks", f"'{name}' is not a check in monitoring.checks"))
    if cfg.backups.enabled:
        for key in ("schedule", "restore_drill_schedule"):
            gap = longest_gap(getattr(cfg.backups, key))
            if gap is None or gap > MAX_HEARTBEAT:
                problems.append((f"backups.{key}", "runs less often than once a year: its Checkly heartbeat waits at most 365 days"))
    if cfg.is_production:
        if "critical" not in routed:
            problems.append(("monitoring.alert_routes", "production needs a route for severity 'critical': an outage must page someone"))
        if m.status_page is None:
            problems.append(("monitoring.status_page", "production publishes a status page of its checks"))
    return problems


def _check_url_problems(cfg: StackConfig) -> list[Problem]:
    """Every check watches this stack, and in production every certificate name has an SSL monitor
    (the pack's `monitoring-domain-require-ssl-expiry-check`, mandatory there)."""
    domains = stack_domains(cfg)
    problems: list[Problem] = []
    ssl_hosts: set[str] = set()
    for i, check in enumerate(cfg.monitoring.checks):
        parts = urlsplit(check.url)
        host = (parts.hostname or "").lower()
        if host not in domains:
            problems.append((f"monitoring.checks[{i}].url",
                             f"host '{host}' is not one of this stack's domains ({', '.join(domains)}): a check watches its own stack"))
        elif check.kind == "ssl_expiry":
            if parts.scheme != "https":
                problems.append((f"monitoring.checks[{i}].url", "an ssl_expiry check needs an https:// URL"))
            ssl_hosts.add(host)
    for host in custom_domains(cfg.netlify) if cfg.is_production else []:
        if host not in ssl_hosts:
            problems.append(("monitoring.checks", f"production needs an ssl_expiry check for {host}: "
                             "every custom domain and alias has an SSL monitor"))
    return problems


def _duplicates(path: str, what: str, values: Iterable[str]) -> list[Problem]:
    counts = Counter(values)
    return [(path, f"{what} '{value}' is used more than once") for value in sorted(v for v, n in counts.items() if n > 1)]


def webhook_problems(stored: Any, monitoring: MonitoringConfig) -> list[Problem]:
    """The secret config `alertWebhooks` (names only, never a value) has an entry for every webhook route.

    Checked when the key is set and its entries can be told apart (`--secret --path` per entry, or one
    secret JSON object the program receives decoded); absent, the program's `require_secret_object` says so.
    """
    if not isinstance(stored, dict):
        return []
    return [(ALERT_WEBHOOKS_KEY, f"has no entry '{name}' for its webhook alert route "
             f"(pulumi config set --secret --path '{ALERT_WEBHOOKS_KEY}.{name}' <URL>)")
            for name in monitoring.webhook_targets if name not in stored]
