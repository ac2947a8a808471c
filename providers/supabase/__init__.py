"""Dynamic providers over the Supabase Management API v1, one module per API object.

Requests are routed and validated by the pinned OpenAPI spec (`spec.py`); every call goes
through `providers.http.ApiClient`. Every resource is declared as `X(name, XArgs(...), opts)`.

The resource classes are imported on first use (PEP 562), so the pulumi-free modules of this
package (`spec`, `validation`, `values`) load without pulumi: the stack config validates with them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from providers.supabase.api_keys import (
        LegacyApiKeys,
        LegacyApiKeysArgs,
        SecretApiKey,
        SecretApiKeyArgs,
        SecretApiKeyRetirement,
        SecretApiKeyRetirementArgs,
    )
    from providers.supabase.auth import AuthConfig, AuthConfigArgs
    from providers.supabase.custom_hostname import CustomHostname, CustomHostnameArgs
    from providers.supabase.function_secrets import FunctionSecrets, FunctionSecretsArgs
    from providers.supabase.network_restrictions import NetworkRestrictions, NetworkRestrictionsArgs
    from providers.supabase.pooler import PoolerConfig, PoolerConfigArgs
    from providers.supabase.postgrest import PostgrestConfig, PostgrestConfigArgs
    from providers.supabase.project import Project, ProjectArgs
    from providers.supabase.ssl_enforcement import SslEnforcement, SslEnforcementArgs

# Each resource class and the module that defines it.
_HOMES = {
    "AuthConfig": "auth",
    "AuthConfigArgs": "auth",
    "CustomHostname": "custom_hostname",
    "CustomHostnameArgs": "custom_hostname",
    "FunctionSecrets": "function_secrets",
    "FunctionSecretsArgs": "function_secrets",
    "LegacyApiKeys": "api_keys",
    "LegacyApiKeysArgs": "api_keys",
    "NetworkRestrictions": "network_restrictions",
    "NetworkRestrictionsArgs": "network_restrictions",
    "PoolerConfig": "pooler",
    "PoolerConfigArgs": "pooler",
    "PostgrestConfig": "postgrest",
    "PostgrestConfigArgs": "postgrest",
    "Project": "project",
    "ProjectArgs": "project",
    "SecretApiKey": "api_keys",
    "SecretApiKeyArgs": "api_keys",
    "SecretApiKeyRetirement": "api_keys",
    "SecretApiKeyRetirementArgs": "api_keys",
    "SslEnforcement": "ssl_enforcement",
    "SslEnforcementArgs": "ssl_enforcement",
}

__all__ = [
    "AuthConfig",
    "AuthConfigArgs",
    "CustomHostname",
    "CustomHostnameArgs",
    "FunctionSecrets",
    "FunctionSecretsArgs",
    "LegacyApiKeys",
    "LegacyApiKeysArgs",
    "NetworkRestrictions",
    "NetworkRestrictionsArgs",
    "PoolerConfig",
    "PoolerConfigArgs",
    "PostgrestConfig",
    "PostgrestConfigArgs",
    "Project",
    "ProjectArgs",
    "SecretApiKey",
    "SecretApiKeyArgs",
    "SecretApiKeyRetirement",
    "SecretApiKeyRetirementArgs",
    "SslEnforcement",
    "SslEnforcementArgs",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
