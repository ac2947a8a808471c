"""`ops rollback`: put a previous production deploy of a stack's Netlify site back live.

A rollback is an operation, not desired state, so it lives in the CLI rather than the program.
The restored deploy is locked by default: otherwise the next push to the production branch
would auto-publish over it before the fix is in.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.table import Table

from components.config import ConfigError
from ops.cli import StackDir, app, fail, fail_config, stdout
from ops.stackfile import ROOT, read_stack_file
from providers.http import ApiClient, ApiError, MissingCredential, resolve_token
from providers.netlify.common import NETLIFY

DEPLOY_PAGE = 50


@dataclass(frozen=True)
class Deploy:
    id: str
    created_at: str
    branch: str
    commit: str
    title: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> "Deploy":
        return cls(
            id=str(data["id"]),
            created_at=str(data.get("created_at") or ""),
            branch=str(data.get("branch") or ""),
            commit=str(data.get("commit_ref") or "")[:12],
            title=str(data.get("title") or ""),
        )


def netlify_client() -> ApiClient:
    token = resolve_token(None, NETLIFY.token_env, NETLIFY.name)
    return ApiClient(os.environ.get(NETLIFY.url_env, NETLIFY.default_url), token, resource="netlify rollback")


def find_site(client: ApiClient, name: str) -> dict[str, Any]:
    sites = client.request("GET", "/sites", operation="listSites", params={"name": name, "filter": "all"}) or []
    for site in sites:
        if site.get("name") == name:
            return site
    raise ApiError("netlify rollback", "listSites", None, f"no site named '{name}' is visible to this token")


def production_deploys(client: ApiClient, site_id: str) -> list[Deploy]:
    """Ready production deploys, newest first (the API lists every context and state)."""
    data = client.request(
        "GET", f"/sites/{site_id}/deploys", operation="listSiteDeploys", params={"per_page": DEPLOY_PAGE}
    ) or []
    ready = [d for d in data if d.get("state") == "ready" and d.get("context") == "production" and d.get("id")]
    ready.sort(key=lambda d: str(d.get("created_at") or ""), reverse=True)
    return [Deploy.from_api(d) for d in ready]


def choose_target(deploys: list[Deploy], published: str | None, wanted: str | None) -> Deploy:
    """The named deploy, else the newest ready production deploy older than the published one."""
    if wanted:
        for deploy in deploys:
            if deploy.id == wanted:
                return deploy
        raise LookupError(f"--to: '{wanted}' is not a ready production deploy of this site")
    ids = [d.id for d in deploys]
    if published not in ids:
        raise LookupError(f"the live deploy is not among the last {DEPLOY_PAGE} production deploys; name one with --to")
    earlier = deploys[ids.index(published) + 1 :]
    if not earlier:
        raise LookupError("no earlier ready production deploy to roll back to")
    return earlier[0]


def _table(deploys: list[Deploy], published: str | None) -> Table:
    table = Table("deploy", "created", "branch", "commit", "title", "live")
    for d in deploys:
        table.add_row(d.id, d.created_at, d.branch, d.commit, d.title, "yes" if d.id == published else "")
    return table


@app.command()
def rollback(
    stack: Annotated[str, typer.Option("--stack", "-s", metavar="NAME", help="Stack whose site to roll back.")],
    to: Annotated[str | None, typer.Option(help="Deploy id to restore (default: the one before the live one).")] = None,
    list_only: Annotated[bool, typer.Option("--list", help="Only list recent production deploys.")] = False,
    lock: Annotated[bool, typer.Option(help="Lock the restored deploy so pushes do not auto-publish over it.")] = True,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    stack_dir: StackDir = ROOT,
) -> None:
    """Restore an earlier production deploy of the stack's Netlify site (needs NETLIFY_AUTH_TOKEN)."""
    try:
        site_name = read_stack_file(stack, stack_dir).validate().netlify.site_name
    except ConfigError as error:
        fail_config(error)
    try:
        client = netlify_client()
        site = find_site(client, site_name)
        published = (site.get("published_deploy") or {}).get("id")
        deploys = production_deploys(client, str(site["id"]))
        if list_only:
            stdout.print(_table(deploys, published))
            return
        try:
            target = choose_target(deploys, published, to)
        except LookupError as error:
            fail(str(error))
        if not yes:
            if not sys.stdin.isatty():
                fail("refusing to roll back without confirmation: pass --yes when not on a terminal")
            typer.confirm(
                f"Publish deploy {target.id} ({target.created_at}, {target.commit or 'no commit'}) "
                f"on {site_name}, replacing {published or 'nothing'}?",
                abort=True,
            )
        client.request(
            "POST", f"/sites/{site['id']}/deploys/{target.id}/restore", operation="restoreSiteDeploy", idempotent=True
        )
        if lock:
            client.request("POST", f"/deploys/{target.id}/lock", operation="lockDeploy", idempotent=True)
    except MissingCredential as error:
        fail(str(error))
    except ApiError as error:
        fail(str(error), code=1)
    locked = " and locked (unlock it in Netlify or with `--no-lock` next time)" if lock else ""
    stdout.print(f"{site_name}: deploy {target.id} is live{locked}; previous: {published or 'none'}")
