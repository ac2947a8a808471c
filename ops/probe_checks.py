"""The checks `ops probe` runs: uptime, health, header drift and SSL expiry, concurrently, each a `Result`."""

from __future__ import annotations

import json
import re
import socket
import ssl
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx
from cryptography import x509

from components.config import CheckConfig, HeadersConfig
from components.headers import headers_for
from components.runtime_config import now as clock

Status = Literal["ok", "warn", "fail"]
MAX_REDIRECTS = 5
CACHING_HEADERS = frozenset({"cache-control"})


@dataclass(frozen=True)
class Result:
    name: str
    kind: str
    url: str
    severity: str
    status: Status
    detail: str


@dataclass(frozen=True)
class Probe:
    """What the checks need besides their own config; built once per run."""

    headers: HeadersConfig
    supabase_url: str | None
    timeout: float
    context: ssl.SSLContext
    now: datetime
    client: httpx.Client = field(repr=False)


# ---------------------------------------------------------------- checks


def _get(probe: Probe, check: CheckConfig) -> httpx.Response | Result:
    """GET the check's URL, or the failed `Result` saying why it could not be fetched."""
    try:
        return probe.client.get(check.url)
    except httpx.TooManyRedirects:
        return _result(check, "fail", f"more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException:
        return _result(check, "fail", f"no answer within {probe.timeout:g}s")
    except httpx.ConnectError as error:
        return _result(check, "fail", f"cannot connect: {_reason(error)}")
    except httpx.HTTPError as error:
        return _result(check, "fail", f"request failed: {type(error).__name__}: {_reason(error)}")


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _result(check: CheckConfig, status: Status, detail: str) -> Result:
    return Result(check.name, check.kind, check.url, check.severity, status, detail)


def _get_expected(probe: Probe, check: CheckConfig) -> httpx.Response | Result:
    """The response when it has the expected status, else the failed result."""
    response = _get(probe, check)
    if isinstance(response, Result) or response.status_code == check.expect_status:
        return response
    return _result(check, "fail", f"HTTP {response.status_code}, expected {check.expect_status}")


def check_uptime(probe: Probe, check: CheckConfig) -> Result:
    response = _get_expected(probe, check)
    if isinstance(response, Result):
        return response
    return _result(check, "ok", f"HTTP {response.status_code}")


def check_health(probe: Probe, check: CheckConfig) -> Result:
    response = _get_expected(probe, check)
    if isinstance(response, Result):
        return response
    try:
        body = response.json()
    except ValueError:
        return _result(check, "fail", "body is not JSON")
    healthy = isinstance(body, dict) and (body.get("ok") is True or body.get("status") in ("ok", "pass"))
    if not healthy:
        return _result(check, "fail", f'unhealthy: expected {{"ok": true}} or {{"status": "ok"|"pass"}}, got {json.dumps(body)[:120]}')
    return _result(check, "ok", f"HTTP {response.status_code}, healthy")


def _directives(policy: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out.setdefault(words[0].lower(), " ".join(words[1:]))
    return out


def header_drift(expected: dict[str, str], served: httpx.Headers) -> list[str]:
    """Human-readable differences between the headers we deploy and the headers served."""
    problems: list[str] = []
    for name, want in expected.items():
        got = served.get(name)
        if got is None:
            problems.append(f"missing {name}")
        elif name.lower() == "content-security-policy":
            want_d, got_d = _directives(want), _directives(got)
            changed = sorted(d for d in want_d.keys() | got_d.keys() if want_d.get(d) != got_d.get(d))
            if changed:
                problems.append(f"{name} differs in {', '.join(changed)}")
        elif " ".join(got.split()).lower() != " ".join(want.split()).lower():
            problems.append(f"{name} is '{got[:80]}', expected '{want}'")
    return problems


# A Supabase project's API host: its 20-character project ref under supabase.co.
SUPABASE_HOST = re.compile(r"[a-z0-9]{20}\.supabase\.co")


def served_supabase_url(served: httpx.Headers) -> str | None:
    """The one Supabase project origin the served CSP's connect-src names, if exactly one.

    The program renders the stack's Supabase URL (a stack output, unknown offline) into
    connect-src. Without --supabase-url the probe takes it from the live header, but only an
    origin of Supabase's own shape (`https://<20-char ref>.supabase.co`): any other host there is
    still drift, and so are two different projects.
    """
    sources = _directives(served.get("content-security-policy") or "").get("connect-src", "").split()
    hosts = {
        source.lower()[len("https://"):].rstrip("/")
        for source in sources
        if source.lower().startswith("https://")
    }
    projects = sorted(host for host in hosts if SUPABASE_HOST.fullmatch(host))
    return f"https://{projects[0]}" if len(projects) == 1 else None


def expected_headers(headers: HeadersConfig, supabase_url: str | None, url: str) -> dict[str, str]:
    """What the rendered `_headers` file serves on the URL's path (Netlify's path matching, in
    `policies/headers/headers_file.py`), caching aside: the probe checks the security headers."""
    served = headers_for(headers, supabase_url, urlsplit(url).path or "/")
    return {name: value for name, value in served.items() if name.lower() not in CACHING_HEADERS}


def check_headers(probe: Probe, check: CheckConfig) -> Result:
    response = _get(probe, check)
    if isinstance(response, Result):
        return response
    supabase_url, assumed = probe.supabase_url, ""
    if supabase_url is None:
        supabase_url = served_supabase_url(response.headers)
        assumed = f" (Supabase origin as served: {supabase_url})" if supabase_url else ""
    drift = header_drift(expected_headers(probe.headers, supabase_url, check.url), response.headers)
    if drift:
        return _result(check, "fail", "drift: " + "; ".join(drift))
    return _result(check, "ok", "served headers match the rendered _headers" + assumed)


def _peer_certificate(host: str, port: int, context: ssl.SSLContext, timeout: float) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as raw, context.wrap_socket(raw, server_hostname=host) as tls:
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return der


def check_ssl_expiry(probe: Probe, check: CheckConfig) -> Result:
    parts = urlsplit(check.url)
    if parts.scheme != "https" or not parts.hostname:
        return _result(check, "fail", "ssl_expiry needs an https:// URL")
    host, port = parts.hostname, parts.port or 443
    trust_error: str | None = None
    try:
        try:
            der = _peer_certificate(host, port, probe.context, probe.timeout)
        except ssl.SSLCertVerificationError as error:
            # Still read the certificate: "expired on <date>" is the useful message when it is.
            trust_error = error.verify_message or str(error)
            unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            unverified.check_hostname = False
            unverified.verify_mode = ssl.CERT_NONE
            der = _peer_certificate(host, port, unverified, probe.timeout)
    except TimeoutError:
        return _result(check, "fail", f"no TLS handshake within {probe.timeout:g}s")
    except (OSError, ssl.SSLError) as error:
        return _result(check, "fail", f"cannot connect with TLS: {error.strerror or error}")
    not_after = x509.load_der_x509_certificate(der).not_valid_after_utc
    days = (not_after - probe.now).total_seconds() / 86400
    if days <= 0:
        return _result(check, "fail", f"certificate expired on {not_after:%Y-%m-%d %H:%M} UTC")
    if trust_error:
        return _result(check, "fail", f"certificate not trusted: {trust_error}")
    if days < check.ssl_expiry_warn_days:
        return _result(
            check, "warn", f"certificate expires in {days:.1f} days ({not_after:%Y-%m-%d}), below {check.ssl_expiry_warn_days}"
        )
    return _result(check, "ok", f"certificate valid for {days:.0f} more days ({not_after:%Y-%m-%d})")


CHECKS: dict[str, Callable[[Probe, CheckConfig], Result]] = {
    "uptime": check_uptime,
    "health": check_health,
    "headers": check_headers,
    "ssl_expiry": check_ssl_expiry,
}


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system trust store, or `ca_file` instead (a private CA, or a test's)."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def run_checks(
    checks: Sequence[CheckConfig],
    headers: HeadersConfig,
    supabase_url: str | None = None,
    timeout: float = 10.0,
    context: ssl.SSLContext | None = None,
    now: datetime | None = None,
) -> list[Result]:
    """Run every check concurrently (a run lasts about one timeout, however many checks fail)."""
    context = context or tls_context(None)
    with httpx.Client(
        timeout=timeout,
        verify=context,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": "maintainpro-probe"},
    ) as client:
        probe = Probe(headers, supabase_url, timeout, context, now or clock(), client)
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(checks)))) as pool:
            return list(pool.map(lambda check: CHECKS[check.kind](probe, check), checks))
