"""The backup commands of `python -m ops`: `backup`, `restore-drill`, `restore`.

`register(app)` adds them to the ops CLI. Every failed step prints one `error:` line to stderr
and exits 1; bad arguments exit 2 (typer's usage errors); no traceback, no password.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ops.backup import listing
from ops.backup import restore as restoring
from ops.backup.dsn import Dsn
from ops.backup.errors import BackupError
from ops.backup.job import BackupResult, BackupSettings, PruneResult, prune, run_backup
from ops.backup.manifest import normalize_prefix
from ops.backup.options import Stack, Timeout, resolve
from ops.backup.progress import DEFAULT_TIMEOUT, deadline, human_bytes, parse_duration
from ops.backup.retention import GfsPolicy
from ops.backup.store import MIB, BackupStore, s3_client
from ops.backup.tools import sigterm_as_interrupt
from ops.console import EXIT_FAILED, Endpoint, OpsError

T = TypeVar("T")
TIMEOUT_SECONDS = parse_duration(DEFAULT_TIMEOUT)
# pg_restore workers: one per core, at most four (more only contend for the same disk).
DEFAULT_JOBS = min(4, os.cpu_count() or 1)


def _dsn(value: str) -> Dsn:
    try:
        return Dsn.parse(value)
    except BackupError as exc:
        raise typer.BadParameter(str(exc).removeprefix("--database-url ")) from None


def _prefix(value: str | None) -> str | None:
    if value is None:
        return None
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
Bucket = Annotated[
    str | None, typer.Option(envvar="BACKUP_BUCKET", show_default=False, metavar="NAME",
                               help="S3 bucket (default: the --stack's)")
]
Prefix = Annotated[
    str | None,
    typer.Option(envvar="BACKUP_PREFIX", callback=_prefix, show_default=False, metavar="PREFIX",
                 help="key prefix, e.g. production/ (default: the --stack's, NAME/)"),
]
Name = Annotated[
    str | None, typer.Option("--backup", show_default=False, metavar="KEY",
                              help="timestamp of the backup (default: newest verified)")
]
Jobs = Annotated[int, typer.Option(min=1, max=64, metavar="N", help="pg_restore parallel jobs (1-64)")]
SupabaseCompat = Annotated[
    bool,
    typer.Option(help="first create the roles, schemas, extensions and auth functions a Supabase dump "
                      "references and the target lacks (a no-op on a Supabase project)"),
]
WorkDir = Annotated[
    Path | None,
    typer.Option(envvar="BACKUP_WORK_DIR", file_okay=False, exists=True, show_default=False, metavar="DIR",
                 help="where the dump is downloaded (default: system temp dir)"),
]


AsJson = Annotated[bool, typer.Option("--json", help="Print the result as one JSON document (keys sorted) instead of lines.")]
KeepDaily = Annotated[int, typer.Option(envvar="BACKUP_KEEP_DAILY", min=0, metavar="N",
                                        help="GFS: keep the newest backup of each of the last N days")]
KeepWeekly = Annotated[int, typer.Option(envvar="BACKUP_KEEP_WEEKLY", min=0, metavar="N",
                                         help="GFS: keep the newest backup of each of the last N weeks")]
KeepMonthly = Annotated[int, typer.Option(envvar="BACKUP_KEEP_MONTHLY", min=0, metavar="N",
                                          help="GFS: keep the newest backup of each of the last N months")]


def _fail(message: str) -> OpsError:
    return OpsError(message, EXIT_FAILED)


def _guarded(action: Callable[[], T], dsn: Dsn | None, timeout: float | None = None) -> T:
    """Run one command body within `timeout` seconds; SIGTERM is an interrupt (cleanup runs); any
    failure becomes one redacted line and exit 1."""
    redact = dsn.redact if dsn is not None else str
    try:
        with sigterm_as_interrupt(), deadline(timeout):
            return action()
    except BackupError as exc:
        raise _fail(redact(str(exc))) from None
    except KeyboardInterrupt:
        raise _fail("interrupted") from None
    except Exception as exc:  # noqa: BLE001 - the CLI promises no traceback, so name the failure instead
        raise _fail(redact(f"{type(exc).__name__}: {exc}")) from None


def _store(
    bucket: str | None, prefix: str | None, stack: str | None, endpoint_url: str | None,
    timeout: float | None = None, *, require_prefix: bool = False,
) -> BackupStore:
    name, key_prefix = resolve(bucket, prefix, stack, require_prefix=require_prefix)
    return BackupStore(s3_client(endpoint_url, timeout), name, key_prefix)


def backup(
    database_url: SourceUrl,
    bucket: Bucket = None,
    prefix: Prefix = None,
    stack: Stack = None,
    schema: Annotated[list[str], typer.Option(metavar="SCHEMA", help="schema to back up (repeat for more)")] = ["public"],  # noqa: B006
    keep_daily: KeepDaily = 7,
    keep_weekly: KeepWeekly = 4,
    keep_monthly: KeepMonthly = 12,
    prune: Annotated[bool, typer.Option(help="apply GFS retention after a verified backup")] = True,
    part_size_mib: Annotated[int, typer.Option(min=5, max=512, metavar="MIB", help="multipart part size (5-512 MiB)")] = 16,
    upload_concurrency: Annotated[int, typer.Option(min=1, max=16, metavar="N", help="parts uploaded at once (1-16)")] = 2,
    endpoint_url: Endpoint = None,
    timeout: Timeout = TIMEOUT_SECONDS,
    as_json: AsJson = False,
) -> None:
    """Dump the database (custom format) to S3 with a manifest, then prune by GFS rules."""
    try:
        policy = GfsPolicy(keep_daily, keep_weekly, keep_monthly) if prune else None
    except BackupError as exc:
        raise typer.BadParameter(str(exc), param_hint="--keep-*") from None
    settings = BackupSettings(
        dsn=database_url,
        store=_store(bucket, prefix, stack, endpoint_url, timeout, require_prefix=True),
        schemas=tuple(dict.fromkeys(schema)),
        policy=policy,
        part_size=part_size_mib * MIB,
        concurrency=upload_concurrency,
    )
    result = _guarded(lambda: run_backup(settings), database_url, timeout)
    if as_json:
        _print_json(_backup_json(result, settings.store))
    else:
        _print_backup(result, settings.store)


def restore_drill(
    database_url: DrillUrl,
    bucket: Bucket = None,
    prefix: Prefix = None,
    stack: Stack = None,
    backup_name: Name = None,
    jobs: Jobs = DEFAULT_JOBS,
    rto_minutes: Annotated[float, typer.Option(envvar="BACKUP_RTO_MINUTES", min=0.001, metavar="MINUTES",
                                                 help="recovery time objective")] = 15.0,
    supabase_compat: SupabaseCompat = True,
    work_dir: WorkDir = None,
    endpoint_url: Endpoint = None,
    timeout: Timeout = TIMEOUT_SECONDS,
    as_json: AsJson = False,
) -> None:
    """Restore a backup into a scratch database on the server of --database-url, verify it, drop it, report the RTO."""
    store = _store(bucket, prefix, stack, endpoint_url, timeout)
    result = _guarded(lambda: restoring.drill(
        store, database_url, backup_name, jobs, work_dir, supabase_compat=supabase_compat), database_url, timeout)
    objective = rto_minutes * 60
    rto = result.timings.rto_seconds
    if as_json:
        _print_json({**_restore_json(result), "rto_seconds": rto, "rto_objective_seconds": objective,
                     "rto_met": rto <= objective})
    else:
        _print_restore(result)
        typer.echo(f"RTO {rto:.1f}s (objective {objective:g}s): {'met' if rto <= objective else 'MISSED'}")
    if not result.verified:
        raise _fail(f"restore drill of {result.backup.stamp} failed verification ({len(result.mismatches)} problem(s))")
    if rto > objective:
        raise _fail(f"restore drill took {rto:.1f}s, over the {objective:g}s objective")


def restore(
    database_url: TargetUrl,
    bucket: Bucket = None,
    prefix: Prefix = None,
    stack: Stack = None,
    backup_name: Name = None,
    jobs: Jobs = DEFAULT_JOBS,
    keep_acl: Annotated[bool, typer.Option(help="restore owners and grants (roles must exist on the target)")] = True,
    supabase_compat: SupabaseCompat = True,
    yes: Annotated[bool, typer.Option("--yes", help="skip the confirmation prompt")] = False,
    work_dir: WorkDir = None,
    endpoint_url: Endpoint = None,
    timeout: Timeout = TIMEOUT_SECONDS,
    as_json: AsJson = False,
) -> None:
    """Restore a backup into the database --database-url names (created if missing; must not hold its tables)."""
    store = _store(bucket, prefix, stack, endpoint_url, timeout)
    target = database_url
    if not yes and not sys.stdin.isatty():
        raise _fail("refusing to restore without confirmation: no terminal to ask on; pass --yes")
    chosen, manifest = _guarded(lambda: restoring.choose_backup(store, backup_name), target, timeout)
    create = _guarded(lambda: restoring.ensure_restorable(target, manifest), target, timeout)
    # What is about to happen, before the confirmation: on stderr when stdout is the JSON result.
    typer.echo(
        f"backup {chosen.stamp}: {human_bytes(manifest.size_bytes)}, {len(manifest.tables)} tables, "
        f"PostgreSQL {manifest.server_version}, database {manifest.database!r}", err=as_json,
    )
    typer.echo(f"target: {target.describe()} ({'will be created' if create else 'exists, empty'})", err=as_json)
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
        timeout,
    )
    restored = restoring.RestoreResult(chosen, manifest, target.dbname, timings, mismatches)
    if as_json:
        _print_json(_restore_json(restored))
    else:
        _print_restore(restored)
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
    typer.echo(f"  {human_bytes(m.size_bytes)} in {m.parts} part(s), sha256 {m.sha256}")
    typer.echo(f"  {len(m.tables)} tables, {rows} rows, PostgreSQL {m.server_version}, {result.seconds:.1f}s")
    typer.echo(f"manifest s3://{store.bucket}/{result.manifest_key}")
    if result.pruned is not None:
        _print_pruned(result.pruned)


def _print_json(document: dict[str, Any]) -> None:
    typer.echo(json.dumps(document, indent=2, sort_keys=True))


def _pruned_json(p: PruneResult, *, dry_run: bool = False) -> dict[str, Any]:
    return {"dry_run": dry_run, "kept": [b.stamp for b in p.kept], "deleted": [b.stamp for b in p.deleted],
            "left_alone": list(p.left_alone)}


def _backup_json(result: BackupResult, store: BackupStore) -> dict[str, Any]:
    """`backup --json`: where the dump and manifest are, what they hold, and what retention did."""
    m = result.manifest
    return {
        "bucket": store.bucket, "dump_key": m.dump_key, "manifest_key": result.manifest_key,
        "size_bytes": m.size_bytes, "parts": m.parts, "sha256": m.sha256, "tables": len(m.tables),
        "rows": sum(m.tables.values()), "server_version": m.server_version, "seconds": result.seconds,
        "pruned": _pruned_json(result.pruned) if result.pruned is not None else None,
    }


def _restore_json(result: restoring.RestoreResult) -> dict[str, Any]:
    """`restore --json` / `restore-drill --json`: what was restored where, each step's seconds, the verdict."""
    return {
        "backup": result.backup.stamp, "database": result.database, "steps": dict(result.timings.steps),
        "verified": result.verified, "mismatches": list(result.mismatches), "tables": len(result.manifest.tables),
    }


