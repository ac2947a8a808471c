"""`ops probe` against servers on 127.0.0.1: certificates near/far/past expiry, drifted headers, a down port."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from components.config import CheckConfig, HeadersConfig
from components.headers import render, security_headers
from ops.cli import load
from ops.probe import Result, expected_headers, failed, route_alerts, run_checks, tls_context
from ops.stackfile import read_stack_file
from policies.headers import headers_file
from tests.ops.cli_runner import Completed, run_ops
from tests.stacks import mutate, stack_document, write_stack
from tests.support.local_servers import Certs, Reply, closed_port, make_certs, serve

app = load("probe")


TIMEOUT = 2.0
SUPABASE = "https://abcdefghijklmnopqrst.supabase.co"
NOW = datetime.now(timezone.utc)
P = "maintainpro-platform"


def check(kind: str, url: str, **extra: Any) -> CheckConfig:
    return CheckConfig(name=extra.pop("name", kind.replace("_", "-")), kind=kind, url=url, **extra)


def headers_cfg() -> HeadersConfig:
    return read_stack_file("production").validate().headers


def run(checks: list[CheckConfig], certs: Certs | None = None, **kw: Any) -> list[Result]:
    return run_checks(checks, headers_cfg(), kw.pop("supabase_url", SUPABASE), TIMEOUT,
                      tls_context(certs.ca if certs else None), **kw)


@pytest.fixture(scope="module")
def far(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("far"), NOW + timedelta(days=200))


@pytest.fixture(scope="module")
def near(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("near"), NOW + timedelta(days=5))


@pytest.fixture(scope="module")
def past(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("past"), NOW - timedelta(days=3))


@pytest.fixture(scope="module")
def good_site(far: Certs) -> Iterator[str]:
    """HTTPS, serving exactly the production headers (with the Supabase origins)."""
    with serve(Reply(headers=security_headers(headers_cfg(), SUPABASE)), far) as url:
        yield url


# ---------------------------------------------------------------- ssl_expiry


def test_certificate_far_from_expiry_is_ok(good_site: str, far: Certs) -> None:
    (result,) = run([check("ssl_expiry", good_site + "/")], far)
    assert result.status == "ok", result.detail
    assert "199 more days" in result.detail or "200 more days" in result.detail


def test_certificate_near_expiry_warns_with_the_days_left(near: Certs) -> None:
    with serve(Reply(), near) as url:
        (result,) = run([check("ssl_expiry", url, ssl_expiry_warn_days=21)], near)
        (relaxed,) = run([check("ssl_expiry", url, ssl_expiry_warn_days=3)], near)
    assert result.status == "warn", result.detail
    assert "expires in 5.0 days" in result.detail or "expires in 4.9 days" in result.detail
    assert relaxed.status == "ok", relaxed.detail


def test_expired_certificate_fails_naming_the_date(past: Certs) -> None:
    with serve(Reply(), past) as url:
        (result,) = run([check("ssl_expiry", url)], past)
    assert result.status == "fail"
    assert f"expired on {(NOW - timedelta(days=3)):%Y-%m-%d}" in result.detail


def test_untrusted_certificate_fails(good_site: str) -> None:
    (result,) = run([check("ssl_expiry", good_site)], None)  # system trust store: the test CA is unknown
    assert result.status == "fail"
    assert "not trusted" in result.detail


def test_ssl_check_of_a_down_port_or_plain_http_fails() -> None:
    results = run([check("ssl_expiry", f"https://127.0.0.1:{closed_port()}/", name="down"),
                   check("ssl_expiry", "http://127.0.0.1:1/", name="plain")])
    assert [r.status for r in results] == ["fail", "fail"]
    assert "cannot connect" in results[0].detail
    assert "needs an https:// URL" in results[1].detail


# ---------------------------------------------------------------- uptime and health


def test_uptime_checks_the_status(good_site: str, far: Certs) -> None:
    with serve(Reply(status=503)) as broken:
        results = run(
            [check("uptime", good_site, name="up"), check("uptime", broken, name="broken"),
             check("uptime", f"http://127.0.0.1:{closed_port()}/", name="down")],
            far,
        )
    assert [(r.name, r.status) for r in results] == [("up", "ok"), ("broken", "fail"), ("down", "fail")]
    assert results[1].detail == "HTTP 503, expected 200"
    assert "cannot connect" in results[2].detail


def test_a_server_that_does_not_answer_fails_within_the_timeout() -> None:
    import socket
    import time

    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        started = time.monotonic()
        (result,) = run_checks([check("uptime", url)], headers_cfg(), None, 0.5)
        elapsed = time.monotonic() - started
    assert result.status == "fail" and "no answer within 0.5s" in result.detail
    assert elapsed < 5  # bounded: one timeout, not a hang (a loose bound, not a benchmark)


@pytest.mark.parametrize(
    ("reply", "status", "detail"),
    [
        (Reply.json({"ok": True}), "ok", "healthy"),
        (Reply.json({"status": "pass"}), "ok", "healthy"),
        (Reply.json({"ok": False, "db": "down"}), "fail", "unhealthy"),
        (Reply(body=b"<html>fine</html>"), "fail", "body is not JSON"),
        (Reply.json({"ok": True}, status=500), "fail", "HTTP 500"),
    ],
)
def test_health_needs_the_status_and_a_json_ok(reply: Reply, status: str, detail: str) -> None:
    with serve(reply) as url:
        (result,) = run([check("health", url + "/healthz")])
    assert result.status == status and detail in result.detail, result


# ---------------------------------------------------------------- header drift


def test_served_headers_equal_to_the_rendering_are_not_drift(good_site: str, far: Certs) -> None:
    (result,) = run([check("headers", good_site + "/")], far)
    assert result.status == "ok", result.detail


@pytest.mark.parametrize("stack", ["staging", "production"])
@pytest.mark.parametrize("path", ["/", "/index.html", "/assets/index-4f3c2a1b.js", "/work-orders/42?tab=1"])
def test_expected_headers_are_what_the_committed_file_serves_on_the_path(stack: str, path: str) -> None:
    """Read back from the rendered file with the one `_headers` parser and path matcher, caching aside."""
    cfg = read_stack_file(stack).validate().headers
    served = headers_file.served(headers_file.parse(render(cfg, SUPABASE)), path.split("?")[0])
    expected = expected_headers(cfg, SUPABASE, "https://app.maintainpro.example" + path)
    assert expected == {name: value for name, value in served if name != "Cache-Control"}
    assert expected == security_headers(cfg, SUPABASE)  # every security header is on `/*`


def test_a_check_of_an_asset_path_does_not_count_its_cache_rule_as_drift() -> None:
    with serve(Reply(headers=security_headers(headers_cfg(), SUPABASE))) as url:
        (result,) = run([check("headers", url + "/assets/index-4f3c2a1b.js")])
    assert result.status == "ok", result.detail


def test_header_drift_is_reported_header_by_header() -> None:
    served = security_headers(headers_cfg(), SUPABASE)
    del served["X-Frame-Options"]
    served["Content-Security-Policy"] = served["Content-Security-Policy"].replace(
        "connect-src 'self'", "connect-src 'self' https://evil.example"
    ).replace("; object-src 'none'", "")
    served["Referrer-Policy"] = "unsafe-url"
    served["X-Content-Type-Options"] = "NOSNIFF"  # case differences are not drift
    with serve(Reply(headers=served)) as url:
        (result,) = run([check("headers", url)])
    assert result.status == "fail"
    assert "missing X-Frame-Options" in result.detail
    assert "Content-Security-Policy differs in connect-src, object-src" in result.detail
    assert "Referrer-Policy is 'unsafe-url'" in result.detail
    assert "X-Content-Type-Options" not in result.detail


def test_without_the_supabase_url_the_served_project_origin_is_not_drift(good_site: str, far: Certs) -> None:
    """The stack's Supabase URL is a stack output: the probe takes it from the live CSP."""
    (result,) = run([check("headers", good_site)], far, supabase_url=None)
    assert result.status == "ok", result.detail
    assert SUPABASE in result.detail


