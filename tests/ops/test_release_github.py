"""Releases recorded where reviewers look: `ops promote` and `ops rollback` against the Netlify fake
and the GitHub fake together (requests validated against @octokit/openapi), through the real
`deployment_log` (GITHUB_TOKEN, GITHUB_API_URL) rather than an in-test recorder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.ops.cli_runner import Completed, netlify_env, run_ops
from tests.ops.promote_support import TOKEN, Stage, stage
from tests.support.github_fake import APP_REPO, FakeGitHub
from tests.support.github_fake import TOKEN as GITHUB_TOKEN

T0 = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server
    assert not server.schema_errors, server.schema_errors
    assert not server.request_errors, server.request_errors


@pytest.fixture
def st(tmp_path: Path, gh: FakeGitHub) -> Iterator[Stage]:
    """Blue (an API deploy: Netlify knows no commit for it) is live, recorded as our release of `blue`."""
    with stage(tmp_path) as s:
        s.fake.deploys["d-blue"].pop("commit_ref")
        yield s


@pytest.fixture
def shas(gh: FakeGitHub) -> dict[str, str]:
    blue, green = gh.add_commits(2, start=T0, every=timedelta(hours=1))
    gh.add_deployment(blue, "production", created_at=T0 + timedelta(minutes=30), statuses=[
        ("in_progress", T0 + timedelta(minutes=30)), ("success", T0 + timedelta(minutes=31))],
        payload={"recorded_by": "maintainpro-ops", "record_id": "r-blue", "netlify_deploy_id": "d-blue",
                 "stack": "production"})
    return {"blue": blue, "green": green}


def api_draft(st: Stage, deploy_id: str, **fields: Any) -> None:
    """A draft as `ops deploy` makes it: the file-digest API records no commit (no `commit_ref`)."""
    st.draft(deploy_id, **fields)
    st.fake.deploys[deploy_id].pop("commit_ref")


def ops(st: Stage, gh: FakeGitHub, *args: str, github_token: str | None = GITHUB_TOKEN) -> Completed:
    env = netlify_env(st.fake.url, TOKEN) | {"GITHUB_API_URL": gh.url}
    env.pop("GITHUB_TOKEN", None)
    if github_token:
        env["GITHUB_TOKEN"] = github_token
    return run_ops(*args, env=env)


def ours(gh: FakeGitHub) -> list[dict[str, Any]]:
    """Deployments this run recorded, oldest first (the preloaded blue record excluded)."""
    repo = gh.repo(APP_REPO)
    return [d for _, d in sorted(repo.deployments.items()) if d["payload"].get("record_id") != "r-blue"]


def states(gh: FakeGitHub, deployment_id: int) -> list[str]:
    return [s["state"] for s in gh.repo(APP_REPO).statuses[deployment_id]]


def test_a_promotion_is_one_production_deployment_of_the_commit_shipped(st: Stage, gh: FakeGitHub,
                                                                         shas: dict[str, str]) -> None:
    api_draft(st, "d-green")
    result = ops(st, gh, "promote", "--stack", "production", "--deploy", "d-green", "--commit", shas["green"])
    assert result.returncode == 0, result.stderr
    (release,) = ours(gh)
    assert (release["sha"], release["task"], release["environment"], release["production_environment"]) == (
        shas["green"], "deploy", "production", True)
    assert release["payload"]["netlify_deploy_id"] == "d-green" and release["payload"]["previous_deploy_id"] == "d-blue"
    assert release["payload"]["recorded_by"] == "maintainpro-ops"
    assert states(gh, release["id"]) == ["in_progress", "success"]
    assert gh.repo(APP_REPO).statuses[release["id"]][-1]["environment_url"] == st.sites.live.url
    blue_id = next(i for i, d in gh.repo(APP_REPO).deployments.items() if d["payload"].get("record_id") == "r-blue")
    assert states(gh, blue_id)[-1] == "inactive"  # the release it superseded is retired


def test_a_rolled_back_promotion_records_the_failure_and_a_rollback_of_the_previous_commit(
        st: Stage, gh: FakeGitHub, shas: dict[str, str]) -> None:
    api_draft(st, "d-green", live_status=502)
    result = ops(st, gh, "promote", "--stack", "production", "--deploy", "d-green", "--commit", shas["green"])
    assert result.returncode == 1 and st.live() == "d-blue"
    release, rollback = ours(gh)
    assert (release["task"], states(gh, release["id"])) == ("deploy", ["in_progress", "failure"])
    # Netlify knows no commit for blue: the rollback ships the commit blue's own record names.
    assert (rollback["task"], rollback["sha"]) == ("rollback", shas["blue"])
    assert rollback["payload"]["rollback_of"] == str(release["id"])
    assert rollback["payload"]["netlify_deploy_id"] == "d-blue"
    assert states(gh, rollback["id"]) == ["in_progress", "success"]


def test_without_a_github_token_nothing_is_published_unless_no_record_is_asked(st: Stage, gh: FakeGitHub,
                                                                                 shas: dict[str, str]) -> None:
    api_draft(st, "d-green")
    refused = ops(st, gh, "promote", "--stack", "production", "--deploy", "d-green", github_token=None)
    assert refused.returncode == 2
    assert "export GITHUB_TOKEN" in refused.stderr and "--no-record" in refused.stderr
    assert st.restores() == [] and st.live() == "d-blue"
    unrecorded = ops(st, gh, "promote", "--stack", "production", "--deploy", "d-green", "--no-record",
                     github_token=None)
    assert unrecorded.returncode == 0, unrecorded.stderr
    assert st.live() == "d-green" and ours(gh) == []


def test_a_manual_rollback_is_a_rollback_deployment(st: Stage, gh: FakeGitHub, shas: dict[str, str]) -> None:
    api_draft(st, "d-green")
    assert ops(st, gh, "promote", "--stack", "production", "--deploy", "d-green", "--commit",
               shas["green"]).returncode == 0
    result = ops(st, gh, "rollback", "--stack", "production", "--yes")
    assert result.returncode == 0, result.stderr
    assert st.live() == "d-blue"
    _, rollback = ours(gh)
    assert (rollback["task"], rollback["sha"], rollback["payload"]["netlify_deploy_id"]) == (
        "rollback", shas["blue"], "d-blue")
    assert "rollback_of" not in rollback["payload"]  # an operator's decision, not a failed release's
    assert states(gh, rollback["id"]) == ["in_progress", "success"]


def test_a_token_that_cannot_see_the_repo_warns_and_the_release_goes_on(st: Stage, gh: FakeGitHub,
                                                                        shas: dict[str, str]) -> None:
    gh.grant("fake-github-token-elsewhere", "someone/else", "write")
    api_draft(st, "d-green")
    result = ops(st, gh, "promote", "--stack", "production", "--deploy", "d-green", "--commit", shas["green"],
                 github_token="fake-github-token-elsewhere")
    assert result.returncode == 0, result.stderr
    assert st.live() == "d-green" and ours(gh) == []
    assert "warning: GitHub deployment deploy of d-green not recorded" in result.stderr
    assert "fake-github-token-elsewhere" not in result.stderr + result.stdout
