"""Issue 15, item 1: a hung S3 endpoint, retries, the overall --timeout and progress on stderr.

The hung endpoint is a socket on 127.0.0.1 that accepts connections and never answers; the
flaky one answers every request with 503. Every wait here is bounded by the command's --timeout
and the subprocess timeout.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.local_servers import silent_server
from tests.support.subprocess_ops import ops

ROOT = Path(__file__).resolve().parents[2]



@pytest.fixture
def hung_endpoint() -> Iterator[str]:
    with silent_server() as url:
        yield url


@pytest.fixture
def failing_endpoint() -> Iterator[str]:
    """Answers every request with 503 SlowDown, as an overloaded S3 does."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD = do_PUT = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("command", "waiting_for"),
    [
        (["backup", "--database-url", "postgresql://u:fake-pw@127.0.0.1:1/db"],
         r"S3 head of staging/\d{8}T\d{6}Z\.dump"),
        (["restore-drill", "--database-url", "postgresql://u:fake-pw@127.0.0.1:1/db"], r"S3 list of s3://b/staging/"),
        (["backups", "list"], r"S3 list of s3://b/staging/"),
    ],
)
def test_a_hung_s3_endpoint_fails_within_the_timeout_naming_what_it_waited_for(
    command: list[str], waiting_for: str, hung_endpoint: str, cli_env: dict[str, Any]
) -> None:
    env = {**cli_env, "BACKUP_S3_ENDPOINT_URL": hung_endpoint}
    started = time.monotonic()
    result = ops(*command, "--bucket", "b", "--timeout", "3s", env=env)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert re.search(rf"^error: timed out after 3s waiting for {waiting_for}$", result.stderr, re.M), result.stderr
    assert elapsed < 25, f"took {elapsed:.1f}s with --timeout 3s"  # interpreter start-up + 3 s, never minutes
    assert "Traceback" not in result.stderr and "fake-pw" not in result.stdout + result.stderr


def test_s3_retries_are_announced_on_stderr(failing_endpoint: str, cli_env: dict[str, Any]) -> None:
    env = {**cli_env, "BACKUP_S3_ENDPOINT_URL": failing_endpoint}
    result = ops("backups", "list", "--bucket", "b", "--timeout", "60s", env=env)
    assert result.returncode == 1
    assert "S3 ListObjectsV2: retrying (1/4) after HTTP 503" in result.stderr
    assert "S3 ListObjectsV2: retrying (4/4) after HTTP 503" in result.stderr
    assert "retrying (5/4)" not in result.stderr  # bounded: 5 attempts in all
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: S3 list s3://b/staging/ failed")


def test_bad_timeouts_are_bad_input(cli_env: dict[str, Any]) -> None:
    for value in ("soon", "0", "-5m", "10d"):
        result = ops("backups", "list", "--bucket", "b", "--timeout", value, env=cli_env)
        assert result.returncode == 2, (value, result.stderr)
        assert "--timeout" in result.stderr and "is not a duration" in result.stderr
        assert "Traceback" not in result.stderr


def test_backup_and_drill_report_progress_on_stderr_when_not_a_terminal(
    pg: Any, cmms_url: str, bucket: str, cli_env: dict[str, Any]
) -> None:
    env = {**cli_env, "BACKUP_BUCKET": bucket, "BACKUP_DATABASE_URL": cmms_url, "RESTORE_DATABASE_URL": pg.url()}
    backup = ops("backup", env=env)
    assert backup.returncode == 0, backup.stderr
    assert re.search(r"^dump\+upload staging/\d{8}T\d{6}Z\.dump: started$", backup.stderr, re.M), backup.stderr
    assert re.search(r"^dump\+upload staging/\S+: done, \d+\.\d MiB in \d+\.\ds \(\d+\.\d [KMG]iB/s\)$",
                     backup.stderr, re.M), backup.stderr
    assert re.search(r"^  \d+\.\d MiB in 1 part\(s\), sha256 [0-9a-f]{64}$", backup.stdout, re.M), backup.stdout
    assert "dump+upload" not in backup.stdout  # stdout stays the result

    drill = ops("restore-drill", "--jobs", "2", env=env)
    assert drill.returncode == 0, drill.stderr
    assert re.search(r"^download staging/\S+\.dump: started \(\d+\.\d MiB\)$", drill.stderr, re.M), drill.stderr
    assert re.search(r"^download staging/\S+\.dump: done, \d+\.\d MiB in ", drill.stderr, re.M), drill.stderr
    assert re.search(r"^pg_restore: started \(2 job\(s\)\) into restore_drill_\w+$", drill.stderr, re.M)
    assert re.search(r"^pg_restore: done in \d+\.\ds$", drill.stderr, re.M)
