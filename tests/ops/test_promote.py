"""`ops promote` end to end: the stateful Netlify fake (answers checked against the spec) and real
HTTP servers on 127.0.0.1 serving each deploy's build with the stack's rendered `_headers`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.promote_support import HEADERS, SITE_NAME, TOKEN, Stage, stage


@pytest.fixture
def st(tmp_path: Path) -> Iterator[Stage]:
    with stage(tmp_path) as s:
        yield s


def test_a_good_draft_goes_live_after_its_smoke_test_and_is_validated_through_the_live_url(st: Stage) -> None:
    st.draft("d-green")
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 0, result.stderr
    assert st.live() == "d-green"
    assert st.restores() == [("d-green", 201)]
    assert st.fake.ops() == ["listSites", "getSiteDeploy", "getSite", "restoreSiteDeploy", "getSite"]
    # Smoke test on the draft's own URL, then validation through the site's URL, which served green;
    # production's monitoring checks of the site: uptime and headers on /, health on /healthz.
    assert sorted(st.sites.served["d-green"].requests) == sorted(
        [("/", False), ("/", False), ("/healthz", False), ("/", True), ("/", True), ("/healthz", True)])
    assert st.sites.served["d-blue"].requests == []
    assert result.stdout.strip() == (f"{SITE_NAME}: deploy d-green is live at {st.sites.live.url}; previous: d-blue "
                                     "(3 smoke and 3 live checks passed)")
    assert "smoke testing draft d-green" in result.stderr and "validating" in result.stderr  # progress on stderr


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ({"headers": HEADERS.replace("X-Frame-Options: DENY", "X-Frame-Options: SAMEORIGIN")},
         "headers-root ({url}/): drift: X-Frame-Options is 'SAMEORIGIN', expected 'DENY'"),
        ({"status": 500}, "uptime-root ({url}/): HTTP 500, expected 200"),
        ({"health": {"ok": False}}, "health ({url}/healthz): unhealthy"),
        ({"health": None}, "health ({url}/healthz): HTTP 404, expected 200"),
    ],
    ids=["header-drift", "http-500", "unhealthy-json", "no-health-endpoint"],
)
def test_a_draft_that_fails_its_smoke_test_never_goes_live(st: Stage, broken: dict, expected: str) -> None:
    draft = st.draft("d-green", **broken)
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 1, result.stderr
    assert st.live() == "d-blue"
    assert "restoreSiteDeploy" not in st.fake.ops()
    assert st.sites.served["d-green"].requests and all(not live for _, live in st.sites.served["d-green"].requests)
    assert expected.format(url=draft["deploy_ssl_url"]) in result.stderr
    assert "draft d-green failed its smoke test" in result.stderr and "nothing published" in result.stderr
    assert result.stderr.rstrip().endswith("[live now: d-blue]")
    assert "Traceback" not in result.stderr


def test_failed_live_validation_puts_the_previous_deploy_back(st: Stage) -> None:
    """Green passes on its own URL but fails on the site's domain: blue goes back, the run fails."""
    st.draft("d-green", live_status=502)
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 1
    assert st.live() == "d-blue"
    assert st.restores() == [("d-green", 201), ("d-blue", 201)]
    assert st.fake.ops() == ["listSites", "getSiteDeploy", "getSite", "restoreSiteDeploy", "getSite",
                             "getSite", "getSite", "restoreSiteDeploy", "getSite"]
    assert ("/", True) in st.sites.served["d-blue"].requests  # the rolled-back deploy was checked live too
    assert f"d-green went live but failed validation at {st.sites.live.url}" in result.stderr
    assert "uptime-root" in result.stderr and "HTTP 502, expected 200" in result.stderr
    assert "rolled back: d-blue is live again; its live checks pass [live now: d-blue]" in result.stderr


def test_a_cause_outside_the_release_is_named_when_the_previous_deploy_fails_live_too(st: Stage) -> None:
    st.draft("d-green", live_status=503)
    st.sites.served["d-blue"].live_status = 503  # e.g. the domain or the backend is down for every deploy
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 1
    assert st.live() == "d-blue"
    assert "its live checks fail too" in result.stderr and "the cause may lie outside this release" in result.stderr


