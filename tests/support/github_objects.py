"""The GitHub fake's state (repositories, commits) and the JSON views it answers with.

Views carry every field the description marks required (the fake validates each answer against
it), with URLs under the fake's own address so a client never reaches out to github.com.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

DOCS = "https://docs.github.com/rest"


def stamp(moment: datetime) -> str:
    """GitHub's timestamp form: UTC, whole seconds, `Z` (a naive time is taken as UTC)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def error(message: str, status: int | None = None, **extra: Any) -> dict[str, Any]:
    """GitHub's error body (`basic-error` / `validation-error`)."""
    body: dict[str, Any] = {"message": message, "documentation_url": DOCS, **extra}
    if status is not None:
        body["status"] = str(status)
    return body


@dataclass
class Commit:
    sha: str
    message: str
    at: datetime  # author and committer date
    parent: str | None


@dataclass
class Repo:
    full_name: str
    id: int
    default_branch: str = "main"
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)  # name -> head sha
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)  # by id, in creation order
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # oldest first
    checks: dict[str, dict[str, str]] = field(default_factory=dict)  # sha -> commit status context -> state

    def resolve(self, ref: str) -> str | None:
        """The sha a branch name (`main`, `heads/main`, `refs/heads/main`) or full sha names."""
        name = ref.removeprefix("refs/").removeprefix("heads/")
        if name in self.branches:
            return self.branches[name]
        return ref if ref in self.commits else None

    def ancestry(self, sha: str) -> list[str]:
        """`sha` and its ancestors, newest first (histories here are linear per branch)."""
        line: list[str] = []
        current: str | None = sha
        while current is not None:
            line.append(current)
            current = self.commits[current].parent
        return line

    def back_to(self, head: str, base: str) -> list[str] | None:
        """`head` and its ancestors newer than `base`, newest first; None when `base` is not one of them.
        What a comparison of a base with a later commit of its line needs, without walking to the root."""
        line: list[str] = []
        current: str | None = head
        while current is not None and current != base:
            line.append(current)
            current = self.commits[current].parent
        return line if current == base else None

    def latest_state(self, deployment_id: int) -> str | None:
        statuses = self.statuses.get(deployment_id) or []
        return statuses[-1]["state"] if statuses else None


def commit_sha(repo: str, n: int) -> str:
    return hashlib.sha1(f"{repo}#{n}".encode()).hexdigest()


def user(api: str, login: str, user_id: int) -> dict[str, Any]:
    """`simple-user` of the identity a token belongs to (a GitHub App's bot user)."""
    url = f"{api}/users/{login}"
    return {
        "login": login, "id": user_id, "node_id": f"BOT_{user_id}", "type": "Bot", "site_admin": False,
        "avatar_url": f"https://avatars.example.invalid/u/{user_id}", "gravatar_id": "",
        "url": url, "html_url": f"https://github.example.invalid/{login}", "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}", "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs", "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
    }


def commit_view(api: str, repo: Repo, commit: Commit) -> dict[str, Any]:
    """`commit` as list-commits, get-commit and compare answer it (no user behind the git identity)."""
    url = f"{api}/repos/{repo.full_name}/commits/{commit.sha}"
    person = {"name": "MaintAInPro developer", "email": "dev@example.invalid", "date": stamp(commit.at)}
    parents = [] if commit.parent is None else [{
        "sha": commit.parent, "url": f"{api}/repos/{repo.full_name}/commits/{commit.parent}",
        "html_url": f"https://github.example.invalid/{repo.full_name}/commit/{commit.parent}"}]
    return {
        "sha": commit.sha, "node_id": f"C_{commit.sha[:12]}", "url": url,
        "html_url": f"https://github.example.invalid/{repo.full_name}/commit/{commit.sha}",
        "comments_url": f"{url}/comments", "author": None, "committer": None, "parents": parents,
        "commit": {
            "url": f"{api}/repos/{repo.full_name}/git/commits/{commit.sha}", "author": person, "committer": person,
            "message": commit.message, "comment_count": 0,
            "tree": {"sha": hashlib.sha1(commit.sha.encode()).hexdigest(),
                     "url": f"{api}/repos/{repo.full_name}/git/trees/{commit.sha}"},
        },
    }


def deployment_view(api: str, repo: Repo, deployment_id: int, *, sha: str, ref: str, task: str, environment: str,
                    payload: Any, description: str | None, creator: dict[str, Any], created_at: str,
                    transient: bool, production: bool) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/deployments/{deployment_id}"
    return {
        "url": url, "id": deployment_id, "node_id": f"DE_{deployment_id}", "sha": sha, "ref": ref, "task": task,
        "payload": payload, "original_environment": environment, "environment": environment,
        "description": description, "creator": creator, "created_at": created_at, "updated_at": created_at,
        "statuses_url": f"{url}/statuses", "repository_url": f"{api}/repos/{repo.full_name}",
        "transient_environment": transient, "production_environment": production,
        "performed_via_github_app": None,
    }


def status_view(api: str, repo: Repo, deployment_id: int, status_id: int, *, state: str, description: str,
                environment: str, environment_url: str, log_url: str, creator: dict[str, Any],
                created_at: str) -> dict[str, Any]:
    deployment_url = f"{api}/repos/{repo.full_name}/deployments/{deployment_id}"
    return {
        "url": f"{deployment_url}/statuses/{status_id}", "id": status_id, "node_id": f"DES_{status_id}",
        "state": state, "creator": creator, "description": description, "environment": environment,
        "target_url": log_url, "log_url": log_url, "environment_url": environment_url,
        "created_at": created_at, "updated_at": created_at, "deployment_url": deployment_url,
        "repository_url": f"{api}/repos/{repo.full_name}", "performed_via_github_app": None,
    }


def comparison_view(api: str, repo: Repo, basehead: str, *, base: str, head: str, merge_base: str,
                    commits: list[dict[str, Any]], total: int, ahead: int, behind: int) -> dict[str, Any]:
    status = "identical" if ahead == behind == 0 else "ahead" if behind == 0 else "behind" if ahead == 0 else "diverged"
    web = f"https://github.example.invalid/{repo.full_name}/compare/{basehead}"
    return {
        "url": f"{api}/repos/{repo.full_name}/compare/{basehead}", "html_url": web,
        "permalink_url": f"https://github.example.invalid/{repo.full_name}/compare/{base}...{head}",
        "diff_url": f"{web}.diff", "patch_url": f"{web}.patch",
        "base_commit": commit_view(api, repo, repo.commits[base]),
        "merge_base_commit": commit_view(api, repo, repo.commits[merge_base]),
        "status": status, "ahead_by": ahead, "behind_by": behind, "total_commits": total, "commits": commits,
    }
