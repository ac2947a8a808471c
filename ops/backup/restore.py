"""`ops restore-drill` and `ops restore`: fetch a verified backup, check it, pg_restore it, compare.

Both share one path so the drill measures exactly what a real recovery would do; the drill then
drops its scratch database, a restore leaves the target in place.

A restore that fails (or is interrupted: Ctrl-C, SIGTERM) after creating its database drops that
database again and says so, so a rerun starts clean; it drops only the database this run recorded
as created, never one that existed before. A run killed outright (SIGKILL) cannot clean up: the
database it created carries a comment marking it unfinished, and a rerun names it and says how to
drop it instead of only refusing a target that holds tables.
"""

from __future__ import annotations

import re
import secrets
import shlex
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from psycopg import sql

from ops.backup import manifest as names
from ops.backup import postgres, supabase_target
from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError
from ops.backup.manifest import Backup, Manifest
from ops.backup.progress import DeadlinePassed, note
from ops.backup.store import BackupStore
from ops.backup.tools import run as run_tool
from ops.backup.tools import sigterm_as_interrupt

_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - (?P<name>\S+) ")
RTO_STEPS = ("choose backup", "download+verify", "create database", "prepare target", "pg_restore", "compare")
# COMMENT ON DATABASE of a database a restore created, until the restore finished (cleared then).
UNFINISHED_MARK = "maintainpro ops restore: unfinished"


@dataclass
class Timings:
    """Seconds per step, in order; the RTO is the sum of the steps a real recovery needs."""

    steps: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = self.steps.get(name, 0.0) + time.perf_counter() - started

    @property
    def rto_seconds(self) -> float:
        return sum(v for k, v in self.steps.items() if k in RTO_STEPS)


@dataclass(frozen=True)
class RestoreResult:
    backup: Backup
    manifest: Manifest
    database: str
    timings: Timings
    mismatches: list[str]

    @property
    def verified(self) -> bool:
        return not self.mismatches


def choose_backup(store: BackupStore, name: str | None) -> tuple[Backup, Manifest]:
    catalog = names.catalog(store.prefix, store.list_keys())
    if name:
        backup = catalog.find(name)
    elif catalog.newest is None:
        raise BackupError(f"no verified backup under s3://{store.bucket}/{store.prefix}")
    else:
        backup = catalog.newest
    manifest = Manifest.from_json(store.get_small(backup.manifest_key), backup.manifest_key)
    if manifest.dump_key != backup.dump_key:
        raise BackupError(f"manifest {backup.manifest_key} describes {manifest.dump_key}, not {backup.dump_key}")
    return backup, manifest


def compare(manifest: Manifest, restored: dict[str, int]) -> list[str]:
    """Every difference between the manifest's tables and row counts and the restored database's."""
    problems = [f"table {t} missing after restore" for t in sorted(manifest.tables.keys() - restored.keys())]
    problems += [f"table {t} not in the manifest" for t in sorted(restored.keys() - manifest.tables.keys())]
    for table in sorted(manifest.tables.keys() & restored.keys()):
        if manifest.tables[table] != restored[table]:
            problems.append(f"table {table}: {restored[table]} rows restored, manifest says {manifest.tables[table]}")
    return problems


