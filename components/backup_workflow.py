"""The backup and restore-drill workflow `BackupSchedule` commits to the app repo (components/backups.py).

Every stack-specific input is an environment variable or secret of the `<stack>-backups` GitHub
environment; the document is written by the one workflow writer (components/workflows.py).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from components.actions import CONFIGURE_AWS_CREDENTIALS
from components.config import BackupsConfig
from components.names import HEARTBEAT_SECRETS
from components.workflows import HOSTED_RUNNER, dump_workflow, ops_setup_steps

HEADER = (
    "# Managed by maintainpro-platform (components/backups.py): edits here are overwritten.\n"
    "# Runbook: docs/runbooks/disaster-recovery.md in maintainpro-platform.\n"
)


def backup_environment(stack: str) -> str:
    """The GitHub environment the backup workflow runs in (and the OIDC subject it gets)."""
    return f"{stack}-backups"


def workflow_path(stack: str) -> str:
    return f".github/workflows/db-backup-{stack}.yml"


# What a job keeps for itself besides the command: checkout, pip install, AWS login, the command's cleanup.
SETUP_MINUTES = 10


def command_timeout(job_minutes: int) -> str:
    """The command's own `--timeout` (BACKUP_TIMEOUT): inside the job's, so the command, not the runner,
    stops first and says what it was waiting for, and cleans up (`ops backup` defaults to 60m)."""
    return f"{job_minutes - SETUP_MINUTES}m"


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


def postgres_client_step(major: int) -> dict[str, Any]:
    return {"name": f"PostgreSQL {major} client", "run": (
        "sudo apt-get update -qq\n"
        "sudo apt-get install -y -qq postgresql-common\n"
        "sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y\n"
        f"sudo apt-get install -y -qq postgresql-client-{major}\n"
        f"echo /usr/lib/postgresql/{major}/bin >> \"$GITHUB_PATH\"\n")}


def setup_steps(stack: str, cfg: BackupsConfig, owner: str, job: str) -> list[dict[str, Any]]:
    """The ops tools with the PostgreSQL client, then AWS credentials for the whole of `job`'s timeout."""
    return [
        *ops_setup_steps(f"{owner}/{cfg.ops_repository}", cfg.ops_ref,
                         before_install=[postgres_client_step(cfg.postgres_major)], quiet=True),
        {"uses": CONFIGURE_AWS_CREDENTIALS, "with": {
            "role-to-assume": "${{ vars.BACKUP_ROLE_ARN }}",
            "aws-region": "${{ vars.BACKUP_AWS_REGION }}",
            "role-session-name": f"{backup_environment(stack)}-${{{{ github.run_id }}}}",
            "role-duration-seconds": session_seconds(job_timeouts(cfg)[job]),
        }},
    ]


def heartbeat_step(job: str) -> dict[str, Any]:
    """The job's last step: ping its Checkly heartbeat (components/heartbeats.py).

    Steps run only while every earlier one succeeded (GitHub's default `if: success()`), and
    `ops backup` / `ops restore-drill` exit non-zero when verification (manifest, row counts, RTO)
    fails, so the ping says "verified", and a missed or failed run lets the heartbeat alert.
    """
    return {
        "name": "Heartbeat (only after the job verified its work)",
        "run": 'curl --fail --silent --show-error --retry 3 --retry-connrefused --max-time 10 --output /dev/null "$HEARTBEAT_URL"',
        "env": {"HEARTBEAT_URL": f"${{{{ secrets.{HEARTBEAT_SECRETS[job]} }}}}"},
    }


def workflow(environment: str, cfg: BackupsConfig, owner: str, heartbeats: Collection[str] = ()) -> dict[str, Any]:
    """The app repo's scheduled workflow; every stack-specific input is an environment variable or secret.

    `heartbeats`: the jobs (`backup`, `restore-drill`) that ping a heartbeat when they succeed.
    """
    env_name = backup_environment(environment)
    timeouts = job_timeouts(cfg)
    common_env = {
        "BACKUP_BUCKET": "${{ vars.BACKUP_BUCKET }}",
        "BACKUP_PREFIX": "${{ vars.BACKUP_PREFIX }}",
    }
    nightly = f"github.event.schedule == '{cfg.schedule}'"
    weekly = f"github.event.schedule == '{cfg.restore_drill_schedule}'"
    manual = "github.event_name == 'workflow_dispatch'"
    r = cfg.retention

    def pings(job: str) -> list[dict[str, Any]]:
        return [heartbeat_step(job)] if job in heartbeats else []

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
                "steps": setup_steps(environment, cfg, owner, "backup") + [{
                    "name": "Back up and prune",
                    "run": "python -m ops backup " + " ".join(f"--schema {s}" for s in cfg.schemas),
                    "env": {
                        **common_env,
                        "BACKUP_DATABASE_URL": "${{ secrets.BACKUP_DATABASE_URL }}",
                        "BACKUP_TIMEOUT": command_timeout(timeouts["backup"]),
                        "BACKUP_KEEP_DAILY": str(r.daily),
                        "BACKUP_KEEP_WEEKLY": str(r.weekly),
                        "BACKUP_KEEP_MONTHLY": str(r.monthly),
                    },
                }, *pings("backup")],
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
                "steps": setup_steps(environment, cfg, owner, "restore-drill") + [{
                    "name": "Restore drill (fails when verification fails or the RTO is missed)",
                    "run": "python -m ops restore-drill --jobs 4",
                    "env": {
                        **common_env,
                        "RESTORE_DATABASE_URL": "postgresql://postgres@localhost:5432/postgres",
                        "BACKUP_RTO_MINUTES": str(cfg.rto_minutes),
                        "BACKUP_TIMEOUT": command_timeout(timeouts["restore-drill"]),
                    },
                }, *pings("restore-drill")],
            },
        },
    }


def workflow_yaml(environment: str, cfg: BackupsConfig, owner: str, heartbeats: Collection[str] = ()) -> str:
    return dump_workflow(workflow(environment, cfg, owner, heartbeats), HEADER, width=120)
