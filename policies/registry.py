"""The policy registry: every policy with its family, subjects, severity and the controls it evidences.

Modelled on pulumi/compliance-policies: one policy per module, registered with the metadata an
auditor needs (controls, frameworks, severity, remediation). A policy's check yields messages; the
registry wraps it into a real `pulumi_policy` policy, so the CrossGuard pack and the offline
`ops audit` run exactly the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pulumi_policy import (
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

Family = Literal["headers", "secrets", "https", "delivery", "database", "resilience"]
FAMILIES: tuple[Family, ...] = ("headers", "secrets", "https", "delivery", "database", "resilience")

FRAMEWORKS = {
    "SOC 2": PolicyComplianceFramework(
        name="SOC 2", version="2017 TSC (rev. 2022)", reference="https://www.aicpa-cima.com/resources/download/2017-trust-services-criteria-with-revised-points-of-focus-2022"
    ),
    "OWASP ASVS": PolicyComplianceFramework(
        name="OWASP ASVS", version="4.0.3", reference="https://github.com/OWASP/ASVS/tree/v4.0.3/4.0"
    ),
    "CIS": PolicyComplianceFramework(
        name="CIS Controls", version="8.1", reference="https://www.cisecurity.org/controls/v8-1"
    ),
}


@dataclass(frozen=True)
class Control:
    """One control a policy evidences, e.g. `Control("SOC 2", "CC6.1")`."""

    framework: Literal["SOC 2", "OWASP ASVS", "CIS"]
    id: str

    @property
    def tag(self) -> str:
        return f"{self.framework.lower().replace(' ', '-')}:{self.id}"


def soc2(*ids: str) -> tuple[Control, ...]:
    return tuple(Control("SOC 2", i) for i in ids)


def asvs(*ids: str) -> tuple[Control, ...]:
    return tuple(Control("OWASP ASVS", i) for i in ids)


def cis(*ids: str) -> tuple[Control, ...]:
    return tuple(Control("CIS", i) for i in ids)


ResourceCheck = Callable[[ResourceValidationArgs, Mapping[str, Any]], Iterable[str]]
StackCheck = Callable[[StackValidationArgs, Mapping[str, Any]], Iterable[tuple[str, str | None]]]
# Why a subject passes without meeting the rule (a documented exemption), by URN: the offline
# report shows it on the subject's pass; the engine has no place for it (its summaries list names only).
StackNotes = Callable[[StackValidationArgs, Mapping[str, Any]], Mapping[str, str]]


@dataclass(frozen=True)
class Entry:
    """A registered policy and what the audit report says about it."""

    policy: ResourceValidationPolicy | StackValidationPolicy
    family: Family
    subject_types: tuple[str, ...]  # resource types the policy judges (pass/fail is reported per such resource)
    controls: tuple[Control, ...]
    notes: Callable[[StackValidationArgs], Mapping[str, str]] | None = None

    @property
    def name(self) -> str:
        return self.policy.name

    @property
    def kind(self) -> Literal["resource", "stack"]:
        return "resource" if isinstance(self.policy, ResourceValidationPolicy) else "stack"

    @property
    def severity(self) -> str:
        return self.policy.severity.value if self.policy.severity else "medium"


def settings(config: Mapping[str, Any], schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """A policy's config with the schema's defaults filled in (as the engine does before calling it)."""
    defaults = {k: v["default"] for k, v in (schema or {}).items() if "default" in v}
    return {**defaults, **{k: v for k, v in dict(config or {}).items() if k != "enforcementLevel"}}


def _common(
    name: str, description: str, family: Family, severity: Severity, controls: tuple[Control, ...],
    remediation: str, config: Mapping[str, Any] | None,
) -> dict[str, Any]:
    if not controls:
        raise ValueError(f"policy {name} evidences no control")
    return {
        "name": name,
        "description": description,
        "severity": severity,
        "framework": FRAMEWORKS[controls[0].framework],
        "tags": [family, *(c.tag for c in controls)],
        "remediation_steps": remediation,
        "config_schema": PolicyConfigSchema(properties=dict(config)) if config else None,
    }


def resource_policy(
    *, name: str, description: str, family: Family, types: tuple[str, ...], severity: Severity,
    controls: tuple[Control, ...], remediation: str, check: ResourceCheck,
    config: Mapping[str, Any] | None = None,
) -> Entry:
    """A policy judging one resource at a time; `check` yields one message per violation."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in types:
            return
        for message in check(args, settings(args.get_config(), config)):
            report_violation(message, None)

    policy = ResourceValidationPolicy(validate=validate, **_common(name, description, family, severity, controls, remediation, config))
    return Entry(policy, family, types, controls)


def stack_policy(
    *, name: str, description: str, family: Family, subjects: tuple[str, ...], severity: Severity,
    controls: tuple[Control, ...], remediation: str, check: StackCheck,
    config: Mapping[str, Any] | None = None, notes: StackNotes | None = None,
) -> Entry:
    """A policy judging the whole resource graph; `check` yields (message, urn of the subject or None).

    `notes` gives, by URN, why a passing subject passes without meeting the rule (an exemption's reason).
    """

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for message, urn in check(args, settings(args.get_config(), config)):
            report_violation(message, urn)

    def annotate(args: StackValidationArgs) -> Mapping[str, str]:
        return notes(args, settings(args.get_config(), config)) if notes else {}

    policy = StackValidationPolicy(validate=validate, **_common(name, description, family, severity, controls, remediation, config))
    return Entry(policy, family, subjects, controls, annotate if notes else None)
