"""The audit trail's listing (`ops.audit_trail` writes the runs).

`ops audit-trail` lists the runs, newest first, and verifies each: `missing: <object>` (no current
version), `tampered: <object>` (SHA-256 or size differs from the record, more than one version or
a delete marker, or a record that does not match its folder), `unlocked: <object>` (object lock
expected but no retention, or retention ending before the record's time plus the configured days),
`unexpected: <object>` (an object that is not part of a run).

`--json` prints (keys sorted):

    {"format_version": 1, "stack": str, "bucket": str, "prefix": "audit/<stack>/",
     "generated_at": ISO, "since": ISO | null,
     "lock": {"expected": bool, "mode": str | null, "retention_days": int},
     "intact": bool,                               # every listed run intact
     "runs": [{"folder": str, "time": ISO | null, "command": "preview" | "up" | null,
               "commit": str | null, "actor": str | null, "triggering_actor": str | null,
               "workflow": str | null, "event_name": str | null, "ref": str | null,
               "run_id": str | null, "run_attempt": str | null, "run_url": str | null,
               "approvals": [{"login", "state", "environments": [str], "comment"}],
               "changes": {"counts": {op: int} | null, "resources": [{"urn", "op"}]} | null,
               "policy": {"result": "pass" | "fail", "mandatory_failed": int,
                          "mandatory_failures": [{"name", "enforcement", "resources": [urn]}],
                          "summary": {...}} | null,
               "integrity": {"intact": bool, "flags": [str]}}]}

Fields read from the record are null when the record is missing or unreadable.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ops.audit_trail import (
    EVENTS,
    FOLDER,
    LISTING_VERSION,
    RECORD,
    RECORD_VERSION,
    REPORT,
    SHORT_SHA,
    STAMP,
    UNCHANGED_OPS,
    AuditBucket,
    AuditTrailError,
    Lock,
    audit_prefix,
    iso,
)

# ---------------------------------------------------------------- listing


@dataclass
class Run:
    folder: str
    time: datetime | None
    command: str | None
    record: dict[str, Any] | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.flags

    def flag(self, kind: str, name: str) -> None:
        text = f"{kind}: {name}"
        if text not in self.flags:
            self.flags.append(text)


def _folder_time(name: str) -> tuple[datetime | None, str | None]:
    match = FOLDER.match(name)
    if not match:
        return None, None
    return datetime.strptime(match["time"], STAMP).replace(tzinfo=timezone.utc), match["command"]


def _record_problem(record: Any, stack: str, run: Run) -> bool:
    """Whether the record does not describe the run its folder names."""
    if not isinstance(record, dict) or record.get("format_version") != RECORD_VERSION:
        return True
    listed = record.get("objects")
    if not isinstance(listed, dict) or not isinstance(listed.get(EVENTS), dict):
        return True
    # A report is listed exactly when the record carries a policy result.
    if isinstance(listed.get(REPORT), dict) != (record.get("policy") is not None) or set(listed) - {EVENTS, REPORT}:
        return True
    return (record.get("stack") != stack or record.get("command") != run.command
            or run.time is None or record.get("time") != iso(run.time))


def list_runs(bucket: AuditBucket, stack: str, since: datetime | None, lock_expected: bool,
              retention_days: int) -> list[Run]:
    """The stack's runs newest first, each verified (see the module docstring for the flags)."""
    prefix = audit_prefix(stack)
    by_folder: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for version in bucket.versions(prefix):
        folder, _, name = version["Key"][len(prefix):].partition("/")
        name = name or "(no object name)"
        by_folder[folder][name].append(version)
    runs = []
    for folder, objects in by_folder.items():
        time, command = _folder_time(folder)
        if since is not None and time is not None and time < since:
            continue
        run = Run(folder=prefix + folder + "/", time=time, command=command)
        if time is None:
            for name in sorted(objects):
                run.flag("unexpected", f"{folder}/{name}" if name else folder)
            runs.append(run)
            continue
        _verify(bucket, run, objects, stack, lock_expected, retention_days)
        runs.append(run)
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(runs, key=lambda r: (r.time or oldest, r.folder), reverse=True)


