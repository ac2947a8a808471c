"""ops/metrics.py on records built by hand (no HTTP): percentiles, the band's month rule, failures
without a rollback, and a failure not restored yet. Expected values are worked out in the comments."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from components.config.delivery import DoraTargets
from ops.deployment_record import Commit, Deployment, DeploymentStatus
from ops.metrics import Shipped, Week, Window, band, measure, percentile

UTC = timezone.utc
NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def record(id_: int, created: datetime, *statuses: tuple[str, datetime], task: str = "deploy",
           **payload: str) -> Shipped:
    deployment = Deployment(id=id_, sha=f"{id_:040x}", ref="main", task=task, environment="production",
                            description="", payload={"recorded_by": "maintainpro-ops", **payload}, created_at=created,
                            production=True)
    return Shipped(deployment, tuple(DeploymentStatus(id_ * 10 + n, state, "", "production", "", "", at)
                                     for n, (state, at) in enumerate(statuses)))


def test_percentiles_interpolate_between_ranks():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5  # rank 1.5 between 2 and 3
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0, 60.0], 0.9) == pytest.approx(55.0)  # rank 4.5


def weeks(*pairs: tuple[str, int]) -> list[Week]:
    return [Week(date.fromisoformat(start), days, days, None) for start, days in pairs]


def test_the_band_counts_the_weeks_with_a_deployment_in_each_calendar_month():
    # Weeks starting in February: one has a deployment; the March ones none. Per week, the deployed weeks of
    # its month: 1 (Feb), 0, 0, 0 -> median 0: yearly. Moved into March: 1, 1, 1, 1 -> monthly.
    assert band(weeks(("2026-02-25", 1), ("2026-03-04", 0), ("2026-03-11", 0), ("2026-03-18", 0))) == "yearly"
    assert band(weeks(("2026-03-04", 1), ("2026-03-11", 0), ("2026-03-18", 0), ("2026-03-25", 0))) == "monthly"
    # Exactly half the weeks with a deployment: median 0.5 < 1, not weekly (monthly: March has 2 of them).
    assert band(weeks(("2026-03-04", 1), ("2026-03-11", 1), ("2026-03-18", 0), ("2026-03-25", 0))) == "monthly"
    assert band(weeks(("2026-03-04", 1), ("2026-03-11", 1), ("2026-03-18", 1), ("2026-03-25", 0))) == "weekly"
    assert band([]) is None


def test_a_failure_without_rollback_is_restored_by_the_next_success_and_an_open_one_counts_its_age():
    t = datetime(2026, 3, 30, 9, tzinfo=UTC)
    records = [
        record(1, t, ("in_progress", t), ("success", t + timedelta(minutes=2))),
        # publish failed, nothing rolled back: restored when 3 went live, 09:32 - 09:10 = 22 min
        record(2, t + timedelta(minutes=10), ("in_progress", t + timedelta(minutes=10)),
               ("failure", t + timedelta(minutes=11))),
        record(3, t + timedelta(minutes=30), ("in_progress", t + timedelta(minutes=30)),
               ("success", t + timedelta(minutes=32))),
        # an error at 2026-03-31 11:00 and nothing since: open, 60 min old at the clock (12:00)
        record(4, NOW - timedelta(hours=1), ("in_progress", NOW - timedelta(hours=1)), ("error", NOW - timedelta(minutes=59))),
    ]
    commits = {1: [], 3: [Commit("c", t, t, "m")]}  # 3's commit at 09:00, live 09:32: 32 min = 0.5333 h
    f = measure("production", "o/r", records, commits, Window(NOW, 7), DoraTargets(), {})
    assert [(x.deployment, x.reason, round(x.restore_minutes, 4), x.open) for x in f.failures] == [
        (2, "failure status", 22.0, False), (4, "error status", 60.0, True)]
    assert (f.restore_median, f.restore_max) == (41.0, 60.0)  # (22 + 60) / 2
    assert (f.ended, f.successful, f.change_failure_rate, f.success_rate) == (4, 2, 0.5, 0.5)
    assert f.lead_time_median == pytest.approx(32 / 60)


def test_a_manual_rollback_names_the_deploy_it_took_off_by_its_netlify_id():
    """Two `ops rollback`s in a row: the second takes off n1 (live after the first), not the newest
    successful deployment (2, already taken off by the first)."""
    t = datetime(2026, 3, 30, 9, tzinfo=UTC)
    records = [
        record(1, t, ("success", t), netlify_deploy_id="n1"),
        record(2, t + timedelta(hours=1), ("success", t + timedelta(hours=1)), netlify_deploy_id="n2"),
        record(3, t + timedelta(minutes=90), ("success", t + timedelta(minutes=91)), task="rollback",
               netlify_deploy_id="n1", previous_deploy_id="n2"),
        record(4, t + timedelta(hours=2), ("success", t + timedelta(minutes=121)), task="rollback",
               netlify_deploy_id="n0", previous_deploy_id="n1"),
    ]
    f = measure("production", "o/r", records, {}, Window(NOW, 7), DoraTargets(), {})
    # 1: 09:00 to the next success of a later record, 2's at 10:00 (60 min); 2: 10:00 to 3's at 10:31 (31 min).
    assert [(x.deployment, x.reason, x.restore_minutes) for x in f.failures] == [
        (1, "rolled back by hand", 60.0), (2, "rolled back by hand", 31.0)]
    assert (f.rollbacks, f.change_failure_rate) == (2, 1.0)


def test_records_after_the_clock_and_before_the_window_are_not_counted():
    inside = record(2, NOW - timedelta(days=1), ("success", NOW - timedelta(days=1)))
    before = record(1, NOW - timedelta(days=8), ("success", NOW - timedelta(days=8)))
    f = measure("production", "o/r", [before, inside], {}, Window(NOW, 7), DoraTargets(), {})
    assert (f.attempted, f.successful, f.per_day) == (1, 1, 1 / 7)
