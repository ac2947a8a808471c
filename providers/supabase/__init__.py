"""Dynamic providers over the Supabase Management API v1, one module per API object.

Requests are routed and validated by the pinned OpenAPI spec (`spec.py`); every call goes
through `providers.http.ApiClient`. Every resource is declared as `X(name, XArgs(...), opts)`.
"""

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
