"""`ops flags` and `ops flags advance` against copies of the stack files, an injected clock and the ConfigCat fake."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.cli_runner import run_ops
from tests.stacks import ROOT
from tests.support.configcat_fake import FakeConfigCat

PASSWORD = "fake-password-never-printed"
# production's newWorkOrderForm: stage 1 of 4 since 2026-12-03 09:00 UTC, soak 72 h -> may advance from 2026-12-06 09:00.
SOAKING, SOAKED = "2026-12-05T09:00:00Z", "2026-12-07T10:00:00Z"
ON, OFF = {"boolValue": True}, {"boolValue": False}


def no_configcat() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CONFIGCAT_")}


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    for stack in ("staging", "production"):
        shutil.copy(ROOT / f"Pulumi.{stack}.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    return tmp_path


@pytest.fixture
def fake() -> Iterator[FakeConfigCat]:
    """ConfigCat as production's `up` left it: stage 1 serves the internal segment, the banner is empty."""
    with FakeConfigCat(password=PASSWORD) as server:
        product = server.add_product("MaintAInPro")
        config = server.add_config(product, "Web app")
        server.add_environment(product, "staging")
        production = server.add_environment(product, "production")
        internal = server.add_segment(product, "internal")
        form = server.add_setting(config, "newWorkOrderForm")
        banner = server.add_setting(config, "maintenanceBanner", "string")
        server.set_value(production, form, OFF, [
            {"conditions": [{"segmentCondition": {"segmentId": internal, "comparator": "isIn"}}], "value": ON}])
        server.set_value(production, banner, {"stringValue": ""})
        server.production, server.form = production, form  # type: ignore[attr-defined]
        yield server


def with_fake(server: FakeConfigCat, password: str = PASSWORD) -> dict[str, str]:
    return {**no_configcat(), "CONFIGCAT_BASE_PATH": server.url, "CONFIGCAT_BASIC_AUTH_USERNAME": "fake-user",
            "CONFIGCAT_BASIC_AUTH_PASSWORD": password}


