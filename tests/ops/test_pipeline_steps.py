"""The generated pipeline's deploy steps run for real: each workflow's draft step (its `run` script and
`env`, as rendered into the app repo) under `bash -e` against the Netlify fake, with this repository's
`ops deploy`, so the keys the step reads from `ops deploy --json` are the keys it writes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ops.engine import run_stack
from ops.stackfile import ROOT, read_stack_file
from tests.support.netlify_fake import FakeNetlify

FILE = "github:index/repositoryFile:RepositoryFile"
TOKEN = "nfp_fake-pipeline-token-31"


def workflow(stack: str) -> dict[str, Any]:
    preview = run_stack(read_stack_file(stack))
    (file,) = [r for r in preview.by_type(FILE) if r.inputs["file"] == f".github/workflows/delivery-{stack}.yml"]
    return dict(yaml.safe_load(file.inputs["content"]))


def draft_step(job: dict[str, Any]) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if s.get("id") == "draft"]
    return dict(step)


def expressions(value: str, tmp: Path) -> str:
    """The `${{ }}` expressions a runner would fill in for these steps."""
    known = {"secrets.NETLIFY_AUTH_TOKEN": TOKEN, "runner.temp": str(tmp), "github.run_id": "4242",
             "github.event.pull_request.number": "17", "github.sha": "c0ffee1",
             "github.event.workflow_run.head_sha || github.sha": "c0ffee2", "github.event.pull_request.head.sha": "c0ffee3"}

    def fill(match: re.Match[str]) -> str:
        return known[match.group(1).strip()]

    return re.sub(r"\$\{\{(.*?)\}\}", fill, value)


def run_step(step: dict[str, Any], tmp: Path, netlify_url: str) -> dict[str, str]:
    """Run the step as Actions does (`bash -e {0}`); returns what it wrote to $GITHUB_OUTPUT."""
    outputs = tmp / "github_output"
    outputs.write_text("")
    env = {**os.environ, "RUNNER_TEMP": str(tmp), "GITHUB_OUTPUT": str(outputs), "NETLIFY_API_URL": netlify_url,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.update({k: expressions(str(v), tmp) for k, v in step["env"].items()})
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in outputs.read_text().splitlines())


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """What the build job uploads and the deploy job downloads to $RUNNER_TEMP/dist."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>MaintAInPro</title>")
    (root / "assets" / "app-1a2b.js").write_text("console.log('maintainpro')")
    (root / "_headers").write_text("/*\n  X-Frame-Options: DENY\n")
    return root


@pytest.fixture
def fake() -> Iterator[FakeNetlify]:
    with FakeNetlify() as server:
        yield server
        assert not server.schema_errors, server.schema_errors


# The commit each step names: a push's own sha, the commit staging shipped (workflow_run), the PR's head.
@pytest.mark.parametrize(("stack", "job", "commit"), [("staging", "deploy-staging", "c0ffee1"),
                                                      ("production", "deploy-production", "c0ffee2"),
                                                      ("staging", "preview", "c0ffee3")])
def test_the_draft_step_outputs_the_id_and_url_ops_deploy_printed(stack: str, job: str, commit: str,
                                                                    fake: FakeNetlify, dist: Path) -> None:
    site_name = read_stack_file(stack).validate().netlify.site_name
    _, site = fake.op_createSite(query={}, body={"name": site_name})
    outputs = run_step(draft_step(workflow(stack)["jobs"][job]), dist.parent, fake.url)
    (deploy,) = [d for d in fake.deploys.values() if d["site_id"] == site["id"]]
    assert outputs["id"] == deploy["id"]
    assert outputs["url"] == deploy["deploy_ssl_url"] and outputs["url"].startswith("https://")
    assert site.get("published_deploy") is None  # a draft: nothing live
    assert commit in deploy["title"]  # the step's message (with the commit it ships) reached the deploy
