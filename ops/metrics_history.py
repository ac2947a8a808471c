"""A stack's deployment record read back from GitHub for the metrics (ops/metrics.py computes them).

Everything goes through `GitHubDeployments` and the shared client: pages of 100 by `Link`, rate
limits (403/429, `x-ratelimit-reset`, `retry-after`) waited out within `--timeout`. Requests are
sent one after another: GitHub asks integrators to "make requests for a single user or client ID
serially" to stay clear of its secondary rate limits (docs.github.com, "Best practices for using
the REST API"). What is read: the environment's records of ours, newest first, down to the window's
start and on to the newest successful deployment before it (the base of the window's first lead
time, at most `LOOKBACK` older deployments); each record's statuses; and, per successful deployment
in the window, the commits since its base (compare). A comparison GitHub cannot make (a commit
force-pushed away: 404, 422) is a gap the report names, not a failure of the whole run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ops.deployment_record import Commit
from ops.deployments import GitHubDeployments
from ops.metrics import Shipped, Window, comparisons
from providers.http import ApiError

LOOKBACK = 20  # deployments before the window read to find the previous successful one
EVERY = 5.0  # seconds between progress lines of a long read
GAP_STATUSES = (404, 422)  # a ref GitHub no longer has


@dataclass
class History:
    records: list[Shipped] = field(default_factory=list)
    commits: dict[int, list[Commit]] = field(default_factory=dict)  # successful deployment id -> commits it shipped
    gaps: dict[int, str] = field(default_factory=dict)  # deployment id -> why its lead time is partial or missing


class Progress:
    """Progress lines on stderr: when a phase starts, at most every `EVERY` seconds while it runs, when it ends."""

    def __init__(self, say: Callable[[str], None], clock: Callable[[], float] = time.monotonic) -> None:
        self.say, self.clock = say, clock
        self.last = clock()

    def start(self, line: str) -> None:
        self.say(line)
        self.last = self.clock()

    def tick(self, line: Callable[[], str]) -> None:
        if self.clock() - self.last >= EVERY:
            self.start(line())


def read_history(gh: GitHubDeployments, environment: str, window: Window, progress: Progress) -> History:
    """The records `measure` needs: those created in `window` (up to its clock) and the ones before it
    that decide its first lead time; then the commits of each successful deployment in it."""
    history = History()
    progress.start(f"metrics: reading {gh.repo}'s deployments to {environment} since {window.start:%Y-%m-%d}")
    older = 0
    for deployment in gh.deployments(environment):  # newest first, ours only
        if deployment.created_at > window.now:
            continue  # after the clock (--now in the past)
        inside = deployment.created_at >= window.start
        if not inside and deployment.task != "deploy":
            continue  # a rollback before the window decides nothing in it
        statuses = tuple(s for s in gh.statuses(deployment.id) if s.created_at <= window.now)
        shipped = Shipped(deployment, statuses)
        history.records.append(shipped)
        progress.tick(lambda: f"metrics: {len(history.records)} deployments read")
        if not inside:
            older += 1
            if shipped.outcome == "success" or older >= LOOKBACK:
                break
    pairs = comparisons(history.records, window)
    progress.start(f"metrics: {len(history.records)} deployments read; comparing the commits of {len(pairs)} "
                   "successful ones")
    for shipped, base in pairs:
        history.commits[shipped.id] = _commits(gh, shipped, base, history.gaps)
        progress.tick(lambda: f"metrics: commits of {len(history.commits)}/{len(pairs)} deployments compared")
    progress.start(f"metrics: {sum(map(len, history.commits.values()))} commits in {len(pairs)} deployments")
    return history


def _commits(gh: GitHubDeployments, shipped: Shipped, base: Shipped | None, gaps: dict[int, str]) -> list[Commit]:
    head = shipped.deployment.sha
    try:
        if base is None:
            gaps[shipped.id] = (f"no successful deployment in the {LOOKBACK} before it: only its own commit "
                                f"{head[:7]} is counted")
            return [gh.commit(head)]
        if base.deployment.sha == head:
            return []  # the same commit shipped again: nothing new
        return gh.compare(base.deployment.sha, head)
    except ApiError as error:
        if error.status not in GAP_STATUSES:
            raise
        gaps[shipped.id] = f"GitHub cannot compare {_short(base)}...{head[:7]} ({error.status}): lead time not measured"
        return []


def _short(base: Shipped | None) -> str:
    return base.deployment.sha[:7] if base is not None else "-"