def _print_pruned(p: PruneResult, *, dry_run: bool = False) -> None:
    verb = "would delete" if dry_run else "deleted"
    typer.echo(f"retention{' (dry run, nothing deleted)' if dry_run else ''}: kept {len(p.kept)}, "
               f"{verb} {len(p.deleted)}, left alone {len(p.left_alone)}")
    for b in p.deleted:
        typer.echo(f"  {verb} {b.stamp}")
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


def backups_list(
    bucket: Bucket = None,
    prefix: Prefix = None,
    stack: Stack = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document: a list of backups, oldest first")] = False,
    endpoint_url: Endpoint = None,
    timeout: Timeout = TIMEOUT_SECONDS,
) -> None:
    """List the backups under the prefix: key, time, size, SHA-256, verified or incomplete (no manifest)."""
    store = _store(bucket, prefix, stack, endpoint_url, timeout)
    rows = _guarded(lambda: listing.list_backups(store), None, timeout)
    if as_json:
        typer.echo(json.dumps([r.to_json() for r in rows], indent=2))
        return
    if not rows:
        typer.echo(f"no backups under s3://{store.bucket}/{store.prefix}", err=True)
        return
    for line in listing.table_lines(rows):
        typer.echo(line)


def backups_prune(
    bucket: Bucket = None,
    prefix: Prefix = None,
    stack: Stack = None,
    keep_daily: KeepDaily = 7,
    keep_weekly: KeepWeekly = 4,
    keep_monthly: KeepMonthly = 12,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what GFS retention would delete; delete nothing")] = False,
    endpoint_url: Endpoint = None,
    timeout: Timeout = TIMEOUT_SECONDS,
    as_json: AsJson = False,
) -> None:
    """Apply GFS retention to the verified backups under the prefix (what `backup` does after each run)."""
    try:
        policy = GfsPolicy(keep_daily, keep_weekly, keep_monthly)
    except BackupError as exc:
        raise typer.BadParameter(str(exc), param_hint="--keep-*") from None
    store = _store(bucket, prefix, stack, endpoint_url, timeout, require_prefix=True)
    result = _guarded(lambda: prune(store, policy, dry_run=dry_run), None, timeout)
    if as_json:
        _print_json(_pruned_json(result, dry_run=dry_run))
    else:
        _print_pruned(result, dry_run=dry_run)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command("backup")(backup)
    app.command("restore-drill")(restore_drill)
    app.command("restore")(restore)
    backups = typer.Typer(help="Inspect and prune the backups in the bucket.", no_args_is_help=True,
                          rich_markup_mode=None)
    backups.command("list")(backups_list)
    backups.command("prune")(backups_prune)
    app.add_typer(backups, name="backups")
