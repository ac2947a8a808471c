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
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_github as github

from components.backup_workflow import (  # noqa: F401 (re-exported: the workflow's names, as before)
    backup_environment,
    job_timeouts,
    session_seconds,
    workflow,
    workflow_path,
    workflow_yaml,
)
from components.config import BackupsConfig, GitHubConfig, StackConfig
from components.names import HEARTBEAT_SECRETS
from components.workflows import HOSTED_RUNNER  # noqa: F401 (re-exported)

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
# The objects the job writes and reads under its prefix; nothing else in the account.
OBJECT_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
EXPIRY_GRACE_DAYS = 7


@dataclass(frozen=True)
class BackupScheduleArgs:
    stack: str  # staging | production
    backups: BackupsConfig
    github: GitHubConfig
    production: bool  # the bucket is protect=True and retain_on_delete=True
    database_url: pulumi.Input[str] | None = None  # secret; when None an operator sets BACKUP_DATABASE_URL
    # Resources the commit waits for: the stack's default-branch ruleset, whose bypass list lets the
    # deploying GitHub App push past it (without the dependency the first `up` races it).
    commit_after: tuple[pulumi.Resource, ...] = ()
    # Checkly heartbeat ping URLs (secret) by workflow job (components/monitoring.py): each job pings
    # its own after it verified its work; a job without one pings nothing.
    heartbeat_urls: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    @classmethod
    def from_stack(
        cls, cfg: StackConfig, *, database_url: pulumi.Input[str] | None = None,
        commit_after: tuple[pulumi.Resource, ...] = (), heartbeat_urls: Mapping[str, pulumi.Input[str]] | None = None,
    ) -> BackupScheduleArgs:
        return cls(stack=cfg.environment, backups=cfg.backups, github=cfg.github, production=cfg.is_production,
                   database_url=database_url, commit_after=commit_after, heartbeat_urls=dict(heartbeat_urls or {}))


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


def lifecycle_rules(environment: str, cfg: BackupsConfig) -> list[aws.s3.BucketLifecycleConfigurationRuleArgsDict]:
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


