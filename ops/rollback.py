"""`ops rollback`: put a previous production deploy of a stack's Netlify site back live.

A rollback is an operation, not desired state, so it lives in the CLI rather than the program.
The restored deploy is locked by default: otherwise the next push to the production branch
would auto-publish over it before the fix is in. `--unlock` is the way back once the fix is in.
The Netlify token comes from NETLIFY_AUTH_TOKEN only (not the stack's netlifyToken secret).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from components.config import ConfigError
from ops.console import OpsError, StackDir, fail, fail_config, stdout, timed_out, timeout_option
from ops.netlify_site import Live, find_site, live_url, netlify_client
from ops.publish import publish
from ops.release_record import Recording, deployment_log, record_for, run_log_url
from ops.stackfile import ROOT, read_stack_file
from providers.http import ApiClient, ApiError, DeadlineExceeded, MissingCredential

__all__ = ["Deploy", "choose_target", "find_site", "netlify_client", "production_deploys", "rollback"]

DEPLOY_PAGE = 50
PUBLISHABLE = frozenset({"ready", "old"})


@dataclass(frozen=True)
class Deploy:
    id: str
    created_at: str
    branch: str
    commit_ref: str
    title: str
    state: str = "ready"
    locked: bool = False

    @property
    def commit(self) -> str:
        return self.commit_ref[:12]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Deploy:
        return cls(
            id=str(data["id"]),
            created_at=str(data.get("created_at") or ""),
            branch=str(data.get("branch") or ""),
            commit_ref=str(data.get("commit_ref") or ""),
            title=str(data.get("title") or ""),
            state=str(data.get("state") or ""),
            locked=bool(data.get("locked")),
        )

    def document(self, published: str | None) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "title": self.title, "commit_ref": self.commit_ref,
                "branch": self.branch, "state": self.state, "locked": self.locked, "published": self.id == published}


def production_deploys(client: ApiClient, site_id: str) -> list[Deploy]:
    """Deploys that were live once and can be again, newest first (the API lists every context and state).

    `published_at` marks a deploy that was published (branch deploys and drafts never are, so a draft
    that failed its smoke test is never a rollback target, whatever `context` the API gives it); a
    superseded deploy may be listed in state `old` rather than `ready` (BuilderIO/agent-native#3465,
    whose Netlify rollback selects "ready production deploys with a published_at timestamp" and
    accepts the "historical old deploy state").
    """
    data = client.request(
        "GET", f"/sites/{site_id}/deploys", operation="listSiteDeploys", params={"per_page": DEPLOY_PAGE}
    ) or []
    ready = [d for d in data if d.get("state") in PUBLISHABLE and d.get("published_at") and d.get("id")]
    ready.sort(key=lambda d: str(d.get("created_at") or ""), reverse=True)
    return [Deploy.from_api(d) for d in ready]


def choose_target(deploys: list[Deploy], published: str | None, wanted: str | None) -> Deploy:
    """The named deploy, else the newest once-published deploy older than the published one."""
    if wanted:
        for deploy in deploys:
            if deploy.id == wanted:
                return deploy
        raise LookupError(f"--to: '{wanted}' is not a deploy of this site that was live before")
    ids = [d.id for d in deploys]
    if published not in ids:
        raise LookupError(f"the live deploy is not among the last {DEPLOY_PAGE} production deploys; name one with --to")
    earlier = deploys[ids.index(published) + 1 :]
    if not earlier:
        raise LookupError("no earlier once-published deploy to roll back to")
    return earlier[0]


def _table(deploys: list[Deploy], published: str | None) -> Table:
    table = Table("deploy", "created", "branch", "commit", "title", "live", "locked")
    for d in deploys:
        # Text cells: API data ("[wip] fix") is printed as it is, never read as rich markup.
        table.add_row(*(Text(v) for v in (d.id, d.created_at, d.branch, d.commit, d.title,
                                          "yes" if d.id == published else "", "yes" if d.locked else "")))
    return table


def list_document(site_name: str, deploys: list[Deploy], published: str | None) -> str:
    """`--list --json`: the once-published deploys, newest first, keys sorted."""
    document = {"site": site_name, "published_deploy": published, "deploys": [d.document(published) for d in deploys]}
    return json.dumps(document, sort_keys=True, indent=2)


def _confirm(question: str, refusal: str) -> None:
    if not sys.stdin.isatty():
        fail(refusal)
    typer.confirm(question, abort=True)


def unlock_published(client: ApiClient, site: dict[str, Any], site_name: str, yes: bool) -> None:
    """Unlock the site's live deploy, so the next production deploy publishes again."""
    published = (site.get("published_deploy") or {}).get("id")
    if not published:
        fail(f"{site_name} has no published deploy to unlock")
    if not yes:
        asked = time.monotonic()
        _confirm(f"Unlock deploy {published} on {site_name}? The next production deploy will publish over it.",
                 "refusing to unlock without confirmation: pass --yes when not on a terminal")
        if client.deadline is not None:
            client.deadline += time.monotonic() - asked  # the operator's time at the prompt does not count
    deploy = Deploy.from_api(
        client.request("POST", f"/deploys/{published}/unlock", operation="unlockDeploy", idempotent=True) or {"id": published}
    )
    state = "still locked" if deploy.locked else "unlocked"
    stdout.print(f"{site_name}: deploy {deploy.id} is live and {state}; "
                 "the next production deploy will publish over it", markup=False)


