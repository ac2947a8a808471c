"""`ops rollback` end to end against the stateful Netlify fake (answers checked against the spec)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from ops.stackfile import read_stack_file
from tests.ops.cli_runner import run_rollback as run
from tests.support.netlify_fake import FakeNetlify

SITE_NAME = read_stack_file("production").validate().netlify.site_name


@pytest.fixture
def fake() -> Iterator[FakeNetlify]:
    """The production site: d0 < d1 < d2 (live) ready production deploys, a newer failed one, a preview."""
    with FakeNetlify() as server:
        _, site = server.op_createSite(query={}, body={"name": SITE_NAME})
        server.add_deploy(site["id"], id="d0", created_at="2026-11-22T10:00:00Z", title="first")
        server.add_deploy(site["id"], id="d1", created_at="2026-11-23T10:00:00Z", title="[wip] fix [bold]it[/bold]",
                          commit_ref="0123456789abcdef0123")
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
