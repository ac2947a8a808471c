"""`ops backup`: one consistent pg_dump streamed to S3, its manifest, then retention.

Order matters for safety: the manifest is written only after S3 confirmed the dump, and pruning
runs only after the new backup is verified, so a failure never costs an existing backup.
"""

from __future__ import annotations

import contextlib
import fcntl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import psycopg
from psycopg import IsolationLevel

from ops.backup import manifest as names
from ops.backup import postgres
from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError
from ops.backup.manifest import Backup, Manifest
from ops.backup.retention import GfsPolicy, keep
from ops.backup.store import MIB, BackupStore, describe_aws_error

F_SETPIPE_SZ = 1031  # Linux: a 1 MiB pipe lets pg_dump run ahead while a part is hashed


@dataclass(frozen=True)
class BackupSettings:
    dsn: Dsn
    store: BackupStore
    schemas: tuple[str, ...] = ("public",)
    policy: GfsPolicy | None = field(default_factory=lambda: GfsPolicy(7, 4, 12))
    part_size: int = 16 * MIB
    concurrency: int = 2
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)


@dataclass(frozen=True)
class PruneResult:
    kept: list[Backup]
    deleted: list[Backup]
    left_alone: list[str]


@dataclass(frozen=True)
class BackupResult:
    manifest: Manifest
    manifest_key: str
    seconds: float
    pruned: PruneResult | None


def run_backup(settings: BackupSettings) -> BackupResult:
    started = time.perf_counter()
    created_at = settings.clock()
    stamp = names.stamp_of(created_at)
    store = settings.store
    dump_key = names.dump_key(store.prefix, stamp)
    if store.exists(dump_key):
        raise BackupError(f"s3://{store.bucket}/{dump_key} already exists; one backup per second at most")
    pg_dump = postgres.find_binary("pg_dump")
    pg_dump_version = _tool_version(pg_dump)

    with settings.dsn.connect() as conn:
        snapshot, version, schemas, tables = _open_snapshot(conn, settings)
        counts: dict[str, int] = {}
        count_errors: list[str] = []
        counter = threading.Thread(
            target=_count_into, args=(conn, tables, counts, count_errors, settings.dsn), daemon=True
        )
        dump_started = time.perf_counter()
        with tempfile.TemporaryFile() as stderr:
            argv = [
                pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password",
                "--lock-wait-timeout=120000", f"--dbname={settings.dsn.conninfo()}",
            ]
            argv += [f"--schema={s}" for s in schemas]
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, env=settings.dsn.child_env())
            assert proc.stdout is not None
            _widen_pipe(proc.stdout)
            counter.start()

            def pg_dump_succeeded() -> None:
                if proc.wait() != 0:
                    detail = postgres.tail(stderr, settings.dsn)
                    raise BackupError(f"pg_dump exited with status {proc.returncode}: {detail or 'no message'}")
                counter.join()
                if count_errors:
                    raise BackupError(count_errors[0])

            try:
                uploaded = store.upload_stream(
                    dump_key, proc.stdout, settings.part_size, settings.concurrency, pg_dump_succeeded
                )
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                proc.stdout.close()
                if counter.is_alive():  # the upload failed while counting: stop the query
                    conn.cancel_safe()
                    counter.join(timeout=30)
        dump_seconds = time.perf_counter() - dump_started
        conn.rollback()

    manifest = Manifest(
        format_version=names.FORMAT_VERSION,
        dump_key=dump_key,
        created_at=created_at,
        completed_at=settings.clock(),
        size_bytes=uploaded.size,
        sha256=uploaded.sha256,
        etag=uploaded.etag,
        parts=uploaded.parts,
        server_version=version,
        pg_dump_version=pg_dump_version,
        database=settings.dsn.dbname,
        schemas=schemas,
        tables=counts,
        dump_seconds=round(dump_seconds, 3),
    )
    manifest_key = names.manifest_key(store.prefix, stamp)
    try:
        store.put_small(manifest_key, manifest.to_json(), "application/json")
    except Exception as exc:  # noqa: BLE001 - whatever failed, the dump must not stay without its manifest
        store.delete_quietly(dump_key)  # a dump without its manifest is of no use to a restore
        reason = describe_aws_error(exc, f"put {manifest_key}")
        raise BackupError(f"{reason}; removed the dump again, nothing was stored") from None
    try:
        pruned = prune(store, settings.policy) if settings.policy is not None else None
    except BackupError as exc:
        raise BackupError(f"backup {dump_key} is stored and verified, but retention pruning failed: {exc}") from None
    return BackupResult(manifest, manifest_key, time.perf_counter() - started, pruned)


def _open_snapshot(
    conn: psycopg.Connection, settings: BackupSettings
) -> tuple[str, str, list[str], list[tuple[str, str]]]:
    """Start the read-only snapshot pg_dump will share; return it with the server facts and tables."""
    conn.isolation_level = IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    try:
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        if row is None:
            raise BackupError("pg_export_snapshot() returned no row")
        snapshot = str(row[0])
        version = postgres.server_version(conn)
        schemas = postgres.existing_schemas(conn, settings.schemas)
        missing = sorted(set(settings.schemas) - set(schemas))
        if missing:
            raise BackupError(f"schema(s) not found in {settings.dsn.describe()}: {', '.join(missing)}")
        denied = postgres.missing_privileges(conn, schemas)
        if denied:
            user = settings.dsn.params.get("user") or "the role"
            raise BackupError(
                f"cannot back up {settings.dsn.describe()} as {user}: {'; '.join(denied)}; grant it "
                f"(GRANT USAGE ON SCHEMA ... / GRANT SELECT ON ALL TABLES IN SCHEMA ... TO {user}) or leave the schema out"
            )
        return snapshot, version, schemas, postgres.list_tables(conn, schemas)
    except psycopg.Error as exc:
        raise BackupError(f"reading {settings.dsn.describe()} failed: {settings.dsn.redact(str(exc))}") from None


def prune(store: BackupStore, policy: GfsPolicy, *, dry_run: bool = False) -> PruneResult:
    """Delete verified backups no GFS rule keeps; never the newest, never a key that does not parse.

    With `dry_run` nothing is deleted: `deleted` lists what would be.
    """
    catalog = names.catalog(store.prefix, store.list_keys())
    keep_times = keep([b.taken_at for b in catalog.backups], policy)
    kept = [b for b in catalog.backups if b.taken_at in keep_times]
    doomed = [b for b in catalog.backups if b.taken_at not in keep_times and b is not catalog.newest]
    for backup in [] if dry_run else doomed:
        # Manifest first: if the run dies in between, what is left is an unverified dump, never a
        # manifest pointing at nothing.
        store.delete(backup.manifest_key)
        store.delete(backup.dump_key)
    left_alone = catalog.unverified_dumps + catalog.orphan_manifests + catalog.unparseable
    return PruneResult(kept=kept, deleted=doomed, left_alone=left_alone)


def _count_into(
    conn: psycopg.Connection, tables: list[tuple[str, str]], out: dict[str, int], errors: list[str], dsn: Dsn
) -> None:
    try:
        out.update(postgres.count_rows(conn, tables))
    except psycopg.Error as exc:
        errors.append(f"counting rows failed: {dsn.redact(str(exc))}")


def _widen_pipe(pipe: Any) -> None:
    with contextlib.suppress(OSError):  # not Linux, or above /proc/sys/fs/pipe-max-size: the default still works
        fcntl.fcntl(pipe.fileno(), F_SETPIPE_SZ, MIB)


def _tool_version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"{binary} --version failed: {exc}") from None
    return out.stdout.strip()
