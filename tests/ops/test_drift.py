"""`ops drift`: a refresh-preview's event log read into drift, pending changes and policy violations.

The logs are assembled here in the engine's documented format (pulumi/pulumi
`sdk/go/common/apitype/events.go`): a refresh step per resource of the prior state
(`resOutputsEvent`, op `refresh`, `old` = the state Pulumi wrote, `new` = what the provider read),
then the program's steps (`resourcePreEvent`), the pack's summaries and the `summaryEvent`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ops.cli import load
from ops.drift import changed_paths, drift_report
from ops.pack_config import default_path, load_pack_config
from policies.catalog import PACK_NAME, PACK_VERSION
from tests.ops.audit_support import ROOT

app = load("drift")

STACK = "staging"
PREFIX = f"urn:pulumi:{STACK}::maintainpro-platform::"
SITE = PREFIX + "pulumi:pulumi:Stack$maintainpro:site:NetlifySite$pulumi-python:dynamic/netlify:Site::site"
AUTH = PREFIX + "pulumi:pulumi:Stack$maintainpro:database:SupabaseProject$pulumi-python:dynamic/supabase:AuthConfig::auth"
ENV_VAR = PREFIX + "pulumi:pulumi:Stack$maintainpro:site:NetlifySite$pulumi-python:dynamic/netlify:EnvVar::env-VITE_APP_ENV"
PASSWORD = PREFIX + "pulumi:pulumi:Stack$maintainpro:secrets:RotatingSecret$random:index/randomPassword:RandomPassword::db"
PACK = {"policyPackName": PACK_NAME, "policyPackVersion": PACK_VERSION, "policyPackVersionTag": PACK_VERSION}

SITE_INPUTS = {"name": "maintainpro-staging", "build_settings": {"cmd": "npm run build", "dir": "dist", "stop_builds": True},
               "force_ssl": True, "__provider": "gASV...pickled"}
AUTH_INPUTS = {"project_ref": "abcdefghijklmnopqrst", "settings": {"disable_signup": True, "mfa_totp_enroll_enabled": True}}
ENV_INPUTS = {"key": "VITE_APP_ENV", "values": {"all": "staging"}}


def _state(urn: str, inputs: dict[str, Any], id_: str = "id-1") -> dict[str, Any]:
    type_ = urn.rsplit("::", 1)[0].rsplit("$", 1)[-1]
    return {"type": type_, "urn": urn, "id": id_, "custom": True, "inputs": inputs, "outputs": {**inputs, "id": id_}}


def _refresh(urn: str, old_inputs: dict[str, Any], new_inputs: dict[str, Any] | None) -> dict[str, Any]:
    type_ = urn.rsplit("::", 1)[0].rsplit("$", 1)[-1]
    return {"resOutputsEvent": {"metadata": {
        "op": "refresh", "urn": urn, "type": type_, "old": _state(urn, old_inputs),
        "new": None if new_inputs is None else _state(urn, new_inputs), "provider": ""}, "planning": True}}


def _step(urn: str, op: str, old: dict[str, Any], new: dict[str, Any], detailed: dict[str, Any] | None = None) -> dict[str, Any]:
    type_ = urn.rsplit("::", 1)[0].rsplit("$", 1)[-1]
    return {"resourcePreEvent": {"metadata": {
        "op": op, "urn": urn, "type": type_, "old": _state(urn, old), "new": _state(urn, new),
        "detailedDiff": detailed, "provider": ""}, "planning": True}}


def _log(tmp_path: Path, *events: dict[str, Any], finished: bool = True, violation: bool = False,
         result: str | None = None) -> Path:
    urns = [SITE, AUTH, ENV_VAR, PASSWORD]
    body: list[dict[str, Any]] = [{"preludeEvent": {"config": {}}}, *events]
    body += [{"policyAnalyzeSummaryEvent": {"resourceUrn": urn, **PACK, "passed": []}} for urn in urns]
    if violation:
        body.append({"policyEvent": {
            "resourceUrn": SITE, "color": "raw", "policyName": "netlify-site-require-https", **PACK,
            "enforcementLevel": "advisory",
            "message": "<{%fg 12%}>Every Netlify site with a custom domain forces HTTPS (HTTP requests are redirected).\n"
                       "force_ssl is false<{%reset%}>\n"}})
        body.append({"policyAnalyzeSummaryEvent": {"resourceUrn": SITE, **PACK, "failed": ["netlify-site-require-https"]}})
    body.append({"policyAnalyzeStackSummaryEvent": {**PACK, "passed": []}})
    if finished:
        body.append({"summaryEvent": {"maybeCorrupt": False, "durationSeconds": 9, "resourceChanges": {"same": 4},
                                      "isPreview": True, **({"result": result} if result else {})}})
    else:
        body.append({"diagnosticEvent": {"urn": SITE, "severity": "error", "color": "raw",
                                         "message": "netlify Site read: 401 Unauthorized"}})
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps({"sequence": i, "timestamp": 1, **e}) + "\n" for i, e in enumerate(body, 1)))
    return path


def _same_refreshes(*skip: str) -> list[dict[str, Any]]:
    states = {SITE: SITE_INPUTS, AUTH: AUTH_INPUTS, ENV_VAR: ENV_INPUTS, PASSWORD: {"length": 40, "keepers": {"window": "681"}}}
    return [_refresh(urn, inputs, inputs) for urn, inputs in states.items() if urn not in skip]


def _report(path: Path):
    return drift_report(path, STACK, load_pack_config(default_path(STACK)))


def test_clean_refresh_preview_is_clean(tmp_path: Path) -> None:
    report = _report(_log(tmp_path, *_same_refreshes()))
    assert report.clean and report.drifted == [] and report.pending == [] and report.violations == []


def test_a_dashboard_change_is_drift_named_by_property(tmp_path: Path) -> None:
    live = {**SITE_INPUTS, "build_settings": {**SITE_INPUTS["build_settings"], "cmd": "npm run build:fast"}}
    live_auth = {**AUTH_INPUTS, "settings": {**AUTH_INPUTS["settings"], "disable_signup": False}}
    path = _log(tmp_path, *_same_refreshes(SITE, AUTH), _refresh(SITE, SITE_INPUTS, live), _refresh(AUTH, AUTH_INPUTS, live_auth),
                _step(SITE, "update", live, SITE_INPUTS), _step(AUTH, "update", live_auth, AUTH_INPUTS))
    report = _report(path)
    assert not report.clean
    assert [(c.name, c.op, c.properties) for c in report.drifted] == [
        ("auth", "refresh", ("settings.disable_signup",)),
        ("site", "refresh", ("build_settings.cmd",)),
    ]
    assert report.pending == []  # the update that puts it back is explained by the drift


def test_a_write_only_input_a_read_cannot_hand_back_is_not_drift(tmp_path: Path) -> None:
    """The database password is kept in state only as a hash: the refreshed inputs lack it."""
    with_password = {**AUTH_INPUTS, "secret_settings": "[secret]"}
    live = {**AUTH_INPUTS, "settings": {**AUTH_INPUTS["settings"], "mfa_totp_enroll_enabled": False}}
    path = _log(tmp_path, *_same_refreshes(AUTH), _refresh(AUTH, with_password, live))
    assert [c.properties for c in _report(path).drifted] == [("settings.mfa_totp_enroll_enabled",)]
    quiet = _log(tmp_path, *_same_refreshes(AUTH), _refresh(AUTH, with_password, AUTH_INPUTS))
    assert _report(quiet).drifted == []


def test_an_object_deleted_outside_pulumi_is_drift(tmp_path: Path) -> None:
    path = _log(tmp_path, *_same_refreshes(ENV_VAR), _refresh(ENV_VAR, ENV_INPUTS, None))
    (change,) = _report(path).drifted
    assert (change.urn, change.op) == (ENV_VAR, "deleted")


def test_a_due_rotation_is_pending_not_drift(tmp_path: Path) -> None:
    old, new = {"length": 40, "keepers": {"window": "681"}}, {"length": 40, "keepers": {"window": "682"}}
    path = _log(tmp_path, *_same_refreshes(), _step(PASSWORD, "replace", old, new))
    report = _report(path)
    assert report.clean and report.drifted == []
    assert [(c.name, c.op, c.properties) for c in report.pending] == [("db", "replace", ("keepers.window",))]


def test_the_engine_detailed_diff_names_properties_when_present(tmp_path: Path) -> None:
    path = _log(tmp_path, *_same_refreshes(), _step(ENV_VAR, "update", ENV_INPUTS, ENV_INPUTS,
                                                    detailed={"values.all": {"kind": "update", "inputDiff": True}}))
    (change,) = _report(path).pending
    assert change.properties == ("values.all",)


def test_plumbing_keys_are_never_reported_as_drift() -> None:
    assert changed_paths({"__provider": "a", "x": 1}, {"__provider": "b", "x": 1}) == []
    assert changed_paths({"a": {"b": {"c": {"d": 1}}}}, {"a": {"b": {"c": {"d": 2}}}}) == ["a.b.c"]
    assert changed_paths({"a": [1, 2]}, {"a": [2, 1]}) == ["a"]


def test_a_policy_violation_alone_is_not_clean(tmp_path: Path) -> None:
    report = _report(_log(tmp_path, *_same_refreshes(), violation=True))
    assert not report.clean and report.drifted == []
    assert [(v.policy, v.enforcement, v.urn, v.message) for v in report.violations] == [
        ("netlify-site-require-https", "advisory", SITE, "force_ssl is false")]


runner = CliRunner()


def test_cli_exit_codes_outputs_and_issue_body(tmp_path: Path) -> None:
    live = {**SITE_INPUTS, "force_ssl": False}
    path = _log(tmp_path, *_same_refreshes(SITE), _refresh(SITE, SITE_INPUTS, live))
    body, outputs = tmp_path / "body.md", tmp_path / "out"
    result = runner.invoke(app, ["drift", "--stack", STACK, "--event-log", str(path), "--markdown", str(body),
                                 "--github-output", str(outputs), "--run-url", "https://example.invalid/run/1"])
    assert result.exit_code == 1, result.output
    assert outputs.read_text() == "clean=false\n"
    text = body.read_text()
    assert "| `site` | `pulumi-python:dynamic/netlify:Site` | `force_ssl` |" in text
    assert "Run: https://example.invalid/run/1" in text
    clean = runner.invoke(app, ["drift", "--stack", STACK, "--event-log", str(_log(tmp_path, *_same_refreshes())), "--json"])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout) == {"clean": True, "drifted": [], "pending": [], "stack": STACK, "violations": []}


@pytest.mark.parametrize(("args", "message"), [
    (["--stack", "qa"], "unknown stack 'qa'"),
    (["--stack", STACK, "--event-log", "/nonexistent/events.jsonl"], "cannot read"),
])
def test_cli_bad_input(args: list[str], message: str) -> None:
    argv = ["drift", *args] if "--event-log" in args else ["drift", *args, "--event-log", "x.jsonl"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_a_preview_that_did_not_finish_proves_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["drift", "--stack", STACK, "--event-log", str(_log(tmp_path, finished=False))])
    assert result.exit_code == 2
    assert "did not finish" in result.output and "401 Unauthorized" in result.output


def test_another_stacks_log_is_refused(tmp_path: Path) -> None:
    path = _log(tmp_path, *_same_refreshes())
    result = runner.invoke(app, ["drift", "--stack", "production", "--event-log", str(path)])
    assert result.exit_code == 2 and "records stack staging, not production" in result.output


def test_subprocess_smoke(tmp_path: Path) -> None:
    path = _log(tmp_path, *_same_refreshes())
    result = subprocess.run([sys.executable, "-m", "ops", "drift", "--stack", STACK, "--event-log", str(path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "No drift and no policy violation." in result.stdout


def test_an_emptied_value_or_a_changed_function_secret_is_drift(tmp_path: Path) -> None:
    """A read drops an input whose live value is gone (the host drops None); only hash-kept inputs may vanish."""
    without_domain = {k: v for k, v in SITE_INPUTS.items() if k != "force_ssl"}
    path = _log(tmp_path, *_same_refreshes(SITE), _refresh(SITE, SITE_INPUTS, without_domain))
    assert [c.properties for c in _report(path).drifted] == [("force_ssl",)]


def test_what_only_the_service_changes_is_not_drift(tmp_path: Path) -> None:
    """A renewed certificate's expiry is an output no `up` puts back: inputs equal means no drift."""
    refresh = _refresh(AUTH, AUTH_INPUTS, AUTH_INPUTS)
    refresh["resOutputsEvent"]["metadata"]["new"]["outputs"]["expires_at"] = "2027-03-01T00:00:00Z"
    path = _log(tmp_path, *_same_refreshes(AUTH), refresh)
    assert _report(path).drifted == []


def test_a_preview_that_failed_after_the_refresh_proves_nothing(tmp_path: Path) -> None:
    path = _log(tmp_path, *_same_refreshes(), result="failed")
    result = runner.invoke(app, ["drift", "--stack", STACK, "--event-log", str(path)])
    assert result.exit_code == 2 and "the preview failed" in result.output
    assert runner.invoke(app, ["drift", "--stack", STACK, "--event-log",
                               str(_log(tmp_path, *_same_refreshes(), result="succeeded"))]).exit_code == 0
