"""Finding a Supabase project's settings objects (they name the project through `project_ref`)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import PolicyResource

from policies import resources as R
from policies.props import of_type, wired_from


def settings_of(resources: Iterable[PolicyResource], project: PolicyResource, type_: str) -> list[PolicyResource]:
    return [s for s in of_type(resources, type_) if wired_from(s, R.SETTINGS_PROJECT_REF, project)]
