"""Rendering an `AuditReport`: terminal table, Markdown (for PR comments and audit evidence), SARIF 2.1.0."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from ops.audit_report import AuditReport, Finding, PolicyResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning reads `security-severity` (0-10) to rank alerts.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
SARIF_LEVEL = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}


def _controls(result: PolicyResult) -> str:
    return ", ".join(f"{c.framework} {c.id}" for c in result.entry.controls)


def _subject(finding: Finding) -> str:
    return f"{finding.name} ({finding.type})" if finding.urn else "(stack)"


# Below this many columns the policy table leaves out the controls (they stay in the Markdown,
# JSON and SARIF reports), and below NARROW it also folds severity into enforcement and the
# findings' policy into their resource cell, so the policy names and statuses stay whole.
MEDIUM = 150
NARROW = 110


def _status_style(result: PolicyResult, outcome: str) -> str:
    """FAIL red bold when it blocks, yellow when only advisory (or unjudged), pass green; styles show only on a colour terminal."""
    if outcome == "fail":
        return "bold red" if result.enforcement in ("mandatory", "remediate") else "yellow"
    return {"pass": "green", "unknown": "yellow"}.get(outcome, "")


def tables(report: AuditReport, width: int = 220) -> tuple[Table, Table]:
    """One row per policy, then one row per failed or unjudged finding with its remediation, laid out for `width` columns.

    Every cell is a `Text`: policy messages, resource names and remediation steps are data, never
    rich markup (a `[x]` in a message prints as `[x]`).
    """
    summary = report.summary()
    caption = (
        f"{summary['passed']} passed, {summary['failed']} failed ({summary['mandatoryFailed']} mandatory), "
        f"{summary['notApplicable']} not applicable, {summary['disabled']} disabled, {summary['unknown']} unknown"
    )
    narrow, medium = width < NARROW, width < MEDIUM
    if medium:
        caption += "; controls: --format markdown or json"
    longest = max((len(r.entry.name) for r in report.results), default=6)
    policies = Table(title=Text(f"policy audit: stack {report.stack} ({report.source})"), caption=Text(caption),
                     show_edge=not narrow)
    policies.add_column("policy", no_wrap=True, min_width=longest)
    if not narrow:
        policies.add_column("severity", overflow="fold")
    policies.add_column("level" if narrow else "enforcement", overflow="fold")
    policies.add_column("status", no_wrap=True)
    if not medium:
        policies.add_column("controls", overflow="fold")
    policies.add_column("pass/fail" if narrow else "resources passed/failed", overflow="fold")
    findings = Table(title=Text("findings"), show_edge=not narrow, expand=narrow)
    if narrow:
        findings.add_column("policy / resource", overflow="fold", ratio=2)
    else:
        findings.add_column("policy", overflow="fold")
        findings.add_column("resource", overflow="fold")
    findings.add_column("outcome", no_wrap=True)
    findings.add_column("message", overflow="fold", ratio=3)
    for result in report.results:
        counts = [sum(1 for f in result.findings if f.outcome == o) for o in ("pass", "fail")]
        status = Text(result.status.upper(), style=_status_style(result, result.status))
        severity = [] if narrow else [Text(result.entry.severity)]
        enforcement = Text(f"{result.enforcement} {result.entry.severity}" if narrow else result.enforcement)
        controls = [] if medium else [Text(_controls(result))]
        policies.add_row(Text(result.entry.name), *severity, enforcement, status, *controls, Text(f"{counts[0]}/{counts[1]}"))
        rows = [(f"{f.name} ({(f.type or '').rsplit(':', 1)[-1]})" if f.urn else "(stack)",
                 Text(f.outcome.upper(), style=_status_style(result, f.outcome)), f.message or "")
                for f in result.findings if f.outcome != "pass"]
        if result.status == "fail":
            rows.append(("", Text("fix"), result.entry.policy.remediation_steps or ""))
        for subject, outcome, message in rows:
            where = [Text(f"{result.entry.name}\n  {subject}" if subject else result.entry.name)] if narrow \
                else [Text(result.entry.name), Text(subject)]
            findings.add_row(*where, outcome, Text(message))
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
