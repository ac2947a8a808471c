"""Run the pack's policy functions over the offline preview's resource graph, as the engine would.

Each `Registered` becomes the `PolicyResource` / `ResourceValidationArgs` the engine would build
(props behind pulumi_policy's unknown-checking proxy, parent and dependencies linked), so an
offline audit and `pulumi preview --policy-pack` judge the same inputs with the same code.
Secret inputs reach the policies masked; none of them reads a secret's value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

from pulumi.runtime import rpc
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from ops.audit_report import AuditReport, Finding, Outcome, PolicyResult
from ops.engine import UNKNOWN, Preview, Registered
from ops.pack_config import PackConfig
from policies.catalog import ENTRIES, PACK_NAME, PACK_VERSION
from policies.registry import Entry

# The policies judging at an instant (a `now` config property: policies/clock.py).
CLOCKED = tuple(e.name for e in ENTRIES if "now" in (e.policy.config_schema.properties if e.policy.config_schema else {}))


def _engine_value(value: Any) -> Any:
    """Inputs as the engine hands them to policies: unknowns as the engine's sentinel."""
    if isinstance(value, dict):
        return {k: _engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_engine_value(v) for v in value]
    return rpc.UNKNOWN if value == UNKNOWN else value


def _options(resource: Registered) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=resource.protect,
        ignore_changes=list(resource.ignore_changes),
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=list(resource.additional_secret_outputs),
        parent=resource.parent,
    )


def graph(preview: Preview) -> list[PolicyResource]:
    """The stack as `StackValidationArgs.resources`: parents, dependencies and property dependencies linked."""
    nodes = {
        r.urn: PolicyResource(r.type, unknown_checking_proxy(_engine_value(r.inputs)), r.urn, r.name, _options(r), None, None, [], {})
        for r in preview.resources
    }
    for r in preview.resources:
        node = nodes[r.urn]
        node.parent = nodes.get(r.parent) if r.parent else None
        node.dependencies = [nodes[u] for u in r.dependencies if u in nodes]
        node.property_dependencies = {k: [nodes[u] for u in urns if u in nodes] for k, urns in r.property_dependencies.items()}
    return list(nodes.values())


class NotApplicable(Exception):
    """The policy declared itself not applicable to this resource (`args.not_applicable()`)."""


def _run(validate: Callable[..., Any], args: Any) -> tuple[list[tuple[str, str | None]], str | None]:
    """Violations reported by one policy call, or the reason it could not judge (unknown values)."""
    violations: list[tuple[str, str | None]] = []
    try:
        result = validate(args, lambda message, urn=None: violations.append((message, urn)))
        if isawaitable(result):
            asyncio.run(_awaited(result))
    except UnknownValueError as error:
        return violations, f"cannot be judged during preview: {error.message}"
    except _NotApplicableError:
        raise NotApplicable from None
    return violations, None


async def _awaited(result: Awaitable[Any]) -> Any:
    """An async policy's awaitable as the coroutine `asyncio.run` takes."""
    return await result


def _finding(outcome: Outcome, node: PolicyResource | None, message: str | None = None) -> Finding:
    if node is None:
        return Finding(outcome, None, None, None, message)
    return Finding(outcome, node.urn, node.resource_type, node.name, message)


def _resource_policy(entry: Entry, nodes: list[PolicyResource], config: dict[str, Any]) -> list[Finding]:
    findings = []
    for node in nodes:
        args = ResourceValidationArgs(node.resource_type, node.props, node.urn, node.name, node.opts, None, config)
        try:
            violations, unknown = _run(entry.policy.validate, args)
        except NotApplicable:
            continue
        if unknown and node.resource_type in entry.subject_types:
            findings.append(_finding("unknown", node, unknown))
        findings += [_finding("fail", node, message) for message, _ in violations]
        if not violations and not unknown and node.resource_type in entry.subject_types:
            findings.append(_finding("pass", node))
    return findings


def _stack_policy(entry: Entry, nodes: list[PolicyResource], config: dict[str, Any]) -> list[Finding]:
    by_urn = {n.urn: n for n in nodes}
    try:
        violations, unknown = _run(entry.policy.validate, StackValidationArgs(nodes, config))
    except NotApplicable:
        return []
    if unknown:
        return [_finding("unknown", None, unknown)]
    # An exemption's reason, shown on the pass of the subject it exempts.
    notes = entry.notes(StackValidationArgs(nodes, config)) if entry.notes else {}
    failed = {urn for _, urn in violations}
    findings = [_finding("fail", by_urn.get(urn) if urn else None, message) for message, urn in violations]
    findings += [_finding("pass", n, notes.get(n.urn)) for n in nodes
                 if n.resource_type in entry.subject_types and n.urn not in failed]
    return findings


def audit_preview(preview: Preview, pack: PackConfig) -> AuditReport:
    """Every policy of the pack over `preview`, with the enforcement and config `pack` gives each."""
    nodes = graph(preview)
    for name in CLOCKED:
        if "now" not in pack.properties.get(name, {}):
            # One clock: rotation and flag cleanup judge at the instant the program computed its windows.
            pack = pack.with_properties(name, {"now": preview.now.isoformat()})
    results = []
    for entry in ENTRIES:
        enforcement = pack.enforcement(entry)
        result = PolicyResult(entry, enforcement)
        if enforcement != "disabled":
            run = _resource_policy if entry.kind == "resource" else _stack_policy
            result.findings = run(entry, nodes, pack.config(entry))
        results.append(result)
    return AuditReport(preview.stack, "offline-preview", PACK_NAME, PACK_VERSION, pack.source, len(nodes), results)
