"""The audit trail: every CI `pulumi preview`/`up` run, kept in the backup bucket under object lock.

`ops audit-record` writes one run under
`audit/<stack>/<UTC YYYYmmddTHHMMSSZ>-<run id>-<attempt>-<command>/`:

- `events.jsonl`: the engine event log (`--event-log`) byte for byte;
- `report.json`: the `ops audit --from-event-log ... --format json` report byte for byte (absent, and
  the record's `policy` null, when the run stopped before the policy pack ran: such a run is still
  recorded, since a failed `up` is what an auditor most needs to see);
- `record.json`, written last: who, what, when, approved by whom, did policy pass, and the SHA-256
  and size of the two others (`RECORD_VERSION`).

Each object carries object-lock retention (`backups.object_lock_mode`, until the run's time plus
`backups.audit_retention_days`) when the stack has `backups.object_lock: true`.

`ops audit-trail` lists and verifies the runs: `ops.audit_listing`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ops.audit_report import BLOCKING
from ops.backup.store import describe_aws_error
from ops.event_log import EventLogError, parse_events, recorded_stacks

RECORD_VERSION = 1
LISTING_VERSION = 1
EVENTS, REPORT, RECORD = "events.jsonl", "report.json", "record.json"
COMMANDS = ("preview", "up")
STAMP = "%Y%m%dT%H%M%SZ"
FOLDER = re.compile(r"^(?P<time>\d{8}T\d{6}Z)-(?P<run>[A-Za-z0-9]+)-(?P<attempt>\d+)-(?P<command>preview|up)$")
# resourcePreEvent ops that change nothing.
UNCHANGED_OPS = frozenset({"same", "read", "refresh"})
PAGE_SIZE = 1000  # S3's maximum per listing page; every listing follows the continuation markers
SHORT_SHA = 7


class AuditTrailError(Exception):
    """Bad input: one message naming the file or option."""


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class RunInputs:
    events_bytes: bytes
    report_bytes: bytes | None  # None: the run stopped before the pack ran, so there is no report
    events: list[dict[str, Any]]
    report: dict[str, Any] | None
    approvals: list[dict[str, Any]]


def _read(option: str, path: Any) -> bytes:
    try:
        return bytes(path.read_bytes())
    except FileNotFoundError:
        raise AuditTrailError(f"{option} {path}: no such file") from None
    except IsADirectoryError:
        raise AuditTrailError(f"{option} {path}: is a directory") from None
    except OSError as error:
        raise AuditTrailError(f"{option} {path}: cannot read ({error.strerror or error})") from None


def _text(option: str, path: Any, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise AuditTrailError(f"{option} {path}: not UTF-8 text (byte {error.start})") from None


def _json(option: str, path: Any, data: bytes) -> Any:
    try:
        return json.loads(_text(option, path, data))
    except json.JSONDecodeError as error:
        raise AuditTrailError(f"{option} {path}: not JSON ({error.msg}, line {error.lineno})") from None


def parse_event_log(stack: str, path: Any, data: bytes) -> list[dict[str, Any]]:
    """The events of `--event-log` (ops/event_log.py's rules), which must be this stack's run."""
    try:
        events = parse_events(_text("--event-log", path, data), str(path))
    except EventLogError as error:
        raise AuditTrailError(f"--event-log {error.source}: {error.problem}") from None
    stacks = recorded_stacks(events)
    if stacks != {stack}:
        found = ", ".join(sorted(stacks)) or "no stack (no resource URN)"
        raise AuditTrailError(f"--event-log {path}: records stack {found}, not {stack}")
    return events


def parse_report(stack: str, path: Any, data: bytes) -> dict[str, Any]:
    """An `ops audit --format json` report (docs/audit-report.schema.json) of this stack."""
    report = _json("--report", path, data)
    if not isinstance(report, dict) or not {"schemaVersion", "summary", "policies", "stack"} <= set(report):
        raise AuditTrailError(f"--report {path}: not an `ops audit --format json` report "
                              "(needs schemaVersion, stack, summary, policies)")
    summary, policies = report["summary"], report["policies"]
    if not isinstance(summary, dict) or not isinstance(summary.get("mandatoryFailed"), int) or not isinstance(policies, list) \
            or not all(isinstance(p, dict) and isinstance(p.get("name"), str) for p in policies):
        raise AuditTrailError(f"--report {path}: its summary.mandatoryFailed or policies[].name is missing")
    if report["stack"] != stack:
        raise AuditTrailError(f"--report {path}: is the report of stack {report['stack']}, not {stack}")
    return report


def parse_approvals(path: Any, data: bytes) -> list[dict[str, Any]]:
    """GitHub's `GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`: login, state, environments, comment."""
    answer = _json("--approvals", path, data)
    if not isinstance(answer, list):
        raise AuditTrailError(f"--approvals {path}: not the JSON array GitHub answers for a run's approvals")
    approvals = []
    for i, item in enumerate(answer):
        user = item.get("user") if isinstance(item, dict) else None
        login = user.get("login") if isinstance(user, dict) else None
        environments = item.get("environments") if isinstance(item, dict) else None
        if not isinstance(login, str) or item.get("state") not in ("approved", "rejected") or not isinstance(environments, list) \
                or not all(isinstance(e, dict) and isinstance(e.get("name"), str) for e in environments):
            raise AuditTrailError(f"--approvals {path}: item {i} lacks user.login, state (approved|rejected) "
                                  "or environments[].name")
        comment = item.get("comment")
        approvals.append({"login": login, "state": item["state"], "environments": [e["name"] for e in environments],
                          "comment": comment if isinstance(comment, str) else None})
    return approvals


def load_inputs(stack: str, event_log: Any, report: Any | None, approvals: Any | None) -> RunInputs:
    """Read and check every file before anything is written."""
    events_bytes = _read("--event-log", event_log)
    events = parse_event_log(stack, event_log, events_bytes)
    report_bytes = _read("--report", report) if report is not None else None
    parsed = parse_report(stack, report, report_bytes) if report_bytes is not None else None
    answered = parse_approvals(approvals, _read("--approvals", approvals)) if approvals is not None else []
    return RunInputs(events_bytes, report_bytes, events, parsed, answered)


# ---------------------------------------------------------------- the record


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def changes_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-op counts from the summaryEvent (null without one) and each changing resource, sorted."""
    counts = None
    resources = set()
    for event in sorted(events, key=lambda e: e.get("sequence", 0)):
        if isinstance(summary := event.get("summaryEvent"), dict):
            raw = summary.get("resourceChanges") or {}
            counts = {str(op): int(n) for op, n in raw.items() if isinstance(n, int)}
        if isinstance(pre := event.get("resourcePreEvent"), dict):
            meta = pre.get("metadata") or {}
            op, urn = meta.get("op"), meta.get("urn")
            if isinstance(op, str) and isinstance(urn, str) and op not in UNCHANGED_OPS:
                resources.add((urn, op))
    return {"counts": counts, "resources": [{"urn": urn, "op": op} for urn, op in sorted(resources)]}


def policy_of(report: dict[str, Any]) -> dict[str, Any]:
    """The report's summary and its failing mandatory (blocking) policies."""
    failing = []
    for policy in report["policies"]:
        if policy.get("status") == "fail" and policy.get("enforcement") in BLOCKING:
            urns = sorted({f.get("urn") or "" for f in policy.get("findings") or []
                           if isinstance(f, dict) and f.get("outcome") == "fail"})
            failing.append({"name": policy["name"], "enforcement": policy["enforcement"], "resources": urns})
    return {"summary": report["summary"], "mandatory_failures": sorted(failing, key=lambda p: p["name"])}


def github_context(env: Mapping[str, str]) -> dict[str, Any]:
    """The run's identity from the GitHub Actions default environment variables (null outside Actions)."""
    def get(name: str) -> str | None:
        return env.get(name) or None

    run_id, server, repository = get("GITHUB_RUN_ID"), get("GITHUB_SERVER_URL"), get("GITHUB_REPOSITORY")
    return {
        "commit": get("GITHUB_SHA"),
        "actor": get("GITHUB_ACTOR"),
        "triggering_actor": get("GITHUB_TRIGGERING_ACTOR"),
        "workflow": get("GITHUB_WORKFLOW"),
        "event_name": get("GITHUB_EVENT_NAME"),
        "ref": get("GITHUB_REF"),
        "run_id": run_id,
        "run_attempt": get("GITHUB_RUN_ATTEMPT"),
        "run_url": f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}" if run_id and server and repository else None,
    }