def _verify(bucket: AuditBucket, run: Run, objects: Mapping[str, list[dict[str, Any]]], stack: str,
            lock_expected: bool, retention_days: int) -> None:
    current: dict[str, dict[str, Any]] = {}
    for name, versions in objects.items():
        if name not in (EVENTS, REPORT, RECORD):
            run.flag("unexpected", name)
            continue
        latest = [v for v in versions if v.get("IsLatest")]
        if latest and not latest[0]["IsDeleteMarker"]:
            current[name] = latest[0]
        if len(versions) > 1 or any(v["IsDeleteMarker"] for v in versions):
            run.flag("tampered", name)  # overwritten or deleted since it was written
    if RECORD in current:
        try:
            record = json.loads(bucket.get(run.folder + RECORD))
        except (json.JSONDecodeError, UnicodeDecodeError):
            record = None
        if _record_problem(record, stack, run):
            run.flag("tampered", RECORD)
        else:
            run.record = record
    # What the run must hold: what its record lists, or (no readable record) all three.
    expected = (*run.record["objects"], RECORD) if run.record is not None else (EVENTS, REPORT, RECORD)
    for name in expected:
        if name not in current:
            run.flag("missing", name)
    if run.record is not None:
        for name in run.record["objects"]:
            if name in current:
                data = bucket.get(run.folder + name)
                expected = run.record["objects"][name]
                if hashlib.sha256(data).hexdigest() != expected.get("sha256") or len(data) != expected.get("size"):
                    run.flag("tampered", name)
    recorded_lock = bool(run.record and run.record.get("retention"))
    if lock_expected or recorded_lock:
        base = run.time
        assert base is not None
        needed = base + timedelta(days=retention_days)
        for name in (EVENTS, REPORT, RECORD):
            if name in current:
                held = bucket.retention(run.folder + name)
                if held is None or held[1] < needed:
                    run.flag("unlocked", name)
    run.flags.sort(key=lambda f: (("missing", "tampered", "unlocked", "unexpected").index(f.split(":")[0]), f))


# ---------------------------------------------------------------- rendering


def changes_text(changes: Mapping[str, Any] | None) -> str:
    if not changes or changes.get("counts") is None:
        return "unknown (no summaryEvent)" if changes else "-"
    counts = {op: n for op, n in changes["counts"].items() if op not in UNCHANGED_OPS and n}
    if not counts:
        return "none"
    text = " ".join(f"{sign}{counts.get(op, 0)}" for sign, op in
                    (("+", "create"), ("~", "update"), ("-", "delete"), ("±", "replace")))
    others = sorted(op for op in counts if op not in ("create", "update", "delete", "replace"))
    return text + "".join(f" {op} {counts[op]}" for op in others)


def policy_result(policy: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not policy:
        return None  # no report: the run stopped before the policy pack ran
    failed = int((policy.get("summary") or {}).get("mandatoryFailed", len(policy.get("mandatory_failures") or [])))
    return {"result": "fail" if failed else "pass", "mandatory_failed": failed,
            "mandatory_failures": policy.get("mandatory_failures") or [], "summary": policy.get("summary") or {}}


def policy_text(policy: Mapping[str, Any] | None) -> str:
    result = policy_result(policy)
    if result is None:
        return "no report"
    return "pass" if result["result"] == "pass" else f"FAIL ({result['mandatory_failed']} mandatory)"


def approvals_text(approvals: list[Mapping[str, Any]] | None) -> str:
    return ", ".join(f"{a['login']} ({a['state']})" for a in approvals) if approvals else "none"


def run_json(run: Run) -> dict[str, Any]:
    record = run.record or {}
    keys = ("commit", "actor", "triggering_actor", "workflow", "event_name", "ref", "run_id", "run_attempt", "run_url")
    return {
        "folder": run.folder,
        "time": iso(run.time) if run.time else None,
        "command": run.command,
        **{key: record.get(key) for key in keys},
        "approvals": record.get("approvals") or [],
        "changes": record.get("changes"),
        "policy": policy_result(record.get("policy")),
        "integrity": {"intact": run.intact, "flags": list(run.flags)},
    }


def listing_json(stack: str, bucket: str, now: datetime, since: datetime | None, lock: Lock | None,
                 retention_days: int, runs: list[Run]) -> dict[str, Any]:
    return {
        "format_version": LISTING_VERSION,
        "stack": stack,
        "bucket": bucket,
        "prefix": audit_prefix(stack),
        "generated_at": iso(now),
        "since": iso(since) if since else None,
        "lock": {"expected": lock is not None, "mode": lock.mode if lock else None, "retention_days": retention_days},
        "intact": all(r.intact for r in runs),
        "runs": [run_json(r) for r in runs],
    }


def listing_table(runs: list[Run]) -> list[str]:
    header = ("time", "command", "commit", "actor", "approvals", "changes", "policy", "integrity")
    rows = [header]
    for run in runs:
        record = run.record or {}
        rows.append((
            iso(run.time) if run.time else run.folder,
            run.command or "-",
            (record.get("commit") or "-")[:SHORT_SHA],
            record.get("actor") or "-",
            approvals_text(record.get("approvals")),
            changes_text(record.get("changes")) if run.record else "-",
            policy_text(record.get("policy")) if run.record else "-",
            "ok" if run.intact else "; ".join(run.flags),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)) + "  " + row[-1] for row in rows]


def parse_since(value: str, now: datetime) -> datetime:
    """`--since`: an ISO date (midnight UTC), an ISO date/time, or `Nd` before --now."""
    if match := re.fullmatch(r"(\d{1,5})d", value):
        return now - timedelta(days=int(match[1]))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise AuditTrailError(f"--since: '{value}' is not an ISO 8601 date, date/time or Nd (e.g. 2026-01-01, 30d)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

