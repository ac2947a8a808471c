"""Reading a stack file the way the Pulumi CLI does, for the offline tools.

`secure:` values (encrypted by `pulumi config set --secret`) cannot be decrypted offline; they are
kept as secret placeholders so the program sees that the secret exists without ever holding it.
YAML timestamps stay text, as the CLI's YAML reader (yaml.v3, into untyped values) keeps them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.config import ALERT_WEBHOOKS_KEY, PROJECT, STACKS, ConfigError, StackConfig, validate_config

ROOT = Path(__file__).resolve().parents[1]
SECRET_PLACEHOLDER = "[secret]"


class _CliLoader(yaml.SafeLoader):
    """PyYAML's safe loader without the timestamp type: `2026-01-04T02:00:00` stays a string."""


_CliLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class StackFile:
    """One stack's raw config as the engine receives it: namespaced keys, string values."""

    stack: str
    path: Path
    raw: dict[str, Any]
    secret_keys: frozenset[str]

    def engine_config(self) -> dict[str, str]:
        """Config as the CLI hands it to a program: objects JSON-encoded, scalars as strings."""
        return {key: value if isinstance(value, str) else json.dumps(value) for key, value in self.raw.items()}

    def validate(self) -> StackConfig:
        source = str(self.path.name)
        return validate_config(self.raw, self.secret_keys, self.stack, source)

    def unset_secrets(self) -> dict[str, str]:
        """Secret config the program reads that a committed stack file leaves to the operator
        (`pulumi config set --secret`, never committed): each a placeholder, so an offline preview runs.

        Today the URLs of webhook alert routes (`alertWebhooks.<route target>`); none for an invalid file.
        """
        try:
            targets = self.validate().monitoring.webhook_targets
        except ConfigError:
            return {}
        if not targets or ALERT_WEBHOOKS_KEY in self.raw:
            return {}
        return {ALERT_WEBHOOKS_KEY: json.dumps(dict.fromkeys(targets, SECRET_PLACEHOLDER))}


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _holds_secure(value: Any) -> bool:
    if _is_secure(value):
        return True
    if isinstance(value, dict):
        return any(_holds_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secure(v) for v in value)
    return False


def _without_secure(value: Any) -> Any:
    """The value with every encrypted part replaced by the placeholder (it cannot be decrypted here)."""
    if _is_secure(value):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {k: _without_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secure(v) for v in value]
    return value


def duplicate_keys(node: yaml.Node, path: str = "") -> list[tuple[str, str]]:
    """Every key given twice in one mapping, as (key path, message): PyYAML would keep the last one
    silently, while the Pulumi CLI's YAML parser refuses the whole file."""
    problems: list[tuple[str, str]] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            where = f"{path}.{name}" if path else name
            line = key.start_mark.line + 1
            if name in first:
                problems.append((where, f"line {line} repeats the key of line {first[name]}: "
                                        "the Pulumi CLI refuses a stack file with a duplicate key"))
            else:
                first[name] = line
            problems += duplicate_keys(value, where)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += duplicate_keys(item, f"{path}[{i}]")
    return problems


def read_stack_file(stack: str, root: Path = ROOT) -> StackFile:
    """Load `Pulumi.<stack>.yaml`; raise `ConfigError` for an unknown stack, a missing or malformed file."""
    path = root / f"Pulumi.{stack}.yaml"
    if stack not in STACKS:
        raise ConfigError(f"stack '{stack}'", [("(stack)", f"unknown stack (known: {', '.join(STACKS)})")])
    if not path.is_file():
        raise ConfigError(path.name, [("(file)", f"stack file not found at {path}")])
    try:
        text = path.read_text(encoding="utf-8")
        # One parse: what `yaml.load` does (compose, then construct), with the node graph kept
        # for the duplicate-key check in between.
        loader = _CliLoader(text)  # a SafeLoader, timestamps aside
        try:
            node = loader.get_single_node()
            duplicates = duplicate_keys(node) if node is not None else []
            document = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except UnicodeDecodeError as error:
        raise ConfigError(path.name, [("(file)", f"not UTF-8 text (byte {error.start})")]) from None
    except OSError as error:
        raise ConfigError(path.name, [("(file)", f"cannot be read: {error.strerror or error}")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(path.name, [("(file)", f"malformed YAML: {where}{problem}")]) from None
    if duplicates:
        raise ConfigError(path.name, duplicates)
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise ConfigError(path.name, [("config", "the stack file must be a mapping with a 'config' mapping")])
    raw: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for key, value in (document.get("config") or {}).items():
        key = str(key)
        if ":" not in key:
            key = f"{PROJECT}:{key}"
        if _holds_secure(value):  # `--secret` alone, or `--secret --path` somewhere inside
            secret_keys.add(key)
            value = _without_secure(value)
        raw[key] = value
    return StackFile(stack, path, raw, frozenset(secret_keys))
