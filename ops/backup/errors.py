"""The one error type the backup commands raise for a failed step."""

from __future__ import annotations


class BackupError(Exception):
    """A step failed for a reason the operator can act on; the CLI prints it and exits non-zero.

    Messages never contain a database password (see `ops.backup.dsn.Dsn.redact`).
    """
