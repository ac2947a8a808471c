"""`BackupSchedule`: where off-site backups go, who may write them, and when they run.

Per stack: an S3 bucket (versioned, encrypted, private, TLS-only, lifecycle matching the GFS
retention, optional object lock), an IAM role that only the app repo's backup environment can
assume through GitHub OIDC and that reaches only this stack's key prefix, and a scheduled GitHub
Actions workflow in the app repo that runs `python -m ops backup` nightly and the restore drill
weekly. The workflow runs in its own environment (`<stack>-backups`): the stack's deploy
environment may require reviewers, which would stall every scheduled run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_github as github
import yaml

from components.actions import CONFIGURE_AWS_CREDENTIALS, SETUP_PYTHON
from components.config import BackupsConfig, GitHubConfig
from components.platform_checkout import checkout_step

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
# The objects the job writes and reads under its prefix; nothing else in the account.
OBJECT_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
EXPIRY_GRACE_DAYS = 7
# Where a job runs unless `backups.runner` says otherwise.
HOSTED_RUNNER = "ubuntu-24.04"


@dataclass(frozen=True)
class BackupScheduleArgs:
    environment: str  # the stack: staging | production
    backups: BackupsConfig
    github: GitHubConfig
    protect_data: bool  # production: bucket is protect=True and retain_on_delete=True
    database_url: pulumi.Input[str] | None = None  # secret; when None an operator sets BACKUP_DATABASE_URL
    # Resources the commit waits for: the stack's default-branch ruleset, whose bypass list lets the
    # deploying GitHub App push past it (without the dependency the first `up` races it).
    commit_after: tuple[pulumi.Resource, ...] = ()


def backup_environment(environment: str) -> str:
    """The GitHub environment the backup workflow runs in (and the OIDC subject it gets)."""
    return f"{environment}-backups"


def key_prefix(environment: str) -> str:
    return f"{environment}/"


def expiry_days(cfg: BackupsConfig) -> int:
    """Lifecycle backstop: past every GFS horizon, the lock period and the IA transition."""
    r = cfg.retention
    horizon = max(r.daily, r.weekly * 7, r.monthly * 31) + EXPIRY_GRACE_DAYS
    return max(horizon, cfg.minimum_retention_days + 1, cfg.transition_days + 30)


AUDIT_PREFIX = "audit/"


def audit_prefix(environment: str) -> str:
    """Where `ops audit-record` writes the stack's CI runs (ops/audit_trail.py)."""
    return f"{AUDIT_PREFIX}{environment}/"


def audit_expiry_days(cfg: BackupsConfig) -> int:
    """Lifecycle backstop for the audit trail: only after its lock (`audit_retention_days`) and a grace."""
    return cfg.audit_retention_days + EXPIRY_GRACE_DAYS


def lifecycle_rules(environment: str, cfg: BackupsConfig) -> list[dict[str, Any]]:
    """Backup rules filtered to the stack's backup prefix; the audit trail has its own, never earlier than its retention.

    No rule applies to the whole bucket: a bucket-wide expiry or transition would also reach
    `audit/`, whose objects must stay (and stay in place) for `audit_retention_days`.
    """
    prefix = key_prefix(environment)
    audit_days = audit_expiry_days(cfg)
    return [
        {
            "id": "backup-retention",
            "status": "Enabled",
            "filter": {"prefix": prefix},
            "transitions": [{"days": cfg.transition_days, "storage_class": "STANDARD_IA"}],
            "expiration": {"days": expiry_days(cfg)},
            "noncurrent_version_expiration": {"noncurrent_days": cfg.minimum_retention_days},
            "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
        },
        {
            "id": "expired-delete-markers",
            "status": "Enabled",
            "filter": {"prefix": prefix},
            "expiration": {"expired_object_delete_marker": True},
        },
        {
            "id": "audit-retention",
            "status": "Enabled",
            "filter": {"prefix": AUDIT_PREFIX},
            "expiration": {"days": audit_days},
            "noncurrent_version_expiration": {"noncurrent_days": audit_days},
            "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
        },
        {
            # S3 refuses expired_object_delete_marker beside `days` in one rule.
            "id": "audit-expired-delete-markers",
            "status": "Enabled",
            "filter": {"prefix": AUDIT_PREFIX},
            "expiration": {"expired_object_delete_marker": True},
        },
    ]


