"""Where releases are recorded: one GitHub deployment per publish, promotion and rollback.

History lives where reviewers already look (the app repo's environments), so delivery can be
measured from it. The release commands only know the `DeploymentLog` protocol; the GitHub
implementation is injected, and a recording failure never decides a release: a rollback must not
wait on GitHub, so it is reported on stderr and the release goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Protocol

from ops.console import EXIT_BAD_INPUT, OpsError, stderr
from ops.deployment_record import DeploymentRecord, FinalState, Task, clip
from ops.deployments import GitHubDeployments, run_log_url
from ops.github_api import app_repo, github_client
from providers.http import ApiError, MissingCredential

if TYPE_CHECKING:
    from components.config import StackConfig

__all__ = ["DeploymentLog", "DeploymentRecord", "GitHubLog", "Recording", "deployment_log", "record_for", "run_log_url"]
# How far back a rollback looks for the record of the deploy it restores (its commit).
HISTORY = 50


class DeploymentLog(Protocol):
    def start(self, record: DeploymentRecord, *, log_url: str | None) -> int: ...

    def finish(self, deployment_id: int, state: FinalState, *, environment_url: str | None,
               log_url: str | None, description: str) -> None: ...

    def commit_of(self, environment: str, netlify_deploy_id: str) -> str | None: ...


@dataclass
class GitHubLog:
    """The app repo's GitHub deployments as a `DeploymentLog`."""

    deployments: GitHubDeployments

    def start(self, record: DeploymentRecord, *, log_url: str | None) -> int:
        return self.deployments.start(record, log_url=log_url)

    def finish(self, deployment_id: int, state: FinalState, *, environment_url: str | None,
               log_url: str | None, description: str) -> None:
        self.deployments.finish(deployment_id, state, environment_url=environment_url, log_url=log_url,
                                description=description)

    def commit_of(self, environment: str, netlify_deploy_id: str) -> str | None:
        """The commit our newest record of `netlify_deploy_id` shipped: Netlify knows none for an API deploy."""
        for deployment in islice(self.deployments.deployments(environment), HISTORY):
            if deployment.payload.get("netlify_deploy_id") == netlify_deploy_id and deployment.sha:
                return deployment.sha
        return None


def deployment_log(cfg: StackConfig) -> DeploymentLog:
    """The stack's GitHub deployments (the app repo, environment = the stack), from GITHUB_TOKEN.

    Without a token the command stops before changing anything: an unrecorded release would be
    missing from the history delivery is measured by, so skipping it takes an explicit `--no-record`.
    """
    try:
        client = github_client(resource="github deployments")
    except MissingCredential as error:
        raise OpsError(f"{error}; or pass --no-record to release without recording it", EXIT_BAD_INPUT) from None
    return GitHubLog(GitHubDeployments(client, app_repo(cfg)))


def record_for(cfg: StackConfig, task: Task, *, deploy_id: str, commit_ref: str | None, previous: str | None,
               description: str, rollback_of: int | None = None) -> DeploymentRecord:
    """The record of publishing `deploy_id` on the stack's site (payload values are strings, as GitHub keeps them)."""
    payload = {"stack": cfg.environment, "site": cfg.netlify.site_name, "netlify_deploy_id": deploy_id}
    if previous is not None:
        payload["previous_deploy_id"] = previous
    if rollback_of is not None:
        payload["rollback_of"] = str(rollback_of)
    return DeploymentRecord(ref=commit_ref or cfg.github.default_branch, environment=cfg.environment, task=task,
                            description=clip(description), payload=payload, production=cfg.is_production)


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
            _warn(f"{record.task} of {record.payload.get('netlify_deploy_id')} not recorded: {error}")
            return None
        self.ids.append(deployment_id)
        return deployment_id

    def commit_of(self, environment: str, netlify_deploy_id: str | None) -> str | None:
        """The commit recorded for a deploy, None when unknown (or the history cannot be read: a warning)."""
        if self.log is None or netlify_deploy_id is None:
            return None
        try:
            return self.log.commit_of(environment, netlify_deploy_id)
        except (ApiError, OpsError) as error:
            _warn(f"history not read for {netlify_deploy_id}'s commit: {error}")
            return None

    def finish(self, deployment_id: int | None, state: FinalState, description: str,
               environment_url: str | None) -> None:
        if self.log is None or deployment_id is None:
            return
        try:
            self.log.finish(deployment_id, state, environment_url=environment_url, log_url=self.log_url,
                            description=clip(description))
        except (ApiError, MissingCredential, OpsError) as error:
            _warn(f"deployment {deployment_id} not marked {state}: {error}")


def _warn(line: str) -> None:
    stderr.print(f"warning: GitHub deployment {line}", markup=False)
