"""Dynamic providers over the Supabase Management API v1, one module per API object.

Requests are routed and validated by the pinned OpenAPI spec (`spec.py`); every call goes
through `providers.http.ApiClient`.
"""

from providers.supabase.api_keys import LegacyApiKeys, SecretApiKey, SecretApiKeyRetirement
from providers.supabase.auth import AuthConfig
from providers.supabase.custom_hostname import CustomHostname
from providers.supabase.function_secrets import FunctionSecrets
from providers.supabase.network_restrictions import NetworkRestrictions
from providers.supabase.pooler import PoolerConfig
from providers.supabase.postgrest import PostgrestConfig
from providers.supabase.project import Project
from providers.supabase.ssl_enforcement import SslEnforcement

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