def partition(region: str) -> str:
    """The AWS partition of a region (ARNs name it)."""
    return "aws-us-gov" if region.startswith("us-gov-") else "aws-cn" if region.startswith("cn-") else "aws"


def github_oidc_provider_arn(cfg: BackupsConfig) -> str:
    """The ARN of the account's GitHub OIDC provider: IAM names it after the account and the issuer host."""
    return f"arn:{partition(cfg.aws_region)}:iam::{cfg.aws_account_id}:oidc-provider/{GITHUB_OIDC_HOST}"


def job_timeouts(cfg: BackupsConfig) -> dict[str, int]:
    """Each generated job's `timeout-minutes`."""
    return {"backup": cfg.backup_timeout_minutes, "restore-drill": cfg.restore_drill_timeout_minutes}


def session_seconds(timeout_minutes: int) -> int:
    """The AWS session a job asks for: its whole timeout, so a long dump still has credentials for the upload.

    configure-aws-credentials' `role-duration-seconds` defaults to one hour (900-43200 s allowed, its
    README), and AssumeRoleWithWebIdentity fails when DurationSeconds exceeds the role's maximum
    session duration (STS API reference), so the role allows the longest job's session
    (`role_max_session_seconds`). Config bounds every timeout to STS's 12 hours.
    """
    return timeout_minutes * 60


def role_max_session_seconds(cfg: BackupsConfig) -> int:
    """The role's `max_session_duration`: IAM's one-hour minimum, or the longest job's session."""
    return max(3600, *(session_seconds(m) for m in job_timeouts(cfg).values()))


def trust_policy(provider_arn: str, owner: str, repo: str, environment: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                f"{GITHUB_OIDC_HOST}:aud": AUDIENCE,
                f"{GITHUB_OIDC_HOST}:sub": f"repo:{owner}/{repo}:environment:{environment}",
            }},
        }],
    })


def access_policy(bucket: str, prefix: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": OBJECT_ACTIONS, "Resource": f"arn:aws:s3:::{bucket}/{prefix}*"},
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            },
        ],
    })


def tls_only_policy(bucket_arn: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    })


def workflow(environment: str, cfg: BackupsConfig, owner: str) -> dict[str, Any]:
    """The app repo's scheduled workflow; every stack-specific input is an environment variable or secret."""
    env_name = backup_environment(environment)
    timeouts = job_timeouts(cfg)

    def setup(job: str) -> list[dict[str, Any]]:
        return [
            checkout_step(f"{owner}/{cfg.ops_repository}", cfg.ops_ref),
            {"uses": SETUP_PYTHON, "with": {"python-version": "3.11", "cache": "pip"}},
            {"name": f"PostgreSQL {cfg.postgres_major} client", "run": (
                "sudo apt-get update -qq\n"
                "sudo apt-get install -y -qq postgresql-common\n"
                "sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y\n"
                f"sudo apt-get install -y -qq postgresql-client-{cfg.postgres_major}\n"
                f"echo /usr/lib/postgresql/{cfg.postgres_major}/bin >> \"$GITHUB_PATH\"\n")},
            {"run": "python -m pip install --quiet -r requirements.txt"},
            {"uses": CONFIGURE_AWS_CREDENTIALS, "with": {
                "role-to-assume": "${{ vars.BACKUP_ROLE_ARN }}",
                "aws-region": "${{ vars.BACKUP_AWS_REGION }}",
                "role-session-name": f"{env_name}-${{{{ github.run_id }}}}",
                "role-duration-seconds": session_seconds(timeouts[job]),
            }},
        ]

    common_env = {
        "BACKUP_BUCKET": "${{ vars.BACKUP_BUCKET }}",
        "BACKUP_PREFIX": "${{ vars.BACKUP_PREFIX }}",
    }
    nightly = f"github.event.schedule == '{cfg.schedule}'"
    weekly = f"github.event.schedule == '{cfg.restore_drill_schedule}'"
    manual = "github.event_name == 'workflow_dispatch'"
    r = cfg.retention
    return {
        "name": f"Database backup ({environment})",
        "on": {
            "schedule": [{"cron": cfg.schedule}, {"cron": cfg.restore_drill_schedule}],
            "workflow_dispatch": {"inputs": {"job": {
                "description": "what to run", "type": "choice", "options": ["backup", "restore-drill"], "default": "backup",
            }}},
        },
        "permissions": {"contents": "read", "id-token": "write"},
        "concurrency": {"group": env_name, "cancel-in-progress": False},
        "jobs": {
            "backup": {
                "if": f"{nightly} || ({manual} && inputs.job == 'backup')",
                # The one job that connects to the Supabase database (through the session pooler):
                # on `backups.runner`, whose egress config checks against the network restrictions.
                "runs-on": cfg.runner if cfg.runner is not None else HOSTED_RUNNER,
                "environment": env_name,
                "timeout-minutes": timeouts["backup"],
                "steps": setup("backup") + [{
                    "name": "Back up and prune",
                    "run": "python -m ops backup " + " ".join(f"--schema {s}" for s in cfg.schemas),
                    "env": {
                        **common_env,
                        "BACKUP_DATABASE_URL": "${{ secrets.BACKUP_DATABASE_URL }}",
                        "BACKUP_KEEP_DAILY": str(r.daily),
                        "BACKUP_KEEP_WEEKLY": str(r.weekly),
                        "BACKUP_KEEP_MONTHLY": str(r.monthly),
                    },
                }],
            },
            "restore-drill": {
                "if": f"{weekly} || ({manual} && inputs.job == 'restore-drill')",
                # Reads S3 and restores into its own service container: it never connects to the
                # Supabase database, so network restrictions do not apply and a hosted runner
                # (Docker for `services`) does.
                "runs-on": HOSTED_RUNNER,
                "environment": env_name,
                "timeout-minutes": timeouts["restore-drill"],
                "services": {"postgres": {
                    "image": f"postgres:{cfg.postgres_major}",
                    "env": {"POSTGRES_HOST_AUTH_METHOD": "trust"},
                    "ports": ["5432:5432"],
                    "options": "--health-cmd pg_isready --health-interval 5s --health-timeout 5s --health-retries 20",
                }},
                "steps": setup("restore-drill") + [{
                    "name": "Restore drill (fails when verification fails or the RTO is missed)",
                    "run": "python -m ops restore-drill --jobs 4",
                    "env": {
                        **common_env,
                        "RESTORE_DATABASE_URL": "postgresql://postgres@localhost:5432/postgres",
                        "BACKUP_RTO_MINUTES": str(cfg.rto_minutes),
                    },
                }],
            },
        },
    }


