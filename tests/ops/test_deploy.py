"""`ops deploy` end to end against the stateful Netlify fake (answers and request bodies checked
against the spec; the file-digest behaviour the spec does not show is in tests/support/netlify_deploys.py)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.stackfile import read_stack_file
from tests.ops.cli_runner import Completed, run_ops
from tests.support.local_servers import silent_server
from tests.support.netlify_fake import FakeNetlify

SITE_NAME = read_stack_file("production").validate().netlify.site_name
TOKEN = "nfp_fake-deploy-token-7Q2"


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def run(url: str, *args: str, token: str | None = TOKEN, stack: str = "production") -> Completed:
    env = {k: v for k, v in os.environ.items() if k != "NETLIFY_AUTH_TOKEN"}
    env["NETLIFY_API_URL"] = url
    if token:
        env["NETLIFY_AUTH_TOKEN"] = token
    return run_ops("deploy", "--stack", stack, *args, env=env)


def build(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def fake() -> Iterator[FakeNetlify]:
    """The production site (site-1) with one live deploy, d1 (ids of new objects go on from 2)."""
    with FakeNetlify() as server:
        _, site = server.op_createSite(query={}, body={"name": SITE_NAME})
        server.add_deploy(site["id"], id="d1", publish=True)
        server.site = site  # type: ignore[attr-defined]
        yield server
        assert not server.schema_errors, server.schema_errors


def uploaded(fake: FakeNetlify) -> list[str]:
    """Paths of the successful uploads, in request order, as the fake decoded them."""
    return sorted(c.path.split("/files/", 1)[1] for c in fake.calls if c.operation == "uploadDeployFile" and c.status == 200)


def test_only_the_files_the_api_lacks_are_uploaded(fake: FakeNetlify, tmp_path: Path) -> None:
    dist = build(tmp_path, {"index.html": "<h1>v2</h1>", "app.js": "v2()", "logo.svg": "<svg/>",
                            "robots.txt": "User-agent: *", "about.html": "<h1>about</h1>"})
    fake.know("site-1", sha1("<svg/>"), sha1("User-agent: *"), sha1("<h1>about</h1>"))  # the previous deploy's
    result = run(fake.url, "--dir", str(dist))
    assert result.returncode == 0, result.stderr
    assert fake.ops() == ["listSites", "createSiteDeploy", "uploadDeployFile", "uploadDeployFile", "getDeploy"]
    assert uploaded(fake) == ["app.js", "index.html"]
    create = fake.calls[1]
    assert create.body["files"] == {"about.html": sha1("<h1>about</h1>"), "app.js": sha1("v2()"),
                                    "index.html": sha1("<h1>v2</h1>"), "logo.svg": sha1("<svg/>"),
                                    "robots.txt": sha1("User-agent: *")}
    assert create.body["draft"] is True and create.body["async"] is False and "branch" not in create.body
    assert fake.deploys["deploy-2"]["state"] == "ready"
    assert "netlify deploy: uploading 2 file(s): started (15 B)" in result.stderr  # 11 + 4 bytes; plain lines: not a terminal
    assert result.stdout.splitlines() == [
        f"{SITE_NAME}: draft deploy deploy-2 is ready (not published)",
        f"draft URL: https://deploy-2--{SITE_NAME}.netlify.app",
        "files: 5, uploaded 2, already on Netlify 3",
    ]


def test_nested_paths_and_special_characters_are_encoded_as_encode_uri_does(fake: FakeNetlify, tmp_path: Path) -> None:
    names = ["assets/js/app.js", "a b/ü & (1)+.txt", "100%.css", "[id].html", ".well-known/security.txt"]
    dist = build(tmp_path, {name: f"content of {name}" for name in names})
    result = run(fake.url, "--dir", str(dist))
    assert result.returncode == 0, result.stderr
    sent = sorted(c.path for c in fake.calls if c.operation == "uploadDeployFile")
    assert sent == sorted([
        "/deploys/deploy-2/files/assets/js/app.js",
        "/deploys/deploy-2/files/a%20b/%C3%BC%20&%20(1)+.txt",
        "/deploys/deploy-2/files/100%25.css",
        "/deploys/deploy-2/files/%5Bid%5D.html",
        "/deploys/deploy-2/files/.well-known/security.txt",
    ])
    assert sorted(fake.uploads["deploy-2"].puts) == sorted(names)  # decoded, each path once
    assert fake.deploys["deploy-2"]["state"] == "ready"


def test_identical_files_are_asked_for_once_and_uploaded_at_each_path(fake: FakeNetlify, tmp_path: Path) -> None:
    dist = build(tmp_path, {"index.html": "same", "404.html": "same", "app.js": "other"})
    result = run(fake.url, "--dir", str(dist))
    assert result.returncode == 0, result.stderr
    assert fake.deploys["deploy-2"]["required"] == [sha1("same"), sha1("other")]  # a SHA-1 once, in path order
    assert uploaded(fake) == ["404.html", "app.js", "index.html"]
    assert "files: 3, uploaded 3, already on Netlify 0" in result.stdout


def test_a_large_build_is_diffed_asynchronously_before_uploading(fake: FakeNetlify, tmp_path: Path) -> None:
    files = {f"page{i}.html": f"page {i}" for i in range(101)}  # one more than netlify-cli's sync limit
    dist = build(tmp_path, files)
    fake.know("site-1", *(sha1(text) for name, text in files.items() if name != "page7.html"))
    fake.prepare_polls = 1  # the first poll still sees `preparing`
    result = run(fake.url, "--dir", str(dist))
    assert result.returncode == 0, result.stderr
    assert fake.calls[1].body["async"] is True
    assert fake.ops() == ["listSites", "createSiteDeploy", "getDeploy", "getDeploy", "uploadDeployFile", "getDeploy"]
    assert uploaded(fake) == ["page7.html"]
    assert "deploy deploy-2 is preparing; waiting for it to be diffed" in result.stderr


def test_the_draft_never_becomes_the_published_deploy(fake: FakeNetlify, tmp_path: Path) -> None:
    # The fake publishes a finished non-draft deploy of the production branch, as Netlify does:
    _, control = fake.op_createSiteDeploy("site-1", query={}, body={"files": {"x.html": sha1("x")}})
    fake.op_uploadDeployFile(control["id"], "x.html", query={}, body=b"x")
    fake.op_getDeploy(control["id"], query={}, body=None)
    assert fake.site["published_deploy"]["id"] == control["id"]  # type: ignore[attr-defined]
    fake.site["published_deploy"] = fake.deploys["d1"]  # type: ignore[attr-defined]
    result = run(fake.url, "--dir", str(build(tmp_path, {"index.html": "<h1>draft</h1>"})))
    assert result.returncode == 0, result.stderr
    (draft,) = [d for d in fake.site_deploys("site-1") if d["id"] not in ("d1", control["id"])]
    assert draft["state"] == "ready" and draft["draft"] is True and "published_at" not in draft
    assert fake.site["published_deploy"]["id"] == "d1"  # type: ignore[attr-defined]


def test_alias_names_the_branch_and_prints_its_url(fake: FakeNetlify, tmp_path: Path) -> None:
    result = run(fake.url, "--dir", str(build(tmp_path, {"index.html": "pr"})), "--alias", "pr-12", "--message", "PR #12")
    assert result.returncode == 0, result.stderr
    create = fake.calls[1]
    assert create.body["branch"] == "pr-12" and create.body["draft"] is True
    assert create.query["title"].startswith("PR #12 (ops deploy ")
    assert f"alias URL: https://pr-12--{SITE_NAME}.netlify.app" in result.stdout.splitlines()


@pytest.mark.parametrize(("alias", "reason"), [
    ("main", "subdomain of the branch deploys of 'main'"),  # the production branch: would shadow it
    ("PR_12", "lowercase letters, digits and single hyphens"),
    ("pr--12", "single hyphens"),
    ("p" * 38, "too long"),
])
def test_a_bad_alias_is_refused_before_any_request(fake: FakeNetlify, tmp_path: Path, alias: str, reason: str) -> None:
    result = run(fake.url, "--dir", str(build(tmp_path, {"index.html": "x"})), "--alias", alias)
    assert result.returncode == 2
    assert f"error: --alias: '{alias}'" in result.stderr and reason in result.stderr
    assert fake.ops() == []


def test_json_is_one_key_sorted_document(fake: FakeNetlify, tmp_path: Path) -> None:
    dist = build(tmp_path, {"index.html": "12345", "app.js": "abc"})
    fake.know("site-1", sha1("abc"))
    result = run(fake.url, "--dir", str(dist), "--alias", "pr-3", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert result.stdout == json.dumps(document, sort_keys=True, indent=2) + "\n"
    title = document.pop("title")
    assert title.startswith("ops deploy ") and len(title) == len("ops deploy ") + 12
    assert document == {
        "alias": "pr-3", "alias_url": f"https://pr-3--{SITE_NAME}.netlify.app", "deploy_id": "deploy-2",
        "draft": True, "files": 2, "required": 1, "site": SITE_NAME, "state": "ready",
        "uploaded": 1, "uploaded_bytes": 5, "url": f"https://deploy-2--{SITE_NAME}.netlify.app",
    }


def test_a_server_error_on_an_upload_is_retried(fake: FakeNetlify, tmp_path: Path) -> None:
    fake.fail("uploadDeployFile", status=502, headers={"Retry-After": "0"})
    result = run(fake.url, "--dir", str(build(tmp_path, {"index.html": "a", "app.js": "b"})))
    assert result.returncode == 0, result.stderr
    statuses = [c.status for c in fake.calls if c.operation == "uploadDeployFile"]
    assert sorted(statuses) == [200, 200, 502]
    assert sorted(fake.uploads["deploy-2"].puts.values()) == [1, 1]
    assert "netlify deploy: uploadDeployFile: retrying (1/4) after HTTP 502" in result.stderr
    assert fake.deploys["deploy-2"]["state"] == "ready"


def test_a_lost_answer_on_an_upload_is_simply_sent_again(fake: FakeNetlify, tmp_path: Path) -> None:
    fake.fail("uploadDeployFile", drop_after=True)  # stored, then the connection drops
    result = run(fake.url, "--dir", str(build(tmp_path, {"index.html": "only"})))
    assert result.returncode == 0, result.stderr
    assert fake.uploads["deploy-2"].puts == {"index.html": 2}
    assert fake.deploys["deploy-2"]["state"] == "ready"


def test_a_lost_answer_on_create_adopts_the_deploy_instead_of_making_a_second(fake: FakeNetlify, tmp_path: Path) -> None:
    fake.fail("createSiteDeploy", drop_after=True)  # created, then the answer is lost
    result = run(fake.url, "--dir", str(build(tmp_path, {"index.html": "once"})), "--message", "release")
    assert result.returncode == 0, result.stderr
    assert [d["id"] for d in fake.site_deploys("site-1")] == ["d1", "deploy-2"]
    assert fake.ops() == ["listSites", "createSiteDeploy", "listSiteDeploys", "getDeploy", "uploadDeployFile", "getDeploy"]
    assert "adopted deploy deploy-2" in result.stderr
    assert "draft deploy deploy-2 is ready" in result.stdout


def test_an_ambiguous_error_on_create_looks_then_creates_once(fake: FakeNetlify, tmp_path: Path) -> None:
    fake.fail("createSiteDeploy", status=500)  # not acted on: nothing to adopt
    result = run(fake.url, "--dir", str(build(tmp_path, {"index.html": "once"})))
    assert result.returncode == 0, result.stderr
    assert fake.ops()[:4] == ["listSites", "createSiteDeploy", "listSiteDeploys", "createSiteDeploy"]
    assert [d["id"] for d in fake.site_deploys("site-1")] == ["d1", "deploy-2"]


def test_a_deploy_that_fails_on_netlify_exits_1_with_its_message(fake: FakeNetlify, tmp_path: Path) -> None:
    fake.processing_error = "Failed to process _headers"
    result = run(fake.url, "--dir", str(build(tmp_path, {"index.html": "x"})))
    assert result.returncode == 1
    assert "error: deploy deploy-2 failed on Netlify: Failed to process _headers" in result.stderr
    assert result.stdout == ""


def test_the_timeout_names_what_it_was_waiting_for(fake: FakeNetlify, tmp_path: Path) -> None:
    fake.processing_polls = 10**6  # never ready
    started = time.monotonic()
    result = run(fake.url, "--dir", str(build(tmp_path, {"index.html": "x"})), "--timeout", "2")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "error: --timeout: gave up after 2s waiting for deploy deploy-2 to be ready" in result.stderr
    assert "deploy deploy-2 is processing; waiting for it to be ready" in result.stderr
    assert 1.5 < elapsed < 6, elapsed
    assert "Traceback" not in result.stderr


def test_a_hung_api_ends_at_the_timeout_naming_the_operation(tmp_path: Path) -> None:
    with silent_server() as url:
        started = time.monotonic()
        result = run(url, "--dir", str(build(tmp_path, {"index.html": "x"})), "--timeout", "2")
    assert result.returncode == 1, result.stderr
    assert "error: --timeout: gave up after 2s waiting for the Netlify API to answer listSites" in result.stderr
    assert time.monotonic() - started < 6


@pytest.mark.parametrize(("files", "message"), [
    ({}, "holds no file to deploy"),
    ({"a#b.html": "x"}, "'a#b.html': Netlify cannot deploy a file whose path holds '#' or '?'"),
])
def test_a_directory_that_cannot_be_deployed_is_bad_input(fake: FakeNetlify, tmp_path: Path, files: dict[str, str],
                                                          message: str) -> None:
    (tmp_path / "dist").mkdir()
    result = run(fake.url, "--dir", str(build(tmp_path / "dist", files)))
    assert result.returncode == 2
    assert message in result.stderr
    assert fake.ops() == []


def test_a_missing_directory_and_an_escaping_symlink_are_refused(fake: FakeNetlify, tmp_path: Path) -> None:
    missing = run(fake.url, "--dir", str(tmp_path / "nope"))
    assert missing.returncode == 2 and f"error: --dir: {tmp_path / 'nope'} does not exist" in missing.stderr
    (tmp_path / "secret.txt").write_text("not for the web")
    dist = build(tmp_path / "dist", {"index.html": "x"})
    (dist / "leak.txt").symlink_to(tmp_path / "secret.txt")
    escaping = run(fake.url, "--dir", str(dist))
    assert escaping.returncode == 2
    assert f"'leak.txt' is a symlink to {tmp_path / 'secret.txt'}, outside the directory" in escaping.stderr
    assert fake.ops() == []


def test_missing_token_and_unknown_stack_are_bad_input(fake: FakeNetlify, tmp_path: Path) -> None:
    dist = build(tmp_path, {"index.html": "x"})
    no_token = run(fake.url, "--dir", str(dist), token=None)
    assert no_token.returncode == 2
    assert "netlify deploy: no API token; export NETLIFY_AUTH_TOKEN" in no_token.stderr
    unknown = run(fake.url, "--dir", str(dist), stack="qa")
    assert unknown.returncode == 2 and "error: --stack: unknown stack 'qa', known: staging, production" in unknown.stderr
    assert fake.ops() == []


def test_output_never_holds_the_token(fake: FakeNetlify, tmp_path: Path) -> None:
    dist = build(tmp_path, {"index.html": "x", "app.js": "y"})
    fake.fail("uploadDeployFile", status=503, headers={"Retry-After": "0"})
    ok = run(fake.url, "--dir", str(dist), "--json")
    fake.sites.clear()  # the site is gone: the command fails naming it
    gone = run(fake.url, "--dir", str(dist))
    assert ok.returncode == 0 and gone.returncode == 1
    assert f"no site named '{SITE_NAME}'" in gone.stderr
    for result in (ok, gone):
        assert TOKEN not in result.stdout + result.stderr
