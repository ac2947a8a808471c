"""Writes tests/fixtures/events/production-weak-preview.jsonl from the pack's verdicts on the weak fixture program.

No Pulumi CLI runs on the machines this project is built on, so the sample engine event log is
assembled in the engine's format (pulumi/pulumi `sdk/go/common/apitype/events.go`, see the
fixture's README) from what the policies themselves report on `tests/fixtures/audit/program.py`
(variant `weak`) under the production pack config. Regenerate it after the pack or the fixture
program changes: `python -m tests.support.event_log_fixture`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

from ops.pack_config import default_path, load_pack_config
from ops.policy_run import NotApplicable, _run, graph
from policies.catalog import ENTRIES, PACK_NAME, PACK_VERSION
from tests.ops.audit_support import ROOT, fixture_preview

TARGET = ROOT / "tests/fixtures/events/production-weak-preview.jsonl"
TIMESTAMP = 1795660800
STACK_URN = "urn:pulumi:production::maintainpro-platform::pulumi:pulumi:Stack::maintainpro-platform-production"
PACK = {"policyPackName": PACK_NAME, "policyPackVersion": PACK_VERSION, "policyPackVersionTag": PACK_VERSION}


def _violation(urn: str, entry: Any, message: str, level: str) -> dict[str, Any]:
    text = f"<{{%fg 12%}}>{entry.policy.description}\n{message}<{{%reset%}}>\n"
    return {"policyEvent": {"resourceUrn": urn, "message": text, "color": "raw", "policyName": entry.name, **PACK,
                            "enforcementLevel": level}}


def events() -> list[dict[str, Any]]:
    pack = load_pack_config(default_path("production"))
    preview = fixture_preview("weak")
    nodes = sorted(graph(preview), key=lambda n: n.urn)  # registration order varies from run to run
    parents = {r.urn: r.parent for r in preview.resources}
    custom = {r.urn: r.custom for r in preview.resources}
    out: list[dict[str, Any]] = [
        {"preludeEvent": {"config": {"aws:region": "eu-central-1", "maintainpro-platform:environment": "production",
                                     "github:token": "[secret]"}}},
        {"policyLoadEvent": {}},
        {"resourcePreEvent": {"metadata": {"op": "create", "urn": STACK_URN, "type": "pulumi:pulumi:Stack", "old": None,
                                           "new": {"type": "pulumi:pulumi:Stack", "urn": STACK_URN, "id": "", "parent": "",
                                                   "inputs": {}, "outputs": {}, "provider": ""},
                                           "detailedDiff": None, "provider": ""}, "planning": True}},
    ]
    mandatory: set[str] = set()  # policies failing as mandatory: what the engine's closing error counts
    enabled = [(e, pack.enforcement(e)) for e in ENTRIES if pack.enforcement(e) != "disabled"]
    for node in nodes:
        out.append({"resourcePreEvent": {"metadata": {
            "op": "create", "urn": node.urn, "type": node.resource_type, "old": None,
            "new": {"type": node.resource_type, "urn": node.urn, "id": "", "parent": parents.get(node.urn) or STACK_URN,
                    **({"custom": True} if custom.get(node.urn) else {}),
                    "protect": bool(node.opts and node.opts.protect), "retainOnDelete": False, "inputs": {}, "outputs": {},
                    "provider": ""},
            "detailedDiff": None, "provider": ""}, "planning": True}})
        passed, failed = [], []
        for entry, level in enabled:
            if entry.kind != "resource":
                continue
            args = ResourceValidationArgs(node.resource_type, node.props, node.urn, node.name, node.opts, None,
                                          pack.config(entry))
            try:
                found, _unknown = _run(entry.policy.validate, args)
            except NotApplicable:
                continue
            (failed if found else passed).append(entry.name)
            for message, _ in found:
                out.append(_violation(node.urn, entry, message, level))
                if level == "mandatory":
                    mandatory.add(entry.name)
        summary: dict[str, Any] = {"resourceUrn": node.urn, **PACK, "passed": passed}
        if failed:
            summary["failed"] = failed
        out.append({"policyAnalyzeSummaryEvent": summary})
    stack_passed, stack_failed = [], []
    for entry, level in enabled:
        if entry.kind != "stack":
            continue
        found, _unknown = _run(entry.policy.validate, StackValidationArgs(nodes, pack.config(entry)))
        (stack_failed if found else stack_passed).append(entry.name)
        for message, urn in found:
            out.append(_violation(urn or "", entry, message, level))
            if level == "mandatory":
                mandatory.add(entry.name)
    stack_summary: dict[str, Any] = {**PACK, "failed": stack_failed}
    if stack_passed:
        stack_summary["passed"] = stack_passed
    out.append({"policyAnalyzeStackSummaryEvent": stack_summary})
    bucket = next(n.urn for n in nodes if n.name == "backup-bucket")
    # Another pack's violation, which the reader must ignore.
    out.append({"policyEvent": {"resourceUrn": bucket, "message": "<{%fg 12%}>S3 buckets have tags.\nmissing tags<{%reset%}>\n",
                                "color": "raw", "policyName": "aws-s3-bucket-disallow-untagged", "policyPackName": "org-tagging",
                                "policyPackVersion": "2.0.0", "policyPackVersionTag": "2.0.0", "enforcementLevel": "advisory"}})
    out.append({"diagnosticEvent": {"urn": STACK_URN, "prefix": "error: ",
                                    "message": f"<{{%reset%}}>preview failed: {len(mandatory)} mandatory policy violations<{{%reset%}}>\n",
                                    "color": "raw", "severity": "error"}})
    out.append({"summaryEvent": {"maybeCorrupt": False, "durationSeconds": 7, "resourceChanges": {"create": len(nodes) + 1},
                                 "PolicyPacks": {PACK_NAME: f"v{PACK_VERSION}"}, "isPreview": True}})
    out.append({"cancelEvent": {}})
    return [{"sequence": i, "timestamp": TIMESTAMP, **event} for i, event in enumerate(out, 1)]


def render() -> str:
    return "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events())


def main(target: Path = TARGET) -> None:
    target.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
