"""The backup commands of `python -m ops`: `backup`, `restore-drill`, `restore`.

`register(app)` adds them to the ops CLI. Every failed step prints one `error:` line to stderr
and exits 1; bad arguments exit 2 (typer's usage errors); no traceback, no password.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ops.backup import restore as restoring
from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError
from ops.backup.job import BackupResult, BackupSettings, run_backup
from ops.backup.manifest import normalize_prefix
from ops.backup.retention import GfsPolicy
from ops.backup.store import MIB, BackupStore, s3_client
from ops.console import EXIT_FAILED, Endpoint, OpsError

T = TypeVar("T")
# pg_restore workers: one per core, at most four (more only contend for the same disk).
DEFAULT_JOBS = min(4, os.cpu_count() or 1)


def _dsn(value: str) -> Dsn:
    try:
        return Dsn.parse(value)
    except BackupError as exc:
        raise typer.BadParameter(str(exc).removeprefix("--database-url ")) from None


def _prefix(value: str) -> str:
    try:
        return normalize_prefix(value)
    except BackupError as exc:
        raise typer.BadParameter(str(exc)) from None


def _database_url(envvar: str, what: str) -> Any:
    """The --database-url option; each command reads its own variable so a restore never picks up the backup source."""
    return typer.Option(
        "--database-url", envvar=envvar, parser=_dsn, show_default=False, metavar="DSN",
        help=f"{what}: PostgreSQL URL or conninfo (its password is never printed)",
    )


SourceUrl = Annotated[Dsn, _database_url("BACKUP_DATABASE_URL", "database to back up")]
DrillUrl = Annotated[Dsn, _database_url("RESTORE_DATABASE_URL", "server the scratch database is created on")]
TargetUrl = Annotated[Dsn, _database_url("RESTORE_DATABASE_URL", "the TARGET database (created if missing)")]
Bucket = Annotated[str, typer.Option(envvar="BACKUP_BUCKET", show_default=False, help="S3 bucket")]
Prefix = Annotated[str, typer.Option(envvar="BACKUP_PREFIX", callback=_prefix, help="key prefix, e.g. production/")]
Name = Annotated[
    str | None, typer.Option("--backup", show_default=False, help="timestamp of the backup (default: newest verified)")
]
Jobs = Annotated[int, typer.Option(min=1, max=64, help="pg_restore parallel jobs")]
SupabaseCompat = Annotated[
    bool,
    typer.Option(help="first create the roles, schemas, extensions and auth functions a Supabase dump "
                      "references and the target lacks (a no-op on a Supabase project)"),
]
WorkDir = Annotated[
    Path | None,
    typer.Option(envvar="BACKUP_WORK_DIR", file_okay=False, exists=True, show_default=False,
                 help="where the dump is downloaded (default: system temp dir)"),
]


def _fail(message: str) -> OpsError:
    return OpsError(message, EXIT_FAILED)


def _guarded(action: Callable[[], T], dsn: Dsn) -> T:
    """Run one command body; any failure becomes one redacted line and exit 1."""
    try:
        return action()
    except BackupError as exc:
        raise _fail(dsn.redact(str(exc))) from None
    except KeyboardInterrupt:
        raise _fail("interrupted") from None
    except Exception as exc:  # noqa: BLE001 - the CLI promises no traceback, so name the failure instead
        raise _fail(dsn.redact(f"{type(exc).__name__}: {exc}")) from None


def _store(bucket: str, prefix: str, endpoint_url: str | None) -> BackupStore:
    if not bucket.strip():
        raise typer.BadParameter("must not be empty", param_hint="--bucket")
    return BackupStore(s3_client(endpoint_url), bucket.strip(), prefix)


def backup(
    bucket: Bucket,
    database_url: SourceUrl,
    prefix: Prefix = "",
    schema: Annotated[list[str], typer.Option(help="schema to back up (repeat for more)")] = ["public"],  # noqa: B006
    keep_daily: Annotated[int, typer.Option(envvar="BACKUP_KEEP_DAILY", min=0)] = 7,
    keep_weekly: Annotated[int, typer.Option(envvar="BACKUP_KEEP_WEEKLY", min=0)] = 4,
    keep_monthly: Annotated[int, typer.Option(envvar="BACKUP_KEEP_MONTHLY", min=0)] = 12,
    prune: Annotated[bool, typer.Option(help="apply GFS retention after a verified backup")] = True,
    part_size_mib: Annotated[int, typer.Option(min=5, max=512, help="multipart part size")] = 16,
    upload_concurrency: Annotated[int, typer.Option(min=1, max=16)] = 2,
    endpoint_url: Endpoint = None,
) -> None:
    """Dump the database (custom format) to S3 with a manifest, then prune by GFS rules."""
    try:
        policy = GfsPolicy(keep_daily, keep_weekly, keep_monthly) if prune else None
    except BackupError as exc:
        raise typer.BadParameter(str(exc), param_hint="--keep-*") from None
    settings = BackupSettings(
        dsn=database_url,
        store=_store(bucket, prefix, endpoint_url),
        schemas=tuple(dict.fromkeys(schema)),
        policy=policy,
        part_size=part_size_mib * MIB,
        concurrency=upload_concurrency,
    )
    result = _guarded(lambda: run_backup(settings), database_url)
    _print_backup(result, settings.store)


def restore_drill(
    bucket: Bucket,
    database_url: DrillUrl,
    prefix: Prefix = "",
    backup_name: Name = None,
    jobs: Jobs = DEFAULT_JOBS,
    rto_minutes: Annotated[float, typer.Option(envvar="BACKUP_RTO_MINUTES", min=0.001, help="recovery time objective")] = 15.0,
    supabase_compat: SupabaseCompat = True,
    work_dir: WorkDir = None,
    endpoint_url: Endpoint = None,
) -> None:
    """Restore a backup into a scratch database on the server of --database-url, verify it, drop it, report the RTO."""
    store = _store(bucket, prefix, endpoint_url)
    result = _guarded(lambda: restoring.drill(
        store, database_url, backup_name, jobs, work_dir, supabase_compat=supabase_compat), database_url)
    _print_restore(result)
    objective = rto_minutes * 60
    rto = result.timings.rto_seconds
    typer.echo(f"RTO {rto:.1f}s (objective {objective:g}s): {'met' if rto <= objective else 'MISSED'}")
    if not result.verified:
        raise _fail(f"restore drill of {result.backup.stamp} failed verification ({len(result.mismatches)} problem(s))")
    if rto > objective:
        raise _fail(f"restore drill took {rto:.1f}s, over the {objective:g}s objective")


def restore(
    bucket: Bucket,
    database_url: TargetUrl,
    prefix: Prefix = "",
    backup_name: Name = None,
    jobs: Jobs = DEFAULT_JOBS,
    keep_acl: Annotated[bool, typer.Option(help="restore owners and grants (roles must exist on the target)")] = True,
    supabase_compat: SupabaseCompat = True,
    yes: Annotated[bool, typer.Option("--yes", help="skip the confirmation prompt")] = False,
    work_dir: WorkDir = None,
    endpoint_url: Endpoint = None,
) -> None:
    """Restore a backup into the database --database-url names (created if missing; must not hold its tables)."""
    store = _store(bucket, prefix, endpoint_url)
    target = database_url
    if not yes and not sys.stdin.isatty():
        raise _fail("refusing to restore without confirmation: no terminal to ask on; pass --yes")
    chosen, manifest = _guarded(lambda: restoring.choose_backup(store, backup_name), target)
    create = _guarded(lambda: restoring.ensure_restorable(target, manifest), target)
    typer.echo(
        f"backup {chosen.stamp}: {manifest.size_bytes} bytes, {len(manifest.tables)} tables, "
        f"PostgreSQL {manifest.server_version}, database {manifest.database!r}"
    )
    typer.echo(f"target: {target.describe()} ({'will be created' if create else 'exists, empty'})")
    if not yes:
        typed = typer.prompt(f"type the target database name ({target.dbname}) to restore into it")
        if typed.strip() != target.dbname:
            raise _fail("confirmation did not match; nothing restored")
    timings = restoring.Timings()
    mismatches = _guarded(
        lambda: restoring.restore(
            store, chosen, manifest, target.with_dbname("postgres"), target.dbname,
            create=create, jobs=jobs, keep_acl=keep_acl, keep_owner=keep_acl, supabase_compat=supabase_compat,
            work_dir=work_dir, timings=timings,
        ),
        target,
    )
    _print_restore(restoring.RestoreResult(chosen, manifest, target.dbname, timings, mismatches))
    if mismatches:
        # pg_restore completed, so the database is kept for inspection rather than dropped.
        kept = (f"it is kept for inspection; a rerun refuses it, drop it first with: "
                f"{restoring.drop_command(target.with_dbname('postgres'), target.dbname)}" if create
                else "it existed before this restore and is left in place")
        raise _fail(f"restored database {target.dbname!r} does not match the manifest; {kept}")


def _print_backup(result: BackupResult, store: BackupStore) -> None:
    m = result.manifest
    rows = sum(m.tables.values())
    typer.echo(f"backup s3://{store.bucket}/{m.dump_key}")
    typer.echo(f"  {m.size_bytes} bytes in {m.parts} part(s), sha256 {m.sha256}")
    typer.echo(f"  {len(m.tables)} tables, {rows} rows, PostgreSQL {m.server_version}, {result.seconds:.1f}s")
    typer.echo(f"manifest s3://{store.bucket}/{result.manifest_key}")
    if result.pruned is not None:
        p = result.pruned
        typer.echo(f"retention: kept {len(p.kept)}, deleted {len(p.deleted)}, left alone {len(p.left_alone)}")
        for b in p.deleted:
            typer.echo(f"  deleted {b.stamp}")
        for key in p.left_alone:
            typer.echo(f"  left alone (not a verified backup): {key}")


def _print_restore(result: restoring.RestoreResult) -> None:
    typer.echo(f"restored {result.backup.stamp} into {result.database}")
    for step, seconds in result.timings.steps.items():
        typer.echo(f"  {step:<24}{seconds:8.2f}s")
    for problem in result.mismatches:
        typer.echo(f"  MISMATCH {problem}", err=True)
    if result.verified:
        typer.echo(f"  verified: {len(result.manifest.tables)} tables, row counts match the manifest")


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command("backup")(backup)
    app.command("restore-drill")(restore_drill)
    app.command("restore")(restore)
