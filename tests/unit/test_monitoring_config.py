"""The `monitoring` section: each bad value refused with one message at its key path; windows, crons, heartbeats."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from components.config import BackupsConfig, ConfigError, HeartbeatConfig, MaintenanceWindowConfig
from components.config.cron import longest_gap
from components.heartbeats import in_units, plan
from ops.stackfile import read_stack_file
from tests.stacks import DELETE, mutate, stack_document, write_stack

P = "maintainpro-platform"
M = f"{P}:monitoring"
WINDOW = {"name": "w", "description": "d", "starts_at": "2026-01-05T20:00:00", "ends_at": "2026-01-05T21:30:00",
          "timezone": "Europe/Berlin"}


def problems_for(tmp_path: Path, stack: str, document: dict[str, Any]) -> list[tuple[str, str]]:
    write_stack(tmp_path, stack, document)
    with pytest.raises(ConfigError) as caught:
        read_stack_file(stack, tmp_path).validate()
    return caught.value.problems


# (stack, path inside `monitoring`, new value, the one expected key path, expected message fragment)
ONE_PROBLEM = [
    ("staging", "locations", ["eu-central-1", "mars-north-1"], "monitoring.locations[1]",
     "'mars-north-1' is not a Checkly location (one of us-east-1, us-east-2,"),
    ("staging", "frequency_minutes", 3, "monitoring.frequency_minutes",
     "3 minutes is not a frequency Checkly offers (minutes: 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)"),
    ("staging", "checks.0.frequency_minutes", 0, "monitoring.checks[0].frequency_minutes",
     "0 minutes is not a frequency Checkly offers"),
    ("staging", "alert_routes.0", {"severity": "warning", "target": "#maintainpro-staging"}, "monitoring.alert_routes[0]",
     "an alert route needs a channel (email, slack, pagerduty, webhook): without one it alerts no one"),
    ("staging", "alert_routes.0.channel", "", "monitoring.alert_routes[0]", "an alert route needs a channel"),
    ("staging", "maintenance_windows.0.ends_at", "2026-01-05T19:00:00", "monitoring.maintenance_windows[0]",
     "ends_at (2026-01-05T19:00:00) must be after starts_at (2026-01-05T20:00:00)"),
    ("staging", "maintenance_windows.0.timezone", "Europe/Atlantis", "monitoring.maintenance_windows[0].timezone",
     "'Europe/Atlantis' is not an IANA time zone"),
    ("staging", "maintenance_windows.0.timezone", "Etc/GMT+5", "monitoring.maintenance_windows[0].timezone",
     "'Etc/GMT+5' is a UTC offset: Checkly wants a named IANA zone"),
    ("staging", "checks.0.url", "https://evil.example/", "monitoring.checks[0].url",
     "host 'evil.example' is not one of this stack's domains (maintainpro-staging.netlify.app)"),
    ("production", "checks.4.url", "https://api.maintainpro.example/healthz", "monitoring.checks[4].url",
     "host 'api.maintainpro.example' is not one of this stack's domains (app.maintainpro.example, www.maintainpro.example, "
     "maintainpro-production.netlify.app)"),
    ("staging", "locations", ["eu-central-1"], "monitoring.locations",
     "at least 2, so one region's network trouble never reads as an outage"),
    ("staging", "locations", ["eu-west-1", "eu-west-1"], "monitoring.locations", "list each location once"),
    ("staging", "alert_routes.0.target", "maintainpro-staging", "monitoring.alert_routes[0]",
     "target 'maintainpro-staging' of a slack route must be a Slack channel (#name) or user (@name)"),
    ("production", "alert_routes.0.target", "oncall", "monitoring.alert_routes[0]",
     "target 'oncall' of a pagerduty route must be a PagerDuty service ID"),
    ("staging", "checks.0.degraded_ms", 9000, "monitoring.checks[0]", "degraded_ms (9000) must not exceed max_ms (3000)"),
    ("production", "checks.2.url", "https://app.maintainpro.example/", "monitoring.checks",
     "production needs an ssl_expiry check for www.maintainpro.example"),
    ("production", "status_page.services.1.checks", ["api-healthz"], "monitoring.status_page.services[1].checks",
     "'api-healthz' is not a check in monitoring.checks"),
    ("production", "status_page", DELETE, "monitoring.status_page", "production publishes a status page"),
    ("staging", "maintenance_windows.0.repeat.until", "2025-12-31", "monitoring.maintenance_windows[0]",
     "repeat.until (2025-12-31) is before the first window (2026-01-05)"),
    ("staging", "schedule", "*/15 * * * *", "monitoring.schedule", "unknown key"),
]


@pytest.mark.parametrize("stack,path,value,where,message", ONE_PROBLEM, ids=[f"{c[0]}:{c[1]}" for c in ONE_PROBLEM])
def test_each_bad_value_is_one_clear_message(tmp_path: Path, stack: str, path: str, value: Any, where: str, message: str) -> None:
    document = stack_document(stack)
    if path == "checks.0.degraded_ms":
        mutate(document, M, "checks.0.max_ms", 3000)
    mutate(document, M, path, value)
    problems = problems_for(tmp_path, stack, document)
    assert len(problems) == 1, problems
    (key, text), = problems
    assert key == where and message in text, problems


def test_a_check_severity_without_a_route_is_refused(tmp_path: Path) -> None:
    document = mutate(stack_document("staging"), M, "checks.0.severity", "critical")
    assert problems_for(tmp_path, "staging", document) == [
        ("monitoring.alert_routes", "no route for severity 'critical' used by a check")]


def test_the_heartbeats_severity_needs_a_route_while_backups_run(tmp_path: Path) -> None:
    document = mutate(stack_document("staging"), M, "heartbeats.severity", "critical")
    assert problems_for(tmp_path, "staging", document) == [
        ("monitoring.alert_routes", "no route for severity 'critical' used by the backup heartbeats")]
    mutate(document, f"{P}:backups", "enabled", False)
    write_stack(tmp_path, "staging", document)
    read_stack_file("staging", tmp_path).validate()  # no backups, no heartbeats: nothing to route


def test_production_needs_a_critical_route(tmp_path: Path) -> None:
    document = stack_document("production")
    routes = [r for r in document["config"][M]["alert_routes"] if r["severity"] != "critical"]
    mutate(document, M, "alert_routes", routes)
    problems = problems_for(tmp_path, "production", document)
    assert ("monitoring.alert_routes", "production needs a route for severity 'critical': an outage must page someone") in problems


def test_a_backup_schedule_no_heartbeat_can_wait_for_is_refused(tmp_path: Path) -> None:
    document = mutate(stack_document("staging"), f"{P}:backups", "schedule", "0 0 31 2 *")  # 31 February: never
    assert problems_for(tmp_path, "staging", document) == [
        ("backups.schedule", "runs less often than once a year: its Checkly heartbeat waits at most 365 days")]


def test_a_webhook_route_needs_its_url_in_secret_config(tmp_path: Path) -> None:
    document = stack_document("staging")
    mutate(document, M, "alert_routes.1", {"severity": "info", "channel": "webhook", "target": "ops-bridge"})
    document["config"][f"{P}:alertWebhooks"] = {"other-hook": {"secure": "v1:ZmFrZQ=="}}
    assert problems_for(tmp_path, "staging", document) == [(f"{P}:alertWebhooks", (
        "has no entry 'ops-bridge' for its webhook alert route "
        "(pulumi config set --secret --path 'maintainpro-platform:alertWebhooks.ops-bridge' <URL>)"))]
    document["config"][f"{P}:alertWebhooks"] = {"ops-bridge": "https://hooks.example/fake-plain"}
    assert problems_for(tmp_path, "staging", document) == [
        (f"{P}:alertWebhooks", "credentials must be set with `pulumi config set --secret`, never in plain text")]
    document["config"][f"{P}:alertWebhooks"] = {"ops-bridge": {"secure": "v1:ZmFrZQ=="}}
    write_stack(tmp_path, "staging", document)
    assert read_stack_file("staging", tmp_path).validate().monitoring.webhook_targets == ["ops-bridge"]


def test_checkly_and_pagerduty_tokens_are_secret_config_only(tmp_path: Path) -> None:
    document = stack_document("production")
    document["config"]["checkly:apiKey"] = "fake-checkly-key"
    document["config"]["checkly:accountId"] = "00000000-0000-0000-0000-000000000000"  # plain provider config
    document["config"]["pagerduty:token"] = {"secure": "v1:ZmFrZQ=="}
    assert problems_for(tmp_path, "production", document) == [
        ("checkly:apiKey", "credentials must be set with `pulumi config set --secret`, never in plain text")]


# -- maintenance windows ---------------------------------------------------------------------------------------

def test_a_local_time_is_read_in_the_windows_zone_across_daylight_saving() -> None:
    winter = MaintenanceWindowConfig.model_validate(WINDOW)
    assert (winter.starts_utc, winter.ends_utc) == (datetime(2026, 1, 5, 19, tzinfo=timezone.utc),
                                                    datetime(2026, 1, 5, 20, 30, tzinfo=timezone.utc))  # CET, UTC+1
    summer = MaintenanceWindowConfig.model_validate({**WINDOW, "starts_at": "2026-07-06T20:00:00", "ends_at": "2026-07-06T21:00:00"})
    assert summer.starts_utc == datetime(2026, 7, 6, 18, tzinfo=timezone.utc)  # CEST, UTC+2


def test_an_explicit_offset_wins_over_the_zone() -> None:
    window = MaintenanceWindowConfig.model_validate({**WINDOW, "starts_at": "2026-01-05T20:00:00+00:00",
                                                     "ends_at": "2026-01-05T20:45:00+00:00"})
    assert window.starts_utc == datetime(2026, 1, 5, 20, tzinfo=timezone.utc)


def test_an_end_equal_to_the_start_is_not_after_it() -> None:
    with pytest.raises(ValueError, match="must be after starts_at"):
        MaintenanceWindowConfig.model_validate({**WINDOW, "ends_at": WINDOW["starts_at"]})
    # 21:00+01:00 is 20:00Z, before 20:30Z: compared as instants, not as written
    with pytest.raises(ValueError, match="must be after starts_at"):
        MaintenanceWindowConfig.model_validate({**WINDOW, "starts_at": "2026-01-05T20:30:00+00:00",
                                                "ends_at": "2026-01-05T21:00:00+01:00"})


# -- crons and heartbeats ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cron", "gap"), [
    ("17 2 * * *", timedelta(days=1)),
    ("47 4 * * 1", timedelta(days=7)),
    ("*/15 * * * *", timedelta(minutes=15)),
    ("0 9 * * 1,4", timedelta(days=4)),  # Thursday to Monday
    ("0 3 1 * *", timedelta(days=31)),  # 1 Jan to 1 Feb
    ("0 0 13 * 5", timedelta(days=7)),  # the 13th or any Friday (both restricted: either day runs)
    ("30 1 * * 0", timedelta(days=7)),
    ("30 1 * * 7", timedelta(days=7)),  # 7 is Sunday too
    ("0 0 1 1 *", timedelta(days=366)),  # 2024 is a leap year
    ("0 0 29 2 *", None),  # leap days only: less than twice in two years
])
def test_the_longest_gap_of_a_cron(cron: str, gap: timedelta | None) -> None:
    assert longest_gap(cron) == gap


def test_heartbeats_follow_the_backup_schedule_and_job_timeouts() -> None:
    backups = BackupsConfig(bucket_name="b-bucket", aws_region="eu-central-1", aws_account_id="111111111111",
                            schedule="0 */6 * * *", restore_drill_schedule="47 4 1 * *",
                            backup_timeout_minutes=45, restore_drill_timeout_minutes=90)
    beats = {b.job: b for b in plan(backups, HeartbeatConfig(grace_minutes=30))}
    # grace: its own timeout + the other job's (one concurrency group: it may queue behind it) + 30
    assert (beats["backup"].period_minutes, beats["backup"].grace_minutes, beats["backup"].secret) == (
        360, 45 + 90 + 30, "BACKUP_HEARTBEAT_URL")
    assert (beats["restore-drill"].period_minutes, beats["restore-drill"].grace_minutes) == (31 * 1440, 90 + 45 + 30)
    assert beats["restore-drill"].secret == "RESTORE_DRILL_HEARTBEAT_URL"
    assert plan(backups.model_copy(update={"enabled": False}), HeartbeatConfig()) == []


@pytest.mark.parametrize(("minutes", "expected"), [(1440, (1, "days")), (10080, (7, "days")), (240, (4, "hours")),
                                                   (75, (75, "minutes")), (1500, (25, "hours"))])
def test_a_duration_in_the_largest_whole_unit(minutes: int, expected: tuple[int, str]) -> None:
    assert in_units(minutes) == expected


def test_an_unquoted_timestamp_stays_text_as_the_pulumi_cli_reads_it(tmp_path: Path) -> None:
    """yaml.v3 (the CLI) keeps `2026-01-04T02:00:00` a string in untyped config; PyYAML would make it a
    datetime, which the engine's JSON config could not carry."""
    from tests.stacks import ROOT

    text = (ROOT / "Pulumi.production.yaml").read_text().replace('starts_at: "2026-01-04T02:00:00"', "starts_at: 2026-01-04T02:00:00")
    assert "starts_at: 2026-01-04T02:00:00\n" in text
    (tmp_path / "Pulumi.production.yaml").write_text(text)
    file = read_stack_file("production", tmp_path)
    assert file.raw[M]["maintenance_windows"][0]["starts_at"] == "2026-01-04T02:00:00"
    assert '"starts_at": "2026-01-04T02:00:00"' in file.engine_config()[M]
    assert file.validate().monitoring.maintenance_windows[0].starts_utc == datetime(2026, 1, 4, 1, tzinfo=timezone.utc)
