"""The Netlify API as the operator commands (`ops deploy`, `ops promote`, `ops rollback`) read it: a client whose
token comes from NETLIFY_AUTH_TOKEN only, the stack's site by name, one deploy, the live deploy.

Release commands run in CI and at an operator's terminal, where the stack's secret config is not
decrypted: the environment is the one place they look for a token.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ops.console import EXIT_FAILED, fail, notice
from providers.http import LOOPBACK_HOSTS, ApiClient, ApiError, MissingCredential
from providers.netlify.common import NETLIFY


def netlify_client(command: str, until: float | None = None) -> ApiClient:
    """A client named after `command` ("netlify rollback: listSites: retrying ..."), printing each
    retry on stderr and giving up at the monotonic instant `until` (`--timeout`)."""
    token = os.environ.get(NETLIFY.token_env)
    if not token:
        raise MissingCredential(
            f"netlify {command}: no API token; export {NETLIFY.token_env} (a Netlify personal access token; "
            f"{command} reads only the environment, not the stack's secret config)"
        )
    return ApiClient(os.environ.get(NETLIFY.url_env, NETLIFY.default_url), token, resource=f"netlify {command}",
                     notice=notice, deadline=until)


def find_site(client: ApiClient, name: str) -> dict[str, Any]:
    sites = client.request("GET", "/sites", operation="listSites", params={"name": name, "filter": "all"}) or []
    for site in sites:
        if site.get("name") == name:
            return site
    raise ApiError(client.resource, "listSites", None, f"no site named '{name}' is visible to this token")


def get_site(client: ApiClient, site_id: str) -> dict[str, Any]:
    return client.request("GET", f"/sites/{site_id}", operation="getSite") or {}


@dataclass(frozen=True)
class Live:
    """The site's published deploy as one answer of the API showed it (None: nothing published)."""

    deploy_id: str | None
    locked: bool

    @classmethod
    def of(cls, site: dict[str, Any]) -> Live:
        published = site.get("published_deploy") or {}
        return cls(str(published["id"]) if published.get("id") else None, bool(published.get("locked")))


def get_deploy(client: ApiClient, site_id: str, deploy_id: str) -> dict[str, Any] | None:
    """One deploy of the site (getSiteDeploy), None when the site has no such deploy."""
    return client.request("GET", f"/sites/{site_id}/deploys/{deploy_id}", operation="getSiteDeploy", not_found_ok=True)


def live_url(site: dict[str, Any]) -> str | None:
    """The address the site is served at: its custom domain when it has one, else its `ssl_url`."""
    if site.get("custom_domain"):
        return f"https://{site['custom_domain']}"
    return str(site.get("ssl_url") or site.get("url") or "") or None


def served_url(url: str | None, what: str) -> str:
    """`url` when it is an https:// URL with a host; plain http only on a loopback host.

    The API answers https URLs for deploys and sites; the loopback exception is the one the API
    client makes (`providers.http.LOOPBACK_HOSTS`): a test's local servers, never a real address.
    """
    parts = urlsplit(url or "")
    if parts.hostname and (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)):
        return str(url).rstrip("/")
    fail(f"{what}: the Netlify API answered no usable https URL ({url or 'none'})", EXIT_FAILED)
