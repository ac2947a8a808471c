"""The GitHub deployment record of a stack's site: written by every publish, promote and rollback
(issue 16), read back for the delivery metrics (issue 17).

A record is one deployment on the app repo (`ops.deployment_record` holds its conventions) with
statuses: `in_progress` when the work starts, then `success`, `failure` or `error`. A success
supersedes the environment's previous live record: GitHub's `auto_inactive` marks it `inactive`
only for non-production environments (docs.github.com, "Inactive deployments"), so `finish` marks a
superseded production record `inactive` itself. Neither a lost answer nor a retry ever makes a
second deployment or a second status: each create looks for what it may already have made.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from ops.deployment_record import (
    Commit,
    Deployment,
    DeploymentRecord,
    DeploymentStatus,
    FinalState,
    clip,
    parsed,
)
from ops.github_api import TOKEN_ENV
from providers.http import ApiClient, ApiError, create_or_adopt

PAGE = 100  # GitHub's largest page ("per_page ... max 100")
RETIRE_SCAN = 20  # older records a success looks through for the one it supersedes
RESOURCE = "github deployments"
STAMP = "%Y-%m-%dT%H:%M:%SZ"  # GitHub's ISO 8601 form for `since` / `until`
# What a 403 says the token needs: to record (every release) or only to read (the metrics).
WRITE_ACCESS = ("Deployments read and write (a workflow's token: `permissions: deployments: write`; a classic token: "
                "the repo_deployment scope)")
READ_ACCESS = ("Deployments and Contents read (a workflow's token: `permissions: deployments: read, contents: read`; "
               "a classic token: the repo scope for a private repository)")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")


def _utc(moment: datetime) -> datetime:
    """An aware time in UTC (a naive one is taken as UTC, as `--now` is)."""
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def run_log_url(env: Mapping[str, str] = os.environ) -> str | None:
    """The running GitHub Actions run's page (the status's `log_url`), or None outside Actions."""
    server, repo, run = (env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if not (server and repo and run):
        return None
    url = f"{server.rstrip('/')}/{repo}/actions/runs/{run}"
    attempt = env.get("GITHUB_RUN_ATTEMPT")
    return f"{url}/attempts/{attempt}" if attempt and attempt != "1" else url


class GitHubDeployments:
    """The deployments of one repository (`owner/name`) through the shared client."""

    def __init__(self, client: ApiClient, repo: str, *, needs: str = WRITE_ACCESS) -> None:
        if not _REPO.match(repo):
            raise ValueError(f"repo: {repo!r} is not owner/name")
        self.client = client
        self.repo = repo
        self.needs = needs  # the access a 403 names

    # ---- writing ------------------------------------------------------------------------------
    def start(self, record: DeploymentRecord, *, log_url: str | None) -> int:
        """Create the record's deployment and its `in_progress` status; returns the deployment id."""
        record_id = uuid.uuid4().hex
        body = record.create_body(record_id)

        def find() -> int | None:
            newest = self._request("GET", "/deployments", "repos/list-deployments", params={
                "environment": record.environment, "task": record.task, "per_page": PAGE})
            for data in self._items(newest, "repos/list-deployments"):  # newest first: ours, if made, is here
                deployment = parsed("repos/list-deployments", Deployment.from_api, data)
                if deployment.payload.get("record_id") == record_id:
                    return deployment.id
            return None

        def create() -> int:
            answer = self._request("POST", "/deployments", "repos/create-deployment", json=body)
            if not isinstance(answer, dict) or not isinstance(answer.get("id"), int):
                # 202: GitHub merged the default branch into the ref instead of deploying it.
                said = answer.get("message") if isinstance(answer, dict) else answer
                raise ApiError(RESOURCE, "repos/create-deployment", None, f"no deployment was created: {said}")
            return int(answer["id"])

        deployment_id = create_or_adopt(find, create, resource=RESOURCE)
        self._post_status(deployment_id, "in_progress", description=record.description, log_url=log_url)
        return deployment_id

    def finish(self, deployment_id: int, state: FinalState, *, environment_url: str | None, log_url: str | None,
               description: str) -> None:
        """The deployment's final status; a success also retires the record it superseded."""
        self._post_status(deployment_id, state, description=description, log_url=log_url,
                          environment_url=environment_url)
        if state == "success":
            self._retire_superseded(self.deployment(deployment_id))

    def _post_status(self, deployment_id: int, state: str, *, description: str, log_url: str | None,
                     environment_url: str | None = None) -> DeploymentStatus:
        body: dict[str, Any] = {"state": state, "description": clip(description)}
        if log_url:
            body["log_url"] = log_url
        if environment_url:
            body["environment_url"] = environment_url

        def find() -> DeploymentStatus | None:
            latest = self._latest_status(deployment_id)
            same = latest is not None and (latest.state, latest.description, latest.log_url) == (
                state, body["description"], log_url or "")
            return latest if same else None

        def create() -> DeploymentStatus:
            answer = self._request("POST", f"/deployments/{deployment_id}/statuses",
                                   "repos/create-deployment-status", json=body)
            return parsed("repos/create-deployment-status", DeploymentStatus.from_api, answer)

        return create_or_adopt(find, create, resource=RESOURCE)

    def _retire_superseded(self, current: Deployment) -> None:
        """Mark `inactive` the environment's older record still `success` (production: GitHub does not)."""
        for scanned, older in enumerate(d for d in self.deployments(current.environment) if d.id < current.id):
            if scanned >= RETIRE_SCAN:
                return
            latest = self._latest_status(older.id)
            if latest is not None and latest.state == "inactive":
                return  # everything older was retired when this one superseded it
            if latest is not None and latest.state == "success":
                self._post_status(older.id, "inactive", description=f"superseded by deployment {current.id}",
                                  log_url=None)
                return

    # ---- reading ------------------------------------------------------------------------------
    def deployments(self, environment: str, *, task: str | None = None, since: datetime | None = None,
                    only_ours: bool = True) -> Iterator[Deployment]:
        """The environment's deployments, newest first, read page by page as far as the caller goes
        (to `since` at most); `only_ours` keeps those whose payload says `recorded_by: maintainpro-ops`."""
        params = {"environment": environment, "task": task, "per_page": PAGE}
        since = _utc(since) if since is not None else None
        for page in self._pages("/deployments", "repos/list-deployments", params):
            for data in self._items(page, "repos/list-deployments"):
                deployment = parsed("repos/list-deployments", Deployment.from_api, data)
                if since is not None and deployment.created_at < since:
                    return  # GitHub lists newest first: everything after is older still
                if deployment.ours or not only_ours:
                    yield deployment

    def deployment(self, deployment_id: int) -> Deployment:
        answer = self._request("GET", f"/deployments/{deployment_id}", "repos/get-deployment")
        return parsed("repos/get-deployment", Deployment.from_api, answer)

    def statuses(self, deployment_id: int) -> list[DeploymentStatus]:
        """Every status of the deployment, newest first."""
        found = [parsed("repos/list-deployment-statuses", DeploymentStatus.from_api, data)
                 for page in self._pages(f"/deployments/{deployment_id}/statuses", "repos/list-deployment-statuses",
                                         {"per_page": PAGE})
                 for data in self._items(page, "repos/list-deployment-statuses")]
        return sorted(found, key=lambda s: (s.created_at, s.id), reverse=True)

    def _latest_status(self, deployment_id: int) -> DeploymentStatus | None:
        page = self._request("GET", f"/deployments/{deployment_id}/statuses", "repos/list-deployment-statuses",
                             params={"per_page": 1})
        items = self._items(page, "repos/list-deployment-statuses")
        return parsed("repos/list-deployment-statuses", DeploymentStatus.from_api, items[0]) if items else None

    def compare(self, base: str, head: str) -> list[Commit]:
        """The commits in `head` and not in `base`, oldest first, from every page of the comparison."""
        operation = "repos/compare-commits-with-basehead"
        commits: list[Commit] = []
        first: dict[str, Any] | None = None
        for page in self._pages(f"/compare/{quote(base, safe='/')}...{quote(head, safe='/')}", operation,
                                {"per_page": PAGE}):
            if not isinstance(page, dict):
                raise ApiError(RESOURCE, operation, None, "unexpected answer (not a comparison)")
            first = first or page
            commits += [parsed(operation, Commit.from_api, c) for c in self._items(page.get("commits"), operation)]
        total = first.get("total_commits") if first else None
        if isinstance(total, int) and len(commits) != total:
            raise ApiError(RESOURCE, operation, None,
                           f"GitHub listed {len(commits)} of the {total} commits between {base} and {head}")
        return commits

    def commit(self, ref: str) -> Commit:
        answer = self._request("GET", f"/commits/{quote(ref, safe='/')}", "repos/get-commit")
        return parsed("repos/get-commit", Commit.from_api, answer)

    def commits(self, ref: str | None = None, *, since: datetime | None = None,
                until: datetime | None = None) -> Iterator[Commit]:
        """Commits reachable from `ref` (default branch by default), newest first, by committer date."""
        params = {"sha": ref, "per_page": PAGE, "since": since and _utc(since).strftime(STAMP),
                  "until": until and _utc(until).strftime(STAMP)}
        for page in self._pages("/commits", "repos/list-commits", params):
            for data in self._items(page, "repos/list-commits"):
                yield parsed("repos/list-commits", Commit.from_api, data)

    # ---- plumbing -----------------------------------------------------------------------------
    @staticmethod
    def _items(page: Any, operation: str) -> list[Any]:
        if not isinstance(page, list):
            raise ApiError(RESOURCE, operation, None, "unexpected answer (not a list)")
        return page

    def _request(self, method: str, path: str, operation: str, **kw: Any) -> Any:
        try:
            return self.client.request(method, f"/repos/{self.repo}{path}", operation=operation, resource=RESOURCE, **kw)
        except ApiError as error:
            raise self._explained(error) from None

    def _pages(self, path: str, operation: str, params: Mapping[str, Any]) -> Iterator[Any]:
        try:
            yield from self.client.pages(f"/repos/{self.repo}{path}", operation=operation, params=params,
                                         resource=RESOURCE)
        except ApiError as error:
            raise self._explained(error) from None

    def _explained(self, error: ApiError) -> ApiError:
        """The API's refusal with what it means for the token and the repository."""
        hints = {
            401: f"{TOKEN_ENV} was refused (expired, revoked or mistyped)",
            403: f"{TOKEN_ENV} may not do this on {self.repo}: it needs {self.needs}",
            404: f"{self.repo} does not exist or {TOKEN_ENV} cannot see it (GitHub answers 404 for a repository "
                 "a token has no access to), or the object asked for is not there",
        }
        hint = hints.get(error.status or 0)
        if hint is None or type(error) is not ApiError:
            return error
        return ApiError(error.resource, error.operation, error.status, f"{error.message}: {hint}")
