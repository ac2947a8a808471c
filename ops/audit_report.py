"""The audit report: per policy its controls, severity, enforcement and a pass/fail finding per resource.

Built from the offline preview (`ops.policy_run`) or from a real `pulumi preview --event-log`
(`ops.event_log`), so auditors read one format whichever way the stack was checked. The JSON
form is described by docs/audit-report.schema.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from policies.registry import Entry

Outcome = Literal["pass", "fail", "unknown"]
Source = Literal["offline-preview", "event-log"]
SCHEMA_VERSION = "1.0"
BLOCKING = ("mandatory", "remediate")


@dataclass(frozen=True)
class Finding:
    """One verdict: a resource (or the whole stack when `urn` is None) passed or failed one policy."""

    outcome: Outcome
    urn: str | None
    type: str | None
    name: str | None
    message: str | None = None


@dataclass
class PolicyResult:
    entry: Entry
    enforcement: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.enforcement == "disabled":
            return "disabled"
        outcomes = {f.outcome for f in self.findings}
        if "fail" in outcomes:
            return "fail"
        if "unknown" in outcomes:
            return "unknown"
        return "pass" if outcomes else "not-applicable"

    @property
    def blocking(self) -> bool:
        return self.status == "fail" and self.enforcement in BLOCKING

    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == "fail"]


@dataclass
class AuditReport:
    stack: str
    source: Source
    pack_name: str
    pack_version: str
    policy_config: str
    resources: int
    results: list[PolicyResult]
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def mandatory_failures(self) -> list[PolicyResult]:
        return [r for r in self.results if r.blocking]

    def summary(self) -> dict[str, int]:
        statuses = [r.status for r in self.results]
        return {
            "policies": len(self.results),
            "passed": statuses.count("pass"),
            "failed": statuses.count("fail"),
            "mandatoryFailed": len(self.mandatory_failures),
            "advisoryFailed": sum(1 for r in self.results if r.status == "fail" and not r.blocking),
            "unknown": statuses.count("unknown"),
            "notApplicable": statuses.count("not-applicable"),
            "disabled": statuses.count("disabled"),
            "resources": self.resources,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": SCHEMA_VERSION,
            "stack": self.stack,
            "source": self.source,
            "policyPack": {"name": self.pack_name, "version": self.pack_version},
            "policyConfig": self.policy_config,
            "generatedAt": self.generated_at.isoformat().replace("+00:00", "Z"),
            "summary": self.summary(),
            "policies": [
                {
                    "name": r.entry.name,
                    "description": r.entry.policy.description,
                    "family": r.entry.family,
                    "kind": r.entry.kind,
                    "severity": r.entry.severity,
                    "enforcement": r.enforcement,
                    "status": r.status,
                    "controls": [{"framework": c.framework, "id": c.id} for c in r.entry.controls],
                    "remediation": r.entry.policy.remediation_steps or "",
                    "findings": [
                        {"outcome": f.outcome, "urn": f.urn, "type": f.type, "name": f.name, "message": f.message}
                        for f in r.findings
                    ],
                }
                for r in self.results
            ],
        }
