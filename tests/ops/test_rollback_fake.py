"""`ops rollback` end to end against the stateful Netlify fake (answers checked against the spec)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import ops.rollback
from ops.publish import publish
from ops.stackfile import read_stack_file
from providers.http import ApiClient, ApiError
from tests.ops.cli_runner import run_rollback as run
from tests.ops.promote_support import Recorder
from tests.support.netlify_fake import FakeNetlify

SITE_NAME = read_stack_file("production").validate().netlify.site_name


@pytest.fixture
def fake() -> Iterator[FakeNetlify]:
    """The production site: d0 < d1 < d2 (live) once-published deploys, a never-published draft, a failed one, a preview."""
    with FakeNetlify() as server:
        _, site = server.op_createSite(query={}, body={"name": SITE_NAME})
        # d0 and d1 were live once (published_at); d0 is listed `old`, as superseded deploys can be.
        server.add_deploy(site["id"], id="d0", created_at="2026-11-22T10:00:00Z", title="first", state="old",
                          published_at="2026-11-22T10:05:00Z")
        server.add_deploy(site["id"], id="d1", created_at="2026-11-23T10:00:00Z", title="[wip] fix [bold]it[/bold]",
                          commit_ref="0123456789abcdef0123", published_at="2026-11-23T10:05:00Z")
        # A draft newer than d1 that failed its smoke test: ready, production context, never published.
        server.add_deploy(site["id"], id="n1", created_at="2026-11-23T12:00:00Z", title="draft", draft=True)
        server.add_deploy(site["id"], id="d2", created_at="2026-11-24T10:00:00Z", title="broken", publish=True)
        server.add_deploy(site["id"], id="d3", created_at="2026-11-25T10:00:00Z", state="error")
        server.add_deploy(site["id"], id="p1", created_at="2026-11-25T09:00:00Z", context="deploy-preview")
        server.site = site  # type: ignore[attr-defined]
        yield server
        assert not server.schema_errors, server.schema_errors



def test_missing_token_names_only_what_rollback_reads() -> None:
    result = run("http://127.0.0.1:9", "--list", token=None)
    assert result.returncode == 2
    assert "export NETLIFY_AUTH_TOKEN" in result.stderr
    assert "pulumi config" not in result.stderr  # rollback never reads the stack's secret config


def test_rollback_locks_and_unlock_undoes_it(fake: FakeNetlify) -> None:
    rolled = run(fake.url, "--yes")
    assert rolled.returncode == 0, rolled.stderr
    assert fake.site["published_deploy"]["id"] == "d1"  # type: ignore[attr-defined]
    assert fake.deploys["d1"]["locked"] is True
    assert "--unlock" in rolled.stdout
    fake.reset_calls()
    unlocked = run(fake.url, "--unlock", "--yes")
    assert unlocked.returncode == 0, unlocked.stderr
    assert fake.ops() == ["listSites", "unlockDeploy"]
    assert fake.deploys["d1"]["locked"] is False
    assert f"{SITE_NAME}: deploy d1 is live and unlocked" in unlocked.stdout


def test_unlock_without_yes_off_a_terminal_changes_nothing(fake: FakeNetlify) -> None:
    fake.deploys["d2"]["locked"] = True
    result = run(fake.url, "--unlock")
    assert result.returncode == 2
    assert "pass --yes" in result.stderr
    assert "unlockDeploy" not in fake.ops()
    assert fake.deploys["d2"]["locked"] is True


def test_unlock_is_not_combined_with_a_target(fake: FakeNetlify) -> None:
    result = run(fake.url, "--unlock", "--to", "d0", "--yes")
    assert result.returncode == 2 and "--unlock" in result.stderr
    assert fake.ops() == []


def test_list_json_is_a_stable_document_of_the_ready_production_deploys(fake: FakeNetlify) -> None:
    fake.deploys["d2"]["locked"] = True
    result = run(fake.url, "--list", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert result.stdout == json.dumps(document, sort_keys=True, indent=2) + "\n"  # keys sorted, nothing else
    assert document["site"] == SITE_NAME and document["published_deploy"] == "d2"
    assert [d["id"] for d in document["deploys"]] == ["d2", "d1", "d0"]
    assert document["deploys"][1] == {
        "branch": "main", "commit_ref": "0123456789abcdef0123", "created_at": "2026-11-23T10:00:00Z", "id": "d1",
        "locked": False, "published": False, "state": "ready", "title": "[wip] fix [bold]it[/bold]",
    }
    assert document["deploys"][0]["locked"] is True and document["deploys"][0]["published"] is True
    assert [c.operation for c in fake.calls] == ["listSites", "listSiteDeploys"]


def test_json_needs_list(fake: FakeNetlify) -> None:
    result = run(fake.url, "--json", "--yes")
    assert result.returncode == 2 and "--json" in result.stderr
    assert fake.ops() == []


def test_deploy_titles_are_printed_verbatim(fake: FakeNetlify) -> None:
    result = run(fake.url, "--list")
    assert result.returncode == 0, result.stderr
    assert "[wip] fix [bold]it[/bold]" in result.stdout


def test_a_lost_answer_to_the_restore_is_looked_after_not_resent(fake: FakeNetlify) -> None:
    fake.fail("restoreSiteDeploy", drop_after=True)  # Netlify switches, the answer never arrives
    result = run(fake.url, "--yes")
    assert result.returncode == 0, result.stderr
    assert [c.path for c in fake.calls if c.operation == "restoreSiteDeploy"] == [f"/sites/{fake.site['id']}/deploys/d1/restore"]  # type: ignore[attr-defined]
    assert fake.site["published_deploy"]["id"] == "d1" and fake.deploys["d1"]["locked"] is True  # type: ignore[attr-defined]


def test_rolling_back_from_a_locked_deploy_unlocks_it(fake: FakeNetlify) -> None:
    """Publishing another deploy unlocks the locked live one (netlify.com/docs/locked-deploys): the
    fake says so, and rollback's read-back sees the restored deploy locked, not the old one."""
    fake.deploys["d2"]["locked"] = True
    result = run(fake.url, "--yes")
    assert result.returncode == 0, result.stderr
    assert (fake.deploys["d2"]["locked"], fake.deploys["d1"]["locked"]) == (False, True)


