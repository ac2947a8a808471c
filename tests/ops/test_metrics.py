"""`ops metrics` against the stateful GitHub fake preloaded with a history in the shape promote and rollback
record it: every expected figure is worked out by hand in the comments, never read from the code."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ops.deployments import READ_ACCESS, GitHubDeployments
from ops.github_api import HEADERS
from ops.metrics import Window, measure
from ops.metrics_history import Progress, read_history
from ops.stackfile import read_stack_file
from providers.http import ApiClient
from tests.ops.cli_runner import Completed, run_ops
from tests.support.delivery_history import RecordedHistory
from tests.support.github_fake import APP_REPO, TOKEN, Clock, FakeGitHub

UTC = timezone.utc
NOW = "2026-03-31T12:00:00Z"  # a Tuesday; --days 28: 2026-03-04 00:00 to now, four whole weeks


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server
    assert not server.schema_errors, server.schema_errors
    assert not server.request_errors, server.request_errors


def env(fake: FakeGitHub, token: str | None = TOKEN) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "MAINTAINPRO_NOW")}
    out["GITHUB_API_URL"] = fake.url
    if token is not None:
        out["GITHUB_TOKEN"] = token
    return out


def metrics(fake: FakeGitHub, *args: str, token: str | None = TOKEN) -> Completed:
    return run_ops("metrics", "--stack", "production", "--now", NOW, *args, env=env(fake, token))


def measured(fake: FakeGitHub, *args: str) -> tuple[int, dict]:
    result = metrics(fake, "--days", "28", "--json", *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def history(fake: FakeGitHub) -> dict[str, int]:
    """Production's record from 2026-02-20 to now (times UTC; commit times are committer dates):

    D-1 02-20 deploy, success                                 (before the base: never read)
    D0  03-02 10:00 deploy c0 (09:00), success                (before the window: the base of D1)
    D1  03-05 09:58 deploy c2, success 10:00; c1 08:00, c2 09:30         lead 2 h, 0.5 h
    D2  03-12 13:58 deploy c4, success 14:00; c3 13:00, c4 14:00         lead 1 h (c4: 0 h, ignored)
    D3  03-19 09:58 deploy c5 (09:00), failure 10:05
    R1  03-19 10:06 automatic rollback of D3 to D2's deploy, success 10:10   D3 restored after 12 min
    D4  03-20 11:58 deploy c6 (11:00), success 12:00; base D2: c5, c6    lead 27 h, 1 h
    D5  03-26 15:58 deploy c7 (12:00), success 16:00                     lead 4 h
    R2  03-26 17:00 `ops rollback` to D4's deploy (no rollback_of), success 17:05: D5 restored after 67 min
    D6  03-30 09:58 deploy c9, success 10:00; base D5: c8 08:00, c9 09:00     lead 2 h, 1 h
    D7  03-31 11:00 deploy c10, in progress (still running)
    plus a deployment GitHub Actions made for a job in `production` (no recorded_by) and one of ours to staging.
    """
    h = RecordedHistory(fake)
    ids: dict[str, int] = {}
    old = h.commit(datetime(2026, 2, 20, 9, tzinfo=UTC))
    ids["D-1"] = h.promote(old, datetime(2026, 2, 20, 10, tzinfo=UTC), live_at=datetime(2026, 2, 20, 10, 2, tzinfo=UTC))
    c0 = h.commit(at(2, 9))
    ids["D0"] = h.promote(c0, at(2, 10), live_at=at(2, 10, 2))
    h.commit(at(5, 8))
    c2 = h.commit(at(5, 9, 30))
    ids["D1"] = h.promote(c2, at(5, 9, 58), live_at=at(5, 10))
    h.commit(at(12, 13))
    c4 = h.commit(at(12, 14))
    ids["D2"] = h.promote(c4, at(12, 13, 58), live_at=at(12, 14))
    c5 = h.commit(at(19, 9))
    ids["D3"] = h.promote(c5, at(19, 9, 58), failed_at=at(19, 10, 5), rollback=(at(19, 10, 6), at(19, 10, 10)))
    ids["R1"] = h.live
    c6 = h.commit(at(20, 11))
    ids["D4"] = h.promote(c6, at(20, 11, 58), live_at=at(20, 12))
    c7 = h.commit(at(26, 12))
    ids["D5"] = h.promote(c7, at(26, 15, 58), live_at=at(26, 16))
    ids["R2"] = h.rollback_by_hand(ids["D4"], at(26, 17), at(26, 17, 5))
    h.commit(at(30, 8))
    c9 = h.commit(at(30, 9))
    ids["D6"] = h.promote(c9, at(30, 9, 58), live_at=at(30, 10))
    c10 = h.commit(at(31, 10))
    ids["D7"] = h.promote(c10, at(31, 11))
    fake.add_deployment(c7, "production", created_at=at(25, 9), statuses=[("success", at(25, 9, 1))])  # Actions'
    RecordedHistory(fake, "staging").promote(c9, at(29, 9), failed_at=at(29, 9, 5))
    return ids


def test_the_four_keys_of_a_recorded_history(fake, history):
    code, doc = measured(fake)
    # D1..D7 were created in the window; D7 has not ended; D1, D2, D4, D5, D6 succeeded; D3 failed (status)
    # and D5 was rolled back by hand: 2 change failures of 6 ended deployments.
    assert doc["deployments"] == {"attempted": 7, "ended": 6, "successful": 5, "failed": 2, "rollbacks": 2}
    # 5 successful in 28 days: 5/28 = 0.1786 a day, 5 * 7 / 28 = 1.25 a week.
    assert doc["deployment_frequency"] == {"per_day": 0.1786, "per_week": 1.25, "band": "weekly"}
    # Lead times (h): 2, 0.5 | 1 | 27, 1 | 4 | 2, 1 -> sorted 0.5 1 1 1 2 2 4 27 (8 commits, c4's 0 h left out);
    # median at rank 3.5: (1 + 2) / 2 = 1.5; p90 at rank 0.9 * 7 = 6.3: 4 + 0.3 * (27 - 4) = 10.9.
    assert doc["lead_time_hours"] == {"median": 1.5, "p90": 10.9, "commits": 8}
    assert doc["change_failure_rate"] == 0.3333  # 2 / 6
    # Restores: D3 09:58 -> R1 live 10:10 = 12 min; D5 15:58 -> R2 live 17:05 = 67 min; median 39.5, max 67.
    assert doc["time_to_restore_minutes"] == {"median": 39.5, "max": 67.0, "failures": 2, "open": 0}
    assert doc["success_rate"] == 0.8333  # 5 / 6
    assert [(f["deployment"], f["reason"], f["restore_minutes"]) for f in doc["failures"]] == [
        (history["D3"], "failure status", 12.0), (history["D5"], "rolled back by hand", 67.0)]
    # Weeks of 7 days back from 03-31; days with a successful deployment 1, 1, 1, 2: median 1 < 3, every week
    # has one: weekly. Weekly lead-time medians: D1 (2, 0.5) 1.25; D2 1; D4 (27, 1) 14; D5, D6 (4, 2, 1) 2.
    assert [(w["start"], w["end"], w["deployments"], w["days_deployed"], w["lead_time_median_hours"])
            for w in doc["weeks"]] == [
        ("2026-03-04", "2026-03-10", 1, 1, 1.25), ("2026-03-11", "2026-03-17", 1, 1, 1.0),
        ("2026-03-18", "2026-03-24", 1, 1, 14.0), ("2026-03-25", "2026-03-31", 2, 2, 2.0)]
    # Default targets: daily, 2 h, 5 %, 15 min, 99.9 %.
    assert [(t["key"], t["verdict"]) for t in doc["targets"]] == [
        ("deployment_frequency", "missed"), ("lead_time_hours", "met"), ("change_failure_rate", "missed"),
        ("time_to_restore_minutes", "missed"), ("success_rate", "missed")]
    assert code == 1 and doc["gaps"] == []
    assert doc["window"] == {"start": "2026-03-04T00:00:00+00:00", "end": "2026-03-31T12:00:00+00:00", "days": 28,
                             "whole_weeks": 4}


def test_requests_read_each_record_once_and_stop_at_the_base(fake, history):
    measured(fake)
    statuses = [c.path.split("/")[-2] for c in fake.calls if c.operation == "repos/list-deployment-statuses"]
    # D7..D1, R2, R1 in the window and D0 before it, once each; never D-1, Actions' or staging's.
    assert sorted(map(int, statuses)) == sorted(history[k] for k in ("D0", "D1", "D2", "D3", "R1", "D4", "D5", "R2",
                                                                     "D6", "D7"))
    # 1 page of deployments, 10 statuses, 5 comparisons (D1 on D0, D2 on D1, D4 on D2, D5 on D4, D6 on D5)
    assert sorted(fake.ops()) == sorted(["repos/list-deployments"] + ["repos/list-deployment-statuses"] * 10
                                        + ["repos/compare-commits-with-basehead"] * 5)
    listed = next(c for c in fake.calls if c.operation == "repos/list-deployments")
    assert listed.query == {"environment": "production", "per_page": "100"}


def test_the_markdown_report_charts_the_weeks(fake, history, tmp_path: Path):
    out = tmp_path / "metrics.md"
    result = metrics(fake, "--days", "28", "--markdown", "--output", str(out))
    assert result.returncode == 1 and result.stdout == ""
    assert "metrics: report written to" in result.stderr and "targets missed: deployment_frequency" in result.stderr
    text = out.read_text()
    assert "| Lead time for changes | median 1.5h, p90 10.9h (8 commits) | ≤ 2h | ✅ met |" in text
    assert "| Change failure rate | 33.3% (2 of 6) | ≤ 5.0% | ❌ missed |" in text
    assert ('```mermaid\nxychart-beta\n    title "Successful deployments per week"\n'
            '    x-axis ["03-04", "03-11", "03-18", "03-25"]\n    y-axis "deployments" 0 --> 2.2\n'
            '    bar [1, 1, 1, 2]\n```') in text
    assert '    line [1.25, 1, 14, 2]\n' in text
    assert f"| {history['D5']} | " in text and "rolled back by hand | 67.0 min |" in text


def test_the_table_on_a_terminal_names_every_key(fake, history):
    result = metrics(fake, "--days", "28")
    assert result.returncode == 1
    for words in ("Deployment frequency", "weekly: 0.18/day, 1.2/week", "Time to restore", "median 39.5 min",
                  "missed"):
        assert words in result.stdout


def test_thirty_days_keep_the_two_oldest_days_out_of_the_weeks(fake, history):
    # --days 30: 03-02 to 03-31; D0 (03-02) is now inside, D-1 the base. 6 successful in 30 days, whole weeks
    # still 03-04 to 03-31, D0 in none of them.
    result = metrics(fake, "--json")
    doc = json.loads(result.stdout)
    assert doc["deployments"]["successful"] == 6 and doc["deployment_frequency"]["per_day"] == 0.2  # 6 / 30
    assert sum(w["deployments"] for w in doc["weeks"]) == 5 and doc["weeks"][0]["start"] == "2026-03-04"


def test_an_empty_window_says_so_and_divides_by_nothing(fake, history):
    # Ten days before D-1: nothing recorded yet.
    result = run_ops("metrics", "--stack", "production", "--now", "2026-02-10T12:00:00Z", "--days", "7", "--markdown",
                     env=env(fake))
    assert "none in this window, so no rate, lead time or restore time can be computed" in result.stdout
    assert "| Change failure rate | n/a (0 of 0) | ≤ 5.0% | ➖ no data |" in result.stdout
    assert "| Deployment frequency | yearly: 0.00/day, 0.0/week (0 successful) | daily | ❌ missed |" in result.stdout
    assert result.returncode == 1  # a week without a deployment misses the daily target
    assert fake.ops() == ["repos/list-deployments"]  # every record is after the clock: none read further


def test_every_target_met_exits_0(fake):
    """Three deployments a day for 7 days, each 30 min after its one commit: daily, 0.5 h, no failure."""
    h = RecordedHistory(fake)
    for day in range(25, 32):
        for hour in (6, 8, 10):
            sha = h.commit(at(day, hour))
            h.promote(sha, at(day, hour, 28), live_at=at(day, hour, 30))
    result = metrics(fake, "--days", "7", "--json")
    doc = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert doc["missed"] == [] and doc["deployment_frequency"]["band"] == "daily"
    # 21 deployments, 20 with a lead time (the first has no base: its own commit, 0.5 h, counted too).
    assert doc["lead_time_hours"] == {"median": 0.5, "p90": 0.5, "commits": 21}
    assert doc["change_failure_rate"] == 0.0 and doc["success_rate"] == 1.0
    assert doc["time_to_restore_minutes"]["median"] is None
    assert [t["verdict"] for t in doc["targets"]] == ["met", "met", "met", "no data", "met"]
    first = min(fake.repo().deployments)
    assert doc["gaps"] == [{"deployment": first, "reason": "no successful deployment in the 20 before it: only its "
                                                           f"own commit {fake.repo().deployments[first]['sha'][:7]} is counted"}]


@pytest.mark.parametrize(("days_per_week", "band"), [
    ((3, 3, 2, 2), "weekly"),  # median 2.5 < 3
    ((3, 3, 3, 2), "daily"),  # median 3
    ((1, 1, 0, 0), "monthly"),  # half the weeks: median 0.5 < 1; March has 2 such weeks: median 2
])
def test_band_boundaries_from_the_record(fake, days_per_week, band):
    """Weeks 03-25.., 03-18.., 03-11.., 03-04.. (newest first); on each counted day two deployments, so it is
    days that count, not deployments."""
    h = RecordedHistory(fake)
    for week, days in enumerate(days_per_week):
        for offset in range(days):
            day = 31 - 7 * week - offset
            for hour in (6, 9):
                sha = h.commit(at(day, hour - 1))
                h.promote(sha, at(day, hour), live_at=at(day, hour, 2))
    _, doc = measured(fake)
    assert doc["deployment_frequency"]["band"] == band
    assert [w["days_deployed"] for w in reversed(doc["weeks"])] == list(days_per_week)


def test_a_commit_github_cannot_compare_is_a_named_gap(fake, history):
    # D6's base is D5 (c7); a deployment of a commit force-pushed away is not in the repository any more.
    lost = "f" * 40
    RecordedHistory(fake).promote(lost, at(31, 11, 30), live_at=at(31, 11, 32))
    code, doc = measured(fake)
    assert doc["deployments"]["successful"] == 6 and doc["lead_time_hours"]["commits"] == 8  # as before
    (gap,) = doc["gaps"]
    assert gap["reason"].startswith(f"GitHub cannot compare {fake.repo().deployments[history['D6']]['sha'][:7]}...fffffff (404)")


def test_more_than_100_deployments_are_each_read_once(fake):
    """150 successful deployments in the window (two pages of deployments), each of one commit."""
    h = RecordedHistory(fake)
    start = at(4, 0)
    for i in range(150):
        moment = start + timedelta(hours=4 * i)
        h.promote(h.commit(moment), moment + timedelta(minutes=50), live_at=moment + timedelta(hours=1))
    code, doc = measured(fake)
    assert doc["deployments"]["successful"] == 150 and doc["lead_time_hours"]["commits"] == 150
    assert doc["lead_time_hours"]["median"] == 1.0  # every commit went live an hour later
    assert fake.ops().count("repos/list-deployments") == 2
    statuses = [c.path for c in fake.calls if c.operation == "repos/list-deployment-statuses"]
    assert len(statuses) == len(set(statuses)) == 150
    # 149 comparisons and the first deployment's own commit
    assert fake.ops().count("repos/compare-commits-with-basehead") == 149 and fake.ops().count("repos/get-commit") == 1


def test_a_secondary_rate_limit_is_waited_out_and_said(fake, history):
    fake.fail("repos/list-deployment-statuses", status=429, headers={"Retry-After": "1"},
              message="You have exceeded a secondary rate limit.")
    limited = metrics(fake, "--days", "28", "--json")
    assert ("github deployments: repos/list-deployment-statuses: retrying (1/4) after HTTP 429: You have exceeded a "
            "secondary rate limit., waiting 1.0s") in limited.stderr
    assert "metrics: reading maintainpro-example/maintainpro-app's deployments to production since 2026-03-04" in limited.stderr
    again = metrics(fake, "--days", "28", "--json")  # no fault left: the same answer
    assert limited.returncode == again.returncode == 1 and json.loads(limited.stdout) == json.loads(again.stdout)
    assert json.loads(limited.stdout)["deployments"]["successful"] == 5


@pytest.mark.parametrize(("args", "message"), [
    (("--stack", "prod"), "error: --stack: unknown stack 'prod', known: staging, production"),
    (("--stack", "production", "--days", "0"), "error: --days: 0 must be between 1 and 366"),
    (("--stack", "production", "--days", "-1"), "error: --days: -1 must be between 1 and 366"),
    (("--stack", "production", "--json", "--markdown"), "error: --json, --markdown: choose one"),
])
def test_bad_arguments_are_one_message_and_exit_2(fake, args, message):
    result = run_ops("metrics", *args, env=env(fake))
    assert (result.returncode, result.stderr.strip(), result.stdout) == (2, message, "")
    assert fake.calls == []


def test_no_token_is_one_message_and_exit_2(fake):
    result = metrics(fake, token=None)
    assert result.returncode == 2 and fake.calls == []
    assert result.stderr.strip() == ("error: github deployments: no API token; export GITHUB_TOKEN (in a workflow: "
                                     "`GITHUB_TOKEN: ${{ github.token }}` with `permissions: deployments: read, "
                                     "contents: read`)")


@pytest.mark.parametrize(("hidden", "says"), [
    (404, "maintainpro-example/maintainpro-app does not exist or GITHUB_TOKEN cannot see it"),
    (403, "GITHUB_TOKEN may not do this on maintainpro-example/maintainpro-app: it needs Deployments and Contents "
          "read (a workflow's token: `permissions: deployments: read, contents: read`"),
])
def test_a_token_without_access_is_one_message_and_exit_1(fake, history, hidden, says):
    fake.grant("fake-other-token", APP_REPO, None)
    fake.hidden_status = hidden
    result = metrics(fake, token="fake-other-token")
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    (line,) = [x for x in lines if x.startswith("error:")]
    assert lines == [lines[0], line] and lines[0].startswith("metrics: reading")  # the progress line, the error
    assert line.startswith("error: github deployments: repos/list-deployments failed") and says in line
    assert "fake-other-token" not in result.stderr and "Traceback" not in result.stderr
    assert len(fake.calls) == 1  # refused at once, never retried


def test_the_primary_rate_limit_is_waited_out_until_its_reset(fake, history):
    """403 with x-ratelimit-remaining 0 after the 4th request: the client sleeps to the reset (+1 s) on the
    fake's clock and the figures are those of an unlimited run."""
    clock = Clock(datetime(2026, 3, 31, 12, tzinfo=UTC).timestamp())
    fake.clock = clock.now
    fake.limit(remaining=4, reset=clock.now() + 30)
    lines: list[str] = []
    client = ApiClient(fake.url, TOKEN, resource="github deployments", extra_headers=HEADERS, sleep=clock.sleep,
                       now=clock.now, notice=lines.append)
    window = Window(datetime(2026, 3, 31, 12, tzinfo=UTC), 28)
    history_read = read_history(GitHubDeployments(client, APP_REPO, needs=READ_ACCESS), "production", window,
                                Progress(lines.append))
    figures = measure("production", APP_REPO, history_read.records, history_read.commits, window,
                      read_stack_file("production").validate().delivery.targets, history_read.gaps)
    assert clock.slept == [31.0]
    assert [c.status for c in fake.calls].count(403) == 1 and len(fake.calls) == 17  # the 16 reads and the refused one
    assert any("retrying (1/4) after HTTP 403: API rate limit exceeded" in line for line in lines)
    assert (figures.successful, figures.lead_time_median, figures.restore_median) == (5, 1.5, 39.5)


def test_a_wait_past_the_timeout_ends_at_once_saying_so(fake, history):
    fake.fail("repos/list-deployments", status=429, headers={"Retry-After": "600"},
              message="You have exceeded a secondary rate limit.")
    result = metrics(fake, "--timeout", "5")
    assert result.returncode == 1 and result.stdout == "" and "Traceback" not in result.stderr
    assert ("error: --timeout: gave up after 5s waiting for GitHub to answer repos/list-deployments (You have "
            "exceeded a secondary rate limit.; the server asked to wait 600s, past the deadline") in result.stderr
    assert len(fake.calls) == 1
