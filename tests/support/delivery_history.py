"""A delivery history preloaded into the GitHub fake in the shape `ops promote` and `ops rollback`
record it (ops/release.py, ops/rollback.py, ops/release_record.py `record_for`, ops/deployments.py):

- a promotion is a `task: deploy` record whose ref is the commit shipped, payload `stack`, `site`,
  `netlify_deploy_id`, `previous_deploy_id` (the deploy live before), `recorded_by`, `record_id`;
  statuses `in_progress` at its creation, then `success` or `failure`;
- a failed promotion is followed by a `task: rollback` record of the previous deploy (its commit),
  with `rollback_of` the failed record's id; a manual `ops rollback` has no `rollback_of`;
- a `success` retires the record it superseded (`inactive` at the same time), as `finish` does in
  production, where GitHub's `auto_inactive` does not.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.support.github_fake import FakeGitHub

SITE = "maintainpro-production"


class RecordedHistory:
    def __init__(self, fake: FakeGitHub, environment: str = "production", site: str = SITE) -> None:
        self.fake, self.environment, self.site = fake, environment, site
        self.sha: dict[int, str] = {}  # record id -> commit shipped
        self.netlify: dict[int, str] = {}  # record id -> Netlify deploy it published
        self.live: int | None = None  # the record whose deploy is live
        self._deploys = 0

    def commit(self, at: datetime) -> str:
        """A commit on the default branch, authored and committed at `at`."""
        return self.fake.add_commits(1, start=at, every=timedelta(0))[0]

    def promote(self, sha: str, created: datetime, *, live_at: datetime | None = None,
                failed_at: datetime | None = None, rollback: tuple[datetime, datetime] | None = None) -> int:
        """A promotion: success at `live_at`, or failure at `failed_at` and (`rollback`: its creation and
        success) the automatic rollback to what was live; neither: still in progress."""
        self._deploys += 1
        netlify = f"{self._deploys:024x}"
        previous = self.live
        statuses = [("in_progress", created)]
        if live_at is not None:
            statuses.append(("success", live_at))
        elif failed_at is not None:
            statuses.append(("failure", failed_at))
        record = self._record(sha, "deploy", created, statuses, netlify_deploy_id=netlify,
                              previous_deploy_id=self.netlify.get(previous) if previous is not None else None)
        self.netlify[record] = netlify
        if live_at is not None:
            self._went_live(record, live_at)
        if rollback is not None and previous is not None:
            started, done = rollback
            back = self._record(self.sha[previous], "rollback", started, [("in_progress", started), ("success", done)],
                                netlify_deploy_id=self.netlify[previous], previous_deploy_id=netlify,
                                rollback_of=str(record))
            self.netlify[back] = self.netlify[previous]
            self._went_live(back, done)
        return record

    def rollback_by_hand(self, to: int, created: datetime, done: datetime) -> int:
        """`ops rollback --to <the deploy of record to>`: no `rollback_of`, the live deploy as `previous_deploy_id`."""
        assert self.live is not None
        back = self._record(self.sha[to], "rollback", created, [("in_progress", created), ("success", done)],
                            netlify_deploy_id=self.netlify[to], previous_deploy_id=self.netlify[self.live])
        self.netlify[back] = self.netlify[to]
        self._went_live(back, done)
        return back

    def _went_live(self, record: int, at: datetime) -> None:
        if self.live is not None:
            self.fake.add_status(self.live, "inactive", at)
        self.live = record

    def _record(self, sha: str, task: str, created: datetime, statuses: list[tuple[str, datetime]],
                **payload: str | None) -> int:
        body = {"stack": self.environment, "site": self.site, **{k: v for k, v in payload.items() if v is not None},
                "recorded_by": "maintainpro-ops", "record_id": f"{len(self.sha):032x}"}
        record = self.fake.add_deployment(sha, self.environment, created_at=created, statuses=statuses, task=task,
                                          payload=body)
        self.sha[record] = sha
        return record
