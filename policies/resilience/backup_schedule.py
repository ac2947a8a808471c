"""supabase-project-require-backup-schedule: every database has an off-site backup that runs on a schedule."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from policies import resources as R
from policies.props import descendants, get, of_type
from policies.registry import cis, soc2, stack_policy
from policies.resilience.documents import crons, load


def problems(resources: list[PolicyResource], schedule: PolicyResource) -> list[str]:
    children = descendants(resources, schedule)
    missing = []
    if not of_type(children, R.AWS_BUCKET):
        missing.append("no backup bucket")
    files = of_type(children, R.GITHUB_REPOSITORY_FILE)
    if not any(crons(load(get(f.props, R.FILE_CONTENT))) for f in files):
        missing.append("no scheduled workflow (on.schedule cron)")
    return missing


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    resources = list(args.resources)
    complete = 0
    for schedule in of_type(resources, R.BACKUP_SCHEDULE):
        missing = problems(resources, schedule)
        if missing:
            yield f"backup schedule {schedule.name} is incomplete: {', '.join(missing)}", schedule.urn
        else:
            complete += 1
    # One BackupSchedule per database (components/backups.py); projects beyond that count are uncovered.
    for project in of_type(resources, R.SUPABASE_PROJECT)[complete:]:
        yield f"Supabase project {project.name} has no backup schedule: no off-site backup is taken", project.urn


POLICY = stack_policy(
    name="supabase-project-require-backup-schedule",
    description="Every Supabase project has a BackupSchedule: a backup bucket and a workflow running the backup on a cron schedule.",
    family="resilience",
    subjects=(R.SUPABASE_PROJECT,),
    severity=Severity.HIGH,
    controls=soc2("A1.2", "A1.3") + cis("11.2"),
    remediation="Set `backups.enabled: true` with a `backups.schedule` cron; components/backups.py builds the schedule.",
    check=check,
)
