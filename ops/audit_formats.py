"""Rendering an `AuditReport`: terminal table, Markdown (for PR comments and audit evidence), SARIF 2.1.0."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ops.audit_report import AuditReport, Finding, PolicyResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning reads `security-severity` (0-10) to rank alerts.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
SARIF_LEVEL = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}


def _controls(result: PolicyResult) -> str:
    return ", ".join(f"{c.framework} {c.id}" for c in result.entry.controls)


def _subject(finding: Finding) -> str:
    return f"{finding.name} ({finding.type})" if finding.urn else "(stack)"


def tables(report: AuditReport) -> tuple[Table, Table]:
    """One row per policy, then one row per failed or unjudged finding with its remediation."""
    summary = report.summary()
    caption = (
        f"{summary['passed']} passed, {summary['failed']} failed ({summary['mandatoryFailed']} mandatory), "
        f"{summary['notApplicable']} not applicable, {summary['disabled']} disabled, {summary['unknown']} unknown"
    )
    policies = Table(title=f"policy audit: stack {report.stack} ({report.source})", caption=caption)
    for column in ("policy", "severity", "enforcement", "status", "controls", "resources passed/failed"):
        policies.add_column(column)
    findings = Table(title="findings")
    for column in ("policy", "resource", "outcome", "message"):
        findings.add_column(column)
    for result in report.results:
        counts = [sum(1 for f in result.findings if f.outcome == o) for o in ("pass", "fail")]
        policies.add_row(result.entry.name, result.entry.severity, result.enforcement, result.status.upper(),
                         _controls(result), f"{counts[0]}/{counts[1]}")
        for f in result.findings:
            if f.outcome != "pass":
                findings.add_row(result.entry.name, f"{f.name} ({(f.type or '').rsplit(':', 1)[-1]})" if f.urn else "(stack)", f.outcome.upper(), f.message or "")
        if result.status == "fail":
            findings.add_row(result.entry.name, "", "fix", result.entry.policy.remediation_steps or "")
    return policies, findings


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def markdown(report: AuditReport) -> str:
    summary = report.summary()
    out = [
        f"# Policy audit: stack `{report.stack}`",
        "",
        f"Source: {report.source} · pack {report.pack_name} {report.pack_version} · config `{report.policy_config}` · "
        f"{summary['resources']} resources · generated {report.generated_at.isoformat(timespec='seconds')}",
        "",
        f"**{summary['passed']} passed, {summary['failed']} failed ({summary['mandatoryFailed']} mandatory), "
        f"{summary['notApplicable']} not applicable, {summary['disabled']} disabled, {summary['unknown']} unknown.**",
        "",
        "| policy | family | severity | enforcement | status | controls |",
        "|---|---|---|---|---|---|",
    ]
    for r in report.results:
        out.append(f"| `{r.entry.name}` | {r.entry.family} | {r.entry.severity} | {r.enforcement} | "
                   f"{'**FAIL**' if r.status == 'fail' else r.status} | {_controls(r)} |")
    for r in report.results:
        if not r.findings:
            continue
        out += ["", f"## `{r.entry.name}` — {r.status}", "", _cell(r.entry.policy.description), ""]
        if r.status == "fail":
            out += [f"Remediation: {_cell(r.entry.policy.remediation_steps)}", ""]
        out += ["| outcome | resource | message |", "|---|---|---|"]
        out += [f"| {f.outcome} | {_cell(_subject(f))} | {_cell(f.message)} |" for f in r.findings]
    return "\n".join(out) + "\n"


def _rule(r: PolicyResult) -> dict[str, Any]:
    return {
        "id": r.entry.name,
        "shortDescription": {"text": r.entry.policy.description},
        "fullDescription": {"text": f"{r.entry.policy.description} Controls: {_controls(r)}."},
        "help": {"text": r.entry.policy.remediation_steps or ""},
        "defaultConfiguration": {"level": SARIF_LEVEL[r.enforcement], "enabled": r.enforcement != "disabled"},
        "properties": {
            "tags": [r.entry.family, *(c.tag for c in r.entry.controls)],
            "security-severity": SECURITY_SEVERITY[r.entry.severity],
            "precision": "high",
            "enforcement": r.enforcement,
            "controls": [{"framework": c.framework, "id": c.id} for c in r.entry.controls],
        },
    }


def sarif(report: AuditReport, stack_file: str) -> dict[str, Any]:
    """SARIF 2.1.0: one rule per policy, one result per finding (passes as kind "pass"), located in the stack file."""
    results = []
    for index, r in enumerate(report.results):
        for f in r.findings:
            location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": stack_file}}}
            if f.urn:
                location["logicalLocations"] = [{"fullyQualifiedName": f.urn, "name": f.name, "kind": "resource"}]
            kind = {"pass": "pass", "fail": "fail", "unknown": "review"}[f.outcome]
            results.append({
                "ruleId": r.entry.name,
                "ruleIndex": index,
                "kind": kind,
                "level": SARIF_LEVEL[r.enforcement] if f.outcome == "fail" else "none",
                "message": {"text": f.message or f"{_subject(f)} passes {r.entry.name}"},
                "locations": [location],
            })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.pack_name,
                "version": report.pack_version,
                "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                "rules": [_rule(r) for r in report.results],
            }},
            "automationDetails": {"id": f"policy-audit/{report.stack}/"},
            "properties": {"stack": report.stack, "source": report.source, "summary": report.summary()},
            "results": results,
        }],
    }
