"""supabase-project-require-legacy-keys-disabled: the project's legacy JWT keys are off and delivered nowhere.

The JWT-based `anon` / `service_role` keys never rotate (supabase.com/docs/guides/troubleshooting/
rotating-anon-service-and-jwt-secrets-1Jq6yd: "it is no longer possible to rotate the legacy anon,
service and JWT secrets"). A project passes when the program disables them
(a `LegacyApiKeys` with `enabled: false` wired to it through `project_ref`) and the project is
declared with `legacy_api_keys: disabled`, so it outputs neither key and nothing can deliver one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from policies import resources as R
from policies.props import get, label, of_type, wired_from
from policies.registry import cis, soc2, stack_policy


def check(args: StackValidationArgs, _config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    switches = of_type(args.resources, R.SUPABASE_LEGACY_API_KEYS)
    for project in of_type(args.resources, R.SUPABASE_PROJECT):
        if get(project.props, R.PROJECT_LEGACY_API_KEYS) != "disabled":
            yield (f"{label(project)} still outputs its legacy anon and service_role keys, which never rotate and "
                   "could be delivered: declare it with legacy_api_keys 'disabled'", project.urn)
        elif not any(get(s.props, R.LEGACY_ENABLED) is False and wired_from(s, R.SETTINGS_PROJECT_REF, project)
                     for s in switches):
            yield (f"{label(project)}: nothing disables its legacy JWT keys (no LegacyApiKeys with enabled false "
                   "for this project): they keep authenticating", project.urn)


POLICY = stack_policy(
    name="supabase-project-require-legacy-keys-disabled",
    description=(
        "Every Supabase project has its legacy JWT keys (anon, service_role) disabled, and the program can deliver "
        "neither."
    ),
    family="database",
    subjects=(R.SUPABASE_PROJECT,),
    severity=Severity.HIGH,
    controls=soc2("CC6.1") + cis("5.2"),
    remediation=(
        "Set `supabase.legacy_api_keys: disabled` once every consumer reads the publishable or a secret key "
        "(production requires it): the project then outputs no legacy key and the legacy keys are switched off after "
        "every consumer of the new keys was updated."
    ),
    check=check,
)
