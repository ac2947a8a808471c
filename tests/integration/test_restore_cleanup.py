"""A failed `ops restore` / `ops restore-drill` leaves no database it created; one that existed stays.

The failure is real: a backup whose dump is cut short after its table of contents and part of its
data (the manifest rewritten to match, so the checksum passes) makes `pg_restore --exit-on-error`
stop halfway, after it created tables. Interruptions are real signals from a pg_restore stand-in
on PATH that signals its parent, then hands over to nothing (it never restores).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ops.backup import postgres
from ops.backup import restore as restoring
from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError
from ops.backup.manifest import Manifest
from ops.backup.store import BackupStore, s3_client
from tests.support.postgres import PASSWORD, Cluster, databases
from tests.support.subprocess_ops import ops

ROOT = Path(__file__).resolve().parents[2]




def tables(pg: Cluster, database: str) -> dict[str, int]:
    with psycopg.connect(pg.url(database)) as conn:
        return postgres.count_rows(conn, postgres.list_tables(conn, ["public"]))


class Backup:
    """The one backup in a bucket, with its original bytes kept so the test can break and repair it."""

    def __init__(self, endpoint: str, bucket: str) -> None:
        self.s3 = s3_client(endpoint)
        self.bucket = bucket
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=bucket)["Contents"]]
        self.dump_key = next(k for k in keys if k.endswith(".dump"))
        self.manifest_key = next(k for k in keys if k.endswith(".manifest.json"))
        self.dump = self._get(self.dump_key)
        self.manifest = self._get(self.manifest_key)

    def _get(self, key: str) -> bytes:
        return bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def cut_short(self, fraction: float) -> None:
        """Keep the first `fraction` of the dump and a manifest that vouches for exactly that."""
        body = self.dump[: int(len(self.dump) * fraction)]
        manifest = Manifest.from_json(self.manifest, self.manifest_key)
        forged = manifest.model_copy(update={"size_bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()})
        self.s3.put_object(Bucket=self.bucket, Key=self.dump_key, Body=body)
        self.s3.put_object(Bucket=self.bucket, Key=self.manifest_key, Body=forged.to_json())

    def repair(self) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=self.dump_key, Body=self.dump)
        self.s3.put_object(Bucket=self.bucket, Key=self.manifest_key, Body=self.manifest)


@pytest.fixture
def env(pg: Cluster, cmms_url: str, bucket: str, cli_env: dict[str, Any]) -> dict[str, Any]:
    return {**cli_env, "BACKUP_BUCKET": bucket, "BACKUP_DATABASE_URL": cmms_url, "RESTORE_DATABASE_URL": pg.url()}


@pytest.fixture
def backup(env: dict[str, Any], bucket: str) -> Iterator[Backup]:
    done = ops("backup", env=env)
    assert done.returncode == 0, done.stderr
    yield Backup(env["BACKUP_S3_ENDPOINT_URL"], bucket)


def restore_env(env: dict[str, Any], pg: Cluster, database: str, **extra: str) -> dict[str, Any]:
    return {**env, "RESTORE_DATABASE_URL": pg.url(database), **extra}


def test_a_restore_that_fails_halfway_drops_the_database_it_created_and_a_rerun_works(
    pg: Cluster, env: dict[str, Any], backup: Backup
) -> None:
    backup.cut_short(0.6)
    before = databases(pg)
    failed = ops("restore", "--yes", "--jobs", "2", env=restore_env(env, pg, "cmms_half"))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "(will be created)" in failed.stdout
    assert "error: pg_restore exited with status 1: pg_restore: error: could not read from input file" in failed.stderr
    assert failed.stderr.rstrip().endswith("; dropped database 'cmms_half', which this restore had created")
    assert databases(pg) == before  # no cmms_half, nothing else either
    assert PASSWORD not in failed.stdout + failed.stderr and "Traceback" not in failed.stderr

    backup.repair()
    rerun = ops("restore", "--yes", "--jobs", "2", env=restore_env(env, pg, "cmms_half"))
    assert rerun.returncode == 0, rerun.stderr
    assert "(will be created)" in rerun.stdout and "verified: 6 tables" in rerun.stdout
    assert databases(pg) == before | {"cmms_half"}
    with psycopg.connect(pg.url("cmms_half")) as conn:  # finished: no "unfinished" mark left on it
        assert postgres.database_comment(conn, "cmms_half") is None


def test_a_restore_into_an_existing_database_that_fails_leaves_it_in_place(
    pg: Cluster, env: dict[str, Any], backup: Backup
) -> None:
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE cmms_existing")
    expected = Manifest.from_json(backup.manifest, backup.manifest_key).tables
    backup.cut_short(0.6)
    failed = ops("restore", "--yes", "--jobs", "2", env=restore_env(env, pg, "cmms_existing"))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "(exists, empty)" in failed.stdout
    assert "error: pg_restore exited with status 1" in failed.stderr
    assert "database 'cmms_existing' existed before this restore and is left in place (never dropped)" in failed.stderr
    assert "dropped database" not in failed.stderr
    assert "cmms_existing" in databases(pg)
    # It failed halfway for real: every table was created, not every row arrived.
    restored = tables(pg, "cmms_existing")
    assert restored.keys() == expected.keys()
    assert sum(restored.values()) < sum(expected.values())


def test_a_drill_that_fails_halfway_drops_its_scratch_database(pg: Cluster, env: dict[str, Any], backup: Backup) -> None:
    backup.cut_short(0.6)
    before = databases(pg)
    failed = ops("restore-drill", "--jobs", "2", env=env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "error: pg_restore exited with status 1" in failed.stderr
    assert re.search(r"; dropped database 'restore_drill_\w+', which this restore had created$", failed.stderr.rstrip())
    assert databases(pg) == before


def stand_in(tmp_path: Path, signal_name: str) -> str:
    """A directory whose `pg_restore` lists like the real one but, asked to restore, signals its parent (the CLI)."""
    real = postgres.find_binary("pg_restore")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pg_restore"
    script.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" --list "*) exec {shlex.quote(real)} "$@" ;; esac\n'
        f"kill -{signal_name} $PPID\n"
        # SIGTERM: the CLI survives it and must end this process itself; after SIGKILL nobody would.
        + ("exec sleep 60\n" if signal_name == "TERM" else "exit 1\n")
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"


def test_sigterm_during_pg_restore_drops_the_created_database(
    pg: Cluster, env: dict[str, Any], backup: Backup, tmp_path: Path
) -> None:
    before = databases(pg)
    stopped = ops("restore", "--yes", env=restore_env(env, pg, "cmms_sigterm", PATH=stand_in(tmp_path, "TERM")))
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    # Progress lines come first on stderr; the error is the last line.
    assert stopped.stderr.strip().splitlines()[-1] == (
        "error: interrupted; dropped database 'cmms_sigterm', which this restore had created")
    assert databases(pg) == before


def test_a_killed_restore_is_named_by_the_rerun_with_the_command_that_drops_it(
    pg: Cluster, env: dict[str, Any], backup: Backup, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    killed = ops("restore", "--yes", "--work-dir", str(work),
                 env=restore_env(env, pg, "cmms_killed", PATH=stand_in(tmp_path, "KILL")))
    assert killed.returncode == -9  # no cleanup is possible: the database stays, marked unfinished
    assert "cmms_killed" in databases(pg)

    refused = ops("restore", "--yes", env=restore_env(env, pg, "cmms_killed"))
    assert refused.returncode == 1
    assert "was created by an ops restore that never finished (started 20" in refused.stderr
    command = refused.stderr.split("drop it and run again: ", 1)[1].strip()
    argv = shlex.split(command)
    assert argv[0] == "psql" and PASSWORD not in command
    dropped = subprocess.run([postgres.find_binary("psql"), *argv[1:]], env={**os.environ, "PGPASSWORD": PASSWORD},
                             capture_output=True, text=True, timeout=60)
    assert dropped.returncode == 0, dropped.stderr
    assert "cmms_killed" not in databases(pg)

    rerun = ops("restore", "--yes", env=restore_env(env, pg, "cmms_killed"))
    assert rerun.returncode == 0, rerun.stderr
    assert "verified: 6 tables" in rerun.stdout


def test_when_the_drop_fails_too_the_message_names_what_is_left_and_how_to_drop_it(
    pg: Cluster, env: dict[str, Any], backup: Backup, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup.cut_short(0.6)
    store = BackupStore(s3_client(env["BACKUP_S3_ENDPOINT_URL"]), backup.bucket, "staging/")
    chosen, manifest = restoring.choose_backup(store, None)

    def refuse_drop(dsn: Dsn, name: str) -> None:
        raise BackupError(f"cannot drop database {name!r} on {dsn.describe()}: injected: server went away")

    monkeypatch.setattr(postgres, "drop_database", refuse_drop)
    with pytest.raises(BackupError) as caught:
        restoring.restore(
            store, chosen, manifest, Dsn.parse(pg.url()), "cmms_undroppable", create=True, jobs=2, keep_acl=True,
            keep_owner=True, supabase_compat=True, work_dir=None, timings=restoring.Timings(),
        )
    message = str(caught.value)
    assert message.startswith("pg_restore exited with status 1")
    where = f"postgresql://maintainpro_admin@{pg.host}:{pg.port}/postgres"
    assert (f"; dropping database 'cmms_undroppable', which this restore created, failed too (cannot drop database "
            f"'cmms_undroppable' on {where}: injected: server went away): it is left on {where}; drop it with: "
            f"psql {where} -c 'DROP DATABASE \"cmms_undroppable\" WITH (FORCE)'") in message
    assert "cmms_undroppable" in databases(pg)
    monkeypatch.undo()
    command = shlex.split(message.split("drop it with: ", 1)[1])
    subprocess.run([postgres.find_binary("psql"), *command[1:]], env={**os.environ, "PGPASSWORD": PASSWORD},
                   check=True, capture_output=True, timeout=60)
    assert "cmms_undroppable" not in databases(pg)


def test_a_complete_restore_that_does_not_match_the_manifest_is_kept_and_says_how_to_drop_it(
    pg: Cluster, env: dict[str, Any], backup: Backup
) -> None:
    manifest = Manifest.from_json(backup.manifest, backup.manifest_key)
    tampered = manifest.model_copy(update={"tables": {**manifest.tables, "public.work_orders": 901}})
    backup.s3.put_object(Bucket=backup.bucket, Key=backup.manifest_key, Body=tampered.to_json())
    result = ops("restore", "--yes", env=restore_env(env, pg, "cmms_mismatch"))
    assert result.returncode == 1
    assert "MISMATCH table public.work_orders: 900 rows restored, manifest says 901" in result.stderr
    assert result.stderr.rstrip().endswith(
        "error: restored database 'cmms_mismatch' does not match the manifest; it is kept for inspection; a rerun "
        f"refuses it, drop it first with: psql postgresql://maintainpro_admin@{pg.host}:{pg.port}/postgres "
        "-c 'DROP DATABASE \"cmms_mismatch\" WITH (FORCE)'"
    )
    assert "cmms_mismatch" in databases(pg)  # pg_restore completed: what it restored stays for inspection