def rollback(
    stack: Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose site to roll back.")],
    to: Annotated[str | None, typer.Option(metavar="DEPLOY", help="Deploy id to restore (default: the one before the live one).")] = None,
    list_only: Annotated[bool, typer.Option("--list", help="Only list recent production deploys.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="With --list: print a JSON document instead of a table.")] = False,
    lock: Annotated[bool, typer.Option(help="Lock the restored deploy so pushes do not auto-publish over it.")] = True,
    unlock: Annotated[
        bool, typer.Option("--unlock", help="Only unlock the live deploy (undo a rollback's lock) and say what is live.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not record the rollback as a GitHub deployment.")] = False,
    timeout: Annotated[float, timeout_option("the Netlify API")] = 120.0,
    stack_dir: StackDir = ROOT,
) -> None:
    """Restore an earlier production deploy of the stack's Netlify site (needs NETLIFY_AUTH_TOKEN)."""
    if json_output and not list_only:
        fail("--json: only with --list")
    if unlock and (list_only or to):
        fail("--unlock: not with --list or --to (it unlocks the live deploy)")
    try:
        cfg = read_stack_file(stack, stack_dir).validate()
    except ConfigError as error:
        fail_config(error)
    site_name = cfg.netlify.site_name
    recording = Recording(None if no_record or list_only or unlock else deployment_log(cfg), run_log_url())
    started: int | None = None
    try:
        client = netlify_client("rollback", time.monotonic() + timeout)
        site = find_site(client, site_name)
        if unlock:
            unlock_published(client, site, site_name, yes)
            return
        published = Live.of(site).deploy_id
        deploys = production_deploys(client, str(site["id"]))
        if list_only:
            if json_output:
                sys.stdout.write(list_document(site_name, deploys, published) + "\n")
            else:
                stdout.print(_table(deploys, published))
            return
        try:
            target = choose_target(deploys, published, to)
        except LookupError as error:
            fail(str(error))
        if not yes:
            _confirm(
                f"Publish deploy {target.id} ({target.created_at}, {target.commit or 'no commit'}) "
                f"on {site_name}, replacing {published or 'nothing'}?",
                "refusing to roll back without confirmation: pass --yes when not on a terminal",
            )
            client.deadline = time.monotonic() + timeout  # the operator's time at the prompt does not count
        started = recording.start(record_for(cfg, "rollback", deploy_id=target.id, commit_ref=target.commit_ref or recording.commit_of(cfg.environment, target.id),
                                             previous=published, description=f"roll back {site_name} to {target.id}"))
        publish(client, str(site["id"]), target.id, expect=published, lock=lock)
    except MissingCredential as error:
        fail(str(error))
    except DeadlineExceeded as error:
        recording.finish(started, "failure", f"gave up after {timeout:g}s waiting for {error.operation}", None)
        timed_out(f"the Netlify API to answer {error.operation}", timeout)
    except ApiError as error:
        recording.finish(started, "failure", str(error), None)
        fail(str(error), code=1)
    except OpsError as error:
        recording.finish(started, "failure", error.message, None)
        raise
    recording.finish(started, "success", f"{target.id} is live (was {published or 'none'})", live_url(site))
    locked = f" and locked (undo with `python -m ops rollback --stack {stack} --unlock`)" if lock else ""
    stdout.print(f"{site_name}: deploy {target.id} is live{locked}; previous: {published or 'none'}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command()(rollback)
