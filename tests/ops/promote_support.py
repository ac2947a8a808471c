"""The stage `ops promote` tests play on: the stateful Netlify fake with the production site, whose
live deploy `d-blue` and every draft are served from built directories on 127.0.0.1 with the
stack's rendered `_headers`; and a small in-test GitHub deployment log."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.headers import render
from ops.release_record import DeploymentRecord
from ops.stackfile import read_stack_file
from providers.http import ApiError
from tests.ops.cli_runner import Completed, run_promote
from tests.support.netlify_fake import FakeNetlify
from tests.support.release_sites import HEALTHY, ReleaseSites, build

CFG = read_stack_file("production").validate()
SITE_NAME = CFG.netlify.site_name
HEADERS = render(CFG.headers)  # what the pipeline puts into the build output
TOKEN = "fake-netlify-token-7c1f"


@dataclass
class Stage:
    fake: FakeNetlify
    sites: ReleaseSites
    site: dict[str, Any]
    root: Path
    record: bool = False  # True: the test patched a `deployment_log` in; else every run passes --no-record

    def draft(self, deploy_id: str, headers: str = HEADERS, health: Any = HEALTHY, **fields: Any) -> dict[str, Any]:
        directory = build(self.root / deploy_id, headers, health=health, title=deploy_id)
        fields = {"draft": True, "commit_ref": f"{deploy_id}-sha", "created_at": "2026-11-25T10:00:00Z", **fields}
        return self.sites.deploy(deploy_id, directory, **fields)

    def live(self) -> str:
        return str(self.fake.sites[self.site["id"]]["published_deploy"]["id"])

    def restores(self) -> list[tuple[str, int]]:
        """Each restoreSiteDeploy request: (deploy id, status answered)."""
        return [(c.path.split("/")[-2], c.status) for c in self.fake.calls if c.operation == "restoreSiteDeploy"]

    def promote(self, *args: str, token: str = TOKEN) -> Completed:
        return run_promote(self.fake.url, *args, token=token, record=self.record)


@contextmanager
def stage(root: Path) -> Iterator[Stage]:
    """The production site with `d-blue` (commit `blue-sha`) live."""
    with FakeNetlify() as fake:
        _, site = fake.op_createSite(query={}, body={"name": SITE_NAME})
        with ReleaseSites(fake, site["id"]) as sites:
            sites.deploy("d-blue", build(root / "d-blue", HEADERS, title="blue"), publish=True, commit_ref="blue-sha",
                         created_at="2026-11-24T10:00:00Z")
            yield Stage(fake, sites, site, root)
        assert not fake.schema_errors, fake.schema_errors


@dataclass
class Recorder:
    """A `DeploymentLog` that remembers its calls; ids count from 101. `refuse`: every call fails as
    GitHub's API would (an `ApiError`)."""

    refuse: bool = False
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    records: list[DeploymentRecord] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(101))

    def start(self, record: DeploymentRecord, *, log_url: str | None) -> int:
        if self.refuse:
            raise ApiError("github", "createDeployment", 502, "Bad Gateway")
        deployment_id = next(self._ids)
        self.records.append(record)
        self.calls.append(("start", record.task, record.payload["netlify_deploy_id"], deployment_id))
        return deployment_id

    def commit_of(self, environment: str, netlify_deploy_id: str) -> str | None:
        """The commit of the newest record of `netlify_deploy_id`, as the GitHub log reads it from history."""
        for record in reversed(self.records):
            if record.environment == environment and record.payload.get("netlify_deploy_id") == netlify_deploy_id:
                return record.ref
        return None

    def finish(self, deployment_id: int, state: str, *, environment_url: str | None, log_url: str | None,
               description: str) -> None:
        assert len(description) <= 140, description  # GitHub's limit on a status description
        self.calls.append(("finish", deployment_id, state, environment_url))
