"""An S3 endpoint without a scheme or host is one usage error (exit 2), not botocore's ValueError."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("endpoint", ["127.0.0.1:9000", "s3.example.net", "ftp://s3.example.net", "http://"])
def test_an_endpoint_that_is_not_an_http_url_is_refused(endpoint: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKUP_", "RESTORE_", "AWS_"))}
    result = subprocess.run(
        [sys.executable, "-m", "ops", "restore-drill", "--bucket", "b", "--endpoint-url", endpoint,
         "--database-url", "postgresql://app@127.0.0.1:1/db"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "ValueError" not in result.stderr
    assert "must be an http:// or https:// URL with a host" in result.stderr
