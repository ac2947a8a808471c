""".github/scripts/audit-trail.sh, the step every CI Pulumi job ends with, run for real against moto S3.

Only `gh` is stood in (it would call GitHub): a script on PATH that records its arguments and answers
what GitHub documents for GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from ops.stackfile import read_stack_file
from tests.stacks import ROOT

SCRIPT = ROOT / ".github/scripts/audit-trail.sh"
EVENT_LOG = ROOT / "tests/fixtures/events/production-weak-preview.jsonl"
APPROVALS = [{"environments": [{"id": 7, "name": "platform-production"}], "state": "approved", "comment": "go",
              "user": {"login": "release-manager-example", "id": 5100001}}]


def test_the_ci_step_records_the_preview_and_skips_a_command_that_never_ran(tmp_path: Path, s3_endpoint: str) -> None:
    bucket = read_stack_file("production", ROOT).validate().backups.bucket_name
    from ops.backup.store import s3_client

    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    work, bin_dir = tmp_path / "work", tmp_path / "bin"
    (work / "audit").mkdir(parents=True)
    bin_dir.mkdir()
    (work / ".venv").symlink_to(ROOT / ".venv")
    shutil.copy(EVENT_LOG, work / "audit/preview-events.jsonl")
    gh = bin_dir / "gh"
    gh.write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path}/gh.args\necho '{json.dumps(APPROVALS)}'\n")
    gh.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT), "STACK": "production",
           "BACKUP_S3_ENDPOINT_URL": s3_endpoint, "GITHUB_REPOSITORY": "maintainpro-example/maintainpro-platform",
           "GITHUB_RUN_ID": "4242", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_SHA": "f" * 40, "GITHUB_ACTOR": "deployer",
           "GITHUB_SERVER_URL": "https://github.com", "MAINTAINPRO_NOW": "2026-11-26T12:00:00Z"}
    result = subprocess.run(["bash", str(SCRIPT), "preview", "up"], cwd=work, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "gh.args").read_text() == "api repos/maintainpro-example/maintainpro-platform/actions/runs/4242/approvals\n"
    assert "no audit/up-events.jsonl (pulumi up did not start): nothing to record" in result.stdout
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="audit/production/")["Contents"])
    (folder,) = {key.rsplit("/", 1)[0] for key in keys}
    assert folder.startswith("audit/production/") and folder.endswith("-4242-1-preview")
    assert [key.rsplit("/", 1)[1] for key in keys] == ["events.jsonl", "record.json", "report.json"]
    record = json.loads(client.get_object(Bucket=bucket, Key=f"{folder}/record.json")["Body"].read())
    assert record["approvals"] == [{"login": "release-manager-example", "state": "approved",
                                    "environments": ["platform-production"], "comment": "go"}]
    assert record["commit"] == "f" * 40 and record["policy"]["mandatory_failures"]  # the weak fixture fails
    assert (work / "audit/preview-report.json").is_file()  # kept for the job's artifact too
