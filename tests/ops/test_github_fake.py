"""The GitHub fake itself: it refuses what GitHub's description refuses, answers only what the
description allows, and behaves as GitHub documents where the description is silent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.support.github_fake import APP_REPO, TOKEN, FakeGitHub

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
REPO = f"/repos/{APP_REPO}"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server
    assert not server.schema_errors, server.schema_errors


def http(fake: FakeGitHub, token: str | None = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=fake.url, headers=headers)


def deploy(api: httpx.Client, ref: str, environment: str = "staging", **body) -> httpx.Response:
    return api.post(f"{REPO}/deployments", json={"ref": ref, "environment": environment, "auto_merge": False,
                                                 "required_contexts": [], **body})


def test_a_body_the_description_refuses_is_answered_422_and_noted(fake):
    sha = fake.add_commits(1, start=T0, every=timedelta(hours=1))[0]
    with http(fake) as api:
        refused = api.post(f"{REPO}/deployments", json={"ref": sha, "auto_merge": "no"})
        assert refused.status_code == 422
        deployment = deploy(api, sha).json()
        bad_state = api.post(f"{REPO}/deployments/{deployment['id']}/statuses", json={"state": "done"})
        no_ref = api.post(f"{REPO}/deployments", json={"environment": "staging"})
    assert bad_state.status_code == 422 and no_ref.status_code == 422
    assert "'done' is not one of" in bad_state.json()["message"]
    assert fake.request_errors == [
        "repos/create-deployment: 'no' is not of type 'boolean' at ['auto_merge']",
        "repos/create-deployment-status: 'done' is not one of ['error', 'failure', 'inactive', 'in_progress', "
        "'queued', 'pending', 'success'] at ['state']",
        "repos/create-deployment: 'ref' is a required property at []",
    ]
    assert len(fake.repo().deployments) == 1


def test_a_query_parameter_of_the_wrong_type_is_refused(fake):
    with http(fake) as api:
        assert api.get(f"{REPO}/deployments", params={"per_page": "many"}).status_code == 400
        assert api.get(f"{REPO}/commits", params={"since": "yesterday"}).status_code == 400
    assert fake.request_errors == ["repos/list-deployments: per_page: 'many' is not an integer",
                                   "repos/list-commits: since: 'yesterday' is not an RFC 3339 date-time"]


def test_an_answer_the_description_does_not_allow_is_caught(fake, monkeypatch):
    sha = fake.add_commits(1, start=T0, every=timedelta(hours=1))[0]
    original = FakeGitHub.op_repos_get_deployment

    def without_sha(self, repo, deployment_id, **kw):
        status, body, headers = original(self, repo, deployment_id, **kw)
        return status, {k: v for k, v in body.items() if k != "sha"}, headers

    monkeypatch.setattr(FakeGitHub, "op_repos_get_deployment", without_sha)
    with http(fake) as api:
        api.get(f"{REPO}/deployments/{deploy(api, sha).json()['id']}")
    assert fake.schema_errors == ["repos/get-deployment 200: 'sha' is a required property at []"]
    fake.schema_errors.clear()


def test_status_descriptions_over_140_characters_are_refused(fake):
    sha = fake.add_commits(1, start=T0, every=timedelta(hours=1))[0]
    with http(fake) as api:
        deployment_id = deploy(api, sha).json()["id"]
        long = api.post(f"{REPO}/deployments/{deployment_id}/statuses", json={"state": "success", "description": "x" * 141})
        at_limit = api.post(f"{REPO}/deployments/{deployment_id}/statuses", json={"state": "success", "description": "x" * 140})
    assert long.status_code == 422 and at_limit.status_code == 201


def test_auth_as_github_answers_it(fake):
    fake.grant("read-only", APP_REPO, "read")
    fake.grant("elsewhere", "someone/else", None)

    def as_(token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if token else {}

    with httpx.Client(base_url=fake.url) as api:
        assert api.get(f"{REPO}/deployments", headers=as_(None)).json()["message"] == "Requires authentication"
        assert api.get(f"{REPO}/deployments", headers=as_("forged")).status_code == 401
        # A private repository a token cannot see is "Not Found", not "Forbidden".
        assert api.get(f"{REPO}/deployments", headers=as_("elsewhere")).status_code == 404
        assert api.get(f"{REPO}/deployments", headers=as_("read-only")).status_code == 200
        refused = api.post(f"{REPO}/deployments", json={"ref": "main"}, headers=as_("read-only"))
        assert refused.json()["message"] == "Resource not accessible by integration"
        unsupported = api.get(f"{REPO}/deployments", headers={**as_(TOKEN), "X-GitHub-Api-Version": "2099-01-01"})
        assert unsupported.status_code == 400
        fake.hidden_status = 403
        assert api.get(f"{REPO}/deployments", headers=as_("elsewhere")).status_code == 403
    assert fake.repo().deployments == {}


def test_listings_page_with_link_headers_and_at_most_100_items(fake):
    sha = fake.add_commits(1, start=T0, every=timedelta(hours=1))[0]
    for i in range(250):
        fake.add_deployment(sha, "production", created_at=T0 + timedelta(minutes=i))
    with http(fake) as api:
        first = api.get(f"{REPO}/deployments", params={"per_page": 500})
        last = api.get(f"{REPO}/deployments", params={"per_page": 100, "page": 3})
    assert len(first.json()) == 100  # per_page is capped at 100
    assert first.json()[0]["created_at"] == "2026-03-02T13:09:00Z"  # newest first (T0 + 249 min)
    assert first.headers["Link"] == (
        f'<{fake.url}{REPO}/deployments?per_page=500&page=2>; rel="next", '
        f'<{fake.url}{REPO}/deployments?per_page=500&page=3>; rel="last"')
    assert len(last.json()) == 50
    assert last.headers["Link"] == (f'<{fake.url}{REPO}/deployments?per_page=100&page=2>; rel="prev", '
                                    f'<{fake.url}{REPO}/deployments?per_page=100&page=1>; rel="first"')


def test_compare_pages_oldest_first_and_without_paging_keeps_the_last_250(fake):
    shas = fake.add_commits(300, start=T0, every=timedelta(minutes=1))
    with http(fake) as api:
        unpaged = api.get(f"{REPO}/compare/{shas[0]}...{shas[-1]}").json()
        page2 = api.get(f"{REPO}/compare/{shas[0]}...{shas[-1]}", params={"per_page": 100, "page": 2})
        behind = api.get(f"{REPO}/compare/{shas[-1]}...{shas[0]}").json()
        missing = api.get(f"{REPO}/compare/{shas[0]}...{'f' * 40}")
    assert unpaged["total_commits"] == 299 and unpaged["status"] == "ahead"
    assert [c["sha"] for c in unpaged["commits"]] == shas[50:]  # the 250 most recent, the head last
    assert [c["sha"] for c in page2.json()["commits"]] == shas[101:201]
    assert 'rel="next"' in page2.headers["Link"] and 'rel="prev"' in page2.headers["Link"]
    assert (behind["status"], behind["behind_by"], behind["commits"]) == ("behind", 299, [])
    assert missing.status_code == 404


def test_list_commits_walks_back_from_a_ref_within_since_and_until(fake):
    shas = fake.add_commits(10, start=T0, every=timedelta(hours=1))
    fake.add_branch("release", shas[5])
    with http(fake) as api:
        window = api.get(f"{REPO}/commits", params={"since": "2026-03-02T11:00:00Z", "until": "2026-03-02T14:00:00Z"})
        release = api.get(f"{REPO}/commits", params={"sha": "release", "per_page": 2})
        one = api.get(f"{REPO}/commits/heads/release")
    assert [c["sha"] for c in window.json()] == [shas[5], shas[4], shas[3], shas[2]]
    assert [c["sha"] for c in release.json()] == [shas[5], shas[4]] and 'rel="next"' in release.headers["Link"]
    assert one.json()["sha"] == shas[5] and one.json()["commit"]["committer"]["date"] == "2026-03-02T14:00:00Z"


def test_an_older_commit_is_deployed_only_without_auto_merge(fake):
    shas = fake.add_commits(3, start=T0, every=timedelta(hours=1))
    fake.add_branch("topic", shas[0])
    with http(fake) as api:
        merged = api.post(f"{REPO}/deployments", json={"ref": shas[0], "required_contexts": []})
        topic = api.post(f"{REPO}/deployments", json={"ref": "topic", "required_contexts": []})
        plain = deploy(api, shas[0])
    assert merged.status_code == 409 and merged.json()["message"] == f"Conflict merging main into {shas[0]}."
    assert topic.status_code == 202 and topic.json() == {"message": "Auto-merged main into topic on deployment."}
    assert plain.status_code == 201 and len(fake.repo().deployments) == 1


def test_commit_status_checks_gate_a_deployment_unless_required_contexts_is_empty(fake):
    sha = fake.add_commits(1, start=T0, every=timedelta(hours=1))[0]
    fake.repo().checks[sha] = {"ci/test": "success", "ci/e2e": "failure"}
    with http(fake) as api:
        gated = api.post(f"{REPO}/deployments", json={"ref": sha, "auto_merge": False})
        named = api.post(f"{REPO}/deployments", json={"ref": sha, "auto_merge": False, "required_contexts": ["ci/test"]})
        ungated = deploy(api, sha)
    assert gated.status_code == 409 and "Commit status checks failed" in gated.json()["message"]
    assert named.status_code == 201 and ungated.status_code == 201


def test_auto_inactive_retires_prior_successes_of_the_same_non_production_environment(fake):
    sha = fake.add_commits(1, start=T0, every=timedelta(hours=1))[0]
    at = [T0 + timedelta(minutes=i) for i in range(6)]
    staging_old = fake.add_deployment(sha, "staging", created_at=at[0], statuses=[("success", at[0])])
    staging_failed = fake.add_deployment(sha, "staging", created_at=at[1], statuses=[("failure", at[1])])
    preview = fake.add_deployment(sha, "preview", created_at=at[2], statuses=[("success", at[2])])
    production_old = fake.add_deployment(sha, "production", created_at=at[3], statuses=[("success", at[3])])
    with http(fake) as api:
        for environment in ("staging", "production"):
            new = deploy(api, sha, environment).json()["id"]
            assert api.post(f"{REPO}/deployments/{new}/statuses", json={"state": "success"}).status_code == 201
    latest = {d: fake.repo().latest_state(d) for d in (staging_old, staging_failed, preview, production_old)}
    assert latest == {staging_old: "inactive", staging_failed: "failure", preview: "success",
                      production_old: "success"}  # "non-production": GitHub leaves production's alone


def test_auto_inactive_false_keeps_prior_successes(fake):
    sha = fake.add_commits(1, start=T0, every=timedelta(hours=1))[0]
    old = fake.add_deployment(sha, "staging", created_at=T0, statuses=[("success", T0)])
    with http(fake) as api:
        new = deploy(api, sha).json()["id"]
        api.post(f"{REPO}/deployments/{new}/statuses", json={"state": "success", "auto_inactive": False})
    assert fake.repo().latest_state(old) == "success"


def test_only_an_inactive_deployment_may_be_deleted_when_there_are_others(fake):
    sha = fake.add_commits(1, start=T0, every=timedelta(hours=1))[0]
    live = fake.add_deployment(sha, "staging", created_at=T0, statuses=[("success", T0)])
    gone = fake.add_deployment(sha, "staging", created_at=T0, statuses=[("inactive", T0)])
    with http(fake) as api:
        assert api.delete(f"{REPO}/deployments/{live}").status_code == 422
        assert api.delete(f"{REPO}/deployments/{gone}").status_code == 204
    assert list(fake.repo().deployments) == [live]


def test_a_rate_limited_window_answers_403_until_its_reset(fake):
    clock = [1_800_000_000.0]
    fake.clock = lambda: clock[0]
    fake.limit(remaining=1, reset=clock[0] + 60)
    with http(fake) as api:
        ok = api.get(f"{REPO}/deployments")
        limited = api.get(f"{REPO}/deployments")
        clock[0] += 60
        again = api.get(f"{REPO}/deployments")
    assert ok.status_code == 200 and ok.headers["x-ratelimit-remaining"] == "0"
    assert limited.status_code == 403 and limited.headers["x-ratelimit-reset"] == "1800000060"
    assert limited.json()["message"].startswith("API rate limit exceeded")
    assert again.status_code == 200 and again.headers["x-ratelimit-remaining"] == "4999"
