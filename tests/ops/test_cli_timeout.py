"""Mid-incident behaviour of the network commands: an overall `--timeout` that names what it was
waiting for, and retry notices on stderr instead of minutes of silence (issue 15, item 1)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ops.stackfile import read_stack_file
from tests.ops.cli_runner import run_ops
from tests.ops.cli_runner import run_rollback as run
from tests.support.local_servers import silent_server

SITE_NAME = read_stack_file("production").validate().netlify.site_name


@pytest.fixture
def silent() -> Iterator[str]:
    with silent_server() as url:
        yield url



def test_rollback_list_gives_up_at_its_timeout_naming_the_operation(silent: str) -> None:
    started = time.monotonic()
    result = run(silent, "--list", "--timeout", "2")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "error: --timeout: gave up after 2s waiting for the Netlify API to answer listSites" in result.stderr
    assert 1.5 < elapsed < 6, elapsed
    assert "Traceback" not in result.stderr and "fake-netlify-token" not in result.stderr


class _Flaky(BaseHTTPRequestHandler):
    """Netlify's listSites answers 503 twice, then the site; its deploys list is empty."""

    failures = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.startswith("/sites?") and type(self).failures < 2:
            type(self).failures += 1
            self._send(503, {"message": "Service Unavailable"}, {"Retry-After": "0"})
        elif self.path.startswith("/sites?"):
            self._send(200, [{"id": "site-1", "name": SITE_NAME, "published_deploy": None}])
        else:
            self._send(200, [])

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_retries_are_announced_on_stderr() -> None:
    _Flaky.failures = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = run(f"http://127.0.0.1:{server.server_address[1]}", "--list", "--json")
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert "netlify rollback: listSites: retrying (1/4) after HTTP 503: Service Unavailable, waiting 0.0s" in result.stderr
    assert "retrying (2/4)" in result.stderr and "retrying (3/4)" not in result.stderr
    assert json.loads(result.stdout)["deploys"] == []  # stdout stays the result alone


def test_timeout_must_be_positive() -> None:
    result = run("http://127.0.0.1:9", "--list", "--timeout", "0")
    assert result.returncode == 2
    assert "--timeout" in result.stderr and "Traceback" not in result.stderr


def test_audit_trail_gives_up_at_its_timeout_naming_the_bucket(silent: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
            "BACKUP_S3_ENDPOINT_URL": silent}
    started = time.monotonic()
    result = run_ops("audit-trail", "--stack", "production", "--timeout", "2", env=env)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "error: --timeout: gave up after 2s waiting for s3://" in result.stderr
    assert "/audit/production/ to be listed and read" in result.stderr
    assert 1.5 < elapsed < 8, elapsed
