"""`python -m ops secrets` and the offline preview of the secrets and delivery resources, run the
way an operator runs them: as a subprocess."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pulumi
import pytest
from typer.testing import CliRunner

from components.config import PROJECT
from ops.cli import load
from ops.engine import RecordingMocks
from ops.stackfile import read_stack_file
from tests.ops.cli_runner import Completed, run_ops
from tests.stacks import mutate, stack_document, write_stack

app = load("secrets")

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


def ops(*args: str) -> Completed:
    return run_ops(*args)


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


# ---------------------------------------------------------------- ops secrets --due

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# A window boundary, worked out by hand: 2026-12-03 is day 20790 after the epoch = 30 * 693 = 90 * 231,
# not a multiple of 60 (whose windows end 2026-11-03 and 2027-01-02). So the 30- and 90-day windows end here.
BOUNDARY_DAY = 20790
BOUNDARY = EPOCH + timedelta(days=BOUNDARY_DAY)
DUE_FIELDS = {"stack", "name", "kind", "rotation_days", "window_start", "window_end", "consumers"}


def periods(stack: str) -> dict[tuple[str, str], int]:
    """(kind, name) -> rotation_days of every generated secret and secret API key, read from the stack file."""
    cfg = read_stack_file(stack).validate()
    found = {("generated-secret", name): s.rotation_days for name, s in cfg.secrets.items()}
    found |= {("supabase-secret-key", name): k.rotation_days for name, k in cfg.supabase.secret_keys.keys.items()}
    return found


def ending_at_boundary() -> set[tuple[str, str, str]]:
    """(stack, kind, name) of every secret whose period divides the boundary's day count."""
    return {(stack, kind, name) for stack in ("staging", "production")
            for (kind, name), days in periods(stack).items() if BOUNDARY_DAY % days == 0}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def due(*args: str) -> tuple[int, dict]:
    """In process (the subprocess path is covered above): the boundary tables run it dozens of times."""
    result = CliRunner().invoke(app, ["secrets", "--due", "--json", *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def test_the_boundary_premise_holds() -> None:
    assert BOUNDARY.date().isoformat() == "2026-12-03"
    expected = ending_at_boundary()
    # Both stacks contribute, and both kinds: the test below would be weak otherwise.
    assert {s for s, _, _ in expected} == {"staging", "production"}
    assert {k for _, k, _ in expected} == {"generated-secret", "supabase-secret-key"}
    assert any(BOUNDARY_DAY % days for stack in ("staging", "production") for days in periods(stack).values())


@pytest.mark.parametrize(("margin", "length"), [("1d", timedelta(days=1)), ("12h", timedelta(hours=12)),
                                                  ("30m", timedelta(minutes=30)), ("2d", timedelta(days=2))])
def test_due_exactly_when_the_window_ends_within_the_margin(margin: str, length: timedelta) -> None:
    code, report = due("--margin", margin, "--now", iso(BOUNDARY - length))
    assert code == 1
    assert {(e["stack"], e["kind"], e["name"]) for e in report["due"]} == ending_at_boundary()
    assert all(e["window_end"] == iso(BOUNDARY) for e in report["due"])
    assert report["margin_seconds"] == int(length.total_seconds())
    code, report = due("--margin", margin, "--now", iso(BOUNDARY - length - timedelta(seconds=1)))
    assert (code, report["due"]) == (0, [])


def test_default_margin_is_one_day() -> None:
    assert due("--now", iso(BOUNDARY - timedelta(days=1)))[0] == 1
    code, report = due("--now", iso(BOUNDARY - timedelta(days=1, seconds=1)))
    assert (code, report["due"], report["margin_seconds"]) == (0, [], 86400)


def test_an_ended_window_is_no_longer_the_current_one() -> None:
    """Right after the boundary the program already computes the next window: nothing is due again."""
    code, report = due("--now", iso(BOUNDARY + timedelta(seconds=1)))
    assert (code, report["due"]) == (0, [])
    # Margin 0: the window containing the clock never has ended, so nothing is ever due.
    assert due("--margin", "0", "--now", iso(BOUNDARY - timedelta(seconds=1)))[0] == 0


def test_due_json_shape_order_and_windows() -> None:
    code, report = due("--now", iso(BOUNDARY - timedelta(hours=1)))
    assert code == 1
    assert set(report) == {"now", "margin_seconds", "stacks", "due"}
    assert report["stacks"] == ["staging", "production"]
    assert report["now"] == iso(BOUNDARY - timedelta(hours=1))
    stacks = [e["stack"] for e in report["due"]]
    assert stacks == sorted(stacks, key=["staging", "production"].index)
    for entry in report["due"]:
        assert set(entry) == DUE_FIELDS  # there is no place for a value
        days = periods(entry["stack"])[(entry["kind"], entry["name"])]
        assert entry["rotation_days"] == days
        assert entry["window_start"] == iso(BOUNDARY - timedelta(days=days))
    # The consumers are the listing's, for the same secret.
    listing = json.loads(ops("secrets", "--stack", "production", "--json", "--now", NOW).stdout)
    listed = {("generated-secret", s["name"]): s["consumers"] for s in listing["secrets"]}
    listed |= {("supabase-secret-key", k["name"]): k["consumers"] for k in listing["secret_api_keys"]}
    for entry in (e for e in report["due"] if e["stack"] == "production"):
        assert entry["consumers"] == listed[(entry["kind"], entry["name"])]


def test_due_for_one_stack() -> None:
    code, report = due("--stack", "staging", "--now", iso(BOUNDARY - timedelta(hours=1)))
    assert code == 1 and report["stacks"] == ["staging"]
    assert {(e["stack"], e["kind"], e["name"]) for e in report["due"]} == {
        t for t in ending_at_boundary() if t[0] == "staging"}


def test_due_text_names_stack_secret_kind_end_and_consumers() -> None:
    result = ops("secrets", "--due", "--now", iso(BOUNDARY - timedelta(hours=2)))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{len(ending_at_boundary())} secret(s) due at 2026-12-02 22:00Z, margin 1d, stacks staging, production"
    assert "staging  work-order-webhook-secret  generated secret  window ends 2026-12-03 00:00Z" in lines
    assert "production  ci  Supabase secret key  window ends 2026-12-03 00:00Z" in lines
    assert "  netlify-env: BUILD_HOOK_SECRET" in lines
    quiet = ops("secrets", "--due", "--now", NOW)
    assert quiet.returncode == 0 and quiet.stdout.strip() == "nothing due at 2026-11-26 12:00Z, margin 1d, stacks staging, production"


def test_due_checks_the_stack_files_present(tmp_path: Path) -> None:
    write_stack(tmp_path, "production", stack_document("production"))
    code, report = due("--stack-dir", str(tmp_path), "--now", iso(BOUNDARY - timedelta(hours=1)))
    assert code == 1 and report["stacks"] == ["production"]
    assert {e["stack"] for e in report["due"]} == {"production"}
    empty = ops("secrets", "--due", "--stack-dir", str(tmp_path / "nothing"))
    assert empty.returncode == 2 and "no stack file" in empty.stderr and empty.stdout == ""


@pytest.mark.parametrize(("args", "message"), [
    (["--due", "--margin", "1w"], "--margin: '1w' is not a duration"),
    (["--due", "--margin", "-1d"], "--margin: '-1d' is not a duration"),
    (["--due", "--margin", "1.5d"], "--margin: '1.5d' is not a duration"),
    (["--due", "--stack", "x"], "unknown stack 'x', known: staging, production"),
    (["--due", "--now", "next tuesday"], "--now: 'next tuesday' is not an ISO 8601"),
    (["--stack", "staging", "--margin", "1d"], "--margin: only applies with --due"),
    (["--stack", "staging", "--ended"], "--ended: only applies with --due"),
    (["--stack", "staging", "--github-output", "out"], "--github-output: only applies with --due"),
    (["--stack", "staging", "--step-summary", "out"], "--step-summary: only applies with --due"),
    (["--due", "--github-output", "no/such/dir/out"], "no/such/dir/out: cannot append"),
    ([], "--stack: a stack name is required"),
])
def test_due_bad_input_is_one_clear_error(args: list[str], message: str) -> None:
    result = ops("secrets", *args)
    assert result.returncode == 2
    assert message in result.stderr and result.stdout == ""
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_due_with_an_invalid_stack_file_is_a_config_error(tmp_path: Path) -> None:
    stack_dir = with_rotation(tmp_path, "production", "database-password", 91)
    result = ops("secrets", "--due", "--stack-dir", stack_dir)
    assert result.returncode == 2 and "secrets.database-password.rotation_days" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


# ---------------------------------------------------------------- ops secrets --due --ended (what an `up` now rotates)


@pytest.mark.parametrize(("offset", "expected"), [
    (timedelta(hours=2), True), (timedelta(hours=23, minutes=59), True), (timedelta(0), True),
    (timedelta(hours=24), False), (timedelta(hours=-2), False)])
def test_ended_lists_the_windows_that_ended_within_the_margin_before_the_clock(offset: timedelta, expected: bool) -> None:
    """A daily run with --margin 1d sees each window end exactly once: in (now - 1d, now]."""
    code, report = due("--ended", "--margin", "1d", "--now", iso(BOUNDARY + offset))
    found = {(e["stack"], e["kind"], e["name"]) for e in report["due"]}
    if expected:
        assert code == 1 and found == ending_at_boundary()
        assert all(e["window_end"] == iso(BOUNDARY) for e in report["due"])
    else:
        assert code == 0 and found == set()
    assert report["now"] == iso(BOUNDARY + offset) and report["margin_seconds"] == 86400


def test_consecutive_daily_runs_see_every_window_end_exactly_once() -> None:
    seen: list[tuple[str, str, str, str]] = []
    start = BOUNDARY - timedelta(days=95, hours=18, minutes=37)
    for day in range(100):  # bounded: 100 daily runs cover every 30- and 90-day window end in between
        _, report = due("--ended", "--now", iso(start + timedelta(days=day)))
        seen += [(e["stack"], e["kind"], e["name"], e["window_end"]) for e in report["due"]]
    assert len(seen) == len(set(seen))
    assert {(s, k, n) for s, k, n, end in seen if end == iso(BOUNDARY)} == ending_at_boundary()


def test_github_output_and_step_summary_name_the_due_secrets_never_a_value(tmp_path: Path) -> None:
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.write_text("earlier=kept\n")  # GitHub's files are shared by a job's steps: appended, never replaced
    result = ops("secrets", "--due", "--ended", "--stack", "production", "--now", iso(BOUNDARY + timedelta(hours=1)),
                 "--github-output", str(output), "--step-summary", str(summary))
    assert result.returncode == 1, result.stderr
    names = sorted(n for s, _, n in ending_at_boundary() if s == "production")
    lines = output.read_text().splitlines()
    assert lines[0] == "earlier=kept" and lines[1] == "production=true"
    assert sorted(lines[2].removeprefix("production_secrets=").split()) == names and len(lines) == 3
    table = summary.read_text()
    assert "ended within 1d of 2026-12-03 01:00Z (production)" in table
    for stack, kind, name in ending_at_boundary():
        assert (f"| {stack} | {name} | {kind} | 2026-12-03 00:00Z |" in table) == (stack == "production")
    assert not any(value in table or value in output.read_text() for value in stand_ins("production"))
    quiet = ops("secrets", "--due", "--ended", "--now", iso(BOUNDARY - timedelta(hours=1)),
                "--github-output", str(tmp_path / "quiet"), "--step-summary", str(tmp_path / "quiet.md"))
    assert quiet.returncode == 0
    assert (tmp_path / "quiet").read_text() == "staging=false\nstaging_secrets=\nproduction=false\nproduction_secrets=\n"
    assert "Nothing due." in (tmp_path / "quiet.md").read_text()


def test_the_clock_is_maintainpro_now_when_no_now_option_is_given() -> None:
    """One clock: `MAINTAINPRO_NOW` moves the program's windows, so it moves `ops secrets` too."""
    runner = CliRunner()
    by_option = runner.invoke(app, ["secrets", "--stack", "production", "--json", "--now", NOW], catch_exceptions=False)
    by_env = runner.invoke(app, ["secrets", "--stack", "production", "--json"], env={"MAINTAINPRO_NOW": NOW},
                           catch_exceptions=False)
    assert by_env.exit_code == by_option.exit_code == 0
    assert json.loads(by_env.stdout) == json.loads(by_option.stdout)
    bad = runner.invoke(app, ["secrets", "--stack", "production"], env={"MAINTAINPRO_NOW": "tomorrow"})
    assert bad.exit_code == 2 and "environment variable MAINTAINPRO_NOW: 'tomorrow' is not an ISO 8601" in bad.output
