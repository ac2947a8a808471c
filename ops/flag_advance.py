"""`ops flags advance`: move one flag's rollout to its next stage by editing the stack file in place.

The edit is the smallest one that says it: the flag's `rollout.stage` value is replaced and its
`since` value replaced (or inserted on the line after `stage`, at the same indent), located through
the YAML parser's marks, so every comment, quote and blank line of the file stays as it was (no
round-trip YAML library is pinned). The edited text is read and validated as a stack file before
it replaces the original (atomically), so a file `advance` wrote always loads.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

from components.config import PROJECT
from ops.stackfile import _CliLoader, read_stack_file

STAMP = "%Y-%m-%dT%H:%M:%SZ"


class EditError(Exception):
    """The file's shape does not allow a safe text edit (a flow-style mapping, say): edit it by hand."""


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


def _get(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next(((k, v) for k, v in node.value if str(k.value) == key), None)


def _rollout(text: str, index: int) -> yaml.MappingNode:
    root = yaml.compose(text, Loader=_CliLoader)
    config = _get(root, "config") if root is not None else None
    section = None
    for key, value in (config[1].value if config and isinstance(config[1], yaml.MappingNode) else []):
        if str(key.value) in (f"{PROJECT}:flags", "flags"):
            section = value
    flags = _get(section, "flags") if section is not None else None
    if flags is None or not isinstance(flags[1], yaml.SequenceNode) or index >= len(flags[1].value):
        raise EditError("flags.flags is not a list in the file")
    found = _get(flags[1].value[index], "rollout")
    if found is None or not isinstance(found[1], yaml.MappingNode):
        raise EditError(f"flags.flags[{index}].rollout is not a mapping in the file")
    if found[1].flow_style:
        raise EditError(f"flags.flags[{index}].rollout is written in flow style ({{...}}): write it as a block mapping")
    return found[1]


def edits(text: str, index: int, stage: int, since: datetime) -> list[Edit]:
    """The text edits setting flag `index`'s `rollout.stage` to `stage` and `rollout.since` to `since`."""
    rollout = _rollout(text, index)
    stamp = f'"{since.astimezone(timezone.utc).strftime(STAMP)}"'
    stage_node = _get(rollout, "stage")
    since_node = _get(rollout, "since")
    out: list[Edit] = []
    if stage_node is None:
        raise EditError(f"flags.flags[{index}].rollout has no `stage` line to edit: add `stage: 0` under it")
    key, value = stage_node
    out.append(Edit(value.start_mark.index, value.end_mark.index, str(stage)))
    if since_node is not None:
        out.append(Edit(since_node[1].start_mark.index, since_node[1].end_mark.index, stamp))
    else:
        line_end = text.find("\n", value.end_mark.index)
        at = len(text) if line_end < 0 else line_end + 1
        prefix = "" if line_end >= 0 else "\n"
        out.append(Edit(at, at, f"{prefix}{' ' * key.start_mark.column}since: {stamp}\n"))
    return out


def apply(text: str, changes: list[Edit]) -> str:
    for change in sorted(changes, key=lambda e: e.start, reverse=True):
        text = text[:change.start] + change.text + text[change.end:]
    return text


def write_advanced(path: Path, stack: str, index: int, stage: int, since: datetime) -> None:
    """Edit `path` in place; raises EditError (shape) or ConfigError (the edited file would not validate)."""
    original = path.read_text(encoding="utf-8")
    edited = apply(original, edits(original, index, stage, since))
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / path.name).write_text(edited, encoding="utf-8")
        read_stack_file(stack, Path(scratch)).validate()
    temporary = path.with_name(f".{path.name}.advance")
    temporary.write_text(edited, encoding="utf-8")
    os.replace(temporary, path)

