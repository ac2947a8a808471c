"""Drift: what a scheduled `pulumi preview --refresh --expect-no-changes --event-log FILE` found.

The engine runs a refresh step per resource of the prior state before the program's own steps, in
the same deployment and through the same event sink (pulumi/pulumi
`pkg/resource/deploy/deployment_executor.go`, `refresh`), so the event log holds, per resource, a
`resOutputsEvent` with op `refresh` whose `old` is the state Pulumi last wrote and whose `new` is
what the provider read back from the live service. Where the two differ, someone changed the live
object outside Pulumi: that is drift, named property by property. The dynamic providers' `read`
returns the live values as the resource's inputs too (pulumi/pulumi#13839), so those properties
are input paths, the same names the stack config uses.

Steps the program would take that no refresh explains (a rotation whose window ended, a commit not
yet deployed to production) are reported as pending, not as drift: they are the next `up`'s job.
Policy violations come from the same log through `ops.event_log`, as `ops audit --from-event-log`
reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ops.audit_report import AuditReport
from ops.event_log import COLOR_TAG, EventLogError, audit_event_log, read_events
from ops.pack_config import PackConfig

# Ops that change nothing, or only describe the refresh itself.
QUIET_OPS = frozenset({"same", "read", "refresh", "discard", "discard-replaced"})
# Keys of a resource's state that are the engine's or the dynamic provider host's, never the object's.
PLUMBING = ("__provider", "__inputs", "__meta")
# Inputs state keeps only as a hash (providers/supabase/project.py, settings.py `unreadable`): a read
# cannot hand them back, so their absence after a refresh is not a change. Any other input that
# vanishes did change (a value emptied in a dashboard; a function secret whose digest differs).
WRITE_ONLY_INPUTS = frozenset({"db_pass", "secret_settings"})
# A run the engine reports as one of these proves nothing about drift, unless a mandatory policy
# failure is what stopped it (apitype `UpdateResult`: succeeded, failed, canceled, ...).
UNFINISHED_RESULTS = frozenset({"failed", "canceled", "not-started", "in-progress"})
# Paths deeper than this are reported at this depth: `settings.external_google_enabled` is a
# name an operator recognises; a list index four levels down is not.
MAX_DEPTH = 3


@dataclass(frozen=True)
class Change:
    """One resource that drifted (or would change): its identity and the properties involved."""

    urn: str
    type: str
    op: str
    properties: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str
    urn: str | None
    message: str


@dataclass
class DriftReport:
    stack: str
    drifted: list[Change] = field(default_factory=list)
    pending: list[Change] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Nothing for a person to look at: no drift and no policy violation (pending changes are the next `up`'s)."""
        return not self.drifted and not self.violations

    def to_json(self) -> dict[str, Any]:
        def change(c: Change) -> dict[str, Any]:
            return {"urn": c.urn, "type": c.type, "name": c.name, "op": c.op, "properties": list(c.properties)}

        return {
            "stack": self.stack,
            "clean": self.clean,
            "drifted": [change(c) for c in self.drifted],
            "pending": [change(c) for c in self.pending],
            "violations": [
                {"policy": v.policy, "enforcement": v.enforcement, "urn": v.urn, "message": v.message}
                for v in self.violations
            ],
        }


def changed_paths(old: Any, new: Any, prefix: str = "", depth: int = 1) -> list[str]:
    """Dotted paths where `old` and `new` differ, maps compared key by key down to MAX_DEPTH."""
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping) and depth <= MAX_DEPTH:
        paths: list[str] = []
        for key in sorted(set(old) | set(new)):
            if not prefix and key in PLUMBING:
                continue
            paths += changed_paths(old.get(key), new.get(key), f"{prefix}{key}.", depth + 1)
        return paths
    return [prefix.rstrip(".")] if prefix else []


def _state(meta: Mapping[str, Any], side: str) -> Mapping[str, Any] | None:
    state = meta.get(side)
    return state if isinstance(state, Mapping) else None


def _properties(meta: Mapping[str, Any]) -> tuple[str, ...]:
    """The properties a program step names: the engine's detailed diff, its changed keys, else the inputs compared."""
    detailed = meta.get("detailedDiff")
    if isinstance(detailed, Mapping) and detailed:
        return tuple(sorted(detailed))
    diffs = meta.get("diffs")
    if isinstance(diffs, list) and diffs:
        return tuple(sorted(str(d) for d in diffs))
    old, new = _state(meta, "old") or {}, _state(meta, "new") or {}
    return tuple(changed_paths(old.get("inputs") or {}, new.get("inputs") or {}))


def _refresh_change(meta: Mapping[str, Any]) -> Change | None:
    """The drift one refresh step recorded, or None when the live object matched the state."""
    old, new = _state(meta, "old"), _state(meta, "new")
    urn, type_ = str(meta.get("urn") or ""), str(meta.get("type") or "")
    if old is None:
        return None
    if new is None or not new.get("id") and old.get("id"):
        return Change(urn, type_, "deleted", ())  # gone from the live service: the next `up` creates it again
    # Inputs only: every provider reads the live values back as inputs, while outputs also hold what
    # the service alone changes (a renewed certificate's expiry, a project's status), which no `up`
    # puts back and which is therefore not drift.
    old_inputs = {k: v for k, v in (old.get("inputs") or {}).items() if k not in WRITE_ONLY_INPUTS}
    new_inputs = {k: v for k, v in (new.get("inputs") or {}).items() if k not in WRITE_ONLY_INPUTS}
    properties = tuple(changed_paths(old_inputs, new_inputs))
    return Change(urn, type_, "refresh", properties) if properties else None