@pytest.mark.parametrize("connect", [
    "https://evil.example wss://evil.example",  # not a Supabase project host
    "https://abcdefghijklmnopqrst.supabase.co.evil.example wss://abcdefghijklmnopqrst.supabase.co.evil.example",
    f"{SUPABASE} wss://abcdefghijklmnopqrst.supabase.co https://zyxwvutsrqponmlkjihg.supabase.co",  # two projects
    SUPABASE,  # the Realtime (wss) origin is missing
])
def test_without_the_supabase_url_another_connect_src_host_is_still_drift(connect: str) -> None:
    served = security_headers(headers_cfg(), None)
    served["Content-Security-Policy"] = served["Content-Security-Policy"].replace(
        "connect-src 'self'", f"connect-src 'self' {connect}"
    )
    with serve(Reply(headers=served)) as url:
        (result,) = run([check("headers", url)], supabase_url=None)
    assert result.status == "fail" and "connect-src" in result.detail, result.detail


def test_a_given_supabase_url_wins_over_the_served_one(good_site: str, far: Certs) -> None:
    (result,) = run([check("headers", good_site)], far, supabase_url="https://zyxwvutsrqponmlkjihg.supabase.co")
    assert result.status == "fail" and "connect-src" in result.detail


# ---------------------------------------------------------------- routing and exit status


