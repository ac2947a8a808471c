"""`Platform`: the root component of one stack, wiring every concern's component together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pulumi

from components.backups import BackupSchedule, BackupScheduleArgs
from components.config import SECURITY_OWNER, StackConfig
from components.database import SupabaseProject, SupabaseProjectArgs
from components.delivery import DeliveryEnvironment, DeliveryEnvironmentArgs
from components.flags import FeatureFlags, FeatureFlagsArgs
from components.headers import SecurityHeaders, SecurityHeadersArgs
from components.metrics_workflow import DeliveryMetrics, DeliveryMetricsArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.names import DEPLOY_TOKEN_SECRET, PULL_REQUEST_STACK
from components.pipeline import DeliveryPipeline, DeliveryPipelineArgs
from components.repo_security import RepositorySecurity, RepositorySecurityArgs
from components.secrets import SecretSet, SecretSetArgs
from components.site import NetlifySite, NetlifySiteArgs


@dataclass(frozen=True)
class PlatformArgs:
    config: StackConfig
    now: datetime
    # The Netlify token the delivery pipeline deploys with (secret config `netlifyDeployToken`): delivered
    # only as the deploying environments' secret, never into a file or variable.
    deploy_token: pulumi.Input[str]
    # The app repo's PLATFORM_REPO_TOKEN (components/runtime_config.py `platform_repo_token`); None: none delivered.
    platform_repo_token: pulumi.Input[str] | None = None


class Platform(pulumi.ComponentResource):
    """Everything one environment of MaintAInPro needs, as children of one component.

    Order matters through data: secrets feed the database and delivery; the database feeds the
    site's env vars and the CSP; they all feed the delivery environment's secrets/variables; and
    the files committed to the default branch (headers, backups, dependabot.yml) wait for its ruleset;
    monitoring comes before backups, whose workflow pings its heartbeats.
    """

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:platform:Platform", name, None, opts)
        cfg = args.config
        self.environment = cfg.environment
        child = pulumi.ResourceOptions(parent=self)

        # -- secrets (components/secrets.py)
        self.secrets = SecretSet(SecretSetArgs.from_stack(cfg, now=args.now), child)
        # What the GitHub environment receives; each section below adds the outputs it wires.
        delivery_secrets: dict[str, pulumi.Input[str]] = dict(self.secrets.delivered_as("github-environment-secret"))
        delivery_variables: dict[str, pulumi.Input[str]] = dict(cfg.github.variables)

        # -- database (components/database.py)
        self.database = SupabaseProject(
            "supabase",
            SupabaseProjectArgs.from_stack(
                cfg,
                db_password=self.secrets["database-password"].value,
                function_secrets=self.secrets.delivered_as("supabase-secret"),
                now=args.now,
            ),
            opts=child,
        )
        # For the site (VITE_SUPABASE_URL / VITE_SUPABASE_PUBLISHABLE_KEY) and the CSP connect-src.
        self.supabase_url = self.database.url
        self.supabase_publishable_key = self.database.publishable_key
        delivery_variables.update(self.database.ci_variables)
        delivery_secrets.update(self.database.ci_secrets)

        # -- feature flags (components/flags.py): the ConfigCat environment's SDK key is a build value of the site.
        self.flags = FeatureFlags("flags", FeatureFlagsArgs.from_stack(cfg), child)

        # -- site (components/site.py)
        # A fixed name: renaming the Netlify site is an in-place update, not a new component
        # (a name from config would move every child's URN and delete-then-adopt live DNS).
        self.site = NetlifySite(
            "netlify",
            NetlifySiteArgs.from_stack(
                cfg,
                supabase_url=self.supabase_url,
                supabase_publishable_key=self.supabase_publishable_key,
                secret_env=self.secrets.delivered_as("netlify-env"),
                configcat_sdk_key=self.flags.sdk_key,
            ),
            child,
        )
        delivery_variables.update(self.site.ci_variables)

        # -- delivery (components/delivery.py): after every section that adds to its secrets/variables,
        # before the components committing files to the default branch, which wait for its ruleset.
        self.delivery = DeliveryEnvironment(
            f"{name}-delivery",
            DeliveryEnvironmentArgs.from_stack(
                cfg, variables=delivery_variables, secrets={**delivery_secrets, DEPLOY_TOKEN_SECRET: args.deploy_token},
                # Pull requests are previewed on this stack's site, through their own environment.
                preview_secrets={DEPLOY_TOKEN_SECRET: args.deploy_token} if cfg.environment == PULL_REQUEST_STACK else None,
            ),
            child,
        )
        # -- Supabase key rotation (components/database.py): superseded secret API keys are deleted only after
        # every consumer of theirs holds the new key, and the legacy JWT keys go off after every consumer.
        function_secrets = [self.database.function_secrets] if self.database.function_secrets is not None else []
        self.database.retire_and_disable(
            self.delivery.secrets,
            legacy_after=[*self.delivery.secrets.values(), *self.site.env_vars, *function_secrets],
        )

        # Only a ruleset's bypass actors push past it (github/docs rulesets-bypass-step.md): every file
        # committed to the default branch waits for this stack's ruleset, or the first `up` races it.
        commit_after = (self.delivery.ruleset,) if self.delivery.ruleset is not None else ()

        # -- headers (components/headers.py): connect-src allows exactly this stack's Supabase project.
        self.headers = SecurityHeaders(
            "headers", SecurityHeadersArgs.from_stack(cfg, supabase_url=self.supabase_url, commit_after=commit_after),
            child,
        )

        # -- monitoring (components/monitoring.py): Checkly asserts the same CSP origins as the headers, and
        # the managed zone's name servers; its heartbeats' ping URLs go to the backup workflow below.
        self.monitoring = Monitoring(
            "monitoring", MonitoringArgs.from_stack(cfg, supabase_url=self.supabase_url, dns_servers=self.site.dns_servers),
            child,
        )

        # -- backups (components/backups.py): the workflow dumps this stack's database (BACKUP_DATABASE_URL)
        # from a GitHub-hosted runner, which has no IPv6: through the session pooler, not the direct host.
        self.backups = (
            BackupSchedule(
                f"{name}-backups",
                BackupScheduleArgs.from_stack(cfg, database_url=self.database.pooler_url, commit_after=commit_after,
                                              heartbeat_urls=self.monitoring.heartbeat_urls),
                child,
            )
            if cfg.backups.enabled
            else None
        )

        # -- the delivery pipeline (components/pipeline.py): built with the values the site's env vars come from,
        # committed once the token its deploy jobs read exists and Netlify has stopped building.
        tokens = (self.delivery.secrets[DEPLOY_TOKEN_SECRET], *self.delivery.preview_secrets.values())
        self.pipeline = DeliveryPipeline(
            "pipeline",
            DeliveryPipelineArgs.from_stack(
                cfg, build_env=self.site.build_values("production"), preview_env=self.site.build_values("deploy-preview"),
                commit_after=(*commit_after, *tokens, self.site.site),
            ),
            child,
        )

        # -- delivery metrics (components/metrics_workflow.py): the targets are production's, measured weekly from
        # the deployment record the pipeline writes.
        self.metrics = (
            DeliveryMetrics("metrics", DeliveryMetricsArgs.from_stack(cfg, commit_after=commit_after), child)
            if cfg.is_production
            else None
        )

        # -- repository security (components/repo_security.py): repository-level settings of the app repo and
        # this repository, which both stacks share, so only the owning stack (production) declares them.
        self.repo_security = (
            RepositorySecurity(
                "repo-security",
                RepositorySecurityArgs.from_stack(cfg, commit_after=commit_after, platform_repo_token=args.platform_repo_token),
                child,
            )
            if cfg.environment == SECURITY_OWNER
            else None
        )

        self.stack_outputs = stack_outputs(self)
        self.register_outputs({**self.stack_outputs, "supabase_publishable_key": self.supabase_publishable_key})


def stack_outputs(platform: Platform) -> dict[str, pulumi.Input[Any]]:
    """What an operator reads with `pulumi stack output`: identifiers and addresses, never a secret.

    `dns_servers` (the Netlify name servers to delegate the zone to at the registrar) only when the
    stack manages DNS; `backup_bucket` only when backups are enabled.
    """
    outputs: dict[str, pulumi.Input[Any]] = {
        "environment": platform.environment,
        "site_url": platform.site.url,
        "site_id": platform.site.site_id,
        "supabase_url": platform.supabase_url,
        "supabase_project_ref": platform.database.project_ref,
    }
    if platform.site.dns_servers is not None:
        outputs["dns_servers"] = platform.site.dns_servers
    if platform.backups is not None:
        outputs["backup_bucket"] = platform.backups.bucket_name
    return outputs
