"""`ops preview`: the offline preview of a stack, as a resource tree or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pulumi
import typer
from rich.text import Text
from rich.tree import Tree

from components.config import ConfigError
from components.runtime_config import now as program_clock
from ops.console import StackDir, fail, fail_config, parse_now, stdout
from ops.engine import Preview, Registered, run_stack
from ops.stackfile import ROOT, read_stack_file

MAX_INLINE = 72


def _short(value: Any) -> str:
    """One line per input: long text is summarised, structures are compact JSON."""
    if isinstance(value, str):
        if "\n" in value:
            return f"<{value.count(chr(10)) + 1} lines>"
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= MAX_INLINE else text[: MAX_INLINE - 1] + "…"


def _label(resource: Registered) -> str:
    flags = [flag for flag, on in (("protected", resource.protect), ("retained", resource.retain_on_delete)) if on]
    if resource.import_id:
        flags.append(f"imports {resource.import_id}")
    suffix = f"  [{', '.join(flags)}]" if flags else ""
    return f"{resource.type}  {resource.name}{suffix}"


def render_tree(preview: Preview) -> Tree:
    """The resource tree a reviewer reads: nesting by parent, key inputs under each resource."""
    root = Tree(Text(f"stack {preview.stack}: {len(preview.resources)} resources"))
    nodes: dict[str | None, Tree] = {}
    known = {r.urn for r in preview.resources}
    for resource in preview.resources:
        parent = nodes.get(resource.parent) if resource.parent in known else root
        node = (parent or root).add(Text(_label(resource)))
        for key in sorted(resource.inputs):
            node.add(Text(f"{key} = {_short(resource.inputs[key])}"))
        nodes[resource.urn] = node
    if preview.outputs:
        outputs = root.add(Text("outputs"))
        for key in sorted(preview.outputs):
            outputs.add(Text(f"{key} = {_short(preview.outputs[key])}"))
    return root


def as_json(preview: Preview) -> dict[str, Any]:
    return {
        "stack": preview.stack,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "custom": r.custom,
                "protect": r.protect,
                "retain_on_delete": r.retain_on_delete,
                "additional_secret_outputs": list(r.additional_secret_outputs),
                "inputs": r.inputs,
            }
            for r in preview.resources
        ],
        "outputs": preview.outputs,
    }


def load_preview(stack: str, now: str | None = None, stack_dir: Path = ROOT) -> Preview:
    """Validate the stack file, then run the program offline; config errors end the command."""
    clock = parse_now(now)
    try:
        stack_file = read_stack_file(stack, stack_dir)
        stack_file.validate()
        if clock is None:
            program_clock()  # the program reads MAINTAINPRO_NOW: a bad value is bad input, not a crash
    except ConfigError as error:
        fail_config(error)
    try:
        return run_stack(stack_file, clock)
    except pulumi.RunError as error:  # a component refused its inputs: the program's own clear message
        fail(f"Pulumi.{stack}.yaml: {error}")


def preview(
    stack: Annotated[list[str], typer.Option("--stack", "-s", metavar="NAME", help="Stack to preview (repeatable).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of a tree.")] = False,
    now: Annotated[str | None, typer.Option(metavar="ISO", help="Clock for secret rotation (ISO 8601); default: now.")] = None,
    stack_dir: StackDir = ROOT,
) -> None:
    """Run the real program under the Pulumi mock engine and print what it would register.

    No cloud account, credentials or Pulumi CLI needed; secret values print as [secret].
    """
    previews = [load_preview(name, now, stack_dir) for name in stack]
    if json_output:
        payload = [as_json(p) for p in previews]
        stdout.print_json(json.dumps(payload[0] if len(payload) == 1 else payload))
        return
    for p in previews:
        stdout.print(render_tree(p))


def register(app: typer.Typer) -> None:
    """Add this module's command(s) to the ops CLI."""
    app.command()(preview)
