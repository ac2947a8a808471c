"""The Netlify API as the operator commands reach it (`rollback`, `deploy`, `promote`): a client
whose token comes from NETLIFY_AUTH_TOKEN only, and the stack's site found by name.

The commands read the environment, never the stack's `netlifyToken` secret config (only the Pulumi
engine decrypts that), so one variable is all a CI job or an operator's shell needs. A leaf: it
imports no ops command module, so the commands share it without importing each other.
"""

from __future__ import annotations

import os
from typing import Any

from ops.console import notice
from providers.http import ApiClient, ApiError, MissingCredential
from providers.netlify.common import NETLIFY


def netlify_client(command: str, until: float | None = None) -> ApiClient:
    """A client for `ops <command>` with the token from NETLIFY_AUTH_TOKEN.

    It prints each retry on stderr (`netlify <command>: <operation>: retrying ...`) and gives up at
    the monotonic instant `until` (the command's `--timeout`).
    """
    token = os.environ.get(NETLIFY.token_env)
    if not token:
        raise MissingCredential(
            f"netlify {command}: no API token; export {NETLIFY.token_env} (a Netlify personal access token; "
            f"{command} reads only the environment, not the stack's secret config)"
        )
    return ApiClient(os.environ.get(NETLIFY.url_env, NETLIFY.default_url), token, resource=f"netlify {command}",
                     notice=notice, deadline=until)


def find_site(client: ApiClient, name: str) -> dict[str, Any]:
    """The site named `name` (listSites matches names by substring, so the exact one is picked)."""
    sites = client.request("GET", "/sites", operation="listSites", params={"name": name, "filter": "all"}) or []
    for site in sites:
        if site.get("name") == name:
            return dict(site)
    raise ApiError(client.resource, "listSites", None, f"no site named '{name}' is visible to this token")