def test_json_is_one_document_with_every_step(st: Stage) -> None:
    draft = st.draft("d-green", live_status=500)
    result = st.promote("--deploy", "d-green", "--json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert list(document) == sorted(document)
    assert {k: document[k] for k in ("stack", "site", "deploy", "previous", "verdict", "live", "draft_url", "site_url")} == {
        "stack": "production", "site": SITE_NAME, "deploy": "d-green", "previous": "d-blue", "verdict": "rolled-back",
        "live": "d-blue", "draft_url": draft["deploy_ssl_url"], "site_url": st.sites.live.url}
    assert [(r["name"], r["status"]) for r in document["smoke"]] == [("uptime-root", "ok"), ("headers-root", "ok"),
                                                                     ("health", "ok")]
    assert {r["name"]: r["status"] for r in document["validation"]} == {"uptime-root": "fail", "headers-root": "ok",
                                                                         "health": "fail"}
    assert all(r["status"] == "ok" for r in document["after_rollback"])
    assert document["deployments"] == {"release": None, "rollback": None}  # nothing recorded: no log configured
    assert document["error"] in result.stderr


def test_json_of_a_promotion(st: Stage) -> None:
    st.draft("d-green")
    result = st.promote("--deploy", "d-green", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["verdict"], document["live"], document["error"]) == ("promoted", "d-green", None)
    assert [r["url"] for r in document["validation"]] == [f"{st.sites.live.url}/", f"{st.sites.live.url}/",
                                                          f"{st.sites.live.url}/healthz"]


def test_the_token_is_never_printed(st: Stage) -> None:
    st.draft("d-green", live_status=500)
    st.fake.fail("listSites", status=401)
    refused = st.promote("--deploy", "d-green")
    failed = st.promote("--deploy", "d-green", "--json")
    for result in (refused, failed):
        assert result.returncode == 1
        assert TOKEN not in result.stdout + result.stderr
    assert "listSites failed (HTTP 401)" in refused.stderr


def test_missing_token_is_bad_input(st: Stage) -> None:
    result = st.promote("--deploy", "d-green", token="")
    assert result.returncode == 2
    assert "export NETLIFY_AUTH_TOKEN" in result.stderr and "promote reads only the environment" in result.stderr
    assert st.fake.ops() == []


def test_a_deploy_of_another_site_is_refused(st: Stage) -> None:
    _, other = st.fake.op_createSite(query={}, body={"name": "someone-elses-site"})
    st.fake.add_deploy(other["id"], id="d-foreign", deploy_ssl_url="http://127.0.0.1:9")
    result = st.promote("--deploy", "d-foreign")
    assert result.returncode == 2
    assert f"--deploy: d-foreign is not a deploy of {SITE_NAME}" in result.stderr
    assert st.fake.ops() == ["listSites", "getSiteDeploy"]


@pytest.mark.parametrize("state", ["error", "processing", "new"])
def test_a_deploy_that_is_not_ready_is_refused(st: Stage, state: str) -> None:
    st.draft("d-green", state=state, error_message="Build script returned non-zero exit code: 2")
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 1
    assert f"deploy d-green is {state} (Build script returned non-zero exit code: 2), not ready" in result.stderr
    assert "live: d-blue" in result.stderr
    assert st.sites.served["d-green"].requests == [] and "restoreSiteDeploy" not in st.fake.ops()


def test_a_live_deploy_locked_by_a_rollback_is_respected(st: Stage) -> None:
    st.fake.deploys["d-blue"]["locked"] = True
    st.draft("d-green")
    result = st.promote("--deploy", "d-green")
    assert result.returncode == 1
    assert "the live deploy d-blue" in result.stderr and "is locked" in result.stderr
    assert "python -m ops rollback --stack production --unlock" in result.stderr
    assert st.live() == "d-blue" and "restoreSiteDeploy" not in st.fake.ops()


def test_a_deploy_already_live_is_not_promoted_again(st: Stage) -> None:
    result = st.promote("--deploy", "d-blue")
    assert result.returncode == 1
    assert "d-blue is already live" in result.stderr
    assert "restoreSiteDeploy" not in st.fake.ops()


def test_a_rerun_after_the_switch_validates_without_publishing_again(st: Stage) -> None:
    """The job died after publishing: its re-run names the deploy it replaced and only validates."""
    st.draft("d-green")
    st.fake.op_restoreSiteDeploy(st.site["id"], "d-green", query={}, body=None)
    result = st.promote("--deploy", "d-green", "--expect-live", "d-blue")
    assert result.returncode == 0, result.stderr
    assert st.live() == "d-green"
    assert "restoreSiteDeploy" not in st.fake.ops()
    assert "previous: d-blue" in result.stdout
