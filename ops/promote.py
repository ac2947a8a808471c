"""`ops promote`: take a draft deploy of the stack's site live, blue-green, and back out by itself.

The generated delivery workflow calls it after `ops deploy` uploaded the draft, in the stack's
GitHub environment (reviewers and wait timer gate the production switch). Steps (`ops/release.py`):
the draft must be a ready deploy of this stack's site; its unique URL passes the smoke test (the
stack's `delivery.smoke_paths` and `health_path`, `ops/release_checks.py`) or nothing is published; it is
published only while the live deploy is still the expected one (`ops/publish.py`); the live URL is
validated with the same checks, and on failure the previous deploy is published again. A live
deploy locked by `ops rollback` is respected: promote refuses until `ops rollback --unlock`, as
netlify-cli refuses a production deploy then ("Deployments are "locked" for production context",
netlify/cli src/commands/deploy/deploy.ts). The Netlify token comes from NETLIFY_AUTH_TOKEN only.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from components.config import ConfigError, StackConfig
from components.errors import ComponentError
from components.headers import security_headers
from ops.console import EXIT_BAD_INPUT, EXIT_FAILED, StackDir, fail, fail_config, stdout, timed_out, timeout_option
from ops.netlify_site import Live, find_site, get_deploy, live_url, netlify_client, served_url
from ops.probe import SUPABASE_URL_ENV
from ops.release import ROLLBACK_BUDGET, Outcome, Release, release_failed
from ops.release_record import Recording, deployment_log, run_log_url
from ops.stackfile import ROOT, read_stack_file
from providers.http import ApiClient, ApiError, DeadlineExceeded, MissingCredential


def _load(stack: str, stack_dir: Path, supabase_url: str | None) -> StackConfig:
    try:
        cfg = read_stack_file(stack, stack_dir).validate()
    except ConfigError as error:
        fail_config(error)
    try:
        security_headers(cfg.headers, supabase_url)
    except (ComponentError, ValueError) as error:
        fail(f"--supabase-url / {SUPABASE_URL_ENV}: {error}")
    return cfg


def prepare(client: ApiClient, cfg: StackConfig, deploy_id: str, expect_live: str | None, recording: Recording,
            commit: str | None = None) -> Release:
    """Read the site and the draft; refuse what must not be promoted, before anything is checked or changed."""
    site_name = cfg.netlify.site_name
    site = find_site(client, site_name)
    site_id = str(site["id"])
    draft = get_deploy(client, site_id, deploy_id)
    if draft is None:
        fail(f"--deploy: {deploy_id} is not a deploy of {site_name}")
    live = Live.of(site)
    now = f"live: {live.deploy_id or 'nothing'}"
    if draft.get("state") != "ready":
        reason = f" ({draft['error_message']})" if draft.get("error_message") else ""
        fail(f"deploy {deploy_id} is {draft.get('state') or 'in no state'}{reason}, not ready: nothing published; {now}",
             EXIT_FAILED)
    if live.locked:
        fail(f"the live deploy {live.deploy_id} of {site_name} is locked (a rollback pinned it): nothing published; "
             f"once the fix is in, run `python -m ops rollback --stack {cfg.environment} --unlock`, then promote again",
             EXIT_FAILED)
    if expect_live is not None and live.deploy_id not in (expect_live, deploy_id):
        fail(f"--expect-live: the live deploy is {live.deploy_id or 'none'}, not {expect_live}: another release or "
             f"rollback ran; nothing published", EXIT_FAILED)
    previous = expect_live if expect_live is not None else live.deploy_id
    if previous == deploy_id:
        fail(f"deploy {deploy_id} is already live on {site_name}: nothing to promote (name the deploy it replaced "
             "with --expect-live to validate it again)", EXIT_FAILED)
    published = site.get("published_deploy") or {}
    outcome = Outcome(
        stack=cfg.environment, site=site_name, deploy=deploy_id, previous=previous,
        draft_url=served_url(draft.get("deploy_ssl_url"), f"deploy {deploy_id}'s unique URL (deploy_ssl_url)"),
        site_url=served_url(live_url(site), f"{site_name}'s live URL (custom_domain / ssl_url)"), live=live.deploy_id,
    )
    # An API deploy carries no commit_ref: the commit comes from `--commit` (the pipeline's DEPLOY_COMMIT),
    # and the previous deploy's from the record of its own release.
    previous_commit = published.get("commit_ref") if published.get("id") == previous else None
    return Release(cfg, client, site_id, outcome, recording, draft_commit=commit or draft.get("commit_ref"),
                   previous_commit=previous_commit or recording.commit_of(cfg.environment, previous))


def _report(outcome: Outcome, json_output: bool) -> None:
    if json_output:
        stdout.print_json(json.dumps(outcome.document(), sort_keys=True))
    elif outcome.verdict == "promoted":
        stdout.print(f"{outcome.site}: deploy {outcome.deploy} is live at {outcome.site_url}; previous: "
                     f"{outcome.previous or 'none'} ({len(outcome.smoke)} smoke and {len(outcome.validation)} live "
                     "checks passed)", markup=False)


def _netlify_failed(error: Exception, timeout: float) -> NoReturn:
    if isinstance(error, MissingCredential):
        fail(str(error), EXIT_BAD_INPUT)
    if isinstance(error, DeadlineExceeded):
        timed_out(f"the Netlify API to answer {error.operation}; nothing published", timeout)
    fail(f"{error}; nothing published", EXIT_FAILED)


def promote(
    stack: Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose site to release to.")],
    deploy: Annotated[str, typer.Option("--deploy", metavar="DEPLOY", help="Draft deploy id to publish (from `ops deploy`).")],
    expect_live: Annotated[
        str | None, typer.Option("--expect-live", metavar="DEPLOY", help="Publish only while this deploy is live "
                                 "(default: the one live when the command starts).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON document with every step's result.")] = False,
    commit: Annotated[
        str | None, typer.Option(envvar="DEPLOY_COMMIT", metavar="SHA", help="The commit the draft was built from, "
                                 "recorded with the GitHub deployment (default: the deploy's commit_ref, which an API "
                                 "deploy has none of).")
    ] = None,
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not record the release as GitHub deployments.")] = False,
    supabase_url: Annotated[
        str | None, typer.Option(envvar=SUPABASE_URL_ENV, metavar="URL", help="The stack's Supabase API URL for the "
                                 "expected CSP (default: the Supabase origin the served CSP names, as `ops probe`).")
    ] = None,
    timeout: Annotated[float, timeout_option(
        f"the Netlify API or the smoke test; after the switch, validation and a rollback still run, up to "
        f"{ROLLBACK_BUDGET:g}s more")] = 300.0,
    stack_dir: StackDir = ROOT,
) -> None:
    """Smoke test a draft deploy, publish it, validate it live and roll back by itself (needs NETLIFY_AUTH_TOKEN)."""
    cfg = _load(stack, stack_dir, supabase_url)
    until = time.monotonic() + timeout
    try:
        client = netlify_client("promote", until)
        recording = Recording(None if no_record else deployment_log(cfg), run_log_url())
        release = prepare(client, cfg, deploy, expect_live, recording, commit)
    except (ApiError, MissingCredential) as error:
        _netlify_failed(error, timeout)
    release.supabase_url, release.until, release.budget = supabase_url, until, timeout
    done = release.smoke_test() and release.switch()
    _report(release.outcome, json_output)
    if not done:
        raise release_failed(release.outcome)


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command()(promote)

