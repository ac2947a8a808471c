"""Policy-pack config files (`--policy-pack-config`), read with the Pulumi CLI's rules.

`{"all": "<level>", "<policy>": "<level>" | {"enforcementLevel": "<level>", "<property>": ...}}`:
a policy's own entry wins over `all`, which wins over the pack's default. Properties are checked
against the policy's config schema, so a typo fails here instead of silently using a default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jsonschema

from policies.catalog import BY_NAME
from policies.registry import Entry

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
PACK_DEFAULT = "mandatory"  # policies/__main__.py builds the pack with EnforcementLevel.MANDATORY
CONFIG_DIR = Path(__file__).resolve().parents[1] / "policies" / "config"


class PackConfigError(Exception):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class PackConfig:
    source: str
    all_level: str | None = None
    levels: dict[str, str] = field(default_factory=dict)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)

    def enforcement(self, entry: Entry) -> str:
        own = entry.policy.enforcement_level.value if entry.policy.enforcement_level else None
        return self.levels.get(entry.name) or self.all_level or own or PACK_DEFAULT

    def config(self, entry: Entry) -> dict[str, Any]:
        return dict(self.properties.get(entry.name, {}))

    def with_properties(self, policy: str, properties: dict[str, Any]) -> PackConfig:
        """This config with `properties` set on one policy (e.g. the audit clock from `ops audit --now`)."""
        return replace(self, properties={**self.properties, policy: {**self.properties.get(policy, {}), **properties}})


def default_path(stack: str) -> Path:
    return CONFIG_DIR / f"{stack}.json"


def _level(value: Any, where: str, problems: list[str]) -> str | None:
    if value in LEVELS:
        return str(value)
    problems.append(f"{where}: '{value}' is not an enforcement level ({', '.join(LEVELS)})")
    return None


def parse_pack_config(document: Any, source: str) -> PackConfig:
    if not isinstance(document, dict):
        raise PackConfigError(source, ["the file must hold a JSON object"])
    problems: list[str] = []
    all_level = None
    levels: dict[str, str] = {}
    properties: dict[str, dict[str, Any]] = {}
    for key, value in document.items():
        if key == "all":
            value = value.get("enforcementLevel") if isinstance(value, dict) else value
            all_level = _level(value, "all", problems)
            continue
        entry = BY_NAME.get(key)
        if entry is None:
            problems.append(f"{key}: no such policy in the pack")
            continue
        if isinstance(value, str):
            if level := _level(value, key, problems):
                levels[key] = level
            continue
        if not isinstance(value, dict):
            problems.append(f"{key}: expected an enforcement level or an object")
            continue
        if "enforcementLevel" in value and (level := _level(value["enforcementLevel"], f"{key}.enforcementLevel", problems)):
            levels[key] = level
        props = {k: v for k, v in value.items() if k != "enforcementLevel"}
        schema = entry.policy.config_schema.properties if entry.policy.config_schema else {}
        validator = jsonschema.Draft7Validator({"type": "object", "properties": schema, "additionalProperties": False})
        for error in sorted(validator.iter_errors(props), key=lambda e: list(e.path)):
            where = ".".join([key, *map(str, error.path)])
            problems.append(f"{where}: {error.message}")
        properties[key] = props
    if problems:
        raise PackConfigError(source, problems)
    return PackConfig(source, all_level, levels, properties)


def load_pack_config(path: Path) -> PackConfig:
    """Read and check a pack config file; raise `PackConfigError` naming every problem."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PackConfigError(source, [f"cannot read: {error.strerror or error}"]) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PackConfigError(source, [f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"]) from None
    return parse_pack_config(document, source)
