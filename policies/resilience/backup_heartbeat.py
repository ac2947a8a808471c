"""monitoring-backup-require-heartbeat: a backup that silently stops running alerts someone.

Per `BackupSchedule`: every job of its workflow that runs `ops backup` or `ops restore-drill` has a
later step reading an environment secret of the schedule whose value is wired from an activated
Checkly heartbeat monitor with alert subscriptions. A job that fails never reaches the ping (a
step runs only after the earlier ones succeeded), so the heartbeat alerts on a missed or failed run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from policies import resources as R
from policies.props import descendants, feeds, get, items, of_type
from policies.registry import cis, soc2, stack_policy
from policies.resilience.documents import load

JOB_COMMANDS = {"ops backup": "backup", "ops restore-drill": "restore drill"}
SECRET_REFERENCE = re.compile(r"secrets\.([A-Za-z0-9_]+)")


def heartbeat_secrets(children: list[PolicyResource]) -> set[str]:
    """Names of the schedule's environment secrets computed from a live, alerting heartbeat monitor."""
    names = set()
    for secret in of_type(children, *R.GITHUB_SECRET_TYPES):
        sources = [d for p in R.GITHUB_SECRET_VALUE_PROPS for d in feeds(secret, p)]
        if any(s.resource_type == R.CHECKLY_HEARTBEAT_MONITOR and get(s.props, R.ACTIVATED) is not False
               and items(get(s.props, R.ALERT_SUBSCRIPTIONS)) for s in sources):
            names.add(str(get(secret.props, R.GITHUB_SECRET_NAME)))
    return names


def unwatched_jobs(workflow: Any, secrets: set[str]) -> list[str]:
    """The backup and restore-drill jobs with no heartbeat ping after their command."""
    jobs = workflow.get("jobs") if isinstance(workflow, dict) else None
    missing = []
    for job in (jobs or {}).values():
        steps = [s for s in items(job.get("steps") if isinstance(job, dict) else None) if isinstance(s, dict)]
        for command, what in JOB_COMMANDS.items():
            at = next((i for i, s in enumerate(steps) if command in str(s.get("run", ""))), None)
            if at is None:
                continue
            later = " ".join(str(s.get("env", "")) + str(s.get("run", "")) for s in steps[at + 1:])
            if not secrets & set(SECRET_REFERENCE.findall(later)):
                missing.append(what)
    return missing


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    resources = list(args.resources)
    for schedule in of_type(resources, R.BACKUP_SCHEDULE):
        children = descendants(resources, schedule)
        secrets = heartbeat_secrets(children)
        for file in of_type(children, R.GITHUB_REPOSITORY_FILE):
            for what in unwatched_jobs(load(get(file.props, R.FILE_CONTENT)), secrets):
                yield (f"backup schedule {schedule.name}: the {what} job pings no heartbeat: "
                       "a run that stops or fails would alert no one", schedule.urn)


POLICY = stack_policy(
    name="monitoring-backup-require-heartbeat",
    description="Every backup and restore-drill job pings a Checkly heartbeat after it succeeded, so a missed run alerts.",
    family="resilience",
    subjects=(R.BACKUP_SCHEDULE,),
    severity=Severity.HIGH,
    controls=soc2("A1.2", "CC7.2") + cis("11.2"),
    remediation="Keep backups.enabled with monitoring.heartbeats: components/monitoring.py declares the heartbeat "
                "monitors and components/backups.py hands their ping URLs to the backup environment and workflow.",
    check=check,
)