def run_folder(stack: str, moment: datetime, context: Mapping[str, Any], command: str) -> str:
    run_id = context.get("run_id") or "local"
    attempt = context.get("run_attempt") or "1"
    if not re.fullmatch(r"[A-Za-z0-9]+", run_id):
        raise AuditTrailError(f"GITHUB_RUN_ID '{run_id}' is not a run id")
    if not attempt.isdigit():
        raise AuditTrailError(f"GITHUB_RUN_ATTEMPT '{attempt}' is not a number")
    return f"{audit_prefix(stack)}{moment.astimezone(timezone.utc):{STAMP}}-{run_id}-{attempt}-{command}/"


def audit_prefix(stack: str) -> str:
    # components/backups.py's audit_prefix, which the lifecycle rule covers (not imported: it pulls in pulumi).
    return f"audit/{stack}/"


@dataclass(frozen=True)
class Lock:
    mode: str  # GOVERNANCE | COMPLIANCE
    days: int


def retain_until(moment: datetime, retention_days: int) -> datetime:
    """Until when a run written at `moment` is locked (and kept)."""
    return moment + timedelta(days=retention_days)


def build_record(stack: str, command: str, moment: datetime, inputs: RunInputs, context: Mapping[str, Any],
                 lock: Lock | None, retention_days: int) -> dict[str, Any]:
    until = retain_until(moment, retention_days)
    return {
        "format_version": RECORD_VERSION,
        "stack": stack,
        "command": command,
        "time": iso(moment),
        **context,
        "approvals": inputs.approvals,
        "changes": changes_of(inputs.events),
        "policy": policy_of(inputs.report) if inputs.report is not None else None,
        "objects": {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, data in objects(inputs)},
        "retention": {"mode": lock.mode, "days": retention_days, "retain_until": iso(until)} if lock else None,
    }