def restore(
    store: BackupStore,
    backup: Backup,
    manifest: Manifest,
    server: Dsn,
    database: str,
    *,
    create: bool,
    jobs: int,
    keep_acl: bool,
    keep_owner: bool,
    supabase_compat: bool,
    work_dir: Path | None,
    timings: Timings,
    drop_created_roles: bool = False,
    created: list[str] | None = None,
) -> list[str]:
    """Download + verify, optionally create `database` on `server`, prepare it, pg_restore, compare.

    `supabase_compat` first adds what a Supabase dump references and the target lacks
    (`ops.backup.supabase_target`); the result is the list of mismatches with the manifest. When
    anything fails after the database was created, it is dropped again before the error leaves.
    """
    pg_restore = postgres.find_binary("pg_restore")
    target = server.with_dbname(database)
    run = _Run(server, database, drop_roles=drop_created_roles)
    try:
        with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="maintainpro-restore-", dir=work_dir) as tmp:
            dump = Path(tmp) / "backup.dump"
            with timings.step("download+verify"):
                store.download_verified(backup.dump_key, dump, manifest.size_bytes, manifest.sha256)
            if create:
                with timings.step("create database"):
                    postgres.create_database(server, database)
                    run.created = True  # recorded only once CREATE DATABASE succeeded: ours to drop
                    _mark(target, f"{UNFINISHED_MARK} (started {datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ})")
            run.touched = True
            if supabase_compat:
                with timings.step("prepare target"):
                    run.prepared = supabase_target.prepare(target)
                    if created is not None:
                        created.extend(run.prepared)
            with timings.step("pg_restore"):
                restore_started = time.perf_counter()
                toc = _toc_without_existing_schemas(pg_restore, dump, target)
                argv = [pg_restore, "--exit-on-error", "--no-password", f"--jobs={jobs}", f"--dbname={target.conninfo()}"]
                argv += [f"--use-list={toc}"]
                if not keep_owner:
                    argv += ["--no-owner"]
                if not keep_acl:
                    argv += ["--no-acl"]
                note(f"pg_restore: started ({jobs} job(s)) into {database}")
                run_tool(argv + [str(dump)], target, "pg_restore")
                note(f"pg_restore: done in {time.perf_counter() - restore_started:.1f}s")
            with timings.step("compare"), target.connect() as conn:
                try:
                    restored = postgres.count_rows(conn, postgres.list_tables(conn, manifest.schemas))
                except psycopg.Error as exc:
                    raise BackupError(f"counting restored rows failed: {target.redact(str(exc))}") from None
            if run.created:
                _mark(target, None)
    except BaseException as exc:  # noqa: BLE001 - Ctrl-C and SIGTERM must clean up too
        raise run.failed(exc) from None
    return compare(manifest, restored)


@dataclass
class _Run:
    """What one restore did to its target, so a failure undoes exactly that and names the rest."""

    server: Dsn
    database: str
    created: bool = False
    touched: bool = False
    prepared: list[str] = field(default_factory=list)
    drop_roles: bool = False

    def failed(self, exc: BaseException) -> BaseException:
        """The error to raise for `exc`, after dropping the database if this run created it."""
        if not self.touched and not self.created:
            return exc  # nothing was done to the target: the original error says it all
        reason = _reason(exc)
        if not self.created:
            return BackupError(
                f"{reason}; database {self.database!r} existed before this restore and is left in place "
                f"(never dropped): it may now hold part of the backup{self._added()}, and a rerun refuses it while "
                "it holds tables of the backup: drop those tables or restore into a new database"
            )
        try:
            postgres.drop_database(self.server, self.database)
        except BaseException as drop_exc:  # noqa: BLE001 - a second Ctrl-C too: say what is left
            return BackupError(
                f"{reason}; dropping database {self.database!r}, which this restore created, failed too "
                f"({_reason(drop_exc)}): it is left on {self.server.describe()}; drop it with: "
                f"{drop_command(self.server, self.database)}"
            )
        roles = created_roles(self.prepared)
        if self.drop_roles and roles:
            kept_roles = postgres.drop_roles(self.server, roles)
            dropped = [r for r in roles if r not in kept_roles]
            kept = (f"; dropped the roles it created ({', '.join(dropped)})" if dropped else "") + (
                f"; kept role(s) still in use: {', '.join(kept_roles)}" if kept_roles else "")
        else:
            kept = f"; the NOLOGIN roles it created stay (they are server-wide): {', '.join(roles)}" if roles else ""
        return BackupError(f"{reason}; dropped database {self.database!r}, which this restore had created{kept}")

    def _added(self) -> str:
        return f" and what the preparation added ({', '.join(self.prepared)})" if self.prepared else ""


def created_roles(prepared: list[str]) -> list[str]:
    return [p.removeprefix("role ") for p in prepared if p.startswith("role ")]


def drop_command(maintenance: Dsn, database: str) -> str:
    """A command an operator can paste to drop `database` from `maintenance`'s server (psql asks for the password)."""
    statement = 'DROP DATABASE "' + database.replace('"', '""') + '" WITH (FORCE)'
    return f"psql {shlex.quote(maintenance.describe())} -c {shlex.quote(statement)}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (BackupError, DeadlinePassed)):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}"


