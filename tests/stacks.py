"""Helpers for tests that start from the real stack files and change one thing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DELETE = object()


def stack_document(stack: str) -> dict[str, Any]:
    """The parsed `Pulumi.<stack>.yaml` of the repository (a fresh copy each call)."""
    return copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text()))


def mutate(document: dict[str, Any], key: str, path: str, value: Any) -> dict[str, Any]:
    """Set (or delete with `DELETE`) `path` ("a.b.0.c") inside config key `key`; returns the document."""
    node: Any = document["config"]
    parts = [key, *path.split(".")] if path else [key]
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    elif value is DELETE:
        del node[last]
    else:
        node[last] = value
    return document


def write_stack(directory: Path, stack: str, document: dict[str, Any]) -> Path:
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path
