"""Dynamic providers over the Supabase Management API v1, one module per API object.

Requests are routed and validated by the pinned OpenAPI spec (`spec.py`); every call goes
through `providers.http.ApiClient`.

The resource classes are imported on first use (PEP 562), so the pulumi-free modules of this
package (`spec`, `validation`, `values`) load without pulumi: the stack config validates with them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from providers.supabase.api_keys import LegacyApiKeys, SecretApiKey, SecretApiKeyRetirement
    from providers.supabase.auth import AuthConfig
    from providers.supabase.custom_hostname import CustomHostname
    from providers.supabase.function_secrets import FunctionSecrets
    from providers.supabase.network_restrictions import NetworkRestrictions
    from providers.supabase.pooler import PoolerConfig
    from providers.supabase.postgrest import PostgrestConfig
    from providers.supabase.project import Project
    from providers.supabase.ssl_enforcement import SslEnforcement

# Each resource class and the module that defines it.
_HOMES = {
    "AuthConfig": "auth",
    "CustomHostname": "custom_hostname",
    "FunctionSecrets": "function_secrets",
    "LegacyApiKeys": "api_keys",
    "NetworkRestrictions": "network_restrictions",
    "PoolerConfig": "pooler",
    "PostgrestConfig": "postgrest",
    "Project": "project",
    "SecretApiKey": "api_keys",
    "SecretApiKeyRetirement": "api_keys",
    "SslEnforcement": "ssl_enforcement",
}

__all__ = [
    "AuthConfig",
    "CustomHostname",
    "FunctionSecrets",
    "LegacyApiKeys",
    "NetworkRestrictions",
    "PoolerConfig",
    "PostgrestConfig",
    "Project",
    "SecretApiKey",
    "SecretApiKeyRetirement",
    "SslEnforcement",
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
