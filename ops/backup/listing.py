"""`ops backups list`: what is under a prefix, as the runbook needs it (no `aws s3 ls`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ops.backup import manifest as names
from ops.backup.errors import BackupError
from ops.backup.manifest import Manifest
from ops.backup.progress import human_bytes
from ops.backup.store import BackupStore

VERIFIED = "verified"
INCOMPLETE = "incomplete"  # a dump without its manifest: a failed or interrupted run, never restored
INVALID = "invalid manifest"


@dataclass(frozen=True)
class Row:
    key: str
    taken_at: datetime
    size_bytes: int
    sha256: str | None
    status: str

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "stamp": names.stamp_of(self.taken_at), "taken_at": self.taken_at.isoformat(),
                "size_bytes": self.size_bytes, "size": human_bytes(self.size_bytes), "sha256": self.sha256,
                "status": self.status}


def list_backups(store: BackupStore) -> list[Row]:
    """Every dump under the prefix, oldest first: verified (with its manifest's SHA-256) or incomplete."""
    sizes = store.list_sizes()
    catalog = names.catalog(store.prefix, list(sizes))
    rows: list[Row] = []
    for backup in catalog.backups:
        try:
            manifest = Manifest.from_json(store.get_small(backup.manifest_key), backup.manifest_key)
            sha, status = manifest.sha256, VERIFIED
        except BackupError:
            sha, status = None, INVALID
        rows.append(Row(backup.dump_key, backup.taken_at, sizes.get(backup.dump_key, 0), sha, status))
    for key in catalog.unverified_dumps:
        stamp = key[len(store.prefix):].removesuffix(names.DUMP_SUFFIX)
        rows.append(Row(key, names.parse_stamp(stamp), sizes.get(key, 0), None, INCOMPLETE))
    return sorted(rows, key=lambda r: r.taken_at)


def table_lines(rows: list[Row]) -> list[str]:
    lines = [f"{'TAKEN (UTC)':<20} {'SIZE':>10}  {'SHA256':<12}  {'STATUS':<16} KEY"]
    for r in rows:
        lines.append(f"{r.taken_at:%Y-%m-%d %H:%M:%S} {human_bytes(r.size_bytes):>10}  {(r.sha256 or '-')[:12]:<12}  "
                     f"{r.status:<16} {r.key}")
    return lines
