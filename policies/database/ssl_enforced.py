"""supabase-project-require-ssl: the database refuses unencrypted connections."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.database.settings import settings_of
from policies.props import get, of_type
from policies.registry import cis, soc2, stack_policy


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for project in of_type(args.resources, R.SUPABASE_PROJECT):
        enforcement = settings_of(args.resources, project, R.SUPABASE_SSL_ENFORCEMENT)
        if not enforcement:
            yield f"Supabase project {project.name} declares no SSL enforcement: the database accepts plaintext connections", project.urn
        elif not any(get(s.props, R.SETTINGS, R.SSL_ENFORCED) is True for s in enforcement):
            yield f"Supabase project {project.name} has SSL enforcement turned off", project.urn


POLICY = stack_policy(
    name="supabase-project-require-ssl",
    description="Every Supabase project enforces SSL on database connections.",
    family="database",
    subjects=(R.SUPABASE_PROJECT,),
    severity=Severity.HIGH,
    controls=soc2("CC6.7") + cis("3.10"),
    remediation="Set `supabase.ssl_enforced: true` in the stack file.",
    check=check,
)
