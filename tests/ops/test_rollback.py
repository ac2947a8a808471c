"""`ops rollback` against a scripted Netlify (behaviour) and Prism (every request valid per spec)."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from ops.rollback import Deploy, choose_target
from providers.http import ApiClient
from tests.ops.cli_runner import run_rollback as run
from tests.stacks import ROOT
from tests.support.faults import Answer, FaultServer
from tests.support.prism import prism

SPEC = ROOT / "node_modules" / "@netlify" / "open-api" / "dist" / "swagger.json"
SITE = {"id": "site-123", "name": "maintainpro-production", "published_deploy": {"id": "d2"}}


def deploy(id_: str, created: str, state: str = "ready", context: str = "production", published: bool = True) -> dict:
    """A deploy as listSiteDeploys shows it; `published`: it was live once (`published_at`)."""
    return {"id": id_, "created_at": created, "state": state, "context": context, "branch": "main", "commit_ref": f"c-{id_}",
            **({"published_at": created} if published else {})}


DEPLOYS = [
    deploy("d3", "2026-11-25T10:00:00Z", state="error", published=False),
    deploy("p1", "2026-11-25T09:00:00Z", context="deploy-preview", published=False),
    deploy("d2", "2026-11-24T10:00:00Z"),
    deploy("d1", "2026-11-23T10:00:00Z"),
    deploy("d0", "2026-11-22T10:00:00Z"),
]



def test_rolls_back_to_the_deploy_before_the_live_one_and_locks_it() -> None:
    with FaultServer() as server:
        locked_d1 = {**deploy("d1", "x"), "locked": True}
        server.then(Answer(200, [SITE]), Answer(200, DEPLOYS), Answer(200, SITE), Answer(201, deploy("d1", "x")),
                    Answer(200, locked_d1), Answer(200, {**SITE, "published_deploy": locked_d1}))
        result = run(server.url, "--yes")
        assert result.returncode == 0, result.stderr
        calls = [(r.method, r.path.split("?")[0]) for r in server.requests]
    # The publish path (ops/publish.py) reads the live deploy before the switch (the expected one) and after it.
    assert calls == [
        ("GET", "/sites"),
        ("GET", "/sites/site-123/deploys"),
        ("GET", "/sites/site-123"),
        ("POST", "/sites/site-123/deploys/d1/restore"),
        ("POST", "/deploys/d1/lock"),
        ("GET", "/sites/site-123"),
    ]
    assert "deploy d1 is live" in result.stdout and "previous: d2" in result.stdout


def test_without_a_terminal_or_yes_nothing_is_changed() -> None:
    with FaultServer() as server:
        server.then(Answer(200, [SITE]), Answer(200, DEPLOYS))
        result = run(server.url)
        methods = [r.method for r in server.requests]
    assert result.returncode == 2
    assert "pass --yes" in result.stderr
    assert "POST" not in methods


def test_api_refusal_is_one_clear_error() -> None:
    with FaultServer() as server:
        server.then(Answer(401, {"code": 401, "message": "Access Denied"}))
        result = run(server.url, "--list")
    assert result.returncode == 1
    assert "listSites failed (HTTP 401): Access Denied" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_token_is_named() -> None:
    result = run("http://127.0.0.1:9", "--list", token=None)
    assert result.returncode == 2
    assert "NETLIFY_AUTH_TOKEN" in result.stderr


def test_target_choice() -> None:
    deploys = [Deploy.from_api(d) for d in DEPLOYS if d["state"] == "ready" and d["context"] == "production"]
    assert choose_target(deploys, "d2", None).id == "d1"
    assert choose_target(deploys, "d2", "d0").id == "d0"
    with pytest.raises(LookupError, match="no earlier"):
        choose_target(deploys, "d0", None)
    with pytest.raises(LookupError, match="is not a deploy of this site that was live before"):
        choose_target(deploys, "d2", "d3")
    with pytest.raises(LookupError, match="name one with --to"):
        choose_target(deploys, "gone", None)


def test_every_rollback_request_is_valid_per_the_netlify_spec() -> None:
    violations: list[str] = []

    def record(response: httpx.Response) -> None:
        if "sl-violations" in response.headers or response.status_code in (404, 405, 415, 422):
            violations.append(f"{response.request.method} {response.request.url.path}: {response.status_code} {response.headers.get('sl-violations')}")

    with prism(SPEC) as url:
        client = ApiClient(url, "fake-netlify-token", resource="test")
        client._http().event_hooks["response"] = [record]
        client.request("GET", "/sites", operation="listSites", params={"name": "maintainpro-production", "filter": "all"})
        client.request("GET", "/sites/site-123/deploys", operation="listSiteDeploys", params={"per_page": 50})
        client.request("GET", "/sites/site-123", operation="getSite")
        client.request("GET", "/sites/site-123/deploys/d1", operation="getSiteDeploy")
        client.request("POST", "/sites/site-123/deploys/d1/restore", operation="restoreSiteDeploy", idempotent=True)
        client.request("POST", "/deploys/d1/lock", operation="lockDeploy", idempotent=True)
        client.request("POST", "/deploys/d1/unlock", operation="unlockDeploy", idempotent=True)
    assert violations == []


def test_client_logs_stay_quiet_even_when_a_wrapper_turns_on_debug_logging() -> None:
    """httpx logs every request URL at INFO; a webhook or API URL can itself be a secret."""
    script = (
        "import logging, sys; logging.basicConfig(level=logging.DEBUG); "
        "sys.argv = ['ops', 'rollback', '--stack', 'production', '--list']; "
        "from ops.cli import main; main()"
    )
    with FaultServer() as server:
        server.then(Answer(200, [SITE]), Answer(200, DEPLOYS))
        env = {**os.environ, "NETLIFY_API_URL": server.url + "/fake-secret-path", "NETLIFY_AUTH_TOKEN": "fake-netlify-token"}
        result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "fake-secret-path" not in result.stderr + result.stdout
    assert "fake-netlify-token" not in result.stderr + result.stdout


def test_a_stray_argument_is_not_echoed_back() -> None:
    """A connection string typed without its option name may hold a password."""
    result = subprocess.run(
        [sys.executable, "-m", "ops", "rollback", "--stack", "production", "postgresql://u:fake-pass-789@h/db"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "unexpected extra argument(s) (not shown" in result.stderr
    assert "fake-pass-789" not in result.stderr + result.stdout
