"""The whole configuration of one stack, as one strict pydantic model.

A stack file is validated before any resource is registered: every problem is reported with its
key path (`netlify.custom_domain: ...`) so a bad stack fails fast and completely, never halfway
through an update. API tokens are deliberately not part of the model: they are secret config or
environment variables, and a plaintext token in a stack file is itself an error.

The package: `types` (constants, the strict base, shared value types, `ConfigError`), one module
per concern for the section models (`netlify`, `supabase`, `github`, `secrets`, `operations`,
`delivery`, `monitoring`, `flags`),
`stack` (`StackConfig`), `rules` (rules spanning fields or sections) and `loader`
(`validate_config`, `load_stack_config`, `split_config`). Validating imports neither pulumi nor a
provider SDK nor the HTTP client: names wired between components come from `components.names`,
the Supabase spec checks from `providers.supabase.validation`.
"""

from __future__ import annotations

from components.config.delivery import (
    AuditLevel,
    DeliveryConfig,
    DoraTargets,
    LighthouseConfig,
    SitePath,
)
from components.config.flags import (
    FLAGS_OWNER,
    FlagConfig,
    FlagsConfig,
    RolloutConfig,
    SegmentConfig,
    StageConfig,
)
from components.config.github import (
    BypassActor,
    DependabotConfig,
    EnvironmentConfig,
    GitHubConfig,
    RepositorySecurityConfig,
    Reviewer,
    RulesetConfig,
    Visibility,
    Weekday,
)
from components.config.loader import (
    load_stack_config,
    split_config,
    validate_config,
)
from components.config.monitoring import (
    CHECK_FREQUENCIES,
    CHECKLY_LOCATIONS,
    RETRY_STRATEGIES,
    AlertRoute,
    CheckConfig,
    HeartbeatConfig,
    MaintenanceWindowConfig,
    MonitoringConfig,
    RetryConfig,
    StatusPageConfig,
)
from components.config.netlify import (
    AllowlistMember,
    BranchDeploysConfig,
    BuildHookConfig,
    CspDirective,
    CspSource,
    EnvVarConfig,
    HeadersConfig,
    NetlifyConfig,
)
from components.config.operations import (
    BackupsConfig,
    RetentionConfig,
)
from components.config.rules import (
    REQUIRED_SECRETS,
    SECRET_KEY_NAMES,
    cross_field_problems,
)
from components.config.secrets import (
    SecretConfig,
    SecretConsumers,
)
from components.config.stack import (
    StackConfig,
)
from components.config.supabase import (
    ApiKeyName,
    AuthConfig,
    PoolerConfig,
    PostgrestConfig,
    SecretApiKeyConfig,
    SecretApiKeysConfig,
    SupabaseConfig,
)
from components.config.types import (
    ALERT_WEBHOOKS_KEY,
    CREDENTIAL_KEYS,
    DEPLOY_TOKEN_KEY,
    GITHUB_HOSTED_LABEL,
    MAX_AWS_SESSION_MINUTES,
    MAX_PRODUCTION_ROTATION_DAYS,
    MIN_PRODUCTION_AUDIT_RETENTION_DAYS,
    MIN_PRODUCTION_RETENTION_DAYS,
    PLATFORM_REPO_TOKEN_KEY,
    PRODUCTION_ALLOWED_SCRIPT_HOSTS,
    PROJECT,
    PROVIDER_NAMESPACES,
    SECURITY_OWNER,
    STACKS,
    ConfigError,
    Cron,
    DeployContext,
    EnvKey,
    Hostname,
    IpNetwork,
    Problem,
    RunnerLabel,
    SecretName,
    Severity,
    Slug,
    Strict,
    TimeZone,
)

__all__ = [
    "ALERT_WEBHOOKS_KEY",
    "CHECKLY_LOCATIONS",
    "CHECK_FREQUENCIES",
    "RETRY_STRATEGIES",
    "AlertRoute",
    "AuditLevel",
    "AllowlistMember",
    "ApiKeyName",
    "AuthConfig",
    "BackupsConfig",
    "BranchDeploysConfig",
    "BuildHookConfig",
    "BypassActor",
    "CREDENTIAL_KEYS",
    "CheckConfig",
    "ConfigError",
    "Cron",
    "CspDirective",
    "CspSource",
    "DEPLOY_TOKEN_KEY",
    "PLATFORM_REPO_TOKEN_KEY",
    "DeliveryConfig",
    "DependabotConfig",
    "DeployContext",
    "DoraTargets",
    "EnvKey",
    "EnvVarConfig",
    "EnvironmentConfig",
    "FLAGS_OWNER",
    "FlagConfig",
    "FlagsConfig",
    "GITHUB_HOSTED_LABEL",
    "GitHubConfig",
    "HeartbeatConfig",
    "HeadersConfig",
    "Hostname",
    "IpNetwork",
    "LighthouseConfig",
    "MAX_AWS_SESSION_MINUTES",
    "MAX_PRODUCTION_ROTATION_DAYS",
    "MIN_PRODUCTION_AUDIT_RETENTION_DAYS",
    "MIN_PRODUCTION_RETENTION_DAYS",
    "MaintenanceWindowConfig",
    "MonitoringConfig",
    "NetlifyConfig",
    "PRODUCTION_ALLOWED_SCRIPT_HOSTS",
    "PROJECT",
    "PROVIDER_NAMESPACES",
    "PoolerConfig",
    "PostgrestConfig",
    "Problem",
    "REQUIRED_SECRETS",
    "RepositorySecurityConfig",
    "RetentionConfig",
    "RetryConfig",
    "RolloutConfig",
    "Reviewer",
    "RulesetConfig",
    "RunnerLabel",
    "SECRET_KEY_NAMES",
    "SECURITY_OWNER",
    "STACKS",
    "SecretApiKeyConfig",
    "SecretApiKeysConfig",
    "SecretConfig",
    "SecretConsumers",
    "SecretName",
    "SegmentConfig",
    "SitePath",
    "Severity",
    "Slug",
    "StackConfig",
    "StageConfig",
    "StatusPageConfig",
    "Strict",
    "SupabaseConfig",
    "TimeZone",
    "Visibility",
    "Weekday",
    "cross_field_problems",
    "load_stack_config",
    "split_config",
    "validate_config",
]
