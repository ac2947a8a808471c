"""`ops audit-record` and `ops audit-trail`: the CI audit trail in the backup bucket (recorded by ops/audit_trail.py, listed by ops/audit_listing.py).

Bad input (unknown stack, unreadable or invalid file, malformed option) is one message and exit 2
with nothing written. `audit-record` exits 1 when S3 refuses a write; `audit-trail` exits 1 when
any listed run is flagged and 2 when the bucket cannot be listed.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from components.config import BackupsConfig, ConfigError
from ops.audit_listing import list_runs, listing_json, listing_table, parse_since
from ops.audit_trail import (
    AuditBucket,
    AuditTrailError,
    Lock,
    build_record,
    github_context,
    load_inputs,
    record_run,
    retain_until,
    run_folder,
)
from ops.backup.errors import BackupError
from ops.backup.store import s3_client
from ops.console import (
    Endpoint,
    StackDir,
    clock,
    deadline,
    fail,
    fail_config,
    known_stack,
    stderr,
    stdout,
    timeout_option,
    waiting,
)
from ops.stackfile import ROOT, read_stack_file

EXIT_FLAGGED = 1


class Command(str, Enum):
    preview = "preview"
    up = "up"


StackName = Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose backup bucket holds the trail.")]
Now = Annotated[str | None, typer.Option(metavar="ISO", help="Clock (ISO 8601); default: now.")]


def _backups(stack: str, stack_dir: Path) -> BackupsConfig:
    try:
        cfg = read_stack_file(stack, stack_dir).validate()
    except ConfigError as error:
        fail_config(error)
    if not cfg.backups.enabled:
        fail(f"backups.enabled is false for stack {stack}: it has no backup bucket to hold the audit trail")
    return cfg.backups


def _lock(backups: BackupsConfig) -> Lock | None:
    return Lock(backups.object_lock_mode, backups.audit_retention_days) if backups.object_lock else None


def _clock(now: str | None) -> datetime:
    return clock(now).astimezone(timezone.utc).replace(microsecond=0)


def audit_record(
    stack: StackName,
    command: Annotated[Command, typer.Option("--command", help="The Pulumi command the event log is from: preview|up.")],
    event_log: Annotated[Path, typer.Option("--event-log", metavar="FILE", show_default=False,
                                            help="The run's `pulumi ... --event-log FILE`.")],
    report: Annotated[Path | None, typer.Option(
        "--report", metavar="FILE", show_default=False,
        help="`ops audit --from-event-log ... --format json` of that log; omit only when the run stopped before the pack ran.")] = None,
    approvals: Annotated[Path | None, typer.Option(
        "--approvals", metavar="FILE", show_default=False,
        help="GitHub's answer to GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals.")] = None,
    now: Now = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print where the run was written as JSON "
                                          "(stack, bucket, folder, url) instead of a line.")] = False,
    endpoint_url: Endpoint = None,
    timeout: Annotated[float, timeout_option("the backup bucket")] = 600.0,
    stack_dir: StackDir = ROOT,
) -> None:
    """Write one CI run (event log, audit report, record) under audit/<stack>/ in the backup bucket, under object lock."""
    stack = known_stack(stack)
    moment = _clock(now)
    backups = _backups(stack, stack_dir)
    try:
        inputs = load_inputs(stack, event_log, report, approvals)
        context = github_context(os.environ)
        folder = run_folder(stack, moment, context, command.value)
    except AuditTrailError as error:
        fail(str(error))
    lock = _lock(backups)
    if lock is None:
        stderr.print(f"note: backups.object_lock is off for stack {stack}: the run is written without retention",
                     markup=False)
    record = build_record(stack, command.value, moment, inputs, context, lock, backups.audit_retention_days)
    bucket = AuditBucket(s3_client(endpoint_url), backups.bucket_name)
    until = retain_until(moment, backups.audit_retention_days)
    try:
        with deadline(timeout), waiting(f"s3://{bucket.bucket}/{folder} to accept the run"):
            record_run(bucket, folder, inputs, record, lock, until, lambda line: stderr.print(line, markup=False))
    except AuditTrailError as error:
        fail(str(error))
    except BackupError as error:
        fail(str(error), EXIT_FLAGGED)
    if as_json:
        document = {"stack": stack, "bucket": bucket.bucket, "folder": folder, "url": f"s3://{bucket.bucket}/{folder}"}
        stdout.out(json.dumps(document, indent=2, sort_keys=True), highlight=False)
        return
    stdout.print(f"recorded s3://{bucket.bucket}/{folder}", markup=False)


def audit_trail(
    stack: StackName,
    since: Annotated[str | None, typer.Option(metavar="ISO|DURATION", help="Only runs at or after this ISO date/time, or Nd before --now.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON document (its shape: ops/audit_listing.py).")] = False,
    now: Now = None,
    endpoint_url: Endpoint = None,
    timeout: Annotated[float, timeout_option("the backup bucket")] = 300.0,
    stack_dir: StackDir = ROOT,
) -> None:
    """List the stack's recorded CI runs, newest first, and verify each (exit 1 when any is flagged)."""
    stack = known_stack(stack)
    moment = _clock(now)
    try:
        start = parse_since(since, moment) if since is not None else None
    except AuditTrailError as error:
        fail(str(error))
    backups = _backups(stack, stack_dir)
    lock = _lock(backups)
    bucket = AuditBucket(s3_client(endpoint_url), backups.bucket_name)
    try:
        with deadline(timeout), waiting(f"s3://{bucket.bucket}/audit/{stack}/ to be listed and read"):
            runs = list_runs(bucket, stack, start, lock is not None, backups.audit_retention_days)
    except BackupError as error:
        fail(str(error))
    if as_json:
        document = listing_json(stack, bucket.bucket, moment, start, lock, backups.audit_retention_days, runs)
        stdout.out(json.dumps(document, indent=2, sort_keys=True), highlight=False)
    elif not runs:
        stdout.print(f"no audit runs under s3://{bucket.bucket}/audit/{stack}/"
                     + (f" since {start.isoformat()}" if start else ""), markup=False)
    else:
        for line in listing_table(runs):
            stdout.out(line, highlight=False)
    flagged = [run for run in runs if not run.intact]
    if flagged:
        stderr.print(f"{len(flagged)} of {len(runs)} run(s) flagged", markup=False)
        raise typer.Exit(EXIT_FLAGGED)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command("audit-record")(audit_record)
    app.command("audit-trail")(audit_trail)
