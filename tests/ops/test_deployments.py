"""The deployment record (`ops.deployments`) against the stateful GitHub fake, whose requests and
answers are checked against GitHub's description: what a publish and a rollback record, no
duplicate after a lost answer, rate limits waited out, every page read once, clear refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from ops.deployment_record import DeploymentRecord
from ops.deployments import GitHubDeployments, run_log_url
from ops.github_api import HEADERS, app_repo, github_client
from ops.stackfile import read_stack_file
from providers.http import ApiClient, ApiError, MissingCredential, RetryPolicy
from tests.support.faults import Answer, FaultServer
from tests.support.github_fake import APP_REPO, TOKEN, Clock, FakeGitHub

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
RUN = "https://github.com/maintainpro-example/maintainpro-app/actions/runs/42"
SITE = "https://app.maintainpro.example"


@pytest.fixture
def clock() -> Clock:
    return Clock(T0.timestamp() + 3600)


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        server.clock = clock.now
        yield server
    assert not server.schema_errors, server.schema_errors
    assert not server.request_errors, server.request_errors


def records(fake: FakeGitHub, clock: Clock, token: str = TOKEN, **kw) -> GitHubDeployments:
    client = ApiClient(fake.url, token, resource="github", extra_headers=HEADERS, sleep=clock.sleep, now=clock.now,
                       retry=kw.pop("retry", RetryPolicy(attempts=4, base=0.01, cap=0.05)), **kw)
    return GitHubDeployments(client, APP_REPO)


def publish(sha: str, environment: str = "production", **payload: str) -> DeploymentRecord:
    return DeploymentRecord(ref=sha, environment=environment, task="deploy", description=f"publish {sha[:7]}",
                            payload={"netlify_deploy_id": "d-1", "stack": environment, **payload},
                            production=environment == "production")


@pytest.fixture
def shas(fake: FakeGitHub) -> list[str]:
    return fake.add_commits(5, start=T0, every=timedelta(minutes=10))


def test_start_then_finish_records_a_deployment_with_its_statuses(fake, clock, shas):
    gh = records(fake, clock)
    deployment_id = gh.start(publish(shas[-1]), log_url=RUN)
    gh.finish(deployment_id, "success", environment_url=SITE, log_url=RUN, description="live on production")
    created = next(c for c in fake.calls if c.operation == "repos/create-deployment")
    assert created.body == {
        "ref": shas[-1], "environment": "production", "task": "deploy", "description": f"publish {shas[-1][:7]}",
        "payload": {"netlify_deploy_id": "d-1", "stack": "production", "recorded_by": "maintainpro-ops",
                    "record_id": created.body["payload"]["record_id"]},
        "auto_merge": False, "required_contexts": [], "transient_environment": False, "production_environment": True,
    }
    assert len(created.body["payload"]["record_id"]) == 32
    assert created.headers["accept"] == "application/vnd.github+json"
    assert created.headers["x-github-api-version"] == "2022-11-28"
    statuses = gh.statuses(deployment_id)
    assert [(s.state, s.description, s.log_url, s.environment_url) for s in statuses] == [
        ("success", "live on production", RUN, SITE), ("in_progress", f"publish {shas[-1][:7]}", RUN, "")]
    [deployment] = gh.deployments("production")
    assert (deployment.id, deployment.sha, deployment.task, deployment.production, deployment.ours) == (
        deployment_id, shas[-1], "deploy", True, True)


def test_a_rollback_records_an_older_commit_past_failing_commit_checks(fake, clock, shas):
    """GitHub would try to merge the default branch into an older ref (409) and would gate on the
    commit's statuses: the record sends auto_merge false and required_contexts []."""
    fake.repo().checks[shas[1]] = {"ci/e2e": "failure"}
    record = DeploymentRecord(ref=shas[1], environment="production", task="rollback", description="roll back",
                              payload={"rollback_of": "17"}, production=True)
    deployment_id = records(fake, clock).start(record, log_url=None)
    assert fake.repo().deployments[deployment_id]["sha"] == shas[1]
    assert fake.repo().deployments[deployment_id]["task"] == "rollback"


def test_a_lost_answer_on_create_makes_exactly_one_deployment(fake, clock, shas):
    fake.fail("repos/create-deployment", drop_after=True)
    deployment_id = records(fake, clock).start(publish(shas[-1]), log_url=RUN)
    assert list(fake.repo().deployments) == [deployment_id]
    assert fake.ops()[:4] == ["repos/list-deployments", "repos/create-deployment", "repos/list-deployments",
                              "repos/list-deployment-statuses"]  # looked, created (answer lost), found it
    assert [s["state"] for s in fake.repo().statuses[deployment_id]] == ["in_progress"]


def test_a_lost_answer_on_a_status_makes_exactly_one_status(fake, clock, shas):
    gh = records(fake, clock)
    deployment_id = gh.start(publish(shas[-1]), log_url=RUN)
    fake.fail("repos/create-deployment-status", drop_after=True)
    gh.finish(deployment_id, "failure", environment_url=None, log_url=RUN, description="smoke test failed")
    assert [s["state"] for s in fake.repo().statuses[deployment_id]] == ["in_progress", "failure"]


