"""The Supabase project's section: auth, PostgREST, pooler, network, secret API keys."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field

from components.config.secrets import SecretConsumers
from components.config.types import Hostname, Strict


class AuthConfig(Strict):
    site_url: Annotated[str, Field(pattern=r"^https?://[^,\s]+$")]
    redirect_urls: list[Annotated[str, Field(pattern=r"^https?://[^,\s]+$")]] = Field(default_factory=list)
    jwt_expiry_seconds: Annotated[int, Field(ge=300, le=604800)] = 3600
    disable_signup: bool = True
    mfa_totp: bool = True
    password_min_length: Annotated[int, Field(ge=6, le=128)] = 12
    password_hibp: bool = True
    rate_limit_email_sent: Annotated[int, Field(ge=1)] = 30
    rate_limit_token_refresh: Annotated[int, Field(ge=1)] = 150
    rate_limit_verify: Annotated[int, Field(ge=1)] = 30


class PostgrestConfig(Strict):
    schemas: list[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]] = Field(
        default_factory=lambda: ["public"], min_length=1
    )
    max_rows: Annotated[int, Field(ge=1, le=1_000_000)] = 1000


class PoolerConfig(Strict):
    """Checked against the pinned Management API spec (its enums and limits), not literals here."""

    pool_mode: str = "transaction"
    default_pool_size: int | None = None


# A Supabase secret key's consumer name: `<stack>_<name>_<YYYYMMDD>` must fit the API's 64-character key names.
ApiKeyName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=32)]


class SecretApiKeyConfig(Strict):
    """One consumer's secret API key (`sb_secret_...`): it bypasses row-level security, so it rotates."""

    rotation_days: Annotated[int, Field(ge=1, le=365)]
    consumers: SecretConsumers = Field(default_factory=lambda: SecretConsumers())


class SecretApiKeysConfig(Strict):
    """Secret API keys, one per consumer; the previous key of each lives `grace_hours` after its successor."""

    grace_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 24
    keys: dict[ApiKeyName, SecretApiKeyConfig] = Field(default_factory=dict)


class SupabaseConfig(Strict):
    organization_slug: Annotated[str, Field(pattern=r"^[\w-]+$")]
    project_name: Annotated[str, Field(min_length=1, max_length=256)]
    region: Annotated[str, Field(pattern=r"^[a-z]{2}-[a-z]+-\d$")]
    instance_size: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")] | None = None
    auth: AuthConfig
    postgrest: PostgrestConfig = Field(default_factory=PostgrestConfig)
    ssl_enforced: bool = True
    # Networks that may reach the database by any route, direct or pooled. Both empty: unrestricted
    # (0.0.0.0/0 and ::/0); once one family is listed, the other's empty list admits none of it.
    allowed_cidrs: list[ipaddress.IPv4Network] = Field(default_factory=list)
    allowed_cidrs_v6: list[ipaddress.IPv6Network] = Field(default_factory=list)
    pooler: PoolerConfig = Field(default_factory=PoolerConfig)
    custom_hostname: Hostname | None = None
    health_timeout_minutes: Annotated[int, Field(ge=1, le=120)] = 20
    allow_destroy: bool = False
    secret_keys: SecretApiKeysConfig = Field(default_factory=SecretApiKeysConfig)
    # The JWT-based anon / service_role keys: "disabled" switches them off once every consumer of the
    # new keys was updated (production must); "enabled" leaves the switch unmanaged.
    legacy_api_keys: Literal["enabled", "disabled"] = "enabled"