class BackupSchedule(pulumi.ComponentResource):
    """Bucket, OIDC role and scheduled workflow for one stack's off-site database backups."""

    def __init__(self, name: str, args: BackupScheduleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("maintainpro:backups:BackupSchedule", name, None, opts)
        self._name, self._args = name, args
        region = self._region_provider()
        bucket = self._bucket(region)
        role = self._role(region, bucket)
        environment = self._github_environment()
        secrets = self._github_values(environment, bucket, role)
        path = self._workflow_file(environment, secrets)

        self.bucket_name = bucket.bucket
        self.role_arn = role.arn
        self.workflow_path = path
        self.register_outputs({"bucket_name": self.bucket_name, "role_arn": self.role_arn, "workflow_path": path})

    def _region_provider(self) -> aws.Provider:
        """An AWS provider in `backups.aws_region`, the region the workflow is told to use.

        Whatever the stack's default `aws:region` says. An explicit provider reads no `aws:` stack
        config, so the account guards an operator set there are handed over explicitly; without them
        the provider still refuses any account but `backups.aws_account_id` (a placeholder id fails fast).
        """
        cfg = self._args.backups
        aws_config = pulumi.Config("aws")
        return aws.Provider(
            f"{self._name}-aws",
            region=cfg.aws_region,
            profile=aws_config.get("profile"),
            allowed_account_ids=aws_config.get_object("allowedAccountIds") or [cfg.aws_account_id],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _bucket(self, region: aws.Provider) -> aws.s3.Bucket:
        """The bucket (protected in production): private, versioned, encrypted, TLS-only, lifecycle, object lock."""
        name, args, cfg = self._name, self._args, self._args.backups
        data = pulumi.ResourceOptions(parent=self, provider=region, protect=args.production,
                                      retain_on_delete=args.production)
        bucket = aws.s3.Bucket(
            f"{name}-bucket", bucket=cfg.bucket_name, object_lock_enabled=cfg.object_lock or None,
            force_destroy=False, tags={"maintainpro:environment": args.stack, "maintainpro:purpose": "db-backups"},
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
            f"{name}-lifecycle", bucket=bucket.id, rules=lifecycle_rules(args.stack, cfg), opts=after_versioning,
        )
        if cfg.object_lock:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock", bucket=bucket.id,
                rule={"default_retention": {"mode": cfg.object_lock_mode, "days": cfg.minimum_retention_days}},
                opts=after_versioning,
            )
        return bucket

    def _role(self, region: aws.Provider, bucket: aws.s3.Bucket) -> aws.iam.Role:
        """The role only the backup environment's jobs assume (GitHub OIDC), reaching only the stack's prefix.

        The account's GitHub OIDC provider is created by the one stack that owns it (protected and
        retained: every stack's role in the account trusts it) and named by its ARN everywhere. IAM
        refuses a second one for the same URL in an account (CreateOpenIDConnectProvider:
        EntityAlreadyExists), so exactly one stack per account sets create_github_oidc_provider.
        """
        name, args, cfg, gh = self._name, self._args, self._args.backups, self._args.github
        in_region = pulumi.ResourceOptions(parent=self, provider=region)
        env_name = backup_environment(args.stack)
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
            assume_role_policy=trust_policy(github_oidc_provider_arn(cfg), gh.owner, gh.app_repo, env_name),
            max_session_duration=role_max_session_seconds(cfg),
            opts=role_opts,
        )
        prefix = key_prefix(args.stack)
        aws.iam.RolePolicy(
            f"{name}-role-s3", role=role.id, policy=bucket.bucket.apply(lambda b: access_policy(b, prefix)), opts=in_region,
        )
        return role

    def _github_environment(self) -> github.RepositoryEnvironment:
        """The `<stack>-backups` environment, deployable from the default branch only."""
        name, gh = self._name, self._args.github
        environment = github.RepositoryEnvironment(
            f"{name}-environment", repository=gh.app_repo, environment=backup_environment(self._args.stack),
            deployment_branch_policy={"protected_branches": False, "custom_branch_policies": True},
            opts=pulumi.ResourceOptions(parent=self),
        )
        github.RepositoryEnvironmentDeploymentPolicy(
            f"{name}-environment-branch", repository=gh.app_repo, environment=environment.environment,
            branch_pattern=gh.default_branch, opts=self._in(environment),
        )
        return environment

    def _in(self, environment: github.RepositoryEnvironment) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=[environment])

    def _github_values(self, environment: github.RepositoryEnvironment, bucket: aws.s3.Bucket,
                       role: aws.iam.Role) -> list[github.ActionsEnvironmentSecret]:
        """What the workflow reads from its environment: variables; the database URL and heartbeat ping URLs as secrets.

        The ping URLs are secrets of this environment only: no other job can ping (and so silence) a heartbeat.
        """
        name, args, gh = self._name, self._args, self._args.github
        variables: dict[str, pulumi.Input[str]] = {
            "BACKUP_BUCKET": bucket.bucket,
            "BACKUP_PREFIX": key_prefix(args.stack),
            "BACKUP_AWS_REGION": args.backups.aws_region,
            "BACKUP_ROLE_ARN": role.arn,
        }
        for var, value in variables.items():
            github.ActionsEnvironmentVariable(
                f"{name}-var-{var.lower()}", repository=gh.app_repo, environment=environment.environment,
                variable_name=var, value=value, opts=self._in(environment),
            )
        secrets = {"database-url": ("BACKUP_DATABASE_URL", args.database_url)} if args.database_url is not None else {}
        secrets |= {f"{job}-heartbeat": (HEARTBEAT_SECRETS[job], url) for job, url in sorted(args.heartbeat_urls.items())}
        return [
            github.ActionsEnvironmentSecret(
                f"{name}-secret-{what}", repository=gh.app_repo, environment=environment.environment,
                secret_name=secret_name, value=pulumi.Output.secret(value), opts=self._in(environment),
            )
            for what, (secret_name, value) in secrets.items()
        ]

    def _workflow_file(self, environment: github.RepositoryEnvironment, secrets: list[github.ActionsEnvironmentSecret]) -> str:
        """The workflow committed to the default branch, after the environment, its secrets and the ruleset."""
        args, gh = self._args, self._args.github
        path = workflow_path(args.stack)
        github.RepositoryFile(
            f"{self._name}-workflow", repository=gh.app_repo, file=path, branch=gh.default_branch,
            content=workflow_yaml(args.stack, args.backups, gh.owner, heartbeats=sorted(args.heartbeat_urls)),
            commit_message=f"ci: scheduled database backup for {args.stack} (managed by maintainpro-platform)",
            overwrite_on_create=True,
            opts=pulumi.ResourceOptions.merge(self._in(environment),
                                              pulumi.ResourceOptions(depends_on=[*secrets, *args.commit_after])),
        )
        return path