def test_a_success_retires_the_production_record_it_supersedes(fake, clock, shas):
    """GitHub's auto_inactive skips production environments; the record does it itself, once."""
    gh = records(fake, clock)
    first = gh.start(publish(shas[1]), log_url=None)
    gh.finish(first, "success", environment_url=SITE, log_url=None, description="live")
    failed = gh.start(publish(shas[2]), log_url=None)
    gh.finish(failed, "failure", environment_url=None, log_url=None, description="validation failed")
    second = gh.start(publish(shas[3]), log_url=None)
    gh.finish(second, "success", environment_url=SITE, log_url=None, description="live")
    repo = fake.repo()
    assert [s["state"] for s in repo.statuses[first]] == ["in_progress", "success", "inactive"]
    assert repo.statuses[first][-1]["description"] == f"superseded by deployment {second}"
    assert [s["state"] for s in repo.statuses[failed]] == ["in_progress", "failure"]
    assert repo.latest_state(second) == "success"


def test_staging_records_are_retired_by_github_and_not_twice(fake, clock, shas):
    gh = records(fake, clock)
    first = gh.start(publish(shas[1], "staging"), log_url=None)
    gh.finish(first, "success", environment_url=SITE, log_url=None, description="live")
    second = gh.start(publish(shas[2], "staging"), log_url=None)
    gh.finish(second, "success", environment_url=SITE, log_url=None, description="live")
    assert [s["state"] for s in fake.repo().statuses[first]] == ["in_progress", "success", "inactive"]
    assert fake.repo().statuses[first][-1]["description"] == ""  # GitHub's auto_inactive, not ours


def test_a_long_description_is_clipped_to_what_github_accepts(fake, clock, shas):
    gh = records(fake, clock)
    deployment_id = gh.start(publish(shas[-1]), log_url=None)
    gh.finish(deployment_id, "error", environment_url=None, log_url=None, description="x" * 300)
    text = fake.repo().statuses[deployment_id][-1]["description"]
    assert len(text) == 140 and text.endswith("…")


def test_a_refused_create_says_what_github_said(fake, clock, shas):
    fake.fail("repos/create-deployment", status=409, message="Conflict: Commit status checks failed for main.")
    with pytest.raises(ApiError) as caught:
        records(fake, clock).start(publish(shas[-1]), log_url=None)
    assert str(caught.value) == ("github deployments: repos/create-deployment failed (HTTP 409): "
                                 "Conflict: Commit status checks failed for main.")
    assert fake.repo().deployments == {}


def test_the_primary_rate_limit_is_waited_out_until_its_reset(fake, clock, shas):
    fake.limit(remaining=2, reset=clock.now() + 30)
    gh = records(fake, clock)
    deployment_id = gh.start(publish(shas[-1]), log_url=None)  # 4 requests: the 3rd is refused once
    assert clock.slept == [31.0]  # to the reset, plus a second for the header's whole seconds
    assert list(fake.repo().deployments) == [deployment_id]
    assert [c.status for c in fake.calls] == [200, 201, 403, 200, 201]


def test_a_secondary_rate_limit_with_retry_after_is_waited_out(fake, clock, shas):
    fake.fail("repos/create-deployment", status=429, headers={"Retry-After": "7"},
              message="You have exceeded a secondary rate limit.")
    lines: list[str] = []
    deployment_id = records(fake, clock, notice=lines.append).start(publish(shas[-1]), log_url=None)
    assert clock.slept == [7.0] and list(fake.repo().deployments) == [deployment_id]
    assert lines == ["github deployments: repos/create-deployment: retrying (1/3) after HTTP 429: "
                     "You have exceeded a secondary rate limit., waiting 7.0s"]


@pytest.mark.parametrize(("grant", "status", "hint"), [
    (None, 404, "maintainpro-example/maintainpro-app does not exist or GITHUB_TOKEN cannot see it"),
    ("read", 403, "GITHUB_TOKEN may not do this on maintainpro-example/maintainpro-app"),
])
def test_a_token_without_access_gets_one_clear_error(fake, clock, shas, grant, status, hint):
    fake.grant("fake-other-token", APP_REPO, grant)
    with pytest.raises(ApiError) as caught:
        records(fake, clock, token="fake-other-token").start(publish(shas[-1]), log_url=None)
    assert caught.value.status == status and hint in str(caught.value)
    assert "fake-other-token" not in str(caught.value)
    assert len(fake.calls) == (1 if grant is None else 2)  # refused at once, never retried


def test_a_refused_token_says_so(fake, clock):
    with pytest.raises(ApiError, match=r"HTTP 401\): Bad credentials: GITHUB_TOKEN was refused"):
        list(records(fake, clock, token="fake-revoked-token").deployments("production"))