def _violations(report: AuditReport) -> list[Violation]:
    return [
        Violation(r.entry.name, r.enforcement, f.urn, f.message or r.entry.policy.description)
        for r in report.results if r.status == "fail"
        for f in r.failures()
    ]


def drift_report(path: Path, stack: str, pack: PackConfig) -> DriftReport:
    """Read the event log of a refresh-preview of `stack` (with the policy pack) into a report.

    Raises EventLogError when the log is unreadable, is another stack's, ran without the pack, or
    records no finished preview (no `summaryEvent`): a preview that failed proves nothing either way.
    """
    events = sorted(read_events(path), key=lambda e: e.get("sequence", 0))
    errors = [
        COLOR_TAG.sub("", str(d.get("message") or "")).strip() for e in events
        if isinstance(d := e.get("diagnosticEvent"), Mapping) and d.get("severity") == "error"
    ]
    detail = f": {errors[0]}" if errors else ""
    summaries = [e["summaryEvent"] for e in events if isinstance(e.get("summaryEvent"), Mapping)]
    if not summaries:
        raise EventLogError(str(path), f"the preview did not finish (no summaryEvent){detail}")
    # The engine writes a summary for a failed run too (pkg/engine/deployment.go): a preview stopped
    # by an error after the refresh says nothing about the resources it never reached.
    result = str(summaries[-1].get("result") or "succeeded")
    mandatory = any(isinstance(v := e.get("policyEvent"), Mapping) and v.get("enforcementLevel") == "mandatory"
                    for e in events)
    if result in UNFINISHED_RESULTS and not mandatory:
        raise EventLogError(str(path), f"the preview {result}{detail}")
    policy = audit_event_log(path, stack, pack)
    drifted: dict[str, Change] = {}
    steps: dict[str, Change] = {}
    for event in events:
        outputs = event.get("resOutputsEvent")
        if (isinstance(outputs, Mapping) and isinstance(meta := outputs.get("metadata"), Mapping)
                and meta.get("op") == "refresh" and (found := _refresh_change(meta))):
            drifted[found.urn] = found
        pre = event.get("resourcePreEvent")
        if isinstance(pre, Mapping) and isinstance(meta := pre.get("metadata"), Mapping):
            op = str(meta.get("op") or "")
            if op not in QUIET_OPS and meta.get("urn"):
                urn = str(meta["urn"])
                previous = steps.get(urn)
                properties = tuple(sorted({*(previous.properties if previous else ()), *_properties(meta)}))
                steps[urn] = Change(urn, str(meta.get("type") or ""), previous.op if previous else op, properties)
    pending = [change for urn, change in steps.items() if urn not in drifted]
    return DriftReport(
        stack,
        sorted(drifted.values(), key=lambda c: c.urn),
        sorted(pending, key=lambda c: c.urn),
        sorted(_violations(policy), key=lambda v: (v.policy, v.urn or "")),
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _properties_cell(change: Change) -> str:
    if change.op == "deleted":
        return "deleted outside Pulumi"
    return ", ".join(f"`{p}`" for p in change.properties) or "(not named by the engine)"


def markdown(report: DriftReport, run_url: str | None = None) -> str:
    """The body of the stack's drift issue (and the job summary)."""
    out = [f"## Drift check: stack `{report.stack}`", ""]
    if report.clean:
        out.append("No drift and no policy violation.")
    if report.drifted:
        out += [
            f"**{len(report.drifted)} resource(s) changed outside Pulumi.** The next `pulumi up` of this stack "
            "puts back what the program declares; if the change was intended, make it in the stack config first.",
            "", "| resource | type | properties |", "|---|---|---|",
        ]
        out += [f"| `{_cell(c.name)}` | `{c.type}` | {_properties_cell(c)} |" for c in report.drifted]
    if report.violations:
        out += ["", f"**{len(report.violations)} policy violation(s).**", "",
                "| policy | enforcement | resource | message |", "|---|---|---|---|"]
        out += [
            f"| `{v.policy}` | {v.enforcement} | {_cell(v.urn.rsplit('::', 1)[-1]) if v.urn else '(stack)'} | {_cell(v.message)} |"
            for v in report.violations
        ]
    if report.pending:
        out += ["", f"{len(report.pending)} pending change(s) the next `up` makes (not drift: a rotation "
                "window that ended, or a commit not yet deployed):", "",
                "| resource | op | properties |", "|---|---|---|"]
        out += [f"| `{_cell(c.name)}` | {c.op} | {_properties_cell(c)} |" for c in report.pending]
    if run_url:
        out += ["", f"Run: {run_url}"]
    return "\n".join(out) + "\n"


__all__ = ["Change", "DriftReport", "EventLogError", "Violation", "changed_paths", "drift_report", "markdown"]
