"""A promotion as steps: smoke test the draft, publish it, validate it live, put the previous deploy
back when anything after the switch fails, and record every switch.

Before the switch the command's `--timeout` bounds every step (nothing has changed yet, giving up
is safe). After it, the release runs to a known end: live validation (each request at most
`REQUEST_TIMEOUT`) and a rollback (the API client gets `ROLLBACK_BUDGET` seconds of its own), so
the command never leaves an unvalidated release live because a budget ran out.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from components.config import StackConfig
from ops.console import EXIT_FAILED, OpsError, notice, timed_out
from ops.deployment_record import FinalState
from ops.netlify_site import Live, get_site
from ops.probe_checks import Result
from ops.publish import PublishFailed, PublishRefused, publish
from ops.release_checks import failures, run_release_checks, summary
from ops.release_record import Recording, record_for
from providers.http import ApiClient, ApiError

REQUEST_TIMEOUT = 10.0  # each check request
ROLLBACK_BUDGET = 120.0  # seconds of API calls an automatic rollback may take, whatever --timeout is left
Verdict = Literal["promoted", "smoke-failed", "refused", "publish-failed", "rolled-back", "rollback-failed"]


@dataclass
class Outcome:
    """What happened, for the operator and for `--json` (`document`)."""

    stack: str
    site: str
    deploy: str
    previous: str | None
    draft_url: str
    site_url: str
    verdict: Verdict = "promoted"
    live: str | None = None  # the deploy live at the end, as last read from the API
    smoke: list[Result] = field(default_factory=list)
    validation: list[Result] = field(default_factory=list)
    after_rollback: list[Result] = field(default_factory=list)
    deployments: dict[str, int | None] = field(default_factory=lambda: {"release": None, "rollback": None})
    error: str | None = None

    def document(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Release:
    """One promotion of `outcome.deploy` on a site whose live deploy was `outcome.previous`."""

    cfg: StackConfig
    client: ApiClient
    site_id: str
    outcome: Outcome
    recording: Recording
    draft_commit: str | None = None
    previous_commit: str | None = None
    supabase_url: str | None = None
    until: float | None = None  # the --timeout instant, for the steps before the switch
    budget: float | None = None  # ... and the --timeout it came from, for the message

    # ---------------------------------------------------------------- steps
    def smoke_test(self) -> bool:
        """Run the checks on the draft's unique URL; False (and the reason in `outcome`) when one fails."""
        o = self.outcome
        left = REQUEST_TIMEOUT if self.until is None else min(REQUEST_TIMEOUT, self.until - time.monotonic())
        if left <= 0:
            timed_out(f"the Netlify API before the smoke test of {o.deploy}; nothing published", self.budget)
        notice(f"promote: smoke testing draft {o.deploy} at {o.draft_url}")
        o.smoke = run_release_checks(self.cfg, o.draft_url, self.supabase_url, left)
        if failures(o.smoke):
            return self._end("smoke-failed", f"draft {o.deploy} failed its smoke test: {summary(o.smoke)}; "
                             "nothing published", o.previous)
        return True

    def switch(self) -> bool:
        """Publish the draft (the live deploy must still be `previous`), then validate it live."""
        o = self.outcome
        o.deployments["release"] = self.recording.start(record_for(
            self.cfg, "deploy", deploy_id=o.deploy, commit_ref=self.draft_commit, previous=o.previous,
            description=f"promote {o.deploy} on {o.site}"))
        notice(f"promote: publishing {o.deploy} (live: {o.previous or 'none'})")
        try:
            publish(self.client, self.site_id, o.deploy, expect=o.previous, lock=False)
        except PublishRefused as error:
            self._finish_release("failure", error.message)
            return self._end("refused", error.message, error.live.deploy_id)
        except (ApiError, OpsError) as error:
            reason = f"publishing {o.deploy} failed: {error}"
            self._finish_release("failure", reason)
            return self._put_back(reason)
        notice(f"promote: validating {o.site_url}")
        o.validation = run_release_checks(self.cfg, o.site_url, self.supabase_url, REQUEST_TIMEOUT)
        if failures(o.validation):
            reason = f"{o.deploy} went live but failed validation at {o.site_url}: {summary(o.validation)}"
            self._finish_release("failure", reason)
            return self._put_back(reason)
        o.live = o.deploy
        self._finish_release("success", f"{o.deploy} is live and validated (was {o.previous or 'none'})")
        return True

    # ---------------------------------------------------------------- rollback
    def _put_back(self, reason: str) -> bool:
        """Make `previous` live again if the failed release is what is live; say loudly what is live."""
        o = self.outcome
        self.client.deadline = time.monotonic() + ROLLBACK_BUDGET
        try:
            now = Live.of(get_site(self.client, self.site_id)).deploy_id
        except ApiError as error:
            return self._end("rollback-failed", f"{reason}; ROLLBACK NOT DONE: cannot read the live deploy ({error}); "
                             f"{self._manual(o.previous)}", None)
        if now == o.previous:
            return self._end("publish-failed", f"{reason}; {o.previous or 'nothing'} is still live", now)
        if now != o.deploy:
            return self._end("rollback-failed", f"{reason}; ROLLBACK NOT DONE: {now or 'nothing'} is live, published by "
                             "another release or rollback meanwhile", now)
        if o.previous is None:
            return self._end("rollback-failed", f"{reason}; ROLLBACK NOT DONE: the site had no live deploy before, "
                             f"so {o.deploy} stays live", now)
        notice(f"promote: rolling back to {o.previous}")
        o.deployments["rollback"] = self.recording.start(record_for(
            self.cfg, "rollback", deploy_id=o.previous, commit_ref=self.previous_commit, previous=o.deploy,
            description=f"roll back {o.site} to {o.previous} after {o.deploy} failed",
            rollback_of=o.deployments["release"]))
        try:
            publish(self.client, self.site_id, o.previous, expect=o.deploy, lock=False)
        except (ApiError, OpsError) as error:
            self.recording.finish(o.deployments["rollback"], "failure", f"rollback failed: {error}", None)
            shown = error.live if isinstance(error, (PublishRefused, PublishFailed)) else self._read_live()
            return self._end("rollback-failed", f"{reason}; ROLLBACK FAILED: putting {o.previous} back failed "
                             f"({error}); the failed release {o.deploy} may still be live; "
                             f"{self._manual(o.previous)}", shown.deploy_id if shown else None)
        o.after_rollback = run_release_checks(self.cfg, o.site_url, self.supabase_url, REQUEST_TIMEOUT)
        still = failures(o.after_rollback)
        note = (f"; its live checks fail too ({summary(still)}): the cause may lie outside this release"
                if still else "; its live checks pass")
        self.recording.finish(o.deployments["rollback"], "success", f"{o.previous} is live again{note}", o.site_url)
        return self._end("rolled-back", f"{reason}; rolled back: {o.previous} is live again{note}", o.previous)

    # ---------------------------------------------------------------- helpers
    def _read_live(self) -> Live | None:
        """What is live, for the message of a failed rollback (None when even that cannot be read)."""
        try:
            return Live.of(get_site(self.client, self.site_id))
        except ApiError:
            return None

    def _manual(self, previous: str | None) -> str:
        if previous is None:
            return f"list the site's deploys with `python -m ops rollback --stack {self.cfg.environment} --list`"
        return f"put it back by hand: `python -m ops rollback --stack {self.cfg.environment} --to {previous} --yes`"

    def _finish_release(self, state: FinalState, description: str) -> None:
        url = self.outcome.site_url if state == "success" else None
        self.recording.finish(self.outcome.deployments["release"], state, description, url)

    def _end(self, verdict: Verdict, error: str, live: str | None) -> bool:
        self.outcome.verdict, self.outcome.error, self.outcome.live = verdict, error, live
        return False



def release_failed(outcome: Outcome) -> OpsError:
    """The command's error for a release that did not end `promoted`, naming what is live now."""
    live = outcome.live or "unknown (read the site's deploys)"
    return OpsError(f"{outcome.error} [live now: {live}]", EXIT_FAILED)
