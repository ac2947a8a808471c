"""One subprocess run per command: `python -m ops <command>` as an operator starts it (module entry,
lazy loading of the command's module, exit code, no traceback). Everything else about the commands
is tested in process (tests/ops/cli_runner.py); `drift`'s smoke test is in tests/ops/test_drift.py."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.ops.audit_support import ROOT

NOW = "2026-11-26T12:00:00Z"
# Commands that need a database, a bucket or an API token are run without them: bad input, exit 2.
SMOKE = {
    "preview": (["--stack", "staging"], 0, "stack staging:"),
    "audit": (["--stack", "staging", "--now", NOW], 0, "stack staging: 24 passed"),
    "secrets": (["--stack", "production", "--now", NOW], 0, "stack production: 3 generated secret(s)"),
    "flags": (["--stack", "production", "--now", NOW], 0, "stack production: 2 flag(s) at 2026-11-26 12:00 UTC; "
              "live comparison: skipped"),
    "probe": (["--stack", "qa"], 2, "unknown stack"),
    "rollback": (["--stack", "production", "--list"], 2, "NETLIFY_AUTH_TOKEN"),
    "promote": (["--stack", "production", "--deploy", "d1"], 2, "NETLIFY_AUTH_TOKEN"),
    "deploy": (["--stack", "production", "--dir", "."], 2, "NETLIFY_AUTH_TOKEN"),
    "metrics": (["--stack", "production"], 2, "export GITHUB_TOKEN"),
    "backup": ([], 2, "Missing option"),
    "restore-drill": ([], 2, "Missing option"),
    "restore": ([], 2, "Missing option"),
    "audit-record": (["--stack", "qa"], 2, "Missing option '--command'"),
    "audit-trail": (["--stack", "qa"], 2, "unknown stack 'qa'"),
}


@pytest.mark.parametrize("command", sorted(SMOKE))
def test_each_command_runs_as_a_module(command: str) -> None:
    args, code, expected = SMOKE[command]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BACKUP_", "RESTORE_", "AWS_", "NETLIFY_", "SUPABASE_", "MAINTAINPRO_", "GITHUB_TOKEN", "CONFIGCAT_"))}
    result = subprocess.run([sys.executable, "-m", "ops", command, *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert "Traceback" not in output
    assert expected in output