def test_the_live_deploy_changing_before_the_switch_is_refused(fake: FakeNetlify, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the listing and the switch, someone publishes d0: the rollback to d1 refuses."""
    chosen = ops.rollback.choose_target

    def choose_then_interleave(*args: object) -> object:
        target = chosen(*args)  # type: ignore[arg-type]
        fake.op_restoreSiteDeploy(fake.site["id"], "d0", query={}, body=None)  # type: ignore[attr-defined]
        return target

    monkeypatch.setattr(ops.rollback, "choose_target", choose_then_interleave)
    result = run(fake.url, "--yes")
    assert result.returncode == 1
    assert "the live deploy is d0, not d2 as expected" in result.stderr
    assert "restoreSiteDeploy" not in fake.ops() and fake.site["published_deploy"]["id"] == "d0"  # type: ignore[attr-defined]


def test_a_rollback_is_recorded_as_a_rollback_deployment(fake: FakeNetlify, monkeypatch: pytest.MonkeyPatch) -> None:
    log = Recorder()
    monkeypatch.setattr(ops.rollback, "deployment_log", lambda cfg: log)
    result = run(fake.url, "--yes", record=True)
    assert result.returncode == 0, result.stderr
    assert log.calls == [("start", "rollback", "d1", 101), ("finish", 101, "success", fake.site["ssl_url"])]  # type: ignore[attr-defined]
    (record,) = log.records
    assert (record.ref, record.environment, record.task, record.production) == ("0123456789abcdef0123", "production",
                                                                                 "rollback", True)
    assert record.payload == {"stack": "production", "site": SITE_NAME, "netlify_deploy_id": "d1",
                              "previous_deploy_id": "d2"}
    fake.reset_calls()
    log.calls.clear()
    assert run(fake.url, "--to", "d0", "--yes", "--no-record").returncode == 0
    assert log.calls == []


def test_only_a_ready_deploy_can_be_published(fake: FakeNetlify) -> None:
    """The live API answers 422 "The deploy is not ready for publishing" (see the fake's restore)."""
    client = ApiClient(fake.url, "fake-netlify-token", resource="test")
    with pytest.raises(ApiError) as refused:
        publish(client, fake.site["id"], "d3", expect="d2", lock=False)  # type: ignore[attr-defined]
    assert (refused.value.status, refused.value.message) == (422, "The deploy is not ready for publishing")
    assert fake.site["published_deploy"]["id"] == "d2"  # type: ignore[attr-defined]
    _, other = fake.op_createSite(query={}, body={"name": "someone-elses-site"})
    assert client.request("GET", f"/sites/{other['id']}/deploys/d1", operation="getSiteDeploy", not_found_ok=True) is None


def test_a_superseded_deploy_listed_old_is_a_target_and_a_never_published_draft_is_not(fake: FakeNetlify) -> None:
    """n1 (ready, production context, never published) is newer than d1 but is skipped; d0 (`old`) can go back live."""
    listed = run(fake.url, "--list", "--json")
    assert [d["id"] for d in json.loads(listed.stdout)["deploys"]] == ["d2", "d1", "d0"]
    rolled = run(fake.url, "--to", "d0", "--yes")
    assert rolled.returncode == 0, rolled.stderr
    assert fake.site["published_deploy"]["id"] == "d0"  # type: ignore[attr-defined]
    assert fake.deploys["d2"]["state"] == "old"  # what it superseded is listed `old` now, still a target
    refused = run(fake.url, "--to", "n1", "--yes")
    assert refused.returncode == 2 and "'n1' is not" in refused.stderr
    assert fake.site["published_deploy"]["id"] == "d0"  # type: ignore[attr-defined]
