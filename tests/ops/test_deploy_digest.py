"""The pieces under `ops deploy`: the directory digest, the alias rules, and the Netlify fake's
file-digest refusals (the live behaviour the deploy tests rely on)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from components.config.netlify import NetlifyConfig
from ops.console import OpsError
from ops.deploy_cli import check_alias
from ops.site_digest import digest_dir
from tests.support.netlify_fake import FakeNetlify


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def test_digest_holds_every_file_with_slash_paths_and_follows_symlinks_inside(tmp_path: Path) -> None:
    (tmp_path / "assets" / "img").mkdir(parents=True)
    (tmp_path / "index.html").write_bytes(b"<h1>hi</h1>")
    (tmp_path / "_headers").write_bytes(b"/*\n  X-Frame-Options: DENY\n")
    (tmp_path / ".well-known").mkdir()
    (tmp_path / ".well-known" / "security.txt").write_bytes(b"Contact: x")
    (tmp_path / "assets" / "img" / "empty.png").write_bytes(b"")
    (tmp_path / "alias.html").symlink_to(tmp_path / "index.html")
    digest = digest_dir(tmp_path)
    assert digest.manifest == {
        ".well-known/security.txt": sha1(b"Contact: x"),
        "_headers": sha1(b"/*\n  X-Frame-Options: DENY\n"),
        "alias.html": sha1(b"<h1>hi</h1>"),
        "assets/img/empty.png": "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # SHA-1 of nothing
        "index.html": sha1(b"<h1>hi</h1>"),
    }
    assert digest.size == 11 + 27 + 10 + 0 + 11


def test_upload_list_takes_every_path_of_a_required_content_and_refuses_unknown_ones(tmp_path: Path) -> None:
    for name, data in {"a.html": b"same", "b/a.html": b"same", "c.js": b"other"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    digest = digest_dir(tmp_path)
    assert [f.path for f in digest.to_upload([sha1(b"same")])] == ["a.html", "b/a.html"]
    assert [f.path for f in digest.to_upload([sha1(b"other"), sha1(b"other")])] == ["c.js"]
    with pytest.raises(ValueError, match="does not hold"):
        digest.to_upload(["0" * 40])


@pytest.mark.parametrize(("make", "message"), [
    (lambda root: (root / "docs").symlink_to(root / "real", target_is_directory=True), "'docs' is a symlink to a directory"),
    (lambda root: (root / "gone.html").symlink_to(root / "nothing"), "'gone.html' is a symlink to nothing"),
    (lambda root: os.mkfifo(root / "pipe"), "'pipe' is not a regular file"),
    (lambda root: (root / "what?.html").write_text("x"), "Netlify cannot deploy a file whose path holds '#' or '?'"),
])
def test_what_cannot_be_deployed_is_refused_naming_it(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "index.html").write_text("x")
    make(tmp_path)
    with pytest.raises(OpsError, match=message.replace("?", r"\?")) as refused:
        digest_dir(tmp_path)
    assert refused.value.exit_code == 2


def test_a_file_instead_of_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dist").write_text("x")
    with pytest.raises(OpsError, match="is not a directory"):
        digest_dir(tmp_path / "dist")


def netlify(**fields: object) -> NetlifyConfig:
    return NetlifyConfig.model_validate({"team_slug": "team", "site_name": "maintainpro-staging", **fields})


def test_alias_rules() -> None:
    assert check_alias(None, netlify()) is None
    assert check_alias("pr-12", netlify()) == "pr-12"
    assert check_alias("a" * 37, netlify()) == "a" * 37
    config = netlify(production_branch="release", branch_deploys={"enabled": True, "branches": ["feature/New_UI"]})
    assert check_alias("main", config) == "main"  # not a branch this site deploys
    for taken in ("release", "feature-new-ui"):  # what Netlify makes of the branch names as subdomains
        with pytest.raises(OpsError, match="subdomain of the branch deploys"):
            check_alias(taken, config)
    long_site = netlify(site_name="s" * 30)
    with pytest.raises(OpsError, match="at most 63"):
        check_alias("a" * 32, long_site)  # 32 + 2 + 30 = 64 characters in one label
    for bad in ("-pr", "pr-", "Pr", "pr_1", "pr.1", ""):
        with pytest.raises(OpsError, match="lowercase letters"):
            check_alias(bad, netlify())


# ---- the fake, as the live API behaves (tests/support/netlify_deploys.py) -------------------

@pytest.fixture
def deploy() -> Iterator[tuple[FakeNetlify, httpx.Client, str]]:
    with FakeNetlify() as fake, httpx.Client(base_url=fake.url, headers={"Authorization": "Bearer t"}) as client:
        _, site = fake.op_createSite(query={}, body={"name": "maintainpro-staging"})
        created = client.post(f"/sites/{site['id']}/deploys", params={"title": "t1"}, json={
            "files": {"/a b/x.js": sha1(b"x"), "y.js": sha1(b"y")}, "draft": True, "async": True})
        assert created.status_code == 200 and created.json()["state"] == "preparing"
        assert created.json()["title"] == "t1"  # the title comes back: a lost answer can be found by it
        yield fake, client, created.json()["id"]
        assert not fake.schema_errors, fake.schema_errors


def put(client: httpx.Client, deploy_id: str, path: str, data: bytes) -> httpx.Response:
    return client.put(f"/deploys/{deploy_id}/files/{path}", content=data,
                      headers={"Content-Type": "application/octet-stream"})


def test_the_fake_refuses_uploads_before_prepared_and_wrong_or_unknown_files(deploy) -> None:  # type: ignore[no-untyped-def]
    fake, client, deploy_id = deploy
    assert put(client, deploy_id, "y.js", b"y").status_code == 422  # still preparing
    assert client.get(f"/deploys/{deploy_id}").json()["state"] == "prepared"
    mismatch = put(client, deploy_id, "y.js", b"not y")
    assert mismatch.status_code == 422 and mismatch.json()["message"] == "Uploaded file y.js did not match deploy"
    assert put(client, deploy_id, "z.js", b"y").status_code == 422
    assert put(client, deploy_id, "a%20b/x.js", b"x").json()["path"] == "/a b/x.js"  # a leading `/` in the digest is the same path
    assert put(client, deploy_id, "y.js", b"y").status_code == 200
    assert client.get(f"/deploys/{deploy_id}").json()["state"] == "ready"
    listed = client.get(f"/sites/{fake.deploys[deploy_id]['site_id']}/deploys").json()
    assert "draft" not in listed[0]  # netlify/open-api#365: the listing leaves it out


def test_the_fake_checks_request_bodies_against_the_spec(deploy) -> None:  # type: ignore[no-untyped-def]
    fake, client, deploy_id = deploy
    site_id = fake.deploys[deploy_id]["site_id"]
    client.post(f"/sites/{site_id}/deploys", json={"files": {"a.js": sha1(b"a")}, "draft": "yes"})
    assert fake.schema_errors == ["createSiteDeploy request: 'yes' is not of type 'boolean' at ['draft']"]
    fake.schema_errors.clear()