class _WorkflowDumper(yaml.SafeDumper):
    """Plain YAML as people write workflows: no anchors/aliases, multi-line scripts as `|` blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_WorkflowDumper.add_representer(str, _str)


def workflow_yaml(environment: str, cfg: BackupsConfig, owner: str) -> str:
    header = (
        "# Managed by maintainpro-platform (components/backups.py): edits here are overwritten.\n"
        "# Runbook: docs/runbooks/disaster-recovery.md in maintainpro-platform.\n"
    )
    body = yaml.dump(workflow(environment, cfg, owner), Dumper=_WorkflowDumper, sort_keys=False, width=120)
    return header + body


class BackupSchedule(pulumi.ComponentResource):
    """Bucket, OIDC role and scheduled workflow for one stack's off-site database backups."""

    def __init__(self, name: str, args: BackupScheduleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:backups:BackupSchedule", name, None, opts)
        cfg, gh = args.backups, args.github
        # The bucket must be in `backups.aws_region`, the region the workflow is told to use, whatever
        # the stack's default `aws:region` says. An explicit provider reads no `aws:` stack config,
        # so the account guards an operator set there are handed over explicitly; without them the
        # provider still refuses any account but `backups.aws_account_id` (a placeholder id fails fast).
        aws_config = pulumi.Config("aws")
        region = aws.Provider(
            f"{name}-aws",
            region=cfg.aws_region,
            profile=aws_config.get("profile"),
            allowed_account_ids=aws_config.get_object("allowedAccountIds") or [cfg.aws_account_id],
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self)
        in_region = pulumi.ResourceOptions(parent=self, provider=region)
        data = pulumi.ResourceOptions(
            parent=self, provider=region, protect=args.protect_data, retain_on_delete=args.protect_data
        )
        prefix = key_prefix(args.environment)
        env_name = backup_environment(args.environment)

        bucket = aws.s3.Bucket(
            f"{name}-bucket", bucket=cfg.bucket_name, object_lock_enabled=cfg.object_lock or None,
            force_destroy=False, tags={"maintainpro:environment": args.environment, "maintainpro:purpose": "db-backups"},
            opts=data,
        )
        owned = pulumi.ResourceOptions(parent=self, provider=region, depends_on=[bucket])
        public_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=owned,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id,
            versioning_configuration={"status": "Enabled"}, opts=owned,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}], opts=owned,
        )
        aws.s3.BucketPolicy(
            f"{name}-tls-only", bucket=bucket.id, policy=bucket.bucket.apply(lambda b: tls_only_policy(f"arn:aws:s3:::{b}")),
            opts=pulumi.ResourceOptions(parent=self, provider=region, depends_on=[public_block]),
        )
        after_versioning = pulumi.ResourceOptions(parent=self, provider=region, depends_on=[versioning])
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id,
            rules=lifecycle_rules(args.environment, cfg),
            opts=after_versioning,
        )
        if cfg.object_lock:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock", bucket=bucket.id,
                rule={"default_retention": {"mode": cfg.object_lock_mode, "days": cfg.minimum_retention_days}},
                opts=after_versioning,
            )

        # The account's GitHub OIDC provider: created by the one stack that owns it (protected and
        # retained: every stack's role in the account trusts it), named by its ARN everywhere. IAM
        # refuses a second one for the same URL in an account (CreateOpenIDConnectProvider:
        # EntityAlreadyExists), so exactly one stack per account sets create_github_oidc_provider.
        provider_arn = github_oidc_provider_arn(cfg)
        role_opts = in_region
        if cfg.create_github_oidc_provider:
            oidc = aws.iam.OpenIdConnectProvider(
                f"{name}-github-oidc", url=f"https://{GITHUB_OIDC_HOST}", client_id_lists=[AUDIENCE],
                opts=pulumi.ResourceOptions.merge(in_region, pulumi.ResourceOptions(protect=True, retain_on_delete=True)),
            )
            role_opts = pulumi.ResourceOptions.merge(in_region, pulumi.ResourceOptions(depends_on=[oidc]))
        role = aws.iam.Role(
            f"{name}-role",
            description=f"Backup workflow of {gh.owner}/{gh.app_repo} ({env_name})",
            assume_role_policy=trust_policy(provider_arn, gh.owner, gh.app_repo, env_name),
            max_session_duration=role_max_session_seconds(cfg),
            opts=role_opts,
        )
        aws.iam.RolePolicy(
            f"{name}-role-s3", role=role.id, policy=bucket.bucket.apply(lambda b: access_policy(b, prefix)), opts=in_region,
        )

        environment = github.RepositoryEnvironment(
            f"{name}-environment", repository=gh.app_repo, environment=env_name,
            deployment_branch_policy={"protected_branches": False, "custom_branch_policies": True}, opts=child,
        )
        in_env = pulumi.ResourceOptions(parent=self, depends_on=[environment])
        github.RepositoryEnvironmentDeploymentPolicy(
            f"{name}-environment-branch", repository=gh.app_repo, environment=environment.environment,
            branch_pattern=gh.default_branch, opts=in_env,
        )
        variables: dict[str, pulumi.Input[str]] = {
            "BACKUP_BUCKET": bucket.bucket,
            "BACKUP_PREFIX": prefix,
            "BACKUP_AWS_REGION": cfg.aws_region,
            "BACKUP_ROLE_ARN": role.arn,
        }
        for var, value in variables.items():
            github.ActionsEnvironmentVariable(
                f"{name}-var-{var.lower()}", repository=gh.app_repo, environment=environment.environment,
                variable_name=var, value=value, opts=in_env,
            )
        if args.database_url is not None:
            github.ActionsEnvironmentSecret(
                f"{name}-secret-database-url", repository=gh.app_repo, environment=environment.environment,
                secret_name="BACKUP_DATABASE_URL", value=pulumi.Output.secret(args.database_url), opts=in_env,
            )
        path = f".github/workflows/db-backup-{args.environment}.yml"
        github.RepositoryFile(
            f"{name}-workflow", repository=gh.app_repo, file=path, branch=gh.default_branch,
            content=workflow_yaml(args.environment, cfg, gh.owner),
            commit_message=f"ci: scheduled database backup for {args.environment} (managed by maintainpro-platform)",
            overwrite_on_create=True,
            opts=pulumi.ResourceOptions.merge(in_env, pulumi.ResourceOptions(depends_on=list(args.commit_after))),
        )

        self.bucket_name = bucket.bucket
        self.role_arn = role.arn
        self.workflow_path = path
        self.register_outputs({"bucket_name": self.bucket_name, "role_arn": self.role_arn, "workflow_path": path})
