"""`ops promote` when things go wrong around the switch: lost answers, a publish that keeps failing,
another release meanwhile, a rollback that fails; and what it records as GitHub deployments."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import ops.promote
from tests.ops.cli_runner import run_promote
from tests.ops.promote_support import SITE_NAME, Recorder, Stage, stage
from tests.support.local_servers import silent_server


@pytest.fixture
def st(tmp_path: Path) -> Iterator[Stage]:
    with stage(tmp_path) as s:
        yield s


@pytest.fixture
def recorder(st: Stage, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    log = Recorder()
    monkeypatch.setattr(ops.promote, "deployment_log", lambda cfg: log)
    st.record = True
    return log


def test_a_lost_answer_to_the_publish_is_not_followed_by_a_second_publish(st: Stage) -> None:
    st.draft("d-green")
    st.fake.fail("restoreSiteDeploy", drop_after=True)  # Netlify switches, the answer never arrives
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 0, result.stderr
    assert st.live() == "d-green"
    assert st.restores() == [("d-green", 201)]  # looked (getSite), saw it live, did not send it again
    assert st.fake.ops() == ["listSites", "getSiteDeploy", "getSite", "restoreSiteDeploy", "getSite", "getSite"]


def test_a_publish_that_keeps_failing_leaves_the_previous_deploy_live(st: Stage) -> None:
    st.draft("d-green")
    for _ in range(3):
        st.fake.fail("restoreSiteDeploy", status=500)
    result = st.promote("--deploy", "d-green", "--json")
    assert result.returncode == 1
    assert st.live() == "d-blue"
    assert st.restores() == [("d-green", 500)] * 3  # each ambiguous 500 was looked after before the next try
    assert json.loads(result.stdout)["verdict"] == "publish-failed"
    assert "publishing d-green failed" in result.stderr and "nothing to adopt after 3 attempts" in result.stderr
    assert result.stderr.rstrip().endswith("d-blue is still live [live now: d-blue]")


def test_an_unexpected_live_deploy_is_refused_before_anything_runs(st: Stage) -> None:
    st.draft("d-green")
    result = st.promote("--deploy", "d-green", "--expect-live", "d-older")
    assert result.returncode == 1
    assert "--expect-live: the live deploy is d-blue, not d-older" in result.stderr
    assert st.fake.ops() == ["listSites", "getSiteDeploy"]
    assert st.sites.served["d-green"].requests == []


def test_a_release_published_meanwhile_is_never_overwritten(st: Stage) -> None:
    """Another promotion publishes d-red while this one smoke tests d-green: this one refuses."""
    st.draft("d-red")
    green = st.draft("d-green")
    assert green["id"] == "d-green"

    def other_release(path: str, live: bool) -> None:
        if st.live() == "d-blue":
            st.fake.op_restoreSiteDeploy(st.site["id"], "d-red", query={}, body=None)

    st.sites.served["d-green"].on_request = other_release
    result = st.promote("--deploy", "d-green", "--json")
    assert result.returncode == 1
    assert st.live() == "d-red" and st.restores() == []
    assert json.loads(result.stdout)["verdict"] == "refused"
    assert "the live deploy is d-red, not d-blue as expected: another release or rollback ran meanwhile" in result.stderr
    assert result.stderr.rstrip().endswith("[live now: d-red]")


def test_a_failed_rollback_says_so_loudly_with_both_deploys_and_the_command_to_run(st: Stage) -> None:
    st.draft("d-green", live_status=500)

    def break_the_api(path: str, live: bool) -> None:  # once green is live, Netlify stops publishing
        if live and not st.fake.faults:
            for _ in range(3):
                st.fake.fail("restoreSiteDeploy", status=500)

    st.sites.served["d-green"].on_request = break_the_api
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 1
    assert st.live() == "d-green"
    assert st.restores() == [("d-green", 201)] + [("d-blue", 500)] * 3
    assert "ROLLBACK FAILED: putting d-blue back failed" in result.stderr
    assert "the failed release d-green may still be live" in result.stderr
    assert "`python -m ops rollback --stack production --to d-blue --yes`" in result.stderr
    assert result.stderr.rstrip().endswith("[live now: d-green]")


def test_a_draft_url_that_is_not_https_is_refused(st: Stage) -> None:
    st.draft("d-green")
    st.fake.deploys["d-green"]["deploy_ssl_url"] = "http://d-green--maintainpro-production.netlify.app"
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 1
    assert "deploy d-green's unique URL (deploy_ssl_url): the Netlify API answered no usable https URL" in result.stderr
    assert st.fake.ops() == ["listSites", "getSiteDeploy"]


# ---------------------------------------------------------------- GitHub deployments


def test_a_promotion_is_one_successful_deployment(st: Stage, recorder: Recorder) -> None:
    st.draft("d-green")
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 0, result.stderr
    assert recorder.calls == [("start", "deploy", "d-green", 101), ("finish", 101, "success", st.sites.live.url)]
    (record,) = recorder.records
    assert (record.ref, record.environment, record.task, record.production) == ("d-green-sha", "production", "deploy",
                                                                                 True)
    assert record.payload == {"stack": "production", "site": SITE_NAME, "netlify_deploy_id": "d-green",
                              "previous_deploy_id": "d-blue"}


def test_a_rolled_back_promotion_is_a_failed_deployment_then_a_rollback(st: Stage, recorder: Recorder) -> None:
    st.draft("d-green", live_status=500)
    result = st.promote("--deploy", "d-green", "--json")
    assert result.returncode == 1
    assert recorder.calls == [("start", "deploy", "d-green", 101), ("finish", 101, "failure", None),
                              ("start", "rollback", "d-blue", 102), ("finish", 102, "success", st.sites.live.url)]
    rollback = recorder.records[1]
    assert (rollback.ref, rollback.task) == ("blue-sha", "rollback")
    assert rollback.payload == {"stack": "production", "site": SITE_NAME, "netlify_deploy_id": "d-blue",
                                "previous_deploy_id": "d-green", "rollback_of": "101"}
    assert json.loads(result.stdout)["deployments"] == {"release": 101, "rollback": 102}


def test_a_failed_rollback_is_a_failed_rollback_deployment(st: Stage, recorder: Recorder) -> None:
    st.draft("d-green", live_status=500)
    st.sites.served["d-green"].on_request = lambda path, live: live and not st.fake.faults and [
        st.fake.fail("restoreSiteDeploy", status=500) for _ in range(3)]
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 1
    assert [c[:3] for c in recorder.calls] == [("start", "deploy", "d-green"), ("finish", 101, "failure"),
                                               ("start", "rollback", "d-blue"), ("finish", 102, "failure")]


def test_nothing_is_recorded_for_a_draft_that_never_went_live(st: Stage, recorder: Recorder) -> None:
    st.draft("d-green", status=500)
    assert st.promote("--deploy", "d-green").returncode == 1
    assert recorder.calls == []


def test_a_refused_publish_is_a_failed_deployment(st: Stage, recorder: Recorder) -> None:
    st.draft("d-red")
    st.draft("d-green")
    st.sites.served["d-green"].on_request = lambda path, live: st.fake.op_restoreSiteDeploy(
        st.site["id"], "d-red", query={}, body=None)
    assert st.promote("--deploy", "d-green").returncode == 1
    assert recorder.calls == [("start", "deploy", "d-green", 101), ("finish", 101, "failure", None)]


def test_no_record_builds_no_log(st: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(cfg: object) -> None:
        raise AssertionError("--no-record must not build a deployment log")

    monkeypatch.setattr(ops.promote, "deployment_log", forbidden)
    st.record = True  # the flag itself is what is tested
    st.draft("d-green")
    assert st.promote("--deploy", "d-green", "--no-record").returncode == 0


def test_github_failing_does_not_decide_the_release(st: Stage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ops.promote, "deployment_log", lambda cfg: Recorder(refuse=True))
    st.record = True
    st.draft("d-green")
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 0, result.stderr
    assert st.live() == "d-green"
    assert ("warning: GitHub deployment deploy of d-green not recorded: github: createDeployment failed (HTTP 502): "
            "Bad Gateway") in result.stderr


def test_a_silent_netlify_api_ends_at_the_timeout_with_nothing_published() -> None:
    with silent_server() as url:
        started = time.monotonic()
        result = run_promote(url, "--deploy", "d-green", "--timeout", "2")
        elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert ("error: --timeout: gave up after 2s waiting for the Netlify API to answer listSites; nothing published"
            in result.stderr)
    assert 1.5 < elapsed < 8, elapsed
    assert "Traceback" not in result.stderr
