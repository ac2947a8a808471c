"""The GitHub REST client the ops commands share: the token, the API address and GitHub's headers.

`GITHUB_TOKEN` is the only place the token is read: in a workflow, the job's own token
(`GITHUB_TOKEN: ${{ github.token }}`, with `permissions: deployments: write` to record deployments
and `contents: read` to compare commits). `GITHUB_API_URL` is set by every Actions runner (GitHub
Enterprise Server included); outside Actions it defaults to https://api.github.com. The app repo is
stack config (`github.owner` / `github.app_repo`), never the environment.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ops.console import notice
from providers.http import ApiClient, MissingCredential

if TYPE_CHECKING:
    from components.config import StackConfig

TOKEN_ENV = "GITHUB_TOKEN"
API_URL_ENV = "GITHUB_API_URL"
DEFAULT_API_URL = "https://api.github.com"
# docs.github.com "Getting started with the REST API": the recommended media type, and the API
# version pinned so a new default version never changes an answer under us.
API_VERSION = "2022-11-28"
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}


def github_client(until: float | None = None, *, resource: str = "github",
                  permissions: str = "deployments: write") -> ApiClient:
    """A client with the token from GITHUB_TOKEN, printing each retry (rate limits too) on stderr and
    giving up at the monotonic instant `until` (a command's `--timeout`); `permissions` is what a
    workflow's token needs for the command, named when the token is missing."""
    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise MissingCredential(
            f"{resource}: no API token; export {TOKEN_ENV} (in a workflow: `{TOKEN_ENV}: ${{{{ github.token }}}}` "
            f"with `permissions: {permissions}`)"
        )
    return ApiClient(os.environ.get(API_URL_ENV) or DEFAULT_API_URL, token, resource=resource,
                     extra_headers=HEADERS, notice=notice, deadline=until)


def app_repo(cfg: StackConfig) -> str:
    """`owner/name` of the stack's app repository, where its deployments are recorded."""
    return f"{cfg.github.owner}/{cfg.github.app_repo}"