def _r(name: str, severity: str, status: str) -> Result:
    return Result(name, "uptime", "https://x.example/", severity, status, "detail")  # type: ignore[arg-type]


def test_alerts_fire_on_the_routes_of_each_failing_severity() -> None:
    routes = read_stack_file("production").validate().monitoring.alert_routes
    results = [_r("a", "critical", "fail"), _r("b", "warning", "warn"), _r("c", "info", "ok"), _r("d", "critical", "ok")]
    alerts = route_alerts(results, routes)
    assert [(a.severity, a.channel, a.target, a.checks) for a in alerts] == [
        ("critical", "pagerduty", "PMAINT01", ("a",)),
        ("critical", "email", "oncall@maintainpro.example", ("a",)),
        ("warning", "slack", "#maintainpro-alerts", ("b",)),
    ]


def test_only_failures_at_or_above_the_threshold_fail_the_run() -> None:
    results = [_r("a", "info", "fail"), _r("b", "warning", "warn"), _r("c", "warning", "fail")]
    assert [r.name for r in failed(results, "critical")] == []
    assert [r.name for r in failed(results, "warning")] == ["c"]
    assert [r.name for r in failed(results, "info")] == ["a", "c"]


# ---------------------------------------------------------------- the command


@pytest.fixture()
def local_stack(tmp_path: Path, far: Certs, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Reply]]:
    """The staging stack, its checks pointed at local servers (`MAINTAINPRO_CHECKS`, as for a deploy preview:
    a stack file's checks watch its own domains only): the site is fine, health is down."""
    health = Reply.json({"ok": False})
    staging_headers = security_headers(read_stack_file("staging").validate().headers, SUPABASE)
    with serve(health) as health_url, serve(Reply(headers=staging_headers), far) as good_site:
        write_stack(tmp_path, "staging", stack_document("staging"))
        monkeypatch.setenv("MAINTAINPRO_CHECKS", json.dumps([
            {"name": "app-uptime", "kind": "uptime", "url": good_site + "/", "severity": "warning"},
            {"name": "app-ssl", "kind": "ssl_expiry", "url": good_site + "/", "severity": "info"},
            {"name": "app-headers", "kind": "headers", "url": good_site + "/", "severity": "info"},
            {"name": "api-health", "kind": "health", "url": health_url + "/healthz", "severity": "warning"},
        ]))
        yield tmp_path, health


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, ["probe", *args], env=env, catch_exceptions=False)


