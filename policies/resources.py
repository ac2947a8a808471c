"""Every type token and property name the policies read, in one place.

Policies match resources by type token and read their inputs by name; when a component changes a
token or a property name, this is the only file to adjust. Names follow what the resource sends to
the engine: pulumi_github / pulumi_aws inputs in camelCase (as the SDKs serialize them), dynamic
resources' inputs as their providers declare them (snake_case), Supabase settings as the API names
them.
"""

from __future__ import annotations

# ---------------------------------------------------------------- Netlify (dynamic providers)
NETLIFY_SITE = "pulumi-python:dynamic/netlify:Site"
NETLIFY_ENV_VAR = "pulumi-python:dynamic/netlify:EnvVar"
NETLIFY_CERTIFICATE = "pulumi-python:dynamic/netlify:Certificate"
NETLIFY_DNS_ZONE = "pulumi-python:dynamic/netlify:DnsZone"

SITE_CUSTOM_DOMAIN = "custom_domain"
SITE_DOMAIN_ALIASES = "domain_aliases"
SITE_FORCE_SSL = "force_ssl"
SITE_REPO = "repo"
SITE_STOP_BUILDS = "stop_builds"
SITE_PREVENT_NON_GIT_PROD_DEPLOYS = "prevent_non_git_prod_deploys"
ENV_VAR_KEY = "key"
ENV_VAR_IS_SECRET = "is_secret"
ENV_VAR_VALUES = "values"
CERTIFICATE_SITE = "site_id"
CERTIFICATE_DOMAINS = "domains"

# ---------------------------------------------------------------- Supabase (dynamic providers)
SUPABASE_PROJECT = "pulumi-python:dynamic/supabase:Project"
SUPABASE_SSL_ENFORCEMENT = "pulumi-python:dynamic/supabase:SslEnforcement"
SUPABASE_NETWORK_RESTRICTIONS = "pulumi-python:dynamic/supabase:NetworkRestrictions"
SUPABASE_FUNCTION_SECRETS = "pulumi-python:dynamic/supabase:FunctionSecrets"
# A secret API key (sb_secret_...) per consumer: its `keepers` are those of a RotatingSecret's password.
SUPABASE_SECRET_API_KEY = "pulumi-python:dynamic/supabase:SecretApiKey"
SUPABASE_LEGACY_API_KEYS = "pulumi-python:dynamic/supabase:LegacyApiKeys"

SETTINGS_PROJECT_REF = "project_ref"
SETTINGS = "settings"
SSL_ENFORCED = "database"  # settings.database: SSL required for database connections
ALLOWED_CIDRS = ("dbAllowedCidrs", "dbAllowedCidrsV6")  # settings.<name>: empty admits none of the family; unrestricted is OPEN_CIDRS
OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
PROJECT_LEGACY_API_KEYS = "legacy_api_keys"  # "disabled": the project outputs no anon / service_role key
LEGACY_ENABLED = "enabled"  # LegacyApiKeys: false switches the legacy JWT keys off
FUNCTION_SECRET_VALUES = "secrets"  # FunctionSecrets: {name: value}

# ---------------------------------------------------------------- GitHub (pulumi_github)
GITHUB_REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile"
GITHUB_ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
GITHUB_RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
GITHUB_ENVIRONMENT_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
GITHUB_ACTIONS_SECRET = "github:index/actionsSecret:ActionsSecret"
GITHUB_SECRET_TYPES = (GITHUB_ENVIRONMENT_SECRET, GITHUB_ACTIONS_SECRET)
# Every input through which a GitHub Actions secret can receive its value.
GITHUB_SECRET_VALUE_PROPS = ("value", "valueEncrypted", "plaintextValue", "encryptedValue")
GITHUB_SECRET_NAME = "secretName"

GITHUB_REPOSITORY = "github:index/repository:Repository"
GITHUB_VULNERABILITY_ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
GITHUB_DEPENDABOT_SECURITY_UPDATES = "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates"
# Resources that configure one repository, named by their `repository` input.
GITHUB_REPOSITORY_SCOPED_TYPES = (
    GITHUB_REPOSITORY_FILE, GITHUB_ENVIRONMENT, GITHUB_RULESET, GITHUB_ENVIRONMENT_SECRET, GITHUB_ACTIONS_SECRET,
    GITHUB_VULNERABILITY_ALERTS, GITHUB_DEPENDABOT_SECURITY_UPDATES,
)
REPOSITORY_NAME = "name"
# security_and_analysis.<feature>.status ('enabled'/'disabled'): the only inputs that declare these features.
REPOSITORY_SECRET_SCANNING = ("securityAndAnalysis", "secretScanning")
REPOSITORY_PUSH_PROTECTION = ("securityAndAnalysis", "secretScanningPushProtection")
DEPENDABOT_FILE = ".github/dependabot.yml"

FILE_PATH = "file"
FILE_CONTENT = "content"
FILE_REPOSITORY = "repository"
FILE_BRANCH = "branch"  # unset: the repository's default branch
HEADERS_FILE_NAME = "_headers"  # Netlify's custom-headers file, rendered by components/headers.py

ENVIRONMENT_NAME = "environment"
ENVIRONMENT_REPOSITORY = "repository"
ENVIRONMENT_REVIEWERS = "reviewers"  # [{teams: [id], users: [id]}]
ENVIRONMENT_BRANCH_POLICY = "deploymentBranchPolicy"  # {protectedBranches, customBranchPolicies}

RULESET_REPOSITORY = "repository"
RULESET_TARGET = "target"
RULESET_ENFORCEMENT = "enforcement"
RULESET_CONDITIONS = "conditions"  # {refName: {includes: [...], excludes: [...]}}
RULESET_RULES = "rules"  # {pullRequest: {...}, nonFastForward: bool, deletion: bool, ...}
DEFAULT_BRANCH_REFS = frozenset({"~DEFAULT_BRANCH", "~ALL"})

# ---------------------------------------------------------------- generated secrets (pulumi_random 4.21)
# The secret generators: the provider marks their values secret (RandomPassword `result`/`bcryptHash`,
# RandomBytes `base64`/`hex`). RandomString is documented as "not for sensitive values" and its
# `result` is plain, so it is judged only where the program marks `result` secret (then it is used as
# one). RandomId / RandomUuid* / RandomPet / RandomInteger / RandomShuffle generate identifiers.
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
RANDOM_STRING = "random:index/randomString:RandomString"
GENERATED_SECRET_TYPES = (RANDOM_PASSWORD, RANDOM_BYTES)
SECRET_IF_MARKED = {RANDOM_STRING: "result"}  # type -> output that, when marked secret, makes it a secret generator
# Dynamic resources that rotate by the same two keepers (judged by the rotation policy like a password).
ROTATING_KEY_TYPES = (SUPABASE_SECRET_API_KEY,)
KEEPERS = "keepers"
# components/secrets.py `RotatingSecret` keeps its period (days, as text: keepers are strings) here
# (`PERIOD_KEEPER`), next to the start of the rotation window (`KEEPER`, an ISO 8601 timestamp)
# that makes the value change on the first `pulumi up` after the window ends.
ROTATION_PERIOD_KEEPER = "rotation_days"
ROTATION_WINDOW_KEEPER = "rotation_window_start"

# ---------------------------------------------------------------- AWS (pulumi_aws 7)
AWS_BUCKET = "aws:s3/bucket:Bucket"
AWS_BUCKET_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LIFECYCLE_BUCKET = "bucket"
LIFECYCLE_RULES = "rules"  # [{id, status, expiration: {days}, noncurrentVersionExpiration: {noncurrentDays}}]
LIFECYCLE_EXPIRY_DAYS = ("expiration", "days")  # current versions: the object is deleted (a delete marker)
LIFECYCLE_NONCURRENT_DAYS = ("noncurrentVersionExpiration", "noncurrentDays")  # pruned versions: gone for good

# ---------------------------------------------------------------- components (maintainpro:<module>:<Name>)
BACKUP_SCHEDULE = "maintainpro:backups:BackupSchedule"
MONITORING = "maintainpro:monitoring:Monitoring"
ROTATING_SECRET = "maintainpro:secrets:RotatingSecret"
SUPABASE_COMPONENT = "maintainpro:database:SupabaseProject"

# ---------------------------------------------------------------- Checkly (pulumi-checkly 2.14) and PagerDuty
CHECKLY_CHECK = "checkly:index/check:Check"
CHECKLY_SSL_MONITOR = "checkly:index/sslMonitor:SslMonitor"
CHECKLY_DNS_MONITOR = "checkly:index/dnsMonitor:DnsMonitor"
CHECKLY_URL_MONITOR = "checkly:index/urlMonitor:UrlMonitor"
CHECKLY_HEARTBEAT_MONITOR = "checkly:index/heartbeatMonitor:HeartbeatMonitor"
CHECKLY_ALERT_CHANNEL = "checkly:index/alertChannel:AlertChannel"
# Everything that runs and alerts: each carries `activated`, `muted`, `tags`, `alertChannelSubscriptions`.
CHECKLY_ALERTING_TYPES = (CHECKLY_CHECK, CHECKLY_SSL_MONITOR, CHECKLY_DNS_MONITOR, CHECKLY_URL_MONITOR, CHECKLY_HEARTBEAT_MONITOR)
ACTIVATED = "activated"
MUTED = "muted"
TAGS = "tags"
ALERT_SUBSCRIPTIONS = "alertChannelSubscriptions"  # [{channelId, activated}], channelId wired from an AlertChannel
SEND_FAILURE = "sendFailure"  # AlertChannel: unset means true (the SDK's default)
SSL_HOSTNAME = ("request", "hostname")  # SslMonitor: the name whose certificate it watches
# components/checkly_checks.py tags each check and monitor with its severity: `severity-<critical|warning|info>`.
SEVERITY_TAG_PREFIX = "severity-"
CRITICAL_TAG = f"{SEVERITY_TAG_PREFIX}critical"

# ---------------------------------------------------------------- feature flags (components/flags.py, ConfigCat)
# One component per flag; its inputs (and registered outputs) are the flag's record (`flag_record`).
FEATURE_FLAG = "maintainpro:flags:FeatureFlag"
FLAG_KEY = "key"
FLAG_OWNER = "owner"
FLAG_EXPIRES = "expires"  # ISO date, the planned removal date (None: none planned)
FLAG_PERCENTAGE = "percentage"  # share of users outside the segments served the rollout's value now
FLAG_SINCE = "since"  # ISO date/time the live rollout stage went live (None: no live stage)
FLAG_SOAK_HOURS = "soak_hours"
