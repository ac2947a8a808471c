"""Backups: the section that runs as a scheduled workflow (monitoring has its own module, `monitoring`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from components.config.types import MAX_AWS_SESSION_MINUTES, Cron, IpNetwork, RunnerLabel, Strict


class RetentionConfig(Strict):
    """Grandfather-father-son: how many daily, weekly and monthly backups to keep."""

    daily: Annotated[int, Field(ge=1, le=366)] = 7
    weekly: Annotated[int, Field(ge=0, le=260)] = 4
    monthly: Annotated[int, Field(ge=0, le=120)] = 12


class BackupsConfig(Strict):
    """Off-site backups (components/backups.py, ops/backup/).

    `minimum_retention_days` is the age below which no backup version is ever gone for good:
    the object-lock default retention when `object_lock` is on, and how long a pruned
    (noncurrent) version stays. `transition_days` moves backups to STANDARD_IA, which S3 allows
    from day 30 on. `audit_retention_days` is how long each CI run's audit trail under `audit/`
    (ops/audit_trail.py) is locked and kept.
    """

    enabled: bool = True
    schedule: Cron = "17 3 * * *"
    restore_drill_schedule: Cron = "47 4 * * 1"
    bucket_name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    aws_region: Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    minimum_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    transition_days: Annotated[int, Field(ge=30)] = 30
    object_lock: bool = False
    object_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    audit_retention_days: Annotated[int, Field(ge=1, le=3650)] = 365
    rto_minutes: Annotated[int, Field(ge=1, le=1440)] = 15
    schemas: list[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]] = Field(
        default_factory=lambda: ["public"], min_length=1
    )
    postgres_major: Annotated[int, Field(ge=13, le=18)] = 17
    ops_repository: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,100}$")] = "maintainpro-platform"
    ops_ref: Annotated[str, Field(min_length=1, max_length=255)] = "main"
    # The AWS account the bucket and role live in (quoted: 12 digits). The role trusts the account's
    # GitHub OIDC provider, whose ARN follows from it; the bucket's provider refuses any other account.
    aws_account_id: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    # GitHub's OIDC provider is one per AWS account. Where Pulumi itself logs in through it (deploy.yml's
    # configure-aws-credentials), it exists before any stack runs and no stack creates it; a stack alone
    # in an account Pulumi reaches otherwise (a profile) may create it. Everyone trusts it by its ARN.
    create_github_oidc_provider: bool = False
    # Where the backup job runs: a GitHub-hosted runner unless set. Network restrictions hold for the
    # pooler too, so with `supabase.allowed_cidrs` set it must be a self-hosted or static-egress
    # (larger) runner label, or list of labels, whose egress networks are `runner_egress_cidrs`.
    runner: RunnerLabel | Annotated[list[RunnerLabel], Field(min_length=1)] | None = None
    runner_egress_cidrs: list[IpNetwork] = Field(default_factory=list)
    # Each job's `timeout-minutes`; its AWS session lasts as long, and the role allows the longest
    # (an STS session is at most 12 hours, so neither may be longer).
    backup_timeout_minutes: Annotated[int, Field(ge=15, le=MAX_AWS_SESSION_MINUTES)] = 180
    restore_drill_timeout_minutes: Annotated[int, Field(ge=15, le=MAX_AWS_SESSION_MINUTES)] = 120

    @field_validator("aws_account_id", mode="before")
    @classmethod
    def _quoted_account_id(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError("quote the account id (e.g. '012345678901'): as a YAML number it loses leading zeros")
        return value

    @property
    def runner_labels(self) -> list[str]:
        return [] if self.runner is None else [self.runner] if isinstance(self.runner, str) else list(self.runner)

    @model_validator(mode="after")
    def _distinct_schedules(self) -> BackupsConfig:
        if self.schedule == self.restore_drill_schedule:
            raise ValueError("restore_drill_schedule must differ from schedule (the workflow tells runs apart by cron)")
        return self

    @model_validator(mode="after")
    def _account_when_enabled(self) -> BackupsConfig:
        if self.enabled and self.aws_account_id is None:
            raise ValueError("set aws_account_id: the AWS account (12 digits, quoted) the bucket and role live in")
        return self
