"""`python -m ops backup | restore-drill | restore` as operators and the workflow run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.postgres import PASSWORD, Cluster

ROOT = Path(__file__).resolve().parents[2]


def ops(*args: str, env: dict[str, Any], stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops", *args], cwd=ROOT, env=env, stdin=stdin,
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["backup", "--database-url", "postgresql://u:fake-pw@h:5432/db"], "--bucket"),
        (["backup", "--bucket", "b"], "--database-url"),
        (["backup", "--bucket", "b", "--database-url", "not a dsn at all"], "--database-url"),
        (["backup", "--bucket", "b", "--database-url", "postgresql://h/db", "--part-size-mib", "2"], "--part-size-mib"),
        (["backup", "--bucket", "b", "--database-url", "postgresql://h/db", "--keep-daily", "-1"], "--keep-daily"),
        (["backup", "--bucket", "b", "--database-url", "postgresql://h/db", "--prefix", "/abs"], "--prefix"),
        (["backup", "--bucket", "b", "--database-url", "postgresql://h/db", "--prefix", "../x"],
         "--prefix '../x' must not contain '.' or '..' segments"),
        (["restore-drill", "--bucket", "b", "--database-url", "postgresql://h/db", "--prefix", "production/../staging"],
         "must not contain '.' or '..' segments"),
        (["backup", "--bucket", "b", "--database-url", "postgresql://h/db", "--prefix", "./production"],
         "must not contain '.' or '..' segments"),
        (["backup", "--bucket", "b", "--database-url", "postgresql://h/db", "--prefix", "production//daily"],
         "--prefix 'production//daily' must not contain an empty segment"),
        (["backup", "--bucket", "b", "--database-url", "postgresql://h/db", "--keep-daily", "0",
          "--keep-weekly", "0", "--keep-monthly", "0"], "keeps nothing"),
        (["restore-drill", "--bucket", "b", "--database-url", "postgresql://h/db", "--jobs", "0"], "--jobs"),
        (["restore-drill", "--bucket", "b"], "RESTORE_DATABASE_URL"),
        (["backup", "--bucket", "b", "--database-url", "postgresql://h/db", "--no-such-flag"], "--no-such-flag"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(args: list[str], complaint: str, cli_env: dict[str, Any]) -> None:
    result = ops(*args, env=cli_env)
    assert result.returncode == 2, result.stderr
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "fake-pw" not in result.stderr + result.stdout


def test_backup_then_drill_by_cli_never_prints_the_password(
    pg: Cluster, cmms_url: str, bucket: str, cli_env: dict[str, Any]
) -> None:
    env = {**cli_env, "BACKUP_BUCKET": bucket, "BACKUP_PREFIX": "production",
           "BACKUP_DATABASE_URL": cmms_url, "RESTORE_DATABASE_URL": pg.url()}
    backup = ops("backup", "--keep-daily", "2", env=env)
    assert backup.returncode == 0, backup.stderr
    assert f"backup s3://{bucket}/production/" in backup.stdout
    assert "6 tables, 3563 rows" in backup.stdout

    drill = ops("restore-drill", "--jobs", "2", env=env)
    assert drill.returncode == 0, drill.stderr
    assert "verified: 6 tables, row counts match the manifest" in drill.stdout
    assert "RTO " in drill.stdout and ": met" in drill.stdout

    # An objective no restore can meet turns the same drill into a failure.
    strict = ops("restore-drill", "--rto-minutes", "0.001", env=env)  # 0.06 s: no real restore is that fast
    assert strict.returncode == 1
    assert "over the 0.06s objective" in strict.stderr

    for result in (backup, drill, strict):
        assert PASSWORD not in result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr


def test_backup_drill_and_prune_print_one_json_document_with_json(
    pg: Cluster, cmms_url: str, bucket: str, cli_env: dict[str, Any]
) -> None:
    env = {**cli_env, "BACKUP_BUCKET": bucket, "BACKUP_PREFIX": "production",
           "BACKUP_DATABASE_URL": cmms_url, "RESTORE_DATABASE_URL": pg.url()}
    backup = ops("backup", "--json", env=env)
    assert backup.returncode == 0, backup.stderr
    made = json.loads(backup.stdout)
    assert made["bucket"] == bucket and made["dump_key"].startswith("production/") and made["dump_key"].endswith(".dump")
    assert (made["tables"], made["rows"]) == (6, 3563)  # the CMMS fixture, as the text test reads it
    assert made["pruned"]["kept"] and made["pruned"]["deleted"] == []
    drill = ops("restore-drill", "--json", env=env)
    assert drill.returncode == 0, drill.stderr
    report = json.loads(drill.stdout)
    assert report["verified"] is True and report["mismatches"] == [] and report["rto_met"] is True
    assert report["backup"] == made["dump_key"].removeprefix("production/").removesuffix(".dump")
    assert report["rto_seconds"] <= report["rto_objective_seconds"] == 15 * 60
    pruned = ops("backups", "prune", "--keep-daily", "1", "--dry-run", "--json", env=env)
    assert pruned.returncode == 0, pruned.stderr
    assert json.loads(pruned.stdout) == {"dry_run": True, "kept": [report["backup"]], "deleted": [], "left_alone": []}


def test_drill_of_a_corrupted_backup_exits_1(pg: Cluster, cmms_url: str, bucket: str, cli_env: dict[str, Any]) -> None:
    import boto3

    env = {**cli_env, "BACKUP_BUCKET": bucket, "BACKUP_DATABASE_URL": cmms_url, "RESTORE_DATABASE_URL": pg.url()}
    assert ops("backup", env=env).returncode == 0
    s3 = boto3.client("s3", endpoint_url=cli_env["BACKUP_S3_ENDPOINT_URL"])
    key = next(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"] if o["Key"].endswith(".dump"))
    s3.put_object(Bucket=bucket, Key=key, Body=b"PGDMP" + b"\0" * 100)

    result = ops("restore-drill", env=env)
    assert result.returncode == 1
    assert "error: checksum verification failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_restore_needs_confirmation(pg: Cluster, cmms_url: str, bucket: str, cli_env: dict[str, Any]) -> None:
    env = {**cli_env, "BACKUP_BUCKET": bucket, "BACKUP_DATABASE_URL": cmms_url,
           "RESTORE_DATABASE_URL": pg.url("cmms_from_cli")}
    assert ops("backup", env=env).returncode == 0

    refused = ops("restore", env=env)  # stdin is not a terminal and no --yes
    assert refused.returncode == 1
    assert "pass --yes" in refused.stderr

    into_source = ops("restore", "--yes", "--database-url", cmms_url, env=env)
    assert into_source.returncode == 1
    assert "already has tables of the backup" in into_source.stderr

    # A plain PostgreSQL lacks what the Supabase-shaped dump refers to; opting out of the preparation shows it.
    unprepared = ops("restore", "--yes", "--no-supabase-compat", "--database-url", pg.url("cmms_unprepared"), env=env)
    assert unprepared.returncode == 1
    assert 'schema "extensions" does not exist' in unprepared.stderr
    assert "dropped database 'cmms_unprepared', which this restore had created" in unprepared.stderr
    assert "Traceback" not in unprepared.stderr

    done = ops("restore", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert "will be created" in done.stdout
    assert "verified: 6 tables" in done.stdout


def test_no_backup_yet_is_a_clear_error(pg: Cluster, bucket: str, cli_env: dict[str, Any]) -> None:
    env = {**cli_env, "BACKUP_BUCKET": bucket, "RESTORE_DATABASE_URL": pg.url()}
    result = ops("restore-drill", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: no verified backup under s3://{bucket}/staging/"
