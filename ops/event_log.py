"""The audit report from a real `pulumi preview --policy-pack ... --event-log FILE` run.

The file holds one engine event per line (pulumi/pulumi `sdk/go/common/apitype/events.go`):
`resourcePreEvent.metadata {urn, type}` names the resources; `policyAnalyzeSummaryEvent`
(per resource) and `policyAnalyzeStackSummaryEvent` say which policies ran and passed;
`policyEvent` carries each violation (message = policy description, newline, the check's message,
wrapped in colour tags). `pulumi preview --json` drops policy violations (pulumi/pulumi#18851),
which is why the event log is the source.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ops.audit_report import AuditReport, Finding, Outcome, PolicyResult
from ops.pack_config import PackConfig
from policies.catalog import ENTRIES, PACK_NAME, PACK_VERSION

COLOR_TAG = re.compile(r"<\{%[^%]*%\}>")
LEVEL = {"warning": "advisory", "advisory": "advisory", "mandatory": "mandatory", "remediate": "remediate",
         "none": "disabled", "disabled": "disabled"}


class EventLogError(Exception):
    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


@dataclass
class _Log:
    types: dict[str, str] = field(default_factory=dict)
    passed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # policy -> urns ("" = stack)
    failed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    violations: dict[str, list[tuple[str, str, str]]] = field(default_factory=lambda: defaultdict(list))  # policy -> (urn, message, level)
    version: str | None = None
    pack_ran: bool = False  # any policy event or analyze summary of this pack
    stacks: set[str] = field(default_factory=set)  # stack segments of every URN in the log


def _type_of(urn: str) -> str:
    """`urn:pulumi:stack::project::parent$type::name` -> `type`."""
    qualified = urn.split("::")[2] if urn.count("::") >= 3 else ""
    return qualified.rsplit("$", 1)[-1]


def _urn_in(payload: Any) -> str:
    """The resource URN an event payload names (policy events, pre/outputs metadata, diagnostics), or ""."""
    if not isinstance(payload, dict):
        return ""
    urn = payload.get("resourceUrn") or payload.get("urn") or (payload.get("metadata") or {}).get("urn")
    return urn if isinstance(urn, str) else ""


def _stack_of(urn: str) -> str | None:
    """`urn:pulumi:stack::project::...` -> `stack` (None for anything else)."""
    head = urn.split("::", 1)[0].split(":", 2)
    return head[2] if len(head) == 3 and head[:2] == ["urn", "pulumi"] and head[2] else None


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _message(raw: str, description: str) -> str:
    text = COLOR_TAG.sub("", raw).strip()
    first, _, rest = text.partition("\n")
    return rest.strip() if first.strip() == description and rest.strip() else text


def read_events(path: Path) -> list[dict[str, Any]]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise EventLogError(source, f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise EventLogError(source, f"not UTF-8 text (byte {error.start})") from None
    return parse_events(text, source)


def parse_events(text: str, source: str) -> list[dict[str, Any]]:
    """One engine event per non-blank line, each a JSON object with a `sequence`; at least one."""
    events = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            raise EventLogError(source, f"line {number} is not a JSON engine event ({error.msg})") from None
        if not isinstance(event, dict) or "sequence" not in event:
            raise EventLogError(source, f"line {number} is not an engine event (no 'sequence')")
        events.append(event)
    if not events:
        raise EventLogError(source, "holds no engine events")
    return events


def recorded_stacks(events: list[dict[str, Any]]) -> set[str]:
    """The stack segment of every resource URN the events name."""
    return {stack for event in events for payload in event.values() if (stack := _stack_of(_urn_in(payload)))}


def _collect(events: list[dict[str, Any]]) -> _Log:
    log = _Log()
    for event in sorted(events, key=lambda e: e.get("sequence", 0)):
        log.stacks.update(stack for payload in event.values() if (stack := _stack_of(_urn_in(payload))))
        if pre := event.get("resourcePreEvent"):
            meta = pre.get("metadata") or {}
            if meta.get("urn"):
                log.types[meta["urn"]] = meta.get("type") or _type_of(meta["urn"])
        if (summary := event.get("policyAnalyzeSummaryEvent")) and summary.get("policyPackName") == PACK_NAME:
            log.pack_ran = True
            urn = summary.get("resourceUrn") or ""
            log.types.setdefault(urn, _type_of(urn))
            for name in summary.get("passed") or []:
                log.passed[name].add(urn)
            for name in summary.get("failed") or []:
                log.failed[name].add(urn)
            log.version = log.version or summary.get("policyPackVersion")
        if (summary := event.get("policyAnalyzeStackSummaryEvent")) and summary.get("policyPackName") == PACK_NAME:
            log.pack_ran = True
            for name in summary.get("passed") or []:
                log.passed[name].add("")
            for name in summary.get("failed") or []:
                log.failed[name].add("")
        if (violation := event.get("policyEvent")) and violation.get("policyPackName") == PACK_NAME:
            log.pack_ran = True
            log.violations[violation.get("policyName", "")].append(
                (violation.get("resourceUrn") or "", violation.get("message") or "", violation.get("enforcementLevel") or "")
            )
            log.version = log.version or violation.get("policyPackVersion")
    return log


def _finding(outcome: Outcome, urn: str, types: dict[str, str], message: str | None = None) -> Finding:
    if not urn:
        return Finding(outcome, None, None, None, message)
    return Finding(outcome, urn, types.get(urn) or _type_of(urn), _name_of(urn), message)


def _check_log(log: _Log, source: str, stack: str) -> None:
    """Refuse a log that cannot evidence this stack: the pack never ran, or it is another stack's run.

    Without this, a `pulumi preview` run without `--policy-pack` reads as "23 not applicable" and
    exits 0, and a production log audited as `--stack staging` yields a staging report.
    """
    if not log.pack_ran:
        raise EventLogError(source, (
            f"no policy event of pack {PACK_NAME}: the preview ran without the pack "
            f"(run `pulumi preview --stack {stack} --policy-pack policies --policy-pack-config "
            f"policies/config/{stack}.json --event-log FILE`)"
        ))
    expected = stack.rsplit("/", 1)[-1]  # URNs carry the bare stack name, not org/project/
    if log.stacks != {expected}:
        found = ", ".join(sorted(log.stacks)) or "no stack (no resource URN)"
        raise EventLogError(source, f"records stack {found}, not {expected}")


def audit_event_log(path: Path, stack: str, pack: PackConfig) -> AuditReport:
    """The same report `ops audit` builds offline, from what the engine recorded."""
    log = _collect(read_events(path))
    _check_log(log, str(path), stack)
    results = []
    for entry in ENTRIES:
        violations = log.violations.get(entry.name, [])
        levels = {LEVEL.get(level, "") for _, _, level in violations} - {""}
        enforcement = sorted(levels)[0] if len(levels) == 1 else pack.enforcement(entry)
        result = PolicyResult(entry, enforcement)
        description = entry.policy.description
        failing = {urn for urn, _, _ in violations}
        result.findings = [_finding("fail", urn, log.types, _message(message, description)) for urn, message, _ in violations]
        ran = entry.name in log.passed or entry.name in log.failed
        if ran and enforcement != "disabled":
            candidates = log.passed[entry.name] if entry.kind == "resource" else set(log.types)
            for urn in sorted(candidates - failing):
                if urn and (log.types.get(urn) or _type_of(urn)) in entry.subject_types:
                    result.findings.append(_finding("pass", urn, log.types))
            unexplained = log.failed.get(entry.name, set()) - failing
            if entry.kind == "stack" and violations:
                unexplained = set()
            for urn in sorted(unexplained):
                result.findings.append(_finding("fail", urn, log.types, "failed (the engine recorded no message)"))
        results.append(result)
    resources = len([u for u in log.types if u])
    return AuditReport(stack, "event-log", PACK_NAME, log.version or PACK_VERSION, pack.source, resources, results)
