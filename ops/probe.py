"""`ops probe`: run a stack's monitoring checks once, print the results, route alerts by severity.

The post-deploy smoke test and an operator's on-demand check; Checkly runs the same checks on a
schedule (components/monitoring.py). The checks come from the stack file's `monitoring` section
(or `--checks-json`, e.g. against a deploy preview) and the expected headers from the same
rendering that produced the committed `_headers` file, so "drift" means "differs from what the
platform deployed". Alert webhook URLs are secrets: read from the environment, never printed.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, get_args

import httpx
import typer
from pydantic import TypeAdapter, ValidationError
from rich.table import Table
from rich.text import Text

from components.config import AlertRoute, CheckConfig, ConfigError, Severity, StackConfig
from components.errors import ComponentError
from components.headers import security_headers
from ops.console import StackDir, deadline, fail, fail_config, remaining, stderr, stdout, timeout_option, waiting
from ops.probe_checks import (  # noqa: F401 - Result, tls_context, expected_headers, CACHING_HEADERS: the probe's API
    CACHING_HEADERS,
    Result,
    expected_headers,
    run_checks,
    tls_context,
)
from ops.stackfile import ROOT, read_stack_file

SEVERITIES: tuple[Severity, ...] = get_args(Severity)  # most severe first
SUPABASE_URL_ENV = "MAINTAINPRO_SUPABASE_URL"
CHECKS_ENV = "MAINTAINPRO_CHECKS"
EXIT_CHECK_FAILED = 1
REQUEST_TIMEOUT = 10.0  # each connection/request; `--timeout` bounds the whole run
RANK: dict[str, int] = {severity: len(SEVERITIES) - i for i, severity in enumerate(SEVERITIES)}  # critical highest


@dataclass(frozen=True)
class Alert:
    """One route that fires: every non-ok result of its severity."""

    severity: str
    channel: str
    target: str
    checks: tuple[str, ...]
    delivered: bool | None = None  # None: not sent (no --send)
    error: str | None = None


# ---------------------------------------------------------------- alerts


def webhook_env(severity: str) -> str:
    """The environment variable holding one severity's webhook URL (`--send`)."""
    return f"ALERT_WEBHOOK_{severity.upper()}"


def route_alerts(results: Sequence[Result], routes: Sequence[AlertRoute]) -> list[Alert]:
    """Every route whose severity has a non-ok result, most severe first."""
    alerts = []
    for severity in SEVERITIES:
        names = tuple(r.name for r in results if r.severity == severity and r.status != "ok")
        if names:
            alerts += [Alert(severity, route.channel, route.target, names) for route in routes if route.severity == severity]
    return alerts


def deliver(alert: Alert, stack: str, results: Sequence[Result], client: httpx.Client) -> Alert:
    """POST the alert to the severity's webhook (URL from the environment; never printed)."""
    variable = webhook_env(alert.severity)
    url = os.environ.get(variable)
    if not url:
        return _delivered(alert, False, f"{variable} is not set")
    text = f"[{stack}] {alert.severity}: " + "; ".join(
        f"{r.name} {r.status}: {r.detail}" for r in results if r.name in alert.checks
    )
    payload = {"text": text, "stack": stack, "severity": alert.severity, "channel": alert.channel,
               "target": alert.target, "checks": list(alert.checks)}
    try:
        response = client.post(url, json=payload)
    except (httpx.HTTPError, httpx.InvalidURL) as error:  # InvalidURL is not an HTTPError
        return _delivered(alert, False, f"webhook {variable} unreachable ({type(error).__name__})")
    if response.is_error:
        return _delivered(alert, False, f"webhook {variable} answered HTTP {response.status_code}")
    return _delivered(alert, True, None)


def _delivered(alert: Alert, ok: bool, error: str | None) -> Alert:
    return Alert(alert.severity, alert.channel, alert.target, alert.checks, ok, error)


def failed(results: Sequence[Result], fail_on: str) -> list[Result]:
    """Failed checks at or above `fail_on` (warnings alert but do not fail the run)."""
    return [r for r in results if r.status == "fail" and RANK[r.severity] >= RANK[fail_on]]


# ---------------------------------------------------------------- command


def _table(stack: str, results: Sequence[Result]) -> Table:
    table = Table(title=f"probe {stack}", title_justify="left")
    for column in ("check", "kind", "severity", "status", "detail"):
        table.add_column(column, overflow="fold")
    for r in results:
        style = {"ok": "green", "warn": "yellow", "fail": "bold red"}[r.status]
        table.add_row(Text(r.name), Text(r.kind), Text(r.severity), Text(r.status, style=style), Text(r.detail))
    return table


