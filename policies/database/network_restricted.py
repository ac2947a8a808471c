"""supabase-project-require-network-restrictions: only known networks reach the database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.database.settings import settings_of
from policies.props import get, items, of_type
from policies.registry import cis, soc2, stack_policy


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for project in of_type(args.resources, R.SUPABASE_PROJECT):
        restrictions = settings_of(args.resources, project, R.SUPABASE_NETWORK_RESTRICTIONS)
        cidrs = [str(c) for s in restrictions for f in R.ALLOWED_CIDRS for c in items(get(s.props, R.SETTINGS, f))]
        if not cidrs:
            yield f"Supabase project {project.name} has no network restrictions: any address can reach the database", project.urn
        elif open_ := sorted(set(cidrs) & R.OPEN_CIDRS):
            yield f"Supabase project {project.name} allows database connections from anywhere ({', '.join(open_)})", project.urn


POLICY = stack_policy(
    name="supabase-project-require-network-restrictions",
    description="Every Supabase project restricts database connections to listed networks (no empty list, no 0.0.0.0/0).",
    family="database",
    subjects=(R.SUPABASE_PROJECT,),
    severity=Severity.MEDIUM,
    controls=soc2("CC6.6", "CC6.1") + cis("12.2"),
    remediation="List the networks that may connect in `supabase.allowed_cidrs` (and `allowed_cidrs_v6`).",
    check=check,
)
