"""Benchmark: `ops metrics` over 10,000 deployments and 50,000 commits, against a bare loop of the same GETs.

Against the stateful GitHub fake in a process of its own, so that its work and the client's run on
two cores rather than taking turns under one GIL (answers not validated against the description:
jsonschema would dominate; the tests validate every answer), preloaded with a year of production
records in the shape promote and rollback write (a promotion every 53 minutes, five commits each, every 49th one
failing and rolled back: 9,800 promotions, 200 rollbacks). Timed: reading the record the way the
command does (`read_history`: the deployment pages, each record's statuses, one comparison per
successful deployment, through the shared client) plus `measure`; then, as the baseline, a bare
sequential httpx loop of exactly the GETs the command sent (same paths, queries and headers), which
parses each JSON answer and nothing more. Both clients have their connection before the clock starts.
Prints the requests by operation, the figures, both wall times and their ratio. Each request is a
round trip to a Python HTTP server: the wall time is mostly the fake's, on both sides.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.config.delivery import DoraTargets  # noqa: E402
from ops.deployments import GitHubDeployments  # noqa: E402
from ops.github_api import HEADERS  # noqa: E402
from ops.metrics import Window, measure  # noqa: E402
from ops.metrics_history import Progress, read_history  # noqa: E402
from providers.http import ApiClient  # noqa: E402
from tests.support.delivery_history import RecordedHistory  # noqa: E402
from tests.support.github_fake import APP_REPO, TOKEN, FakeGitHub  # noqa: E402

DEPLOYMENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000  # a smaller run: `python bench/metrics_bench.py 1000`
COMMITS = DEPLOYMENTS * 5
FAIL_EVERY = 49
START = datetime(2025, 4, 1, tzinfo=timezone.utc)


def preload(fake: FakeGitHub) -> datetime:
    """The record; returns the clock (an hour after the last record)."""
    h = RecordedHistory(fake)
    promotions = DEPLOYMENTS * FAIL_EVERY // (FAIL_EVERY + 1)  # each failure adds its rollback record
    per = COMMITS // promotions
    moment = START
    for n in range(promotions):
        commits = per + (COMMITS - per * promotions if n == 0 else 0)
        sha = ""
        for i in range(commits):
            sha = h.commit(moment - timedelta(minutes=10 * (commits - i)))
        if (n + 1) % FAIL_EVERY == 0:
            h.promote(sha, moment, failed_at=moment + timedelta(minutes=3),
                      rollback=(moment + timedelta(minutes=4), moment + timedelta(minutes=6)))
        else:
            h.promote(sha, moment, live_at=moment + timedelta(minutes=2))
        moment += timedelta(minutes=53)
    assert len(fake.repo().deployments) == DEPLOYMENTS and len(fake.repo().commits) == COMMITS
    return moment + timedelta(hours=1)


def serve(control: Connection) -> None:
    """The child process: the preloaded fake, serving until told to stop; on request, the calls it answered."""
    with FakeGitHub() as fake:
        fake.validate_answers = False
        started = time.perf_counter()
        now = preload(fake)
        control.send((fake.url, now, time.perf_counter() - started))
        while control.recv() != "stop":
            control.send([(c.operation, c.path, c.query, c.status) for c in fake.calls] + [fake.schema_errors])
            fake.calls.clear()


def main() -> None:
    control, child_end = multiprocessing.get_context("fork").Pipe()
    child = multiprocessing.get_context("fork").Process(target=serve, args=(child_end,), daemon=True)
    child.start()
    url, now, loaded = control.recv()
    window = Window(now, min(366, (now - START).days + 1))  # the whole record (a year at full size)
    client = ApiClient(url, TOKEN, resource="github deployments", extra_headers=HEADERS)
    gh = GitHubDeployments(client, APP_REPO)
    client.request("GET", f"/repos/{APP_REPO}/commits/main", operation="warm-up")  # the connection, outside the clock
    lines: list[str] = []
    start = time.perf_counter()
    history = read_history(gh, "production", window, Progress(lines.append))
    figures = measure("production", APP_REPO, history.records, history.commits, window, DoraTargets(), history.gaps)
    took = time.perf_counter() - start
    client.close()
    control.send("calls")
    *answered, errors = control.recv()
    sent = answered[1:]  # without the warm-up
    counts = Counter(operation for operation, *_ in sent)

    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json", "User-Agent": "bench", **HEADERS}
    with httpx.Client(base_url=url, headers=headers) as bare:
        bare.get(f"/repos/{APP_REPO}/commits/main").raise_for_status()
        start = time.perf_counter()
        for _, path, query, _ in sent:
            bare.get(path, params=query).raise_for_status().json()
        baseline = time.perf_counter() - start
    control.send("calls")
    *replayed, errors_too = control.recv()
    control.send("stop")
    child.join(timeout=30)
    assert not errors and not errors_too, (errors + errors_too)[:3]
    assert [(p, q) for _, p, q, _ in replayed[1:]] == [(p, q) for _, p, q, _ in sent]  # the very same GETs
    assert all(status == 200 for *_, status in sent)

    print(f"{DEPLOYMENTS:,} deployments, {COMMITS:,} commits (preloaded in {loaded:.1f} s); window {window.days} days; "
          "the fake in its own process")
    print(f"requests: {len(sent):,} ({', '.join(f'{op} x{n:,}' for op, n in sorted(counts.items()))})")
    print(f"figures: {figures.successful:,} successful of {figures.ended:,}, band {figures.band}, lead time median "
          f"{figures.lead_time_median:.2f} h over {len(figures.lead_times_hours):,} commits, change failure rate "
          f"{figures.change_failure_rate:.1%}, restore median {figures.restore_median:.1f} min")
    print(f"ops metrics (read + measure)      {took:>7.2f} s  {took / len(sent) * 1e3:.2f} ms/request")
    print(f"bare httpx loop of the same GETs  {baseline:>7.2f} s  {baseline / len(sent) * 1e3:.2f} ms/request"
          f"  ratio {took / baseline:.2f}")
    print(f"progress lines on stderr: {len(lines)}")


if __name__ == "__main__":
    main()
