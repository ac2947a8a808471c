"""`python -m ops audit` as operators and CI run it: exit codes, formats, files, stack files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from policies.registry import FAMILIES
from tests.ops.audit_support import ROOT
from tests.ops.cli_runner import Completed, run_ops

WEAK_DIR = ROOT / "tests/fixtures/weak"
EVENT_LOG = ROOT / "tests/fixtures/events/production-weak-preview.jsonl"
SARIF_SCHEMA = json.loads((ROOT / "tests/fixtures/sarif/sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads((ROOT / "docs/audit-report.schema.json").read_text())

def ops(*args: str) -> Completed:
    return run_ops(*args)


def audit_json(*args: str) -> tuple[int, dict]:
    result = ops("audit", "--format", "json", *args)
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    return result.returncode, report


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_real_stacks_have_no_mandatory_violation(stack: str) -> None:
    code, report = audit_json("--stack", stack)
    mandatory = [p["name"] for p in report["policies"] if p["status"] == "fail" and p["enforcement"] == "mandatory"]
    assert mandatory == [] and code == 0
    assert report["policyConfig"] == f"policies/config/{stack}.json"


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_real_stacks_are_actually_judged_by_every_family(stack: str) -> None:
    _, report = audit_json("--stack", stack)
    judged = {p["family"] for p in report["policies"] if p["status"] == "pass"}
    assert judged == set(FAMILIES)
    assert not [p["name"] for p in report["policies"] if p["status"] == "fail"]


def test_weakened_stack_file_is_a_valid_staging_config() -> None:
    result = ops("preview", "--stack", "staging", "--stack-dir", str(WEAK_DIR))
    assert result.returncode == 0, result.stderr


def test_weakened_stack_violates_every_policy_family() -> None:
    code, report = audit_json("--stack", "staging", "--stack-dir", str(WEAK_DIR))
    assert code == 0  # staging: advisory
    failed = {p["family"] for p in report["policies"] if p["status"] == "fail"}
    assert failed == set(FAMILIES)
    code, report = audit_json("--stack", "staging", "--stack-dir", str(WEAK_DIR), "--policy-config", "policies/config/production.json")
    assert code == 1 and report["summary"]["mandatoryFailed"] > 0


def test_mandatory_failure_in_an_event_log_exits_1_and_writes_sarif(tmp_path: Path) -> None:
    out = tmp_path / "audit.sarif"
    result = ops("audit", "--stack", "production", "--from-event-log", str(EVENT_LOG), "--format", "sarif", "--output", str(out))
    assert result.returncode == 1, result.stderr
    assert "stack production: 0 passed, 31 failed (30 mandatory) of 31 policies" in result.stdout
    log = json.loads(out.read_text())
    jsonschema.Draft202012Validator(SARIF_SCHEMA).validate(log)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "Pulumi.production.yaml"


@pytest.mark.parametrize(("fmt", "expected"), [
    ("markdown", "| `netlify-headers-require-hsts` | headers | high | mandatory | **FAIL** | OWASP ASVS 14.4.5, OWASP ASVS 9.1.1, SOC 2 CC6.7 |"),
    ("table", "Strict-Transport-Security max-age is 3600s; at least 31536000s is required"),
])
def test_human_formats_show_controls_enforcement_and_messages(fmt: str, expected: str) -> None:
    result = ops("audit", "--stack", "production", "--from-event-log", str(EVENT_LOG), "--format", fmt)
    assert result.returncode == 1
    assert expected in result.stdout
    assert "Set `netlify.force_ssl: true` in the stack file." in result.stdout  # the remediation


def test_bad_policy_config_is_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"all": "mandatory", "netlify-headers-require-hstss": "advisory"}))
    result = ops("audit", "--stack", "production", "--policy-config", str(config))
    assert result.returncode == 2
    assert "netlify-headers-require-hstss: no such policy in the pack" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_event_log_is_one_clear_error(tmp_path: Path) -> None:
    result = ops("audit", "--stack", "production", "--from-event-log", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert "nope.jsonl: cannot read" in result.stderr and "Traceback" not in result.stderr


def test_unknown_stack_is_one_clear_error() -> None:
    result = ops("audit", "--stack", "qa")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def _log_without_pack(tmp_path: Path) -> Path:
    """The fixture log as a `pulumi preview` without `--policy-pack` writes it: no event of this pack."""
    ours = ('"policyPackName":"maintainpro-platform"',)
    lines = [line for line in EVENT_LOG.read_text().splitlines() if not any(mark in line for mark in ours)]
    assert any('"resourcePreEvent"' in line for line in lines) and any('"org-tagging"' in line for line in lines)
    path = tmp_path / "no-pack.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_event_log_where_the_pack_never_ran_is_rejected(tmp_path: Path) -> None:
    result = ops("audit", "--stack", "production", "--from-event-log", str(_log_without_pack(tmp_path)))
    assert result.returncode == 2, result.stdout
    assert "no policy event of pack maintainpro-platform" in result.stderr
    assert "--policy-pack policies" in result.stderr  # says how to produce a usable log
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_event_log_of_another_stack_is_rejected() -> None:
    result = ops("audit", "--stack", "staging", "--from-event-log", str(EVENT_LOG), "--format", "markdown")
    assert result.returncode == 2, result.stdout
    assert "records stack production, not staging" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_unwritable_output_fails_before_the_preview_runs(tmp_path: Path) -> None:
    # A broken stack file would be reported by the preview: the output check must come first.
    (tmp_path / "Pulumi.staging.yaml").write_text("config: [unclosed\n")
    out = tmp_path / "missing" / "audit.json"
    result = ops("audit", "--stack", "staging", "--stack-dir", str(tmp_path), "--output", str(out))
    assert result.returncode == 2
    assert f"--output {out}: directory {out.parent} does not exist" in result.stderr
    assert "Pulumi.staging.yaml" not in result.stderr and "Traceback" not in result.stderr


def test_output_that_is_a_directory_is_rejected(tmp_path: Path) -> None:
    result = ops("audit", "--stack", "production", "--from-event-log", str(EVENT_LOG), "--output", str(tmp_path))
    assert result.returncode == 2
    assert f"--output {tmp_path}: is a directory" in result.stderr and "Traceback" not in result.stderr


def test_now_sets_the_rotation_clock_of_the_audit() -> None:
    """The preview's windows and the policy's clock are both `--now`: fresh windows pass whatever the real date."""
    code, report = audit_json("--stack", "production", "--now", "2031-05-05T00:00:00Z")
    rotation = next(p for p in report["policies"] if p["name"] == "secrets-password-require-rotation")
    assert code == 0 and rotation["status"] == "pass" and rotation["findings"]


def test_a_repeated_stack_is_refused_instead_of_auditing_only_the_last() -> None:
    result = ops("audit", "--stack", "staging", "--stack", "production")
    assert result.returncode == 2, result.stdout
    assert "--stack: given 2 times (staging, production)" in result.stderr
    assert "passed" not in result.stdout + result.stderr  # nothing was audited


def test_an_unknown_stack_names_the_known_ones_not_a_policy_config_file() -> None:
    result = ops("audit", "--stack", "nope")
    assert result.returncode == 2
    assert "--stack: unknown stack 'nope', known: staging, production" in result.stderr
    assert "policy config" not in result.stderr