def _given_checks(text: str) -> list[CheckConfig]:
    """Checks given as JSON instead of the stack file's (another URL, e.g. a deploy preview)."""
    try:
        return TypeAdapter(list[CheckConfig]).validate_json(text)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        fail(f"--checks-json / {CHECKS_ENV}: {where or '(value)'}: {first['msg']}")


def _left(timeout: float) -> float:
    """What is left of the run's `--timeout` for one more request, at most REQUEST_TIMEOUT."""
    left = remaining()
    return max(0.001, min(REQUEST_TIMEOUT, timeout if left is None else left))


def _load(stack: str, stack_dir: Path) -> StackConfig:
    try:
        return read_stack_file(stack, stack_dir).validate()
    except ConfigError as error:
        fail_config(error)


def probe(
    stack: Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose monitoring checks to run.")],
    fail_on: Annotated[str, typer.Option(metavar="SEVERITY", help="Exit 1 when a check of this severity or above fails: "
                                          "critical|warning|info.")] = "warning",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    send: Annotated[bool, typer.Option(help="Deliver alerts to the ALERT_WEBHOOK_<SEVERITY> webhooks.")] = False,
    timeout: Annotated[float, timeout_option("the checked URLs, then the alert webhooks", 120)] = 30.0,
    ca_file: Annotated[Path | None, typer.Option(metavar="FILE", help="Trust this PEM bundle instead of the system store.")] = None,
    supabase_url: Annotated[
        str | None, typer.Option(envvar=SUPABASE_URL_ENV, metavar="URL", help="The stack's Supabase API URL for the expected CSP "
                     "(default: the https://<ref>.supabase.co origin the served CSP names).")
    ] = None,
    checks_json: Annotated[
        str | None,
        typer.Option(envvar=CHECKS_ENV, metavar="JSON", help="Checks to run as JSON (e.g. against a deploy preview); default: the stack file's."),
    ] = None,
    stack_dir: StackDir = ROOT,
) -> None:
    """Run the stack's uptime, SSL-expiry, header-drift and health checks; route alerts by severity."""
    if fail_on not in SEVERITIES:
        fail(f"--fail-on: '{fail_on}' is not one of {', '.join(SEVERITIES)}")
    if ca_file is not None and not ca_file.is_file():
        fail(f"--ca-file: {ca_file} is not a file")
    cfg = _load(stack, stack_dir)
    checks = _given_checks(checks_json) if checks_json else list(cfg.monitoring.checks)
    if not checks:
        fail(f"Pulumi.{stack}.yaml: monitoring.checks is empty, nothing to probe")
    try:
        security_headers(cfg.headers, supabase_url)
    except (ComponentError, ValueError) as error:
        fail(f"--supabase-url / {SUPABASE_URL_ENV}: {error}")
    try:
        context = tls_context(ca_file)
    except ssl.SSLError as error:
        fail(f"--ca-file: {ca_file} is not a usable PEM bundle ({error.reason or error})")
    with deadline(timeout, grace=1.0):  # each request ends by the deadline; the alarm is a backstop
        with waiting(f"the {len(checks)} monitoring check(s) to answer"):
            results = run_checks(checks, cfg.headers, supabase_url, min(REQUEST_TIMEOUT, timeout), context)
        alerts = route_alerts(results, cfg.monitoring.alert_routes)
        if send:
            with waiting("the alert webhooks to answer"), httpx.Client(timeout=_left(timeout)) as client:
                alerts = [deliver(alert, stack, results, client) for alert in alerts]
    bad = failed(results, fail_on)
    undelivered = [a for a in alerts if a.delivered is False]
    if json_output:
        payload = {
            "stack": stack,
            "fail_on": fail_on,
            "results": [asdict(r) for r in results],
            "alerts": [asdict(a) | {"checks": list(a.checks)} for a in alerts],
            "failed": [r.name for r in bad],
        }
        stdout.print_json(json.dumps(payload))
    else:
        stdout.print(_table(stack, results))
        for a in alerts:
            state = {None: "would fire", True: "delivered", False: f"NOT delivered: {a.error}"}[a.delivered]
            stdout.print(f"alert {a.severity} -> {a.channel} {a.target}: {', '.join(a.checks)} ({state})", markup=False)
    for a in undelivered:
        stderr.print(f"error: {a.severity} alert for {a.channel} {a.target} not delivered: {a.error}", markup=False)
    if bad or undelivered:
        raise typer.Exit(EXIT_CHECK_FAILED)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command()(probe)
