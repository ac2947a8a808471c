"""Auth (GoTrue) settings of a project: site URL, redirect allow list, JWT expiry, MFA, passwords, rate limits.

Any field of the API's UpdateAuthConfigBody may be set; unknown names are rejected locally
because the API silently accepts them (a typo would otherwise "apply" and do nothing).
Write-only fields (SMTP password, OAuth client secrets, hook secrets, SMS tokens) go through
`secret_settings` and are diffed by hash, since the API reads them back masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from providers.supabase import spec
from providers.supabase.api import DEFAULT_WAIT_TIMEOUT
from providers.supabase.settings import SettingsProvider, SettingsResource
from providers.supabase.values import comma_set

_WRITE_ONLY = re.compile(r"(_secret|_secrets|_pass|_auth_token|_api_key|_access_key|_api_secret)$")


def _is_write_only(field: str) -> bool:
    return bool(_WRITE_ONLY.search(field))


class AuthConfigProvider(SettingsProvider):
    kind = "supabase auth config"
    get_op = "v1-get-auth-service-config"
    put_op = "v1-update-auth-service-config"
    normalisers = {"uri_allow_list": comma_set}
    def write_only_field(self, field: str) -> bool:
        return _is_write_only(field)

    def local_problems(self, settings: dict[str, Any]) -> list[tuple[str, str]]:
        known = spec.component("UpdateAuthConfigBody")["properties"]
        return [(k, "is not a field of the auth config API") for k in settings if k not in known]


@dataclass(frozen=True)
class AuthConfigArgs:
    """Auth fields by their API names; write-only ones (masked on read) in `secret_settings`."""

    project_ref: pulumi.Input[str]
    settings: Mapping[str, Any]
    secret_settings: Mapping[str, pulumi.Input[str]] | None = None
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT


class AuthConfig(SettingsResource, module="supabase", name="AuthConfig"):
    def __init__(self, resource_name: str, args: AuthConfigArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AuthConfigProvider(), resource_name, args.project_ref, args.settings, args.secret_settings,
                         opts, wait_timeout=args.wait_timeout)
