"""Options the backup commands share: `--timeout`, `--stack` (bucket and prefix from the stack file).

`Endpoint` moved to `ops.console` (every command that talks to the bucket takes it); it is
re-exported here so old imports still work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from ops.backup.errors import BackupError
from ops.backup.manifest import normalize_prefix
from ops.backup.progress import DEFAULT_TIMEOUT, parse_duration
from ops.console import Endpoint, _endpoint

__all__ = ["Endpoint", "Stack", "StackTarget", "Timeout", "_endpoint", "parse_timeout", "stack_target"]

BACKUPS_KEY = "maintainpro-platform:backups"
ENVIRONMENT_KEY = "maintainpro-platform:environment"


def parse_timeout(value: str | float) -> float:
    if isinstance(value, (int, float)):  # the default
        return float(value)
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


Timeout = Annotated[
    float,
    typer.Option(
        "--timeout", envvar="BACKUP_TIMEOUT", parser=parse_timeout, metavar="DURATION", show_default=False,
        help=f"give up after this long, naming what it was waiting for (e.g. 90s, 60m, 2h; a bare number is "
             f"seconds, as for every --timeout; default {DEFAULT_TIMEOUT}); each S3 call also has its own "
             "connect/read timeouts and retries",
    ),
]
Stack = Annotated[
    str | None,
    typer.Option("--stack", envvar="BACKUP_STACK", metavar="NAME", show_default=False,
                 help="read the bucket (backups.bucket_name) from Pulumi.NAME.yaml and use the stack's prefix "
                      "NAME/ (--bucket and --prefix override them)"),
]


@dataclass(frozen=True)
class StackTarget:
    bucket: str | None
    prefix: str


def stack_target(stack: str, root: Path | None = None) -> StackTarget:
    """The stack's backup bucket and key prefix (`<environment>/`, the prefix its backup role may write)."""
    from components.config import ConfigError
    from ops.console import fail
    from ops.stackfile import ROOT, read_stack_file

    try:
        stack_file = read_stack_file(stack, root or ROOT)
    except ConfigError as error:
        problems = "; ".join(f"{path}: {message}" for path, message in error.problems)
        fail(f"--stack: {error.source}: {problems}")
    environment = str(stack_file.raw.get(ENVIRONMENT_KEY) or stack)
    backups: Any = stack_file.raw.get(BACKUPS_KEY)
    bucket = backups.get("bucket_name") if isinstance(backups, dict) else None
    return StackTarget(bucket=str(bucket) if bucket else None, prefix=normalize_prefix(environment))


def resolve(bucket: str | None, prefix: str | None, stack: str | None, *, require_prefix: bool) -> tuple[str, str]:
    """The bucket and prefix to use: explicit options first, then the stack's; bad input exits 2."""
    from_stack = stack_target(stack) if stack else None
    chosen_bucket = bucket if bucket is not None else (from_stack.bucket if from_stack else None)
    if chosen_bucket is None or not chosen_bucket.strip():
        hint = "" if stack else " (or --stack NAME to read it from the stack file)"
        raise typer.BadParameter(f"a bucket is required{hint}" if chosen_bucket is None else "must not be empty",
                                 param_hint="--bucket")
    if prefix is not None:
        try:
            chosen_prefix = normalize_prefix(prefix)
        except BackupError as exc:
            raise typer.BadParameter(str(exc)) from None
    else:
        chosen_prefix = from_stack.prefix if from_stack else ""
    if require_prefix and not chosen_prefix:
        raise typer.BadParameter(
            "a key prefix is required: pass --stack NAME (prefix NAME/) or --prefix STACK/; "
            "backups are never written to the bucket root", param_hint="--prefix")
    return chosen_bucket.strip(), chosen_prefix