def test_the_stack_file_refuses_a_check_outside_its_domains(tmp_path: Path) -> None:
    document = mutate(stack_document("staging"), f"{P}:monitoring", "checks.0.url", "https://127.0.0.1:8443/")
    write_stack(tmp_path, "staging", document)
    result = invoke("--stack", "staging", "--stack-dir", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "monitoring.checks[0].url: host '127.0.0.1' is not one of this stack's domains" in " ".join(result.stderr.split())


def test_command_exits_1_when_a_check_at_the_threshold_fails(local_stack: tuple[Path, Reply], far: Certs) -> None:
    stack_dir, _ = local_stack
    base = ["--stack", "staging", "--stack-dir", str(stack_dir), "--ca-file", str(far.ca),
            "--supabase-url", SUPABASE, "--timeout", str(TIMEOUT), "--json"]
    warning = invoke(*base, "--fail-on", "warning")
    assert warning.exit_code == 1, warning.output
    payload = json.loads(warning.stdout)
    assert {r["name"]: r["status"] for r in payload["results"]} == {
        "app-uptime": "ok", "app-ssl": "ok", "app-headers": "ok", "api-health": "fail",
    }
    assert payload["failed"] == ["api-health"]
    assert payload["alerts"] == [{"severity": "warning", "channel": "slack", "target": "#maintainpro-staging",
                                  "checks": ["api-health"], "delivered": None, "error": None}]
    critical = invoke(*base, "--fail-on", "critical")
    assert critical.exit_code == 0, critical.output


def test_command_without_supabase_url_reports_no_false_drift(local_stack: tuple[Path, Reply], far: Certs) -> None:
    """The probe as the README shows it: no --supabase-url, MAINTAINPRO_SUPABASE_URL unset."""
    stack_dir, _ = local_stack
    result = invoke("--stack", "staging", "--stack-dir", str(stack_dir), "--ca-file", str(far.ca),
                    "--timeout", str(TIMEOUT), "--json", "--fail-on", "critical", env={"MAINTAINPRO_SUPABASE_URL": ""})
    assert result.exit_code == 0, result.output
    statuses = {r["name"]: (r["status"], r["detail"]) for r in json.loads(result.stdout)["results"]}
    assert statuses["app-headers"][0] == "ok", statuses["app-headers"]


def test_send_posts_the_alert_to_the_webhook_and_never_prints_its_url(
    local_stack: tuple[Path, Reply], far: Certs
) -> None:
    stack_dir, _ = local_stack
    hook = Reply(status=200, body=b"ok")
    with serve(hook) as hook_url:
        secret_url = hook_url + "/services/fake-webhook-path"
        result = invoke("--stack", "staging", "--stack-dir", str(stack_dir), "--ca-file", str(far.ca),
                        "--supabase-url", SUPABASE, "--timeout", str(TIMEOUT), "--send",
                        env={"ALERT_WEBHOOK_WARNING": secret_url})
    assert result.exit_code == 1  # the failed warning check still fails the run
    assert "alert warning -> slack #maintainpro-staging: api-health (delivered)" in result.stdout
    assert secret_url not in result.output and "fake-webhook-path" not in result.output
    (request,) = hook.requests
    assert request["method"] == "POST" and request["path"] == "/services/fake-webhook-path"
    body = json.loads(request["body"])
    assert body["severity"] == "warning" and body["checks"] == ["api-health"]
    assert body["text"].startswith("[staging] warning: api-health fail: unhealthy")


def test_send_without_the_webhook_secret_is_an_error(local_stack: tuple[Path, Reply], far: Certs,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    stack_dir, _ = local_stack
    monkeypatch.delenv("ALERT_WEBHOOK_WARNING", raising=False)
    result = invoke("--stack", "staging", "--stack-dir", str(stack_dir), "--ca-file", str(far.ca),
                    "--supabase-url", SUPABASE, "--fail-on", "critical", "--send")
    assert result.exit_code == 1
    assert "ALERT_WEBHOOK_WARNING is not set" in result.output


def test_table_output_lists_every_check(local_stack: tuple[Path, Reply], far: Certs) -> None:
    stack_dir, _ = local_stack
    result = invoke("--stack", "staging", "--stack-dir", str(stack_dir), "--ca-file", str(far.ca),
                    "--supabase-url", SUPABASE, "--fail-on", "critical")
    assert result.exit_code == 0, result.output
    for name in ("app-uptime", "app-ssl", "app-headers", "api-health"):
        assert name in result.stdout
    assert "alert warning -> slack #maintainpro-staging: api-health (would fire)" in result.stdout


def test_given_checks_win_over_the_stack_file(local_stack: tuple[Path, Reply], far: Certs) -> None:
    stack_dir, _ = local_stack
    uptime = next(c for c in json.loads(os.environ["MAINTAINPRO_CHECKS"]) if c["kind"] == "uptime")
    deployed = json.dumps([{**uptime, "name": "deployed-uptime"}])
    result = invoke("--stack", "staging", "--stack-dir", str(stack_dir), "--ca-file", str(far.ca),
                    "--supabase-url", SUPABASE, "--timeout", str(TIMEOUT), "--json", env={"MAINTAINPRO_CHECKS": deployed})
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(result.stdout)["results"]] == ["deployed-uptime"]
    bad = invoke("--stack", "staging", "--stack-dir", str(stack_dir), "--checks-json", '[{"name": "x", "kind": "ping"}]')
    assert bad.exit_code == 2
    assert "--checks-json / MAINTAINPRO_CHECKS: 0.kind:" in bad.output


def ops(*args: str, env: dict[str, str] | None = None) -> Completed:
    return run_ops("probe", *args, env=env)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stack", "qa"], "unknown stack"),
        (["--stack", "staging", "--fail-on", "fatal"], "--fail-on: 'fatal' is not one of critical, warning, info"),
        (["--stack", "staging", "--timeout", "0"], "--timeout: 0 must be between 0 and 120"),
        (["--stack", "staging", "--ca-file", "/nonexistent/ca.pem"], "--ca-file: /nonexistent/ca.pem is not a file"),
        (["--stack", "staging", "--supabase-url", "http://abc.supabase.co"], "must be an https:// origin"),
    ],
)
def test_bad_input_exits_2_with_one_clear_message(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_bad_input_from_a_real_process_has_no_traceback() -> None:
    result = ops("--stack", "staging", "--fail-on", "fatal")
    assert result.returncode == 2
    assert "--fail-on: 'fatal' is not one of critical, warning, info" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
