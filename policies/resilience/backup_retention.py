"""aws-backups-bucket-require-retention: backups are not expired before the minimum retention period."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.props import as_int, descendants, get, items, of_type, wired_from
from policies.registry import cis, soc2, stack_policy

# What each expiry removes, for the message: current backups, or versions already pruned by `ops backup`
# (noncurrent), which after `noncurrentDays` are gone for good.
EXPIRIES = (
    (R.LIFECYCLE_EXPIRY_DAYS, "backups"),
    (R.LIFECYCLE_NONCURRENT_DAYS, "pruned (noncurrent) backup versions"),
)


def check(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    minimum = config["minRetentionDays"]
    resources = list(args.resources)
    lifecycles = of_type(resources, R.AWS_BUCKET_LIFECYCLE)
    for schedule in of_type(resources, R.BACKUP_SCHEDULE):
        for bucket in of_type(descendants(resources, schedule), R.AWS_BUCKET):
            for lifecycle in (lc for lc in lifecycles if wired_from(lc, R.LIFECYCLE_BUCKET, bucket)):
                for rule in items(get(lifecycle.props, R.LIFECYCLE_RULES)):
                    if get(rule, "status") != "Enabled":
                        continue
                    name = get(rule, "id") or "(unnamed)"
                    for path, what in EXPIRIES:
                        days = as_int(get(rule, *path))
                        if days is not None and days < minimum:
                            yield (
                                f"backup bucket {bucket.name}: lifecycle rule {name} deletes {what} after {days} days; "
                                f"they must be kept at least {minimum} days",
                                bucket.urn,
                            )


POLICY = stack_policy(
    name="aws-backups-bucket-require-retention",
    description="Lifecycle rules of backup buckets never expire backups, current or noncurrent, before the stack's minimum retention period.",
    family="resilience",
    subjects=(R.AWS_BUCKET,),
    severity=Severity.MEDIUM,
    controls=soc2("A1.2", "C1.2") + cis("11.1"),
    remediation="Raise `backups.minimum_retention_days` / `backups.retention` so expiry is at or beyond the required minimum.",
    check=check,
    config={"minRetentionDays": {"type": "integer", "minimum": 1, "default": 30}},
)
