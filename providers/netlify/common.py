"""What every Netlify dynamic provider shares: the endpoint, name normal forms and the CRUD base.

The skeleton itself (local diff over declared inputs only, find-before-create, one GET per read,
404 on delete = gone, engine floats turned back into integers) is `providers.crud.CrudProvider`;
`NetlifyProvider` binds it to the Netlify API. Each API object module only says how to find,
create, fetch, update and delete its object and how live JSON maps to its properties.
"""

from __future__ import annotations

from providers.base import ApiEndpoint
from providers.crud import CrudProvider, Problems, Props, secret_opts, to_props, with_outputs
from providers.values import parse_id, plain, sha256

NETLIFY = ApiEndpoint(
    name="Netlify",
    default_url="https://api.netlify.com/api/v1",
    url_env="NETLIFY_API_URL",
    token_config_key="maintainpro-platform:netlifyToken",
    token_env="NETLIFY_AUTH_TOKEN",
)

__all__ = [
    "NETLIFY",
    "NetlifyProvider",
    "Problems",
    "Props",
    "hostname",
    "parse_id",
    "plain",
    "secret_opts",
    "sha256",
    "to_props",
    "with_outputs",
]


def hostname(value: str) -> str:
    """DNS names compare case-insensitively and without the root dot; the API may add or drop either."""
    return value.strip().rstrip(".").lower()


class NetlifyProvider(CrudProvider):
    """The CRUD skeleton over the Netlify API; subclasses fill in the object-specific hooks."""

    endpoint = NETLIFY
