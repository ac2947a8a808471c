"""A stateful fake of GitHub's REST API (deployments, deployment statuses, commits, compare) on a
loopback port, for the delivery record and the metrics read from it.

Every request is routed to its operationId from GitHub's own description (npm @octokit/openapi,
pinned), its query parameters and JSON body are validated against the operation (a request the
live API would refuse is answered 422 and noted in `request_errors`), and every answer is
validated against the operation's response schema (`schema_errors`). Where the live service does
something the description does not show, the handler says so and cites its source.

Auth as GitHub answers it: no or an unknown token is 401; a token that cannot see the repository
gets 404 (GitHub does not reveal a private repository: `hidden_status` makes it 403), and a
read-only token writing gets 403 "Resource not accessible by integration". Faults as in the
Netlify fake: a status with headers (rate limits), a lost answer after applying, a late answer;
`limit` runs a primary rate limit against the fake's `clock`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from tests.support import github_spec as spec
from tests.support.github_objects import (
    Commit,
    Repo,
    commit_sha,
    commit_view,
    comparison_view,
    deployment_view,
    error,
    stamp,
    status_view,
    user,
)
from tests.support.loopback import Call, FakeHandler, Fault, LoopbackServer, reply_json

TOKEN = "fake-github-token"
APP_REPO = "maintainpro-example/maintainpro-app"
BOT = "maintainpro-platform-deployer[bot]"
COMPARE_UNPAGED_LIMIT = 250  # compare without paging parameters: "limited to 250 commits" (the description)
DESCRIPTION_LIMIT = 140  # create-deployment-status: "The maximum description length is 140 characters."


class Reply(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


class FakeGitHub(LoopbackServer):
    """In-memory GitHub holding `APP_REPO`, which `TOKEN` may write; `calls` records every request."""

    def __init__(self, repo: str = APP_REPO, token: str = TOKEN) -> None:
        spec.routes()  # parse the description before serving (once per process)
        self.repos: dict[str, Repo] = {}
        self.tokens: dict[str, tuple[str, int]] = {}  # token -> (login, user id)
        self.grants: dict[tuple[str, str], str] = {}  # (token, repo) -> "read" | "write"
        self.hidden_status = 404
        self.calls: list[Call] = []
        self.faults: deque[Fault] = deque()
        self.schema_errors: list[str] = []
        self.request_errors: list[str] = []
        self.clock: Callable[[], float] = time.time  # epoch seconds: timestamps and rate-limit windows
        # Every answer is checked against the description. jsonschema spends 1-3 ms on each new
        # object, so a bench over tens of thousands of commits may turn this off; tests never do.
        self.validate_answers = True
        self.quota: int | None = None  # requests left in the rate-limit window (None: unlimited)
        self.quota_limit, self.quota_reset = 5000, 0.0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.add_repo(repo)
        self.grant(token, repo, "write")
        super().__init__(self._handler())

    # ---- helpers for tests -------------------------------------------------------------------
    def add_repo(self, full_name: str, default_branch: str = "main") -> Repo:
        repo = Repo(full_name, next(self._ids), default_branch)
        self.repos[full_name.lower()] = repo
        return repo

    def repo(self, full_name: str = APP_REPO) -> Repo:
        return self.repos[full_name.lower()]

    def grant(self, token: str, repo: str, access: str | None, login: str = BOT) -> None:
        """Let `token` read or write `repo` (None: the token exists but cannot see it)."""
        self.tokens.setdefault(token, (login, 41_000_000 + len(self.tokens)))
        if access is None:
            self.grants.pop((token, repo.lower()), None)
        else:
            self.grants[(token, repo.lower())] = access

    def fail(self, operation: str, **kw: Any) -> None:
        self.faults.append(Fault(operation, **kw))

    def limit(self, remaining: int, reset: float, per_window: int = 5000) -> None:
        """A primary rate limit: `remaining` requests, then 403 until `clock()` reaches `reset`."""
        self.quota, self.quota_reset, self.quota_limit = remaining, reset, per_window

    def ops(self) -> list[str]:
        return [c.operation for c in self.calls]

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), timezone.utc)

    def add_commits(self, count: int, *, start: datetime, every: timedelta, branch: str | None = None,
                    repo: str = APP_REPO) -> list[str]:
        """`count` commits on top of `branch` (default: the default branch), the first at `start`."""
        r = self.repo(repo)
        name = branch or r.default_branch
        start = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
        shas = []
        for i in range(count):
            sha = commit_sha(r.full_name, len(r.commits))
            r.commits[sha] = Commit(sha, f"change {len(r.commits)}", start + i * every, r.branches.get(name))
            r.branches[name] = sha
            shas.append(sha)
        return shas

    def add_branch(self, name: str, at: str, repo: str = APP_REPO) -> None:
        self.repo(repo).branches[name] = at

    def add_deployment(self, sha: str, environment: str, *, created_at: datetime,
                       statuses: Sequence[tuple[str, datetime]] = (), task: str = "deploy",
                       payload: Any = None, ref: str | None = None, production: bool | None = None,
                       repo: str = APP_REPO) -> int:
        """A recorded deployment with its statuses as given (`(state, at)`, oldest first): no side effects."""
        r = self.repo(repo)
        deployment_id = next(self._ids)
        creator = user(self.url, BOT, 41_000_000)
        r.deployments[deployment_id] = deployment_view(
            self.url, r, deployment_id, sha=sha, ref=ref or sha, task=task, environment=environment,
            payload={} if payload is None else payload, description="", creator=creator,
            created_at=stamp(created_at), transient=False,
            production=environment == "production" if production is None else production)
        r.statuses[deployment_id] = []
        for state, at in statuses:
            self._add_status(r, deployment_id, state=state, at=stamp(at), creator=creator)
        return deployment_id

    def add_status(self, deployment_id: int, state: str, at: datetime, repo: str = APP_REPO) -> None:
        """A status added later (e.g. `inactive` once a newer record superseded it): no side effects."""
        self._add_status(self.repo(repo), deployment_id, state=state, at=stamp(at), creator=user(self.url, BOT, 41_000_000))

    # ---- HTTP plumbing -----------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(FakeHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                with fake._lock:
                    status, body, headers, fault = fake.dispatch(
                        self.command, parts.path, dict(parse_qsl(parts.query)), raw,
                        {k.lower(): v for k, v in self.headers.items()})
                reply_json(self, status, body, headers, delay=fault.delay if fault else 0.0,
                           drop=bool(fault and fault.drop_after))

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        return Handler

    def dispatch(self, method: str, path: str, query: dict[str, str], raw: bytes,
                 headers: dict[str, str]) -> tuple[int, Any, dict[str, str], Fault | None]:
        found = spec.match(method, path)
        operation = found[0].operation if found else "?"
        call = Call(method, path, operation, query, None, 0, headers)
        self.calls.append(call)
        fault = None
        try:
            if found is None:
                raise Reply(404, error("Not Found", 404))
            route, params = found
            repo = self._authorise(route, params, headers)
            extra = self._rate_limit()
            fault = self.faults[0] if self.faults and self.faults[0].operation == operation else None
            if fault:
                self.faults.popleft()
                if fault.status is not None:
                    raise Reply(fault.status, error(fault.message, fault.status), {**extra, **fault.headers})
            call.body = self._body(route, raw)
            self._query(route, query)
            handler: Callable[..., tuple[int, Any, dict[str, str]]] | None = getattr(self, route.handler_name, None)
            if handler is None:
                self.schema_errors.append(f"the fake has no handler for {operation}")
                raise Reply(404, error("Not Found", 404))
            status, body, answer_headers = handler(repo, *map(unquote, params[2:]), query=query, body=call.body,
                                                   path=path)
            answer_headers = {**extra, **answer_headers}
        except Reply as reply:
            status, body, answer_headers = reply.status, reply.body, reply.headers
        except Exception as exc:  # a bug of the fake: say so rather than drop the connection
            self.schema_errors.append(f"{operation}: the fake failed: {exc!r}")
            call.status = 500
            return 500, error(f"fake failure: {exc!r}", 500), {}, None
        call.status = status
        if found is not None and self.validate_answers and not (fault and fault.status is not None):
            self._validate(found[0].operation, status, body)
        return status, body, answer_headers, fault

    def _authorise(self, route: spec.Route, params: tuple[str, ...], headers: dict[str, str]) -> Repo:
        scheme, _, token = (headers.get("authorization") or "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token:
            raise Reply(401, error("Requires authentication", 401))
        if token not in self.tokens:
            raise Reply(401, error("Bad credentials", 401))
        if headers.get("x-github-api-version", "2022-11-28") != "2022-11-28":
            raise Reply(400, error(f"API version {headers['x-github-api-version']} is not supported.", 400))
        full_name = f"{params[0]}/{params[1]}".lower() if route.template.startswith("/repos/{owner}/{repo}") else ""
        access = self.grants.get((token, full_name))
        if full_name not in self.repos or access is None:
            # docs.github.com "Troubleshooting the REST API", "404 error for an existing repository":
            # GitHub does not confirm a private repository exists to a token that cannot see it.
            raise Reply(self.hidden_status, error("Not Found" if self.hidden_status == 404 else
                                                  "Resource not accessible by integration", self.hidden_status))
        if route.method != "GET" and access != "write":
            raise Reply(403, error("Resource not accessible by integration", 403))
        self._token = token
        return self.repos[full_name]

    def _rate_limit(self) -> dict[str, str]:
        if self.quota is None:
            return {}
        if self.clock() >= self.quota_reset:  # a new window
            self.quota, self.quota_reset = self.quota_limit, self.quota_reset + 3600
        headers = {"x-ratelimit-limit": str(self.quota_limit), "x-ratelimit-resource": "core",
                   "x-ratelimit-reset": str(int(self.quota_reset))}
        if self.quota <= 0:
            raise Reply(403, error("API rate limit exceeded for installation ID 1.", 403),
                        {**headers, "x-ratelimit-remaining": "0", "x-ratelimit-used": str(self.quota_limit)})
        self.quota -= 1
        return {**headers, "x-ratelimit-remaining": str(self.quota),
                "x-ratelimit-used": str(self.quota_limit - self.quota)}

    def _body(self, route: spec.Route, raw: bytes) -> Any:
        validator = spec.body_validator(route.operation)
        if validator is None:
            return None
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self.request_errors.append(f"{route.operation}: body is not JSON")
            raise Reply(400, error("Problems parsing JSON", 400)) from None
        problems = [f"{e.message} at {list(e.absolute_path)}" for e in validator.iter_errors(body)]
        if problems:
            self.request_errors.extend(f"{route.operation}: {p}" for p in problems)
            raise Reply(422, error("Invalid request.\n\n" + "\n".join(problems), 422))
        return body

    def _query(self, route: spec.Route, query: dict[str, str]) -> None:
        problems = spec.query_problems(route, query)
        if problems:
            # Noted so a test sees its client send a malformed parameter; the live answer to one is
            # not documented (often the parameter is ignored): 400 is an approximation.
            self.request_errors.extend(f"{route.operation}: {p}" for p in problems)
            raise Reply(400, error("Bad request: " + "; ".join(problems), 400))

    def _validate(self, operation: str, status: int, body: Any) -> None:
        declared, validator = spec.answer_schema(operation, status)
        if not declared:
            if status not in (400, 401, 403, 404):
                self.schema_errors.append(f"{operation}: status {status} is not declared")
                return
            validator = spec.basic_error()
        if validator is None:
            if status < 400 and body is not None:
                self.schema_errors.append(f"{operation}: {status} must have no body")
            return
        for problem in validator.iter_errors(body):
            self.schema_errors.append(f"{operation} {status}: {problem.message} at {list(problem.absolute_path)}")

    def _page(self, items: list[Any], path: str, query: dict[str, str]) -> tuple[list[Any], dict[str, str]]:
        """One page (`per_page` at most 100, default 30) and GitHub's Link header for the others."""
        per_page = min(max(int(query.get("per_page", 30)), 1), 100)
        page = max(int(query.get("page", 1)), 1)
        last = max(1, -(-len(items) // per_page))
        rels = {"prev": page - 1, "next": page + 1, "last": last, "first": 1}
        keep = {k: v for k, v in query.items() if k != "page"}
        link = ", ".join(f'<{self.url}{path}?{urlencode({**keep, "page": n})}>; rel="{rel}"'
                         for rel, n in rels.items()
                         if (rel in ("prev", "first") and page > 1) or (rel in ("next", "last") and page < last))
        return items[(page - 1) * per_page: page * per_page], ({"Link": link} if link else {})

    def _creator(self) -> dict[str, Any]:
        login, user_id = self.tokens[self._token]
        return user(self.url, login, user_id)

    def _add_status(self, repo: Repo, deployment_id: int, *, state: str, at: str, creator: dict[str, Any],
                    description: str = "", environment: str | None = None, environment_url: str = "",
                    log_url: str = "") -> dict[str, Any]:
        deployment = repo.deployments[deployment_id]
        status = status_view(self.url, repo, deployment_id, next(self._ids), state=state, description=description,
                             environment=environment or deployment["environment"], environment_url=environment_url,
                             log_url=log_url, creator=creator, created_at=at)
        repo.statuses[deployment_id].append(status)
        deployment["updated_at"] = at
        return status

    def _deployment(self, repo: Repo, deployment_id: str) -> dict[str, Any]:
        found = repo.deployments.get(int(deployment_id))
        if found is None:
            raise Reply(404, error("Not Found", 404))
        return found

    # ---- deployments -------------------------------------------------------------------------
    def op_repos_list_deployments(self, repo: Repo, *, query, body, path):
        filters = {k: query[k] for k in ("sha", "ref", "task", "environment") if query.get(k, "none") != "none"}
        found = [d for d in reversed(repo.deployments.values()) if all(d[k] == v for k, v in filters.items())]
        page, headers = self._page(found, path, query)  # newest first, as GitHub lists them
        return 200, page, headers

    def op_repos_create_deployment(self, repo: Repo, *, query, body, path):
        ref = body["ref"]
        sha = repo.resolve(ref)
        if sha is None:
            raise Reply(422, error(f"No ref found for: {ref}"))
        default = repo.branches.get(repo.default_branch)
        if body.get("auto_merge", True) and default and sha != default and sha in repo.ancestry(default):
            # The ref is behind the default branch: GitHub merges the default branch into it (202,
            # no deployment) or, where it cannot, answers 409 "Conflict merging <default> into <ref>"
            # (the operation's description; the 409 text as chrnorm/deployment-action#1 quotes it).
            if repo.resolve(ref) != ref:
                return 202, {"message": f"Auto-merged {repo.default_branch} into {ref} on deployment."}, {}
            raise Reply(409, error(f"Conflict merging {repo.default_branch} into {ref}.", 409))
        checks = repo.checks.get(sha, {})
        wanted = body.get("required_contexts")
        failing = sorted(c for c, s in checks.items() if s != "success") if wanted is None else \
            sorted(c for c in wanted if checks.get(c) != "success")
        if failing:
            raise Reply(409, error(f"Conflict: Commit status checks failed for {ref}.", 409,
                                   errors=[{"contexts": failing, "resource": "Deployment", "field": "required_contexts"}]))
        environment = body.get("environment", "production")
        deployment_id = next(self._ids)
        repo.deployments[deployment_id] = deployment_view(
            self.url, repo, deployment_id, sha=sha, ref=ref, task=body.get("task", "deploy"), environment=environment,
            payload=body.get("payload", {}), description=body.get("description", ""), creator=self._creator(),
            created_at=stamp(self.now()), transient=body.get("transient_environment", False),
            production=body.get("production_environment", environment == "production"))
        repo.statuses[deployment_id] = []
        return 201, repo.deployments[deployment_id], {}

    def op_repos_get_deployment(self, repo: Repo, deployment_id: str, *, query, body, path):
        return 200, self._deployment(repo, deployment_id), {}

    def op_repos_delete_deployment(self, repo: Repo, deployment_id: str, *, query, body, path):
        self._deployment(repo, deployment_id)
        if len(repo.deployments) > 1 and repo.latest_state(int(deployment_id)) == "success":
            # The operation's description: with more than one deployment only inactive ones may go.
            raise Reply(422, error("We cannot delete an active deployment unless it is the only deployment "
                                   "in a given environment."))
        del repo.deployments[int(deployment_id)]
        del repo.statuses[int(deployment_id)]
        return 204, None, {}

    def op_repos_list_deployment_statuses(self, repo: Repo, deployment_id: str, *, query, body, path):
        self._deployment(repo, deployment_id)
        page, headers = self._page(list(reversed(repo.statuses[int(deployment_id)])), path, query)
        return 200, page, headers  # newest first

    def op_repos_create_deployment_status(self, repo: Repo, deployment_id: str, *, query, body, path):
        deployment = self._deployment(repo, deployment_id)
        description = body.get("description", "")
        if len(description) > DESCRIPTION_LIMIT:
            raise Reply(422, error("Validation Failed", errors=[{
                "resource": "DeploymentStatus", "field": "description", "code": "custom",
                "message": f"description is too long (maximum is {DESCRIPTION_LIMIT} characters)"}]))
        previous = repo.statuses[deployment["id"]]
        environment = body.get("environment") or (previous[-1]["environment"] if previous else deployment["environment"])
        deployment["environment"] = environment  # "can be changed when setting a deploy status"
        at = stamp(self.now())
        status = self._add_status(repo, deployment["id"], state=body["state"], at=at, creator=self._creator(),
                                  description=description, environment=environment,
                                  environment_url=body.get("environment_url", ""),
                                  log_url=body.get("log_url") or body.get("target_url", ""))
        if body["state"] == "success" and body.get("auto_inactive", True):
            # docs.github.com "Inactive deployments": a success makes every prior non-transient,
            # non-production deployment of the same environment that was `success` inactive
            # (same environment only: github/docs#2429).
            for other in repo.deployments.values():
                if (other["id"] < deployment["id"] and other["environment"] == environment
                        and not other["transient_environment"] and not other["production_environment"]
                        and repo.latest_state(other["id"]) == "success"):
                    self._add_status(repo, other["id"], state="inactive", at=at, creator=self._creator())
        return 201, status, {"Location": status["url"]}

    # ---- commits -----------------------------------------------------------------------------
    def op_repos_get_commit(self, repo: Repo, ref: str, *, query, body, path):
        sha = repo.resolve(ref)
        if sha is None:
            raise Reply(422, error(f"No commit found for SHA: {ref}"))
        return 200, commit_view(self.url, repo, repo.commits[sha]), {}

    def op_repos_list_commits(self, repo: Repo, *, query, body, path):
        if not repo.commits:
            raise Reply(409, error("Git Repository is empty.", 409))
        sha = repo.resolve(query.get("sha") or repo.default_branch)
        if sha is None:
            raise Reply(404, error("Not Found", 404))
        since = datetime.fromisoformat(query["since"]) if "since" in query else None
        until = datetime.fromisoformat(query["until"]) if "until" in query else None
        line = [repo.commits[s] for s in repo.ancestry(sha)]
        kept = [c for c in line if (since is None or c.at >= since) and (until is None or c.at <= until)]
        page, headers = self._page(kept, path, query)
        return 200, [commit_view(self.url, repo, c) for c in page], headers

    def op_repos_compare_commits_with_basehead(self, repo: Repo, basehead: str, *, query, body, path):
        base_ref, dots, head_ref = basehead.partition("...")
        base, head = repo.resolve(base_ref), repo.resolve(head_ref)
        if not dots or base is None or head is None:
            raise Reply(404, error("Not Found", 404))
        newer = repo.back_to(head, base)
        if newer is not None:  # base is an ancestor of head: the merge base itself (the usual case, found quickly)
            merge_base, ahead, behind = base, newer[::-1], 0
        else:
            base_line, head_line = repo.ancestry(base), repo.ancestry(head)
            in_base = set(base_line)
            merge_base = next(s for s in head_line if s in in_base)
            ahead = head_line[: head_line.index(merge_base)][::-1]  # chronological
            behind = base_line.index(merge_base)
        headers: dict[str, str] = {}
        if "page" in query or "per_page" in query:
            listed, headers = self._page(ahead, path, query)
        else:
            listed = ahead[-COMPARE_UNPAGED_LIMIT:]  # "the last commit in the list is the most recent"
        commits = [commit_view(self.url, repo, repo.commits[s]) for s in listed]
        return 200, comparison_view(self.url, repo, basehead, base=base, head=head, merge_base=merge_base,
                                    commits=commits, total=len(ahead), ahead=len(ahead), behind=behind), headers


class Clock:
    """A wall clock the test moves: share `now` with the client and the fake, and let the client's
    `sleep` advance it (a rate-limit wait then takes no real time and ends exactly at the reset)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.t = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds
