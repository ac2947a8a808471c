"""`SupabaseProject`: one stack's Supabase project and every setting it owns.

The project holds production data, so in production it is protected and retained on delete;
in any stack it is protected unless the stack deliberately sets `supabase.allow_destroy` (which
the config model refuses in production). Keys and the database URLs leave this component only
as secrets.

Two database URLs: `db_url` is the direct host `db.<ref>.supabase.co`, IPv6-only unless the IPv4
add-on is bought; `pooler_url` is Supavisor's session mode (port 5432, IPv4), which is what jobs on
GitHub-hosted runners (no IPv6) such as the nightly `pg_dump` must use. Network restrictions hold
for both routes (see `network_restrictions`).

Secret API keys (`supabase.secret_keys`) are one per consumer and rotate with an overlap: each key
is a child declared right after the project (its function-secret consumers are part of the
project's `FunctionSecrets`), and `retire_and_disable`, which `Platform` calls once every other
consumer exists, declares per key the retirement that deletes superseded keys after all of that
key's consumers, and (legacy keys `disabled`) the switch that turns the legacy JWT keys off after
every consumer of the new ones.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pulumi

from components.config import SecretApiKeyConfig, StackConfig, SupabaseConfig
from components.names import SUPABASE_CI_SECRETS as CI_SECRETS
from components.names import SUPABASE_CI_VARIABLES as CI_VARIABLES
from components.secrets import RotationWindow
from providers.supabase import (
    AuthConfig,
    AuthConfigArgs,
    CustomHostname,
    CustomHostnameArgs,
    FunctionSecrets,
    FunctionSecretsArgs,
    LegacyApiKeys,
    LegacyApiKeysArgs,
    NetworkRestrictions,
    NetworkRestrictionsArgs,
    PoolerConfig,
    PoolerConfigArgs,
    PostgrestConfig,
    PostgrestConfigArgs,
    Project,
    ProjectArgs,
    SecretApiKey,
    SecretApiKeyArgs,
    SecretApiKeyRetirement,
    SecretApiKeyRetirementArgs,
    SslEnforcement,
    SslEnforcementArgs,
)
from providers.supabase.api_keys import due, key_prefix
from providers.supabase.connection import with_password
from providers.supabase.network_restrictions import ALLOW_ALL_V4, ALLOW_ALL_V6


@dataclass(frozen=True)
class SupabaseProjectArgs:
    supabase: SupabaseConfig
    production: bool
    db_password: pulumi.Input[str]
    # Edge-function secrets by name (values are generated elsewhere and stay secret).
    function_secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    stack: str = "staging"
    # The rotation clock (as for generated secrets): which window each secret API key belongs to.
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @classmethod
    def from_stack(
        cls, cfg: StackConfig, *, db_password: pulumi.Input[str], now: datetime,
        function_secrets: Mapping[str, pulumi.Input[str]] | None = None,
    ) -> SupabaseProjectArgs:
        return cls(supabase=cfg.supabase, production=cfg.is_production, db_password=db_password,
                   function_secrets=dict(function_secrets or {}), stack=cfg.environment, now=now)


def auth_settings(cfg: SupabaseConfig) -> dict[str, object]:
    """The stack's auth section in the API's field names."""
    auth = cfg.auth
    return {
        "site_url": auth.site_url,
        "uri_allow_list": ",".join(auth.redirect_urls),
        "jwt_exp": auth.jwt_expiry_seconds,
        "disable_signup": auth.disable_signup,
        "mfa_totp_enroll_enabled": auth.mfa_totp,
        "mfa_totp_verify_enabled": auth.mfa_totp,
        "password_min_length": auth.password_min_length,
        "password_hibp_enabled": auth.password_hibp,
        "rate_limit_email_sent": auth.rate_limit_email_sent,
        "rate_limit_token_refresh": auth.rate_limit_token_refresh,
        "rate_limit_verify": auth.rate_limit_verify,
    }


def network_restrictions(cfg: SupabaseConfig) -> tuple[list[str], list[str]]:
    """The (IPv4, IPv6) CIDRs that may reach the database, by every route (direct and pooler alike).

    No `allowed_cidrs[_v6]` at all means unrestricted, which the API stores as `0.0.0.0/0` and
    `::/0`: the resource is always declared, so removing the restriction from config writes that
    back instead of leaving the last list in force. Once either family is listed, the other
    family's empty list admits none of its addresses.
    """
    if not (cfg.allowed_cidrs or cfg.allowed_cidrs_v6):
        return list(ALLOW_ALL_V4), list(ALLOW_ALL_V6)
    return [str(c) for c in cfg.allowed_cidrs], [str(c) for c in cfg.allowed_cidrs_v6]


def wait_timeout(cfg: SupabaseConfig) -> float:
    """Seconds any resource of the project waits for it to be healthy: `supabase.health_timeout_minutes`."""
    return cfg.health_timeout_minutes * 60.0


def _pooler_url(session_url: str | None, password: str) -> str:
    if not session_url:
        # Only state written before the pooler had this output, kept by a `--target` run that skipped it.
        raise pulumi.RunError("the supabase pooler config has no session_url yet: run `pulumi up` once without --target")
    return with_password(session_url, password)


class SupabaseProject(pulumi.ComponentResource):
    """The stack's Supabase project with auth, PostgREST, SSL, network, pooler, hostname and function secrets."""

    url: pulumi.Output[str]
    project_ref: pulumi.Output[str]
    publishable_key: pulumi.Output[str]
    secret_key: pulumi.Output[str]
    db_url: pulumi.Output[str]
    pooler_url: pulumi.Output[str]

    def __init__(self, name: str, args: SupabaseProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:database:SupabaseProject", name, None, opts)
        cfg = args.supabase
        child = pulumi.ResourceOptions(parent=self)

        self.project = Project(
            f"{name}-project",
            ProjectArgs(
                organization_slug=cfg.organization_slug,
                name=cfg.project_name,
                region=cfg.region,
                instance_size=cfg.instance_size,
                legacy_api_keys=cfg.legacy_api_keys,
                db_password=args.db_password,
                wait_timeout=wait_timeout(cfg),
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.production or not cfg.allow_destroy,
                retain_on_delete=args.production,
            ),
        )
        ref = self.project.ref
        # Everything below waits for a healthy project first: as long as the project itself may take.
        wait = wait_timeout(cfg)
        # SSL enforcement restarts the database to apply a change: it goes first, and every other
        # write of the project waits until it has applied and the project is healthy again.
        ssl = SslEnforcement(f"{name}-ssl", SslEnforcementArgs(project_ref=ref, database=cfg.ssl_enforced,
                                                               wait_timeout=wait),
                             opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[self.project])))
        self._after = [self.project, ssl]
        self._wait = wait
        after = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=self._after))

        AuthConfig(f"{name}-auth", AuthConfigArgs(project_ref=ref, settings=auth_settings(cfg), wait_timeout=wait),
                   opts=after)
        PostgrestConfig(f"{name}-postgrest", PostgrestConfigArgs(
            project_ref=ref, db_schema=cfg.postgrest.schemas, max_rows=cfg.postgrest.max_rows, wait_timeout=wait,
        ), opts=after)
        allowed_v4, allowed_v6 = network_restrictions(cfg)
        NetworkRestrictions(f"{name}-network", NetworkRestrictionsArgs(
            project_ref=ref, allowed_cidrs=allowed_v4, allowed_cidrs_v6=allowed_v6, wait_timeout=wait,
        ), opts=after)
        pooler = PoolerConfig(f"{name}-pooler", PoolerConfigArgs(
            project_ref=ref, pool_mode=cfg.pooler.pool_mode, default_pool_size=cfg.pooler.default_pool_size,
            wait_timeout=wait,
        ), opts=after)
        if cfg.custom_hostname:
            CustomHostname(f"{name}-hostname", CustomHostnameArgs(project_ref=ref, hostname=cfg.custom_hostname,
                                                                  wait_timeout=wait), opts=after)
        self.now = args.now
        self.secret_keys: dict[str, SecretApiKey] = {
            key: secret_api_key(f"{name}-secret-key-{key}", ref, args.stack, key, spec, args.now,
                                cfg.secret_keys.grace_hours, wait, after)
            for key, spec in cfg.secret_keys.keys.items()
        }
        self.key_config = dict(cfg.secret_keys.keys)
        function_secrets = {**args.function_secrets, **self.key_delivered_as("supabase_secrets")}
        self.function_secrets: FunctionSecrets | None = None
        if function_secrets:
            self.function_secrets = FunctionSecrets(f"{name}-function-secrets", FunctionSecretsArgs(
                project_ref=ref, secrets=function_secrets, wait_timeout=wait), opts=after)

        self.legacy_api_keys = cfg.legacy_api_keys
        self.url = self.project.url
        self.project_ref = ref
        # The browser's key (publishable: RLS applies) and the servers' (secret: bypasses RLS). Both stay
        # secret in state; the publishable one is public once built into the site, but not before.
        self.publishable_key = pulumi.Output.secret(self.project.publishable_key)
        self.secret_key = pulumi.Output.secret(self.project.secret_key)
        self.db_url = pulumi.Output.secret(self.project.db_url)
        # The project's ref is in the list only for ordering: its outputs resolve after the project
        # applied the (possibly rotated) password, so consumers never get it before the database does.
        self.pooler_url = pulumi.Output.secret(
            pulumi.Output.all(pooler.session_url, args.db_password, ref).apply(lambda p: _pooler_url(p[0], p[1]))
        )
        self.ci_variables: dict[str, pulumi.Input[str]] = dict(zip(CI_VARIABLES, (self.project_ref, self.url), strict=True))
        self.ci_secrets: dict[str, pulumi.Input[str]] = {
            **dict(zip(CI_SECRETS, (self.pooler_url,), strict=True)), **self.key_delivered_as("github_secrets")}
        self._name = name
        self.register_outputs({
            "url": self.url,
            "project_ref": self.project_ref,
            "publishable_key": self.publishable_key,
            "secret_key": self.secret_key,
            "db_url": self.db_url,
            "pooler_url": self.pooler_url,
            "secret_key_names": {key: k.key_name for key, k in self.secret_keys.items()},
        })

    def key_delivered_as(self, kind: str) -> dict[str, pulumi.Output[str]]:
        """The secret API keys one kind of consumer receives (`github_secrets`, `supabase_secrets`), by delivered name."""
        return {name: pulumi.Output.secret(self.secret_keys[key].api_key)
                for key, spec in self.key_config.items() for name in getattr(spec.consumers, kind)}

    def retire_and_disable(self, github_secrets: Mapping[str, pulumi.Resource],
                           legacy_after: Sequence[pulumi.Resource]) -> None:
        """Per key, the retirement of superseded keys after every consumer of it; then the legacy switch.

        `github_secrets` are the GitHub environment secrets by name; the retirement `depends_on` the
        ones its key is delivered as (and the function secrets when it is one), so the engine runs
        it only once every consumer holds the new key. With `legacy_api_keys: disabled` the legacy
        keys go off after `legacy_after` (every consumer of the new keys) and the retirements.
        """
        child = pulumi.ResourceOptions(parent=self)
        retirements: list[pulumi.Resource] = []
        for key, api_key in self.secret_keys.items():
            spec = self.key_config[key]
            consumers = [github_secrets[n] for n in spec.consumers.github_secrets]
            if spec.consumers.supabase_secrets and self.function_secrets is not None:
                consumers.append(self.function_secrets)
            retirements.append(SecretApiKeyRetirement(
                f"{self._name}-secret-key-{key}-retirement", SecretApiKeyRetirementArgs(
                    project_ref=self.project_ref, key=key,
                    delete=api_key.retiring.apply(functools.partial(due, now=self.now)),
                    keep=api_key.key_id.apply(lambda key_id: [key_id] if key_id else []), wait_timeout=self._wait),
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[*self._after, *consumers])),
            ))
        if self.legacy_api_keys == "disabled":
            LegacyApiKeys(f"{self._name}-legacy-api-keys", LegacyApiKeysArgs(
                project_ref=self.project_ref, enabled=False, wait_timeout=self._wait), opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(
                              depends_on=[*self._after, *legacy_after, *retirements])))


def secret_api_key(name: str, ref: pulumi.Input[str], stack: str, key: str, spec: SecretApiKeyConfig, now: datetime,
                   grace_hours: int, wait: float, opts: pulumi.ResourceOptions) -> SecretApiKey:
    """One consumer's key for the rotation window containing `now` (windows as for generated secrets)."""
    window = RotationWindow.containing(now, spec.rotation_days)
    return SecretApiKey(name, SecretApiKeyArgs(
        project_ref=ref, name_prefix=key_prefix(stack, key), window_start=window.start.isoformat(),
        rotation_days=spec.rotation_days, grace_seconds=grace_hours * 3600.0,
        description=f"maintainpro-platform {stack}: {key} (rotates every {spec.rotation_days} d)",
        wait_timeout=wait), opts=opts)
