"""Where releases are recorded: one GitHub deployment per publish, promotion and rollback.

History lives where reviewers already look (the app repo's environments), so delivery can be
measured from it. The release commands only know the `DeploymentLog` protocol; the GitHub
implementation is injected, and a recording failure never decides a release: a rollback must not
wait on GitHub, so it is reported on stderr and the release goes on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ops.console import OpsError, stderr
from providers.http import ApiError, MissingCredential

if TYPE_CHECKING:
    from components.config import StackConfig

Task = Literal["deploy", "rollback"]
# GitHub refuses a deployment status description longer than 140 characters.
DESCRIPTION_LIMIT = 140


@dataclass(frozen=True)
class DeploymentRecord:
    """What one GitHub deployment says: the commit, the stack's environment, deploy or rollback."""

    ref: str
    environment: str
    task: Task
    description: str
    payload: dict[str, Any] = field(default_factory=dict)
    production: bool = False


class DeploymentLog(Protocol):
    def start(self, record: DeploymentRecord, *, log_url: str | None) -> int: ...

    def finish(self, deployment_id: int, state: str, *, environment_url: str | None,
               log_url: str | None, description: str) -> None: ...


def deployment_log(cfg: StackConfig) -> DeploymentLog | None:
    """The stack's deployment log, or None when none is configured (nothing is recorded).

    TODO: return the GitHub deployments log of `ops/deployments.py` for the stack's app repo and
    environment once that module is merged; until then releases are not recorded.
    """
    return None


def record_for(cfg: StackConfig, task: Task, *, deploy_id: str, commit_ref: str | None, previous: str | None,
               description: str, rollback_of: int | None = None) -> DeploymentRecord:
    """The record of publishing `deploy_id` on the stack's site (payload keys: the lead's convention)."""
    payload: dict[str, Any] = {"stack": cfg.environment, "site": cfg.netlify.site_name,
                               "netlify_deploy_id": deploy_id, "previous_deploy_id": previous}
    if rollback_of is not None:
        payload["rollback_of"] = rollback_of
    return DeploymentRecord(ref=commit_ref or cfg.github.default_branch, environment=cfg.environment, task=task,
                            description=short(description), payload=payload, production=cfg.is_production)


def run_log_url() -> str | None:
    """The GitHub Actions run this command is part of (its log), from the runner's own variables."""
    server, repo, run = (os.environ.get(name) for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def short(text: str) -> str:
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


@dataclass
class Recording:
    """A `DeploymentLog` (or none) as a release uses it: ids are None when nothing was recorded."""

    log: DeploymentLog | None
    log_url: str | None = None
    ids: list[int] = field(default_factory=list)

    def start(self, record: DeploymentRecord) -> int | None:
        if self.log is None:
            return None
        try:
            deployment_id = self.log.start(record, log_url=self.log_url)
        except (ApiError, MissingCredential, OpsError) as error:
            _warn(f"{record.task} of {record.payload.get('netlify_deploy_id')} not recorded: {_text(error)}")
            return None
        self.ids.append(deployment_id)
        return deployment_id

    def finish(self, deployment_id: int | None, state: str, description: str, environment_url: str | None) -> None:
        if self.log is None or deployment_id is None:
            return
        try:
            self.log.finish(deployment_id, state, environment_url=environment_url, log_url=self.log_url,
                            description=short(description))
        except (ApiError, MissingCredential, OpsError) as error:
            _warn(f"deployment {deployment_id} not marked {state}: {_text(error)}")


def _text(error: Exception) -> str:
    return error.message if isinstance(error, OpsError) else str(error)  # ApiError's text names the operation


def _warn(line: str) -> None:
    stderr.print(f"warning: GitHub deployment {line}", markup=False)
