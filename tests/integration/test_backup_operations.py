"""Issue 15, item 10: privileges checked before pg_dump, the stack's prefix, SIGTERM during a drill,
`ops backups list` and `ops backups prune --dry-run`."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from ops.backup import postgres
from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError
from ops.backup.job import BackupSettings, run_backup
from ops.backup.store import BackupStore
from tests.support.postgres import Cluster, databases
from tests.support.subprocess_ops import ops

ROOT = Path(__file__).resolve().parents[2]




def test_a_schema_the_role_cannot_read_is_named_before_pg_dump_runs(pg: Cluster, store: BackupStore) -> None:
    role, password = "backup_reader_15", "fake-reader-pw"
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE privs15")
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
    try:
        with psycopg.connect(pg.url("privs15"), autocommit=True) as conn:
            conn.execute("CREATE SCHEMA private; CREATE TABLE private.notes (id int); CREATE TABLE public.open (id int)")
            conn.execute(sql.SQL("GRANT SELECT ON public.open TO {}").format(sql.Identifier(role)))
        dsn = Dsn.parse(f"postgresql://{role}:{password}@{pg.host}:{pg.port}/privs15")
        with pytest.raises(BackupError) as caught:
            run_backup(BackupSettings(dsn=dsn, store=store, schemas=("public", "private"), policy=None))
        message = str(caught.value)
        assert "permission denied for schema private (the role lacks USAGE on it)" in message
        assert f"as {role}" in message
        assert "snapshot" not in message and password not in message
        assert store.list_keys() == []  # nothing uploaded

        with psycopg.connect(pg.url("privs15"), autocommit=True) as conn:  # a table without SELECT is named too
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA private TO {}").format(sql.Identifier(role)))
        with pytest.raises(BackupError, match=r"permission denied for table private\.notes \(the role lacks SELECT"):
            run_backup(BackupSettings(dsn=dsn, store=store, schemas=("public", "private"), policy=None))
    finally:
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            conn.execute("DROP DATABASE privs15 WITH (FORCE)")
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_backup_refuses_the_bucket_root_and_takes_the_prefix_from_the_stack(
    cmms_url: str, bucket: str, cli_env: dict[str, Any]
) -> None:
    env = {k: v for k, v in cli_env.items() if k != "BACKUP_PREFIX"}
    env["BACKUP_DATABASE_URL"] = cmms_url
    refused = ops("backup", "--bucket", bucket, env=env)
    assert refused.returncode == 2, refused.stderr
    assert "a key prefix is required: pass --stack NAME (prefix NAME/) or --prefix STACK/" in refused.stderr
    assert "Traceback" not in refused.stderr

    unknown = ops("backup", "--bucket", bucket, "--stack", "nosuch", env=env)
    assert unknown.returncode == 2
    assert "--stack: stack 'nosuch': (stack): unknown stack (known: " in unknown.stderr

    done = ops("backup", "--bucket", bucket, "--stack", "staging", env=env)
    assert done.returncode == 0, done.stderr
    assert re.search(rf"^backup s3://{bucket}/staging/\d{{8}}T\d{{6}}Z\.dump$", done.stdout, re.M), done.stdout


def test_backups_list_shows_verified_and_incomplete_backups(
    cmms_url: str, bucket: str, cli_env: dict[str, Any], store: BackupStore
) -> None:
    env = {**cli_env, "BACKUP_BUCKET": bucket, "BACKUP_DATABASE_URL": cmms_url}
    assert ops("backup", env=env).returncode == 0
    store.client.put_object(Bucket=bucket, Key="staging/20200101T000000Z.dump", Body=b"x" * 3000)  # no manifest
    store.client.put_object(Bucket=bucket, Key="staging/notes.txt", Body=b"not a backup")

    listed = ops("backups", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["status"] for r in rows] == ["incomplete", "verified"]
    old, new = rows
    assert old == {"key": "staging/20200101T000000Z.dump", "stamp": "20200101T000000Z",
                   "taken_at": "2020-01-01T00:00:00+00:00", "size_bytes": 3000, "size": "2.9 KiB", "sha256": None,
                   "status": "incomplete"}
    assert re.fullmatch(r"[0-9a-f]{64}", new["sha256"]) and new["size"].endswith(" MiB")

    text = ops("backups", "list", env=env)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["TAKEN", "(UTC)", "SIZE", "SHA256", "STATUS", "KEY"]
    assert lines[1].split() == ["2020-01-01", "00:00:00", "2.9", "KiB", "-", "incomplete", "staging/20200101T000000Z.dump"]
    assert lines[2].split()[2:] == [*new["size"].split(), new["sha256"][:12], "verified", new["key"]]

    empty = ops("backups", "list", "--prefix", "production/", env=env)
    assert empty.returncode == 0 and empty.stdout == ""
    assert f"no backups under s3://{bucket}/production/" in empty.stderr


def test_prune_dry_run_says_what_retention_would_delete_and_deletes_nothing(
    bucket: str, cli_env: dict[str, Any], store: BackupStore
) -> None:
    stamps = ["20260101T020000Z", "20260102T020000Z", "20260103T020000Z", "20260104T020000Z"]
    for stamp in stamps:
        store.client.put_object(Bucket=bucket, Key=f"staging/{stamp}.dump", Body=b"d")
        store.client.put_object(Bucket=bucket, Key=f"staging/{stamp}.manifest.json", Body=b"{}")
    before = sorted(store.list_keys())
    env = {**cli_env, "BACKUP_BUCKET": bucket}
    keep = ["--keep-daily", "2", "--keep-weekly", "0", "--keep-monthly", "0"]

    dry = ops("backups", "prune", *keep, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "retention (dry run, nothing deleted): kept 2, would delete 2, left alone 0",
        "  would delete 20260101T020000Z",
        "  would delete 20260102T020000Z",
    ]
    assert sorted(store.list_keys()) == before

    real = ops("backups", "prune", *keep, env=env)
    assert real.returncode == 0, real.stderr
    assert real.stdout.splitlines()[0] == "retention: kept 2, deleted 2, left alone 0"
    assert sorted(store.list_keys()) == before[4:]


def slow_pg_restore(tmp_path: Path) -> tuple[str, Path, Path]:
    """A `pg_restore` that lists like the real one; asked to restore, it starts a worker (as `--jobs` does)
    and both wait, so the test can send SIGTERM while the restore phase runs."""
    real = postgres.find_binary("pg_restore")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    worker_pid = tmp_path / "worker.pid"
    started = tmp_path / "restoring"
    script = bin_dir / "pg_restore"
    script.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" --list "*) exec {shlex.quote(real)} "$@" ;; esac\n'
        "sleep 120 &\n"
        f"echo $! > {shlex.quote(str(worker_pid))}\n"
        f"touch {shlex.quote(str(started))}\n"
        "wait\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}", worker_pid, started


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; only its reaping is left


def test_sigterm_during_the_drill_restore_phase_cleans_up_everything(
    pg: Cluster, cmms_url: str, bucket: str, cli_env: dict[str, Any], tmp_path: Path
) -> None:
    env = {**cli_env, "BACKUP_BUCKET": bucket, "BACKUP_DATABASE_URL": cmms_url, "RESTORE_DATABASE_URL": pg.url()}
    assert ops("backup", env=env).returncode == 0
    path, worker_pid, started = slow_pg_restore(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    before = databases(pg)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ops", "restore-drill", "--work-dir", str(work)], cwd=ROOT,
        env={**env, "PATH": path}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        for _ in range(600):  # at most 60 s for the download and preparation
            if started.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert started.exists(), proc.communicate(timeout=10)
        assert any(d.startswith("restore_drill_") for d in databases(pg) - before)  # mid-restore for real
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 1, err
    assert re.fullmatch(r"error: interrupted; dropped database 'restore_drill_\w+', which this restore had created",
                        err.strip().splitlines()[-1]), err
    assert databases(pg) == before  # no scratch database
    assert list(work.iterdir()) == []  # no downloaded dump, no table of contents
    assert not running(int(worker_pid.read_text())), "a pg_restore worker outlived the CLI"