def _mark(target: Dsn, comment: str | None) -> None:
    """Set (or clear) the database's comment that marks a restore in progress."""
    statement = sql.SQL("COMMENT ON DATABASE {} IS {}").format(
        sql.Identifier(target.dbname), sql.Literal(comment) if comment is not None else sql.SQL("NULL")
    )
    with target.connect(autocommit=True) as conn:
        try:
            conn.execute(statement)
        except psycopg.Error as exc:
            raise BackupError(f"cannot comment on database {target.dbname!r}: {target.redact(str(exc))}") from None


def drill(
    store: BackupStore, server: Dsn, name: str | None, jobs: int, work_dir: Path | None, *, supabase_compat: bool = True
) -> RestoreResult:
    """Restore into a fresh scratch database on `server`, compare, always drop it.

    Grants are restored when the target was prepared (the API roles then exist), so the drill
    also proves the dump's GRANTs and RLS policies apply; owners never are (a scratch server
    lacks Supabase's admin roles).
    """
    timings = Timings()
    with timings.step("choose backup"):
        backup, manifest = choose_backup(store, name)
    scratch = f"restore_drill_{backup.stamp.lower()}_{secrets.token_hex(3)}"
    prepared: list[str] = []
    # A failed restore has dropped the scratch database (and the roles it created) already; a finished one leaves them to us.
    mismatches = restore(
        store, backup, manifest, server, scratch,
        create=True, jobs=jobs, keep_acl=supabase_compat, keep_owner=False, supabase_compat=supabase_compat,
        work_dir=work_dir, timings=timings, drop_created_roles=True, created=prepared,
    )
    with timings.step("drop scratch database"):
        try:
            postgres.drop_database(server, scratch)
        except BackupError as exc:
            raise BackupError(
                f"restore drill of {backup.stamp} finished ({len(mismatches)} mismatch(es)) but {exc}; the scratch "
                f"database is left: drop it with: {drop_command(server, scratch)}"
            ) from None
        roles = created_roles(prepared)
        if roles:
            kept = postgres.drop_roles(server, roles)
            if kept:
                note(f"kept role(s) the drill created, still used elsewhere on the server: {', '.join(kept)}")
    return RestoreResult(backup, manifest, scratch, timings, mismatches)


def ensure_restorable(target: Dsn, manifest: Manifest) -> bool:
    """Whether the target database must be created; refuses a target that already holds the backup's tables."""
    maintenance = target.with_dbname("postgres")
    with maintenance.connect(autocommit=True) as conn:
        exists = postgres.database_exists(conn, target.dbname)
        comment = postgres.database_comment(conn, target.dbname) if exists else None
    if not exists:
        return True
    if comment and comment.startswith(UNFINISHED_MARK):
        raise BackupError(
            f"target {target.describe()} was created by an ops restore that never finished "
            f"({comment.removeprefix(UNFINISHED_MARK).strip(' ()')}; the run was killed before it could drop it). "
            f"If no restore is running now, drop it and run again: {drop_command(maintenance, target.dbname)}"
        )
    with target.connect() as conn:
        clashes = [postgres.table_name(s, t) for s, t in postgres.list_tables(conn, manifest.schemas)]
    if clashes:
        shown = ", ".join(clashes[:5]) + (" ..." if len(clashes) > 5 else "")
        raise BackupError(
            f"target {target.describe()} already has tables of the backup ({shown}); "
            "restore into a new or empty database"
        )
    return False


def _toc_without_existing_schemas(pg_restore: str, dump: Path, target: Dsn) -> Path:
    """The dump's table of contents minus CREATE SCHEMA for schemas the target already has.

    A dump taken with --schema=public carries `CREATE SCHEMA public`, which every fresh database
    (and every Supabase project) already has; with --exit-on-error that would stop the restore.
    """
    listing = dump.with_suffix(".toc")
    run_tool([pg_restore, "--list", f"--file={listing}", str(dump)], target, "pg_restore --list")
    with target.connect() as conn:
        present = {str(r[0]) for r in conn.execute("SELECT nspname FROM pg_namespace").fetchall()}
    kept = [
        line for line in listing.read_text().splitlines()
        if not ((m := _SCHEMA_ENTRY.match(line)) and m["name"] in present)
    ]
    listing.write_text("\n".join(kept) + "\n")
    return listing
