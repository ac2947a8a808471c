"""`ops audit-record` / `ops audit-trail` against moto S3 (server on 127.0.0.1, buckets with object lock).

What is written is the repository's recorded engine event log (tests/fixtures/events, the documented
engine format) and the `ops audit --from-event-log ... --format json` report of it; every expected
value below is worked out here from those two files, not taken from the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import ops.audit_trail
from components.backups import audit_prefix as component_audit_prefix
from ops.backup.store import s3_client
from ops.cli import load
from tests.stacks import ROOT, mutate, stack_document, write_stack

app = load("audit", "audit-record")

EVENT_LOG = ROOT / "tests/fixtures/events/production-weak-preview.jsonl"
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone.utc)
SHA = "0123456789abcdef0123456789abcdef01234567"
BACKUPS = "maintainpro-platform:backups"
GITHUB = {
    "GITHUB_SHA": SHA, "GITHUB_ACTOR": "deploy-bot", "GITHUB_TRIGGERING_ACTOR": "alice", "GITHUB_WORKFLOW": "deploy",
    "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_RUN_ID": "9001", "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "maintainpro/maintainpro-platform",
}
# GitHub's answer for GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals (abridged to what it documents).
APPROVALS = [
    {"environments": [{"id": 1, "name": "platform-production"}], "state": "approved", "comment": "ship it",
     "user": {"login": "bob", "id": 2}},
    {"environments": [{"id": 1, "name": "platform-production"}], "state": "rejected", "comment": "",
     "user": {"login": "carol", "id": 3}},
]


def cli(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(app, args, env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.json"
    result = cli(["audit", "--stack", "production", "--from-event-log", str(EVENT_LOG), "--format", "json",
                  "--output", str(path)], {})
    assert result.exit_code == 1, result.output  # the weak fixture fails mandatory policies
    return path


@pytest.fixture
def approvals_file(tmp_path: Path) -> Path:
    path = tmp_path / "approvals.json"
    path.write_text(json.dumps(APPROVALS))
    return path


class Site:
    """A stack dir whose production stack names a fresh moto bucket."""

    def __init__(self, root: Path, endpoint: str, *, lock: bool, versioned: bool = True, **backups: Any) -> None:
        self.dir = root / uuid.uuid4().hex[:8]
        self.dir.mkdir()
        self.bucket = f"audit-{uuid.uuid4().hex[:12]}"
        self.client = s3_client(endpoint)
        if lock:
            self.client.create_bucket(Bucket=self.bucket, ObjectLockEnabledForBucket=True)
        else:
            self.client.create_bucket(Bucket=self.bucket)
            if versioned:
                self.client.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        self.configure(lock=lock, **backups)
        self.env = {**GITHUB, "BACKUP_S3_ENDPOINT_URL": endpoint}

    def configure(self, **backups: Any) -> None:
        document = mutate(stack_document("production"), BACKUPS, "bucket_name", self.bucket)
        mutate(document, BACKUPS, "object_lock", backups.pop("lock"))
        for key, value in backups.items():
            mutate(document, BACKUPS, key, value)
        write_stack(self.dir, "production", document)

    def record(self, report: Path, *extra: str, now: datetime | None = NOW, env: dict[str, str] | None = None) -> Any:
        args = ["audit-record", "--stack", "production", "--command", "preview", "--event-log", str(EVENT_LOG),
                "--report", str(report), "--stack-dir", str(self.dir), *extra]
        return cli(args + (["--now", now.isoformat()] if now else []), {**self.env, **(env or {})})

    def trail(self, *extra: str) -> Any:
        return cli(["audit-trail", "--stack", "production", "--stack-dir", str(self.dir), "--now",
                    (NOW + timedelta(days=1)).isoformat(), *extra], self.env)

    def listing(self, *extra: str) -> tuple[int, dict[str, Any]]:
        result = self.trail("--json", *extra)
        return result.exit_code, json.loads(result.stdout)

    def keys(self) -> list[str]:
        answer = self.client.list_object_versions(Bucket=self.bucket)
        return sorted(v["Key"] for v in answer.get("Versions", []) + answer.get("DeleteMarkers", []))


@pytest.fixture
def locked(tmp_path: Path, s3_endpoint: str) -> Site:
    return Site(tmp_path, s3_endpoint, lock=True)


FOLDER = f"audit/production/{NOW:%Y%m%dT%H%M%SZ}-9001-2-preview/"


def expected_from_fixture(report: Path) -> dict[str, Any]:
    events = [json.loads(line) for line in EVENT_LOG.read_text().splitlines() if line.strip()]
    (summary,) = [e["summaryEvent"] for e in events if "summaryEvent" in e]
    changed = sorted({(e["resourcePreEvent"]["metadata"]["urn"], e["resourcePreEvent"]["metadata"]["op"])
                      for e in events if "resourcePreEvent" in e
                      and e["resourcePreEvent"]["metadata"]["op"] not in ("same", "read", "refresh")})
    document = json.loads(report.read_text())
    mandatory = sorted(p["name"] for p in document["policies"] if p["status"] == "fail" and p["enforcement"] == "mandatory")
    return {"counts": summary["resourceChanges"], "changed": changed, "mandatory": mandatory}


def test_a_recorded_preview_lists_who_what_when_approvals_and_policy(
    locked: Site, report_file: Path, approvals_file: Path
) -> None:
    result = locked.record(report_file, "--approvals", str(approvals_file))
    assert result.exit_code == 0, result.output
    # One progress line per object on stderr, record last.
    progress = [line for line in result.stderr.splitlines() if line.startswith("wrote ")]
    assert [line.split()[1].rsplit("/", 1)[1] for line in progress] == ["events.jsonl", "report.json", "record.json"]
    assert locked.keys() == [FOLDER + name for name in ("events.jsonl", "record.json", "report.json")]
    # The two inputs are stored byte for byte.
    for name, source in (("events.jsonl", EVENT_LOG), ("report.json", report_file)):
        assert locked.client.get_object(Bucket=locked.bucket, Key=FOLDER + name)["Body"].read() == source.read_bytes()

    expected = expected_from_fixture(report_file)
    # the weak fixture program: 27 resources (4 of them Checkly, 1 the delivery workflow, 1 a feature flag, see tests/fixtures/audit/program.py)
    assert expected["counts"] == {"create": 27} and len(expected["changed"]) == 27 and expected["mandatory"]
    code, listing = locked.listing()
    assert code == 0
    (run,) = listing["runs"]
    assert run["folder"] == FOLDER and run["time"] == "2026-11-26T12:00:00Z" and run["command"] == "preview"
    assert (run["commit"], run["actor"], run["triggering_actor"]) == (SHA, "deploy-bot", "alice")
    assert run["run_url"] == "https://github.com/maintainpro/maintainpro-platform/actions/runs/9001"
    assert [(a["login"], a["state"], a["environments"], a["comment"]) for a in run["approvals"]] == [
        ("bob", "approved", ["platform-production"], "ship it"), ("carol", "rejected", ["platform-production"], "")]
    assert run["changes"]["counts"] == expected["counts"]
    assert [(r["urn"], r["op"]) for r in run["changes"]["resources"]] == expected["changed"]
    assert run["policy"]["result"] == "fail"
    assert run["policy"]["mandatory_failed"] == len(expected["mandatory"])
    assert [p["name"] for p in run["policy"]["mandatory_failures"]] == expected["mandatory"]
    assert run["integrity"] == {"intact": True, "flags": []}
    assert listing["intact"] is True and listing["lock"] == {"expected": True, "mode": "GOVERNANCE", "retention_days": 365}
    # The record's hashes are those of the files given.
    record = json.loads(locked.client.get_object(Bucket=locked.bucket, Key=FOLDER + "record.json")["Body"].read())
    assert record["objects"]["events.jsonl"] == {"sha256": hashlib.sha256(EVENT_LOG.read_bytes()).hexdigest(),
                                                 "size": EVENT_LOG.stat().st_size}
    # The table says the same in one line.
    table = locked.trail()
    assert table.exit_code == 0
    header, row = table.stdout.splitlines()
    for cell in ("2026-11-26T12:00:00Z", "preview", SHA[:7], "deploy-bot", "bob (approved), carol (rejected)",
                 "+27 ~0 -0 ±0", f"FAIL ({len(expected['mandatory'])} mandatory)", "ok"):
        assert cell in row, (cell, row)
    assert json.dumps(listing, indent=2, sort_keys=True) == locked.trail("--json").stdout.rstrip("\n")


def test_every_object_written_carries_the_configured_retention(locked: Site, report_file: Path) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = locked.record(report_file, now=None)
    assert result.exit_code == 0, result.output
    keys = locked.keys()
    assert len(keys) == 3
    for key in keys:
        # moto 5.2.5 answers GetObjectRetention with a 500 (not implemented); HeadObject carries the
        # same retention (x-amz-object-lock-mode / -retain-until-date), as S3 does for that permission.
        head = locked.client.head_object(Bucket=locked.bucket, Key=key)
        assert head["ObjectLockMode"] == "GOVERNANCE"
        assert head["ObjectLockRetainUntilDate"] >= before + timedelta(days=365)


def test_a_longer_configured_retention_than_what_was_written_is_flagged_unlocked(locked: Site, report_file: Path) -> None:
    assert locked.record(report_file).exit_code == 0
    locked.configure(lock=True, audit_retention_days=400)
    code, listing = locked.listing()
    assert code == 1
    assert listing["runs"][0]["integrity"]["flags"] == ["unlocked: events.jsonl", "unlocked: record.json", "unlocked: report.json"]


def test_a_report_overwritten_with_other_content_is_flagged_tampered(locked: Site, report_file: Path) -> None:
    assert locked.record(report_file).exit_code == 0
    forged = json.loads(report_file.read_text())
    forged["summary"]["mandatoryFailed"] = 0
    body = json.dumps(forged).encode()
    locked.client.put_object(Bucket=locked.bucket, Key=FOLDER + "report.json", Body=body,
                             ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode(),
                             ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=NOW + timedelta(days=400))
    code, listing = locked.listing()
    assert code == 1 and listing["intact"] is False
    assert listing["runs"][0]["integrity"]["flags"] == ["tampered: report.json"]
    result = locked.trail()
    assert result.exit_code == 1 and "tampered: report.json" in result.stdout


def test_a_deleted_report_is_flagged_missing(tmp_path: Path, s3_endpoint: str, report_file: Path) -> None:
    site = Site(tmp_path, s3_endpoint, lock=False, versioned=False)
    result = site.record(report_file)
    assert result.exit_code == 0
    assert "written without retention" in result.stderr
    site.client.delete_object(Bucket=site.bucket, Key=FOLDER + "report.json")
    code, listing = site.listing()
    assert code == 1 and listing["runs"][0]["integrity"]["flags"] == ["missing: report.json"]
    assert listing["lock"]["expected"] is False


def test_a_delete_marker_on_a_locked_report_is_flagged_missing_and_tampered(locked: Site, report_file: Path) -> None:
    assert locked.record(report_file).exit_code == 0
    locked.client.delete_object(Bucket=locked.bucket, Key=FOLDER + "report.json")  # a delete marker: lock allows it
    code, listing = locked.listing()
    assert code == 1
    assert listing["runs"][0]["integrity"]["flags"] == ["missing: report.json", "tampered: report.json"]


def test_a_run_that_stopped_before_the_pack_ran_is_recorded_without_a_report(locked: Site) -> None:
    """A failed `up` leaves an event log but no policy report: still recorded, and listed as intact."""
    args = ["audit-record", "--stack", "production", "--command", "up", "--event-log", str(EVENT_LOG),
            "--stack-dir", str(locked.dir), "--now", NOW.isoformat()]
    assert cli(args, locked.env).exit_code == 0
    folder = FOLDER.replace("-preview/", "-up/")
    assert locked.keys() == [folder + "events.jsonl", folder + "record.json"]
    record = json.loads(locked.client.get_object(Bucket=locked.bucket, Key=folder + "record.json")["Body"].read())
    assert record["policy"] is None and set(record["objects"]) == {"events.jsonl"}
    result = locked.trail()
    assert result.exit_code == 0, result.output
    assert "no report" in result.stdout and " ok" in result.stdout


def test_a_run_without_its_record_is_flagged(tmp_path: Path, s3_endpoint: str, report_file: Path) -> None:
    site = Site(tmp_path, s3_endpoint, lock=False, versioned=False)
    assert site.record(report_file).exit_code == 0
    site.client.delete_object(Bucket=site.bucket, Key=FOLDER + "record.json")
    code, listing = site.listing()
    assert code == 1
    (run,) = listing["runs"]
    assert run["integrity"]["flags"] == ["missing: record.json"]
    assert run["commit"] is None and run["time"] == "2026-11-26T12:00:00Z"


def test_since_filters_and_runs_are_newest_first_across_listing_pages(
    locked: Site, report_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    times = [NOW - timedelta(days=10), NOW - timedelta(days=3), NOW]
    for i, moment in enumerate(times):
        assert locked.record(report_file, now=moment, env={"GITHUB_RUN_ID": str(100 + i)}).exit_code == 0
    monkeypatch.setattr(ops.audit_trail, "PAGE_SIZE", 2)  # 9 objects: five pages
    code, listing = locked.listing()
    assert code == 0
    assert [r["time"] for r in listing["runs"]] == ["2026-11-26T12:00:00Z", "2026-11-23T12:00:00Z", "2026-11-16T12:00:00Z"]
    code, listing = locked.listing("--since", "2026-11-20")
    assert [r["run_id"] for r in listing["runs"]] == ["102", "101"]
    assert listing["since"] == "2026-11-20T00:00:00Z"
    code, listing = locked.listing("--since", "1d")  # --now is NOW + 1 day
    assert [r["run_id"] for r in listing["runs"]] == ["102"]


def test_the_audit_prefix_is_the_one_the_lifecycle_rule_keeps() -> None:
    assert ops.audit_trail.audit_prefix("production") == component_audit_prefix("production") == "audit/production/"


@pytest.mark.parametrize(("case", "message"), [
    ("unknown-stack", "--stack: unknown stack 'prod', known: staging, production"),
    ("missing-log", "--event-log {missing}: no such file"),
    ("not-a-log", "--event-log {report}: line 1 is not a JSON engine event"),
    ("staging-log", "--event-log {staging}: records stack staging, not production"),
    ("bad-report", "--report {log}: not JSON"),
    ("bad-approvals", "--approvals {approvals}: item 0 lacks user.login"),
    ("bad-since", "--since: 'last week' is not an ISO 8601 date"),
])
def test_bad_input_is_one_message_exit_2_and_nothing_written(
    locked: Site, report_file: Path, tmp_path: Path, case: str, message: str
) -> None:
    staging = tmp_path / "staging.jsonl"
    staging.write_text(EVENT_LOG.read_text().replace("urn:pulumi:production::", "urn:pulumi:staging::"))
    approvals = tmp_path / "bad-approvals.json"
    approvals.write_text(json.dumps([{"state": "approved"}]))
    missing = tmp_path / "nope.jsonl"
    base = ["--stack", "production", "--command", "up", "--stack-dir", str(locked.dir), "--report", str(report_file)]
    args = {
        "unknown-stack": ["audit-record", *base[:0], "--stack", "prod", "--command", "up", "--event-log", str(EVENT_LOG),
                          "--report", str(report_file)],
        "missing-log": ["audit-record", *base, "--event-log", str(missing)],
        "not-a-log": ["audit-record", *base, "--event-log", str(report_file)],
        "staging-log": ["audit-record", *base, "--event-log", str(staging)],
        "bad-report": ["audit-record", *base[:-2], "--event-log", str(EVENT_LOG), "--report", str(EVENT_LOG)],
        "bad-approvals": ["audit-record", *base, "--event-log", str(EVENT_LOG), "--approvals", str(approvals)],
        "bad-since": ["audit-trail", "--stack", "production", "--stack-dir", str(locked.dir), "--since", "last week"],
    }[case]
    result = cli(args, locked.env)
    assert result.exit_code == 2, result.output
    expected = message.format(missing=missing, report=report_file, staging=staging, log=EVENT_LOG, approvals=approvals)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: " + expected), lines
    assert "Traceback" not in result.output
    assert locked.keys() == []


def test_audit_record_json_says_where_the_run_was_written(locked: Site, report_file: Path) -> None:
    result = locked.record(report_file, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document == {"stack": "production", "bucket": locked.bucket, "folder": FOLDER,
                        "url": f"s3://{locked.bucket}/{FOLDER}"}
