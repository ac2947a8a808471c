"""`python -m ops secrets` and the offline preview of the secrets and delivery resources, run the
way an operator runs them: as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pulumi
import pytest

from components.config import PROJECT
from ops.engine import RecordingMocks
from ops.stackfile import read_stack_file
from tests.stacks import ROOT, mutate, stack_document, write_stack

NOW = "2026-11-26T12:00:00+00:00"


def stand_ins(stack: str) -> list[str]:
    """The values the offline engine generates for this stack's passwords (asked, not copied)."""
    mocks = RecordingMocks()
    values = []
    for name in read_stack_file(stack).validate().secrets:
        args = pulumi.runtime.MockResourceArgs("random:index/randomPassword:RandomPassword", name, {}, custom=True)
        values.append(mocks.new_resource(args)[1]["result"])
    assert all(len(v) >= 8 for v in values)
    return values


def ops(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ops", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def with_rotation(directory: Path, stack: str, secret: str, days: int) -> str:
    """A copy of the stack file in `directory` with one secret's period changed; the --stack-dir."""
    write_stack(directory, stack, mutate(stack_document(stack), f"{PROJECT}:secrets", f"{secret}.rotation_days", days))
    return str(directory)


# ---------------------------------------------------------------- ops secrets


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_json_lists_every_secret_with_its_schedule_and_consumers(stack: str) -> None:
    result = ops("secrets", "--stack", stack, "--now", NOW, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    cfg = read_stack_file(stack).validate()
    now = datetime.fromisoformat(NOW)
    assert report["stack"] == stack
    assert [s["name"] for s in report["secrets"]] == sorted(cfg.secrets)
    for entry in report["secrets"]:
        # Exactly these fields: there is no place for a value.
        assert set(entry) == {"name", "rotation_days", "window_start", "next_rotation", "consumers"}
        secret = cfg.secrets[entry["name"]]
        start, end = datetime.fromisoformat(entry["window_start"]), datetime.fromisoformat(entry["next_rotation"])
        assert entry["rotation_days"] == secret.rotation_days
        assert start <= now < end and end - start == timedelta(days=secret.rotation_days)
        kinds = {(c["kind"], c["name"]) for c in entry["consumers"]}
        assert {("github-environment-secret", k) for k in secret.consumers.github_secrets} <= kinds
        assert {("netlify-env", k) for k in secret.consumers.netlify_env} <= kinds
        assert {("supabase-secret", k) for k in secret.consumers.supabase_secrets} <= kinds
    by_name = {s["name"]: s for s in report["secrets"]}
    # Hand-computed: 2026-11-03 is day 20760 after the epoch, a multiple of 30 and of 60.
    assert by_name["database-password"]["window_start"] == "2026-11-03T00:00:00+00:00"
    consumers = by_name["database-password"]["consumers"]
    assert consumers[0] == {"kind": "owner", "name": "Supabase project (database password)"}
    assert [c["name"].split()[0] for c in consumers[1:]] == ["SUPABASE_DB_URL", "BACKUP_DATABASE_URL"]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_json_lists_each_secret_api_key_its_window_grace_and_consumers_never_a_value(stack: str) -> None:
    result = ops("secrets", "--stack", stack, "--now", NOW, "--json")
    assert result.returncode == 0, result.stderr
    cfg = read_stack_file(stack).validate()
    (entry,) = json.loads(result.stdout)["secret_api_keys"]
    assert set(entry) == {"name", "key_name", "rotation_days", "grace_hours", "window_start", "next_rotation",
                          "previous_key_retires_after", "consumers"}
    key = cfg.supabase.secret_keys.keys["ci"]
    start, end = datetime.fromisoformat(entry["window_start"]), datetime.fromisoformat(entry["next_rotation"])
    assert start <= datetime.fromisoformat(NOW) < end and end - start == timedelta(days=key.rotation_days)
    assert entry["name"] == "ci" and entry["key_name"] == f"{stack}_ci_20261103"  # the window of 2026-11-03 (30 and 60 d)
    assert entry["grace_hours"] == 24
    assert datetime.fromisoformat(entry["previous_key_retires_after"]) == start + timedelta(hours=24)
    assert entry["consumers"] == [{"kind": "github-environment-secret", "name": "SUPABASE_SECRET_KEY"}]
    assert "sb_secret_" not in result.stdout


def test_text_names_each_secret_its_period_and_consumers() -> None:
    result = ops("secrets", "--stack", "production", "--now", NOW)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    (webhook,) = [line for line in lines if line.startswith("work-order-webhook-secret ")]
    assert "every 60 d" in webhook and "2026-11-03 00:00Z" in webhook and "2027-01-02 00:00Z" in webhook
    assert "  supabase-secret: WORK_ORDER_WEBHOOK_SECRET" in lines
    assert "  netlify-env: BUILD_HOOK_SECRET" in lines
    (key,) = [line for line in lines if line.startswith("supabase secret key ci ")]
    assert "(production_ci_20261103)" in key and "every 30 d" in key and "rotates next 2026-12-03 00:00Z" in key
    assert any("previous key retires 24 h after" in line and "not before 2026-11-04 00:00Z" in line for line in lines)


def test_next_rotation_moves_with_the_clock() -> None:
    before = json.loads(ops("secrets", "--stack", "staging", "--now", "2026-12-02T23:00:00Z", "--json").stdout)
    after = json.loads(ops("secrets", "--stack", "staging", "--now", "2026-12-03T00:00:00Z", "--json").stdout)
    webhook = [{s["name"]: s for s in r["secrets"]}["work-order-webhook-secret"] for r in (before, after)]
    assert webhook[0]["next_rotation"] == webhook[1]["window_start"] == "2026-12-03T00:00:00+00:00"


def test_unknown_stack_is_a_clear_error() -> None:
    result = ops("secrets", "--stack", "prod")
    assert result.returncode == 2
    assert "unknown stack" in result.stderr and "staging, production" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_clock_is_a_clear_error() -> None:
    result = ops("secrets", "--stack", "staging", "--now", "next tuesday")
    assert result.returncode == 2
    assert "--now" in result.stderr and "Traceback" not in result.stderr


def test_production_period_over_90_days_is_a_config_error(tmp_path: Path) -> None:
    stack_dir = with_rotation(tmp_path, "production", "database-password", 91)
    result = ops("secrets", "--stack", "production", "--stack-dir", stack_dir)
    assert result.returncode == 2
    assert "secrets.database-password.rotation_days" in result.stderr
    assert "90 days (got 91)" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and result.stdout == ""


def test_staging_may_rotate_less_often(tmp_path: Path) -> None:
    stack_dir = with_rotation(tmp_path, "staging", "database-password", 120)
    result = ops("secrets", "--stack", "staging", "--now", NOW, "--json", "--stack-dir", stack_dir)
    assert result.returncode == 0, result.stderr
    (entry,) = [s for s in json.loads(result.stdout)["secrets"] if s["name"] == "database-password"]
    assert entry["rotation_days"] == 120


# ---------------------------------------------------------------- the offline preview


def test_preview_shows_secrets_and_delivery_for_both_stacks_without_values() -> None:
    result = ops("preview", "--stack", "staging", "--stack", "production", "--now", NOW, "--json")
    assert result.returncode == 0, result.stderr
    for value in stand_ins("staging") + stand_ins("production"):
        assert value not in result.stdout
    for preview in json.loads(result.stdout):
        cfg = read_stack_file(preview["stack"]).validate()
        types = [r["type"] for r in preview["resources"]]
        assert types.count("maintainpro:secrets:RotatingSecret") == len(cfg.secrets)
        assert types.count("random:index/randomPassword:RandomPassword") == len(cfg.secrets)
        for token in (
            "maintainpro:delivery:DeliveryEnvironment",
            "github:index/repositoryEnvironment:RepositoryEnvironment",
            "github:index/repositoryRuleset:RepositoryRuleset",
            "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
        ):
            assert token in types, (preview["stack"], token)
        secrets = [r for r in preview["resources"] if r["type"].endswith(":ActionsEnvironmentSecret")]
        assert secrets and all(s["inputs"]["value"] == "[secret]" for s in secrets)


def test_preview_tree_shows_no_generated_value() -> None:
    result = ops("preview", "--stack", "production", "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert "ActionsEnvironmentSecret" in result.stdout and "value = [secret]" in result.stdout
    for value in stand_ins("production"):
        assert value not in result.stdout
