"""Backup object names and the manifest stored beside each dump.

A dump counts as a verified backup only when its manifest exists: the manifest is written after
the upload completed and S3 confirmed size and ETag, so a crash at any point before leaves
either nothing or a dump without a manifest, which restores and retention never take for a backup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ops.backup.errors import BackupError

FORMAT_VERSION = 1
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
DUMP_SUFFIX = ".dump"
MANIFEST_SUFFIX = ".manifest.json"
_NAME = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)(?P<suffix>\.dump|\.manifest\.json)$")


class Manifest(BaseModel):
    """What a backup holds and how to check it; `tables` maps `schema.table` to its exact row count."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    format_version: int = Field(ge=1)
    dump_key: str
    created_at: datetime
    completed_at: datetime
    size_bytes: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    etag: str
    parts: int = Field(ge=1)
    dump_format: str = "custom"
    server_version: str
    pg_dump_version: str
    database: str
    schemas: list[str]
    tables: dict[str, int]
    dump_seconds: float = Field(ge=0)

    def to_json(self) -> bytes:
        return self.model_dump_json(indent=2).encode()

    @classmethod
    def from_json(cls, data: bytes, key: str) -> Manifest:
        try:
            manifest = cls.model_validate_json(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(document)"
            raise BackupError(f"manifest {key} is invalid at {where}: {first['msg']}") from None
        if manifest.format_version > FORMAT_VERSION:
            raise BackupError(
                f"manifest {key} has format version {manifest.format_version}; this tool reads up to "
                f"{FORMAT_VERSION}: upgrade maintainpro-platform"
            )
        return manifest


def normalize_prefix(prefix: str) -> str:
    """'' or a key prefix ending in '/': backups of one stack live under their own folder.

    `.`/`..` and empty segments are refused: S3 keeps them literally, so `../x` or `a//b` would be a
    different folder from the one the workflow and the IAM policy (`<stack>/*`) mean.
    """
    prefix = prefix.strip()
    if prefix.startswith("/"):
        raise BackupError(f"--prefix {prefix!r} must not start with '/'")
    if not prefix:
        return ""
    segments = prefix.removesuffix("/").split("/")
    if any(s in (".", "..") for s in segments):
        raise BackupError(f"--prefix {prefix!r} must not contain '.' or '..' segments")
    if "" in segments:
        raise BackupError(f"--prefix {prefix!r} must not contain an empty segment ('//')")
    return prefix if prefix.endswith("/") else prefix + "/"


def stamp_of(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(STAMP_FORMAT)


def parse_stamp(stamp: str) -> datetime:
    return datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Backup:
    """A verified backup: a dump and its manifest under the same timestamp."""

    stamp: str
    taken_at: datetime
    dump_key: str
    manifest_key: str


@dataclass(frozen=True)
class Catalog:
    """Every key under the prefix, sorted into what retention may touch and what it must not."""

    backups: list[Backup]  # verified, oldest first
    unverified_dumps: list[str]  # a dump with no manifest: failed or interrupted run
    orphan_manifests: list[str]  # a manifest whose dump is gone
    unparseable: list[str]  # anything else: never deleted

    @property
    def newest(self) -> Backup | None:
        return self.backups[-1] if self.backups else None

    def find(self, name: str) -> Backup:
        """A backup by timestamp (20260101T020000Z) or by either of its keys."""
        for backup in self.backups:
            if name in (backup.stamp, backup.dump_key, backup.manifest_key):
                return backup
        raise BackupError(f"no verified backup named {name!r} (use the timestamp, e.g. {self._example()})")

    def _example(self) -> str:
        return self.backups[-1].stamp if self.backups else "20260101T020000Z"


def dump_key(prefix: str, stamp: str) -> str:
    return f"{prefix}{stamp}{DUMP_SUFFIX}"


def manifest_key(prefix: str, stamp: str) -> str:
    return f"{prefix}{stamp}{MANIFEST_SUFFIX}"


def catalog(prefix: str, keys: list[str]) -> Catalog:
    """Sort keys; a name that does not parse, or whose timestamp is impossible, is left alone."""
    dumps: dict[str, str] = {}
    manifests: dict[str, str] = {}
    unparseable: list[str] = []
    for key in keys:
        rest = key[len(prefix):] if key.startswith(prefix) else None
        match = _NAME.match(rest) if rest is not None else None
        if match is None:
            unparseable.append(key)
            continue
        try:
            parse_stamp(match["stamp"])
        except ValueError:
            unparseable.append(key)
            continue
        (dumps if match["suffix"] == DUMP_SUFFIX else manifests)[match["stamp"]] = key
    backups = [
        Backup(stamp=s, taken_at=parse_stamp(s), dump_key=dumps[s], manifest_key=manifests[s])
        for s in sorted(dumps.keys() & manifests.keys())
    ]
    return Catalog(
        backups=backups,
        unverified_dumps=sorted(dumps[s] for s in dumps.keys() - manifests.keys()),
        orphan_manifests=sorted(manifests[s] for s in manifests.keys() - dumps.keys()),
        unparseable=sorted(unparseable),
    )
