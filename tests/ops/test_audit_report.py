"""The offline audit over a real mock-engine run, its report formats, and the event-log reader."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import pytest

from ops.audit_formats import markdown, sarif
from ops.audit_report import AuditReport
from ops.engine import UNKNOWN, Preview, Registered
from ops.event_log import EventLogError, audit_event_log
from ops.pack_config import default_path, load_pack_config
from ops.policy_run import audit_preview
from policies import resources as R
from policies.catalog import ENTRIES
from policies.registry import FAMILIES
from tests.ops.audit_support import ROOT, fixture_preview

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)

EVENT_LOG = ROOT / "tests/fixtures/events/production-weak-preview.jsonl"
SARIF_SCHEMA = json.loads((ROOT / "tests/fixtures/sarif/sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads((ROOT / "docs/audit-report.schema.json").read_text())
FAKE_SECRETS = ("fake-literal-password", "fake-literal-hook-secret", "fake-literal-secret-key", "offline-preview-database-password")


def audit(variant: str, stack: str = "production") -> AuditReport:
    return audit_preview(fixture_preview(variant), load_pack_config(default_path(stack)))


def failures(report: AuditReport) -> set[tuple[str, str | None, str | None]]:
    return {(r.entry.name, f.urn, f.message) for r in report.results for f in r.findings if f.outcome == "fail"}


def test_compliant_program_passes_every_policy_on_some_resource() -> None:
    report = audit("compliant")
    assert {r.status for r in report.results} == {"pass"}
    assert all(any(f.outcome == "pass" for f in r.findings) for r in report.results)
    assert not report.mandatory_failures


def test_weakened_program_fails_every_policy_as_mandatory_in_production() -> None:
    report = audit("weak")
    advisory = {"configcat-flag-require-cleanup"}  # policies/config/production.json: cleanup never blocks an `up`
    assert {r.entry.name for r in report.mandatory_failures} == {e.name for e in ENTRIES} - advisory
    assert {r.entry.name for r in report.results if r.status == "fail" and not r.blocking} == advisory
    by_name = {r.entry.name: r for r in report.results}
    hsts = by_name["netlify-headers-require-hsts"].failures()
    assert [f.message for f in hsts] == [
        "Strict-Transport-Security max-age is 3600s; at least 31536000s is required",
        "Strict-Transport-Security lacks includeSubDomains",
        "Strict-Transport-Security lacks preload (required on this stack)",
    ]
    assert {f.type for f in hsts} == {R.GITHUB_REPOSITORY_FILE}
    literal = by_name["github-secrets-no-literal"].failures()[0]
    assert literal.name == "secret-database-password" and "plaintextValue is a literal" in (literal.message or "")


def test_staging_config_reports_the_same_violations_as_advisory() -> None:
    report = audit("weak", "staging")
    assert not report.mandatory_failures
    statuses = {r.entry.name: (r.enforcement, r.status) for r in report.results}
    assert statuses["supabase-project-require-protection"] == ("disabled", "disabled")
    assert statuses["netlify-dns-zone-require-protection"] == ("disabled", "disabled")
    assert statuses["netlify-headers-require-hsts"] == ("advisory", "fail")
    assert {r.entry.family for r in report.results if r.status == "fail"} == set(FAMILIES)


def test_unknown_values_are_reported_as_unknown_not_pass() -> None:
    headers = Registered(
        urn="urn:pulumi:production::maintainpro-platform::github:index/repositoryFile:RepositoryFile::headers",
        type=R.GITHUB_REPOSITORY_FILE, name="headers", parent=None, custom=True,
        inputs={"file": "public/_headers", "content": UNKNOWN},
    )
    report = audit_preview(Preview("production", NOW, [headers]), load_pack_config(default_path("production")))
    result = next(r for r in report.results if r.entry.name == "netlify-headers-require-hsts")
    assert result.status == "unknown"
    assert "can't be known during preview" in (result.findings[0].message or "")


@pytest.mark.parametrize("variant", ["compliant", "weak"])
def test_json_report_matches_its_documented_schema(variant: str) -> None:
    document = audit(variant).to_json()
    jsonschema.Draft202012Validator(REPORT_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)


def test_json_schema_rejects_a_report_missing_its_verdicts() -> None:
    document = audit("weak").to_json()
    del document["policies"][0]["status"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(document)


@pytest.mark.parametrize("variant", ["compliant", "weak"])
def test_sarif_output_validates_against_the_sarif_2_1_0_schema(variant: str) -> None:
    log = sarif(audit(variant), "Pulumi.production.yaml")
    jsonschema.Draft202012Validator(SARIF_SCHEMA).validate(log)
    run = log["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [e.name for e in ENTRIES]
    kinds = {result["kind"] for result in run["results"]}
    assert kinds == ({"pass"} if variant == "compliant" else {"fail"})


def test_sarif_schema_is_strict_enough_to_catch_a_bad_log() -> None:
    log = sarif(audit("weak"), "Pulumi.production.yaml")
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SARIF_SCHEMA).validate(log)


def test_sarif_failures_are_errors_located_at_the_resource() -> None:
    result = next(r for r in sarif(audit("weak"), "Pulumi.production.yaml")["runs"][0]["results"]
                  if r["ruleId"] == "netlify-site-require-https")
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "Pulumi.production.yaml"
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith("netlify:Site::site")


def test_no_secret_value_reaches_any_report_format() -> None:
    report = audit("weak")
    texts = [json.dumps(report.to_json()), json.dumps(sarif(report, "x")), markdown(report)]
    for text in texts:
        for secret in FAKE_SECRETS:
            assert secret not in text


def test_event_log_gives_the_same_verdicts_as_the_offline_audit() -> None:
    offline = audit("weak")
    logged = audit_event_log(EVENT_LOG, "production", load_pack_config(default_path("production")))
    assert logged.source == "event-log" and logged.pack_version == "0.1.0"
    assert failures(logged) == failures(offline)
    assert {r.entry.name: r.status for r in logged.results} == {r.entry.name: r.status for r in offline.results}
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(logged.to_json())


def test_the_event_log_sample_is_what_its_generator_writes_for_the_current_pack() -> None:
    """Regenerate with `python -m tests.support.event_log_fixture` when the pack or the fixture program changes."""
    from tests.support.event_log_fixture import render

    assert EVENT_LOG.read_text() == render()


def test_event_log_messages_lose_colour_tags_and_the_repeated_description() -> None:
    logged = audit_event_log(EVENT_LOG, "production", load_pack_config(default_path("production")))
    https = next(r for r in logged.results if r.entry.name == "netlify-site-require-https")
    assert [f.message for f in https.failures()] == ["site on custom domain app.maintainpro.example does not force HTTPS (force_ssl is not true)"]
    assert https.enforcement == "mandatory" and https.failures()[0].type == R.NETLIFY_SITE


def test_event_log_ignores_other_policy_packs() -> None:
    assert "org-tagging" in EVENT_LOG.read_text()
    logged = audit_event_log(EVENT_LOG, "production", load_pack_config(default_path("production")))
    assert all(f.message is None or "missing tags" not in f.message for r in logged.results for f in r.findings)


def test_event_log_passes_come_from_the_engine_summaries(tmp_path: Path) -> None:
    """Drop the violations: the engine's summaries still say which resources passed which policy."""
    lines = [line for line in EVENT_LOG.read_text().splitlines() if '"policyEvent"' not in line]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines))
    logged = audit_event_log(path, "production", load_pack_config(default_path("production")))
    csp = next(r for r in logged.results if r.entry.name == "netlify-headers-require-csp")
    assert [f.message for f in csp.findings] == ["failed (the engine recorded no message)"]
    reviewers = next(r for r in logged.results if r.entry.name == "supabase-project-require-protection")
    assert reviewers.status == "fail"


@pytest.mark.parametrize(
    ("content", "problem"),
    [("", "holds no engine events"), ('{"sequence": 1}\nnot json\n', "line 2 is not a JSON engine event"),
     ('{"policyEvent": {}}\n', "line 1 is not an engine event (no 'sequence')")],
)
def test_bad_event_log_is_one_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(content)
    with pytest.raises(EventLogError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        audit_event_log(path, "production", load_pack_config(default_path("production")))


def test_the_offline_audit_judges_rotation_at_the_previews_clock(tmp_path: Path) -> None:
    """A preview computed years ago is judged as of then, not by the wall clock (one clock everywhere)."""
    from ops.engine import run_stack
    from ops.stackfile import read_stack_file

    then = datetime(2021, 3, 4, 5, tzinfo=timezone.utc)
    preview = run_stack(read_stack_file("production", ROOT), then)
    assert preview.now == then
    report = audit_preview(preview, load_pack_config(default_path("production")))
    rotation = next(r for r in report.results if r.entry.name == "secrets-password-require-rotation")
    assert rotation.status == "pass", [f.message for f in rotation.failures()]