# ---------------------------------------------------------------- S3


class AuditBucket:
    """The backup bucket's `audit/` side (the client from ops.backup.store.s3_client)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def _call(self, action: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return fn(Bucket=self.bucket, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, action) from None

    def holds_any(self, prefix: str) -> bool:
        answer = self._call(f"list s3://{self.bucket}/{prefix}", self.client.list_objects_v2, Prefix=prefix, MaxKeys=1)
        return bool(answer.get("Contents"))

    def put(self, key: str, body: bytes, content_type: str, lock: Lock | None, until: datetime) -> None:
        """One PUT; with a lock, the retention travels with it (S3 then requires Content-MD5)."""
        extra: dict[str, Any] = {"ContentMD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
        if lock is not None:
            extra.update(ObjectLockMode=lock.mode, ObjectLockRetainUntilDate=until)
        self._call(f"put {key}", self.client.put_object, Key=key, Body=body, ContentType=content_type, **extra)

    def versions(self, prefix: str) -> Iterator[dict[str, Any]]:
        """Every version and delete marker under `prefix`, all pages (`IsDeleteMarker` tells them apart)."""
        try:
            paginator = self.client.get_paginator("list_object_versions")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": PAGE_SIZE}):
                for version in page.get("Versions", []):
                    yield {**version, "IsDeleteMarker": False}
                for marker in page.get("DeleteMarkers", []):
                    yield {**marker, "IsDeleteMarker": True}
        except (ClientError, BotoCoreError) as exc:
            raise describe_aws_error(exc, f"list versions of s3://{self.bucket}/{prefix}") from None

    def get(self, key: str) -> bytes:
        answer = self._call(f"get {key}", self.client.get_object, Key=key)
        return bytes(answer["Body"].read())

    def retention(self, key: str) -> tuple[str, datetime] | None:
        """The current version's (mode, retain-until), or None when it has none.

        Read from HeadObject's `x-amz-object-lock-*` headers, which S3 returns to a caller allowed
        s3:GetObjectRetention (the same answer as GetObjectRetention, which moto does not implement).
        """
        head = self._call(f"head {key}", self.client.head_object, Key=key)
        mode, until = head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")
        if not mode or not isinstance(until, datetime):
            return None
        return str(mode), until if until.tzinfo else until.replace(tzinfo=timezone.utc)


def objects(inputs: RunInputs) -> list[tuple[str, bytes]]:
    """The run's objects besides its record, in writing order."""
    return [(EVENTS, inputs.events_bytes)] + ([(REPORT, inputs.report_bytes)] if inputs.report_bytes is not None else [])


def record_run(bucket: AuditBucket, folder: str, inputs: RunInputs, record: dict[str, Any], lock: Lock | None,
               until: datetime, progress: Callable[[str], None]) -> None:
    """events.jsonl, report.json, then record.json: a run without its record reads as incomplete."""
    if bucket.holds_any(folder):
        raise AuditTrailError(f"s3://{bucket.bucket}/{folder} already holds a run; nothing written")
    body = json.dumps(record, indent=2, sort_keys=True).encode() + b"\n"
    for name, data in [*objects(inputs), (RECORD, body)]:
        content_type = "application/x-ndjson" if name == EVENTS else "application/json"
        bucket.put(folder + name, data, content_type, lock, until)
        progress(f"wrote s3://{bucket.bucket}/{folder}{name} ({len(data)} bytes"
                 + (f", {lock.mode} until {iso(until)})" if lock else ", no retention)"))