def flags_json(stacks: Path, env: dict[str, str], stack: str = "production", now: str = SOAKED) -> dict:
    result = run_ops("flags", "--stack", stack, "--json", "--now", now, "--stack-dir", str(stacks), env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_credentials_it_works_from_config_and_says_the_comparison_was_skipped(stacks: Path) -> None:
    out = flags_json(stacks, no_configcat())
    assert out["live"].startswith("skipped (set CONFIGCAT_BASIC_AUTH_USERNAME")
    form, banner = out["flags"]
    assert (form["key"], form["owner"], form["stage"], form["stages"], form["percentage"], form["segments"]) == (
        "newWorkOrderForm", "work-orders-team@maintainpro.example", 1, 4, 0, ["internal"])
    assert form["next"] == {"stage": 2, "percentage": 10, "segments": ["internal"], "earliest": "2026-12-06T09:00:00+00:00"}
    assert form["live"]["state"] == "skipped" and form["expires"] == "2027-06-30" and not form["expired"]
    assert banner["next"] is None and banner["stage"] == 0 and banner["expires"] == "2027-12-31"
    text = run_ops("flags", "--stack", "production", "--now", SOAKING, "--stack-dir", str(stacks), env=no_configcat())
    assert "next: stage 2: internal + 10 %, after 2026-12-06 09:00 UTC (ops flags advance)" in text.stdout


def test_the_dashboard_agreeing_is_said(stacks: Path, fake: FakeConfigCat) -> None:
    out = flags_json(stacks, with_fake(fake))
    assert out["live"] == "read from ConfigCat"
    assert [f["live"]["state"] for f in out["flags"]] == ["agrees", "agrees"]
    assert fake.ops() == ["get-products", "get-configs", "get-environments", "get-segments", "get-setting-values-v2"]
    assert not fake.schema_errors
    assert all(a.startswith("Basic ") for a in fake.authorizations)


def test_a_kill_switch_in_the_dashboard_shows_as_a_difference(stacks: Path, fake: FakeConfigCat) -> None:
    fake.set_value(fake.production, fake.form, OFF)  # type: ignore[attr-defined]  # the operator switched it off
    out = flags_json(stacks, with_fake(fake))
    assert out["flags"][0]["live"] == {"state": "differs", "serves": "false to everyone",
                                       "planned": "true to internal, false otherwise"}
    text = run_ops("flags", "--stack", "production", "--now", SOAKED, "--stack-dir", str(stacks), env=with_fake(fake))
    assert "DASHBOARD DIFFERS: ConfigCat serves false to everyone" in text.stdout


def test_a_rule_set_in_the_dashboard_is_a_difference_too(stacks: Path, fake: FakeConfigCat) -> None:
    fake.set_value(fake.production, fake.form, OFF, [  # type: ignore[attr-defined]
        {"conditions": [{"userCondition": {"comparisonAttribute": "Country", "comparator": "isOneOf",
                                           "comparisonValue": {"listValue": [{"value": "DE"}]}}}], "value": ON}])
    out = flags_json(stacks, with_fake(fake))
    assert out["flags"][0]["live"]["serves"] == "false to everyone (+1 rule(s) set in the dashboard)"


def test_wrong_credentials_fail_without_printing_them(stacks: Path, fake: FakeConfigCat) -> None:
    result = run_ops("flags", "--stack", "production", "--stack-dir", str(stacks), env=with_fake(fake, "wrong-password-x"))
    assert result.returncode == 1
    assert "configcat: get-products failed (HTTP 401)" in result.stderr
    assert "wrong-password-x" not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_a_rate_limit_is_waited_out(stacks: Path, fake: FakeConfigCat) -> None:
    fake.fail("get-setting-values-v2", 429, **{"Retry-After": "0"})
    out = flags_json(stacks, with_fake(fake))
    assert [f["live"]["state"] for f in out["flags"]] == ["agrees", "agrees"]
    assert fake.calls[-2:] == [("get-setting-values-v2", 429), ("get-setting-values-v2", 200)]


def test_an_undeployed_stack_skips_the_comparison(stacks: Path) -> None:
    with FakeConfigCat(password=PASSWORD) as empty:
        out = flags_json(stacks, with_fake(empty))
    assert out["live"] == "skipped (ConfigCat has no product 'MaintAInPro' (no `pulumi up` of the flags yet?))"


def advance(stacks: Path, flag: str, now: str, env: dict[str, str], *extra: str, stack: str = "production"):
    return run_ops("flags", "advance", "--stack", stack, flag, "--now", now, "--stack-dir", str(stacks), *extra, env=env)


def test_advance_is_refused_before_the_soak_time_and_changes_nothing(stacks: Path) -> None:
    before = (stacks / "Pulumi.production.yaml").read_bytes()
    result = advance(stacks, "newWorkOrderForm", SOAKING, no_configcat())
    assert result.returncode == 1
    assert ("flag newWorkOrderForm: stage 1 went live 2026-12-03 09:00 UTC, less than its 72 h soak ago: "
            "advance after 2026-12-06 09:00 UTC") in result.stderr
    assert (stacks / "Pulumi.production.yaml").read_bytes() == before


def test_advance_edits_two_values_and_nothing_else(stacks: Path) -> None:
    path = stacks / "Pulumi.production.yaml"
    before = path.read_text().splitlines()
    result = advance(stacks, "newWorkOrderForm", SOAKED, no_configcat())
    assert result.returncode == 0, result.stderr
    assert "newWorkOrderForm now at stage 2/4 (internal + 10 %) since 2026-12-07 10:00 UTC" in result.stdout
    after = path.read_text().splitlines()
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [("          stage: 1", "          stage: 2"),
                       ('          since: "2026-12-03T09:00:00Z"', '          since: "2026-12-07T10:00:00Z"')]
    out = flags_json(stacks, no_configcat(), now=SOAKED)
    assert (out["flags"][0]["stage"], out["flags"][0]["percentage"]) == (2, 10)
    again = advance(stacks, "newWorkOrderForm", SOAKED, no_configcat())  # the new stage has not soaked
    assert again.returncode == 1 and "advance after 2026-12-10 10:00 UTC" in again.stderr


def test_advance_from_dark_inserts_since_under_stage(stacks: Path) -> None:
    path = stacks / "Pulumi.staging.yaml"
    path.write_text(path.read_text().replace('          stage: 2\n          since: "2026-12-01T09:00:00Z"\n',
                                             "          stage: 0  # dark\n"))
    result = advance(stacks, "newWorkOrderForm", SOAKED, no_configcat(), stack="staging")
    assert result.returncode == 0, result.stderr
    assert '          stage: 1  # dark\n          since: "2026-12-07T10:00:00Z"\n      - key: maintenanceBanner' in path.read_text()


def test_advance_is_refused_where_the_dashboard_differs(stacks: Path, fake: FakeConfigCat) -> None:
    fake.set_value(fake.production, fake.form, OFF)  # type: ignore[attr-defined]
    before = (stacks / "Pulumi.production.yaml").read_bytes()
    result = advance(stacks, "newWorkOrderForm", SOAKED, with_fake(fake))
    assert result.returncode == 1
    assert "flag newWorkOrderForm: ConfigCat serves false to everyone, the stack file true to internal" in result.stderr
    assert (stacks / "Pulumi.production.yaml").read_bytes() == before
    forced = advance(stacks, "newWorkOrderForm", SOAKED, with_fake(fake), "--ignore-dashboard")
    assert forced.returncode == 0, forced.stderr


@pytest.mark.parametrize(("flag", "stack", "message"), [
    ("nope", "production", "FLAG: no flag 'nope' in flags.flags of Pulumi.production.yaml (flags: newWorkOrderForm, maintenanceBanner)"),
    ("maintenanceBanner", "production", "flag maintenanceBanner has no rollout plan (flags.flags[1].rollout)"),
])
def test_advance_bad_input_is_exit_2(stacks: Path, flag: str, stack: str, message: str) -> None:
    result = advance(stacks, flag, SOAKED, no_configcat(), stack=stack)
    assert result.returncode == 2 and message in result.stderr


def test_advance_past_the_last_stage_is_refused(stacks: Path) -> None:
    path = stacks / "Pulumi.staging.yaml"
    path.write_text(path.read_text().replace("          stage: 2\n", "          stage: 3\n"))
    result = advance(stacks, "newWorkOrderForm", SOAKED, no_configcat(), stack="staging")
    assert result.returncode == 2 and "is at its last stage (3/3): nothing to advance" in result.stderr


def test_a_flow_style_rollout_is_left_for_a_human(stacks: Path) -> None:
    path = stacks / "Pulumi.staging.yaml"
    text = path.read_text()
    start = text.index("        rollout:\n          soak_hours: 24")
    end = text.index("      - key: maintenanceBanner")
    flow = ('        rollout: {soak_hours: 24, stage: 2, since: "2026-12-01T09:00:00Z", stages: '
            "[{percentage: 0, segments: [internal]}, {percentage: 50}, {percentage: 100}]}\n")
    path.write_text(text[:start] + flow + text[end:])
    result = advance(stacks, "newWorkOrderForm", SOAKED, no_configcat(), stack="staging")
    assert result.returncode == 2 and "cannot edit safely" in result.stderr and "block mapping" in result.stderr


def test_past_expiry_and_ready_to_remove_are_shown(stacks: Path) -> None:
    """Staging's flag taken to its last stage (100 %) on 2026-12-01 09:00 with a 24 h soak, read on 2027-07-01:
    a day past its expiry (2027-06-30) and long past its soak."""
    path = stacks / "Pulumi.staging.yaml"
    path.write_text(path.read_text().replace("          stage: 2\n", "          stage: 3\n"))
    out = flags_json(stacks, no_configcat(), stack="staging", now="2027-07-01T00:00:00Z")
    form = out["flags"][0]
    assert (form["percentage"], form["expired"], form["ready_to_remove"], form["next"]) == (100, True, True, None)
    text = run_ops("flags", "--stack", "staging", "--now", "2027-07-01T00:00:00Z", "--stack-dir", str(stacks),
                   env=no_configcat()).stdout
    assert "expires 2027-06-30 (PAST: remove it)" in text and "READY TO REMOVE: at 100 % for longer than its 24 h soak" in text
    soaking = flags_json(stacks, no_configcat(), stack="staging", now="2026-12-02T09:00:00Z")["flags"][0]
    assert (soaking["expired"], soaking["ready_to_remove"]) == (False, False)  # exactly 24 h: not longer than the soak
