"""supabase-project-require-protection: the project holding production data cannot be deleted by an update."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies import resources as R
from policies.registry import resource_policy, soc2


def check(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Iterator[str]:
    if not args.opts.protect:
        yield f"Supabase project {args.name} is not protected: a `pulumi up` or `destroy` could delete its data"


POLICY = resource_policy(
    name="supabase-project-require-protection",
    description="The production Supabase project is `protect`ed so no update or destroy can delete it.",
    family="database",
    types=(R.SUPABASE_PROJECT,),
    severity=Severity.CRITICAL,
    controls=soc2("A1.2", "CC7.5"),
    remediation=(
        "Keep `supabase.allow_destroy: false` (rejected in production anyway); components/database.py then "
        "registers the project with protect=True and retain_on_delete=True."
    ),
    check=check,
)