def test_more_than_100_deployments_are_each_listed_once_newest_first(fake, clock, shas):
    ours = [fake.add_deployment(shas[-1], "production", created_at=T0 + timedelta(minutes=i),
                                payload={"recorded_by": "maintainpro-ops"}) for i in range(230)]
    actions = [fake.add_deployment(shas[-1], "production", created_at=T0 + timedelta(minutes=i, seconds=30))
               for i in range(20)]  # what GitHub Actions makes for jobs naming the environment
    fake.add_deployment(shas[-1], "staging", created_at=T0, payload={"recorded_by": "maintainpro-ops"})
    gh = records(fake, clock)
    assert [d.id for d in gh.deployments("production")] == ours[::-1]
    assert sorted(d.id for d in gh.deployments("production", only_ours=False)) == sorted(ours + actions)
    assert fake.ops().count("repos/list-deployments") == 6  # 250 deployments: 3 pages of 100, twice


def test_since_stops_reading_at_the_first_older_deployment(fake, clock, shas):
    for day in range(300):
        fake.add_deployment(shas[-1], "production", created_at=T0 + timedelta(days=day),
                            payload={"recorded_by": "maintainpro-ops"})
    since = T0 + timedelta(days=250)
    found = list(records(fake, clock).deployments("production", since=since))
    assert [d.created_at for d in found] == [T0 + timedelta(days=day) for day in range(299, 249, -1)]
    assert fake.ops() == ["repos/list-deployments"]  # the 50 newest are all on the first page


def test_a_comparison_over_several_pages_returns_every_commit_once_oldest_first(fake, clock, shas):
    more = fake.add_commits(230, start=T0 + timedelta(hours=1), every=timedelta(minutes=1))
    commits = records(fake, clock).compare(shas[-1], more[-1])
    assert [c.sha for c in commits] == more
    assert commits[0].committed_at == T0 + timedelta(hours=1)
    assert commits[-1].committed_at == T0 + timedelta(hours=1, minutes=229)
    assert fake.ops() == ["repos/compare-commits-with-basehead"] * 3


def test_commits_and_a_single_commit(fake, clock, shas):
    gh = records(fake, clock)
    window = list(gh.commits(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=30)))
    assert [c.sha for c in window] == [shas[3], shas[2], shas[1]]
    assert gh.commit(shas[0]).committed_at == T0


def test_a_short_comparison_is_an_error_not_a_silent_undercount():
    with FaultServer() as server:
        server.then(Answer(200, {"status": "ahead", "total_commits": 3, "commits": []}))
        client = ApiClient(server.url, "fake-github-token", sleep=lambda s: None)
        with pytest.raises(ApiError, match="GitHub listed 0 of the 3 commits between a and b"):
            GitHubDeployments(client, APP_REPO).compare("a", "b")


def test_an_answer_of_the_wrong_shape_is_one_clear_error():
    with FaultServer() as server:
        server.then(Answer(200, [{"id": 1}]))
        client = ApiClient(server.url, "fake-github-token", sleep=lambda s: None)
        with pytest.raises(ApiError) as caught:
            list(GitHubDeployments(client, APP_REPO).deployments("production"))
    assert str(caught.value) == ("github deployments: repos/list-deployments failed (no response): "
                                 "unexpected answer (KeyError: 'sha')")


def test_the_record_keeps_its_own_payload_keys():
    record = DeploymentRecord(ref="main", environment="staging", task="deploy", description="d",
                              payload={"record_id": "mine"})
    with pytest.raises(ValueError, match="payload: record_id is set by the record itself"):
        record.create_body("x")


def test_a_repo_that_is_not_owner_slash_name_is_refused():
    with pytest.raises(ValueError, match="not owner/name"):
        GitHubDeployments(ApiClient("https://api.github.com", "t"), "maintainpro-app")


def test_run_log_url_only_inside_actions():
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "42"}
    assert run_log_url(env) == "https://github.com/o/r/actions/runs/42"
    assert run_log_url({**env, "GITHUB_RUN_ATTEMPT": "1"}) == "https://github.com/o/r/actions/runs/42"
    assert run_log_url({**env, "GITHUB_RUN_ATTEMPT": "3"}) == "https://github.com/o/r/actions/runs/42/attempts/3"
    assert run_log_url({k: v for k, v in env.items() if k != "GITHUB_RUN_ID"}) is None
    assert run_log_url({}) is None


def test_an_error_never_shows_the_token(fake, clock, shas):
    fake.fail("repos/create-deployment", status=422, message=f"Validation Failed: token {TOKEN} echoed")
    with pytest.raises(ApiError) as caught:
        records(fake, clock).start(publish(shas[-1]), log_url=None)
    assert TOKEN not in str(caught.value) and "token [token] echoed" in str(caught.value)


def test_github_client_reads_the_token_and_address_from_the_environment(monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with pytest.raises(MissingCredential, match="export GITHUB_TOKEN"):
        github_client()
    monkeypatch.setenv("GITHUB_TOKEN", "fake-github-token")
    monkeypatch.delenv("GITHUB_API_URL", raising=False)
    client = github_client(until=123.0)
    assert (client.base_url, client.token, client.deadline) == ("https://api.github.com", "fake-github-token", 123.0)
    assert client.extra_headers == {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example.org/api/v3")
    assert github_client().base_url == "https://ghe.example.org/api/v3"


def test_the_app_repo_comes_from_the_stack_config():
    assert app_repo(read_stack_file("production").validate()) == "maintainpro-example/maintainpro-app"
