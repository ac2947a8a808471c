"""Parse Netlify's `_headers` file and answer "which headers does a given path get?".

Netlify's format: a line starting at column 0 is a path pattern (`/*`, `/assets/*`, `/:slug`);
the indented `Name: value` lines under it are its headers; `#` starts a comment. Every rule whose
pattern matches a path applies to it, and a header set by several rules is served with every value.
The policies judge the headers served for the document (`/` and `/index.html`), where the
browser enforces CSP, framing and HSTS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import ResourceValidationArgs

from policies import resources as R
from policies.props import get

DOCUMENT_PATHS = ("/", "/index.html")


@dataclass(frozen=True)
class Rule:
    pattern: str
    headers: tuple[tuple[str, str], ...]

    def matches(self, path: str) -> bool:
        regex = "".join(
            ".*" if part == "*" else "[^/]+" if part.startswith(":") else re.escape(part)
            for part in re.split(r"(\*|:[A-Za-z_][A-Za-z0-9_]*)", self.pattern)
            if part
        )
        return re.fullmatch(regex, path) is not None


def parse(text: str) -> list[Rule]:
    rules: list[Rule] = []
    pattern: str | None = None
    headers: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0] if raw.lstrip().startswith("#") else raw
        if not line.strip():
            continue
        if not line[0].isspace():
            if pattern is not None:
                rules.append(Rule(pattern, tuple(headers)))
            pattern, headers = line.strip(), []
        elif pattern is not None and ":" in line:
            name, _, value = line.strip().partition(":")
            headers.append((name.strip().lower(), value.strip()))
    if pattern is not None:
        rules.append(Rule(pattern, tuple(headers)))
    return rules


class Served:
    """The headers the document gets: lower-case name -> every value served for it."""

    def __init__(self, text: str) -> None:
        self.rules = parse(text)
        self.values: dict[str, list[str]] = {}
        for rule in self.rules:
            if any(rule.matches(p) for p in DOCUMENT_PATHS):
                for name, value in rule.headers:
                    self.values.setdefault(name, []).append(value)

    def first(self, name: str) -> str | None:
        values = self.values.get(name.lower())
        return values[0] if values else None

    def csp(self) -> dict[str, list[str]] | None:
        """Directives of the enforced Content-Security-Policy (None when absent)."""
        text = self.first("content-security-policy")
        if text is None:
            return None
        directives: dict[str, list[str]] = {}
        for part in text.split(";"):
            tokens = part.split()
            if tokens:
                directives.setdefault(tokens[0].lower(), [t.lower() for t in tokens[1:]])
        return directives


def is_headers_file(props: Mapping[str, Any]) -> bool:
    path = get(props, R.FILE_PATH)
    return isinstance(path, str) and path.rsplit("/", 1)[-1] == R.HEADERS_FILE_NAME


def served(args: ResourceValidationArgs) -> Served:
    """The headers a `_headers` RepositoryFile serves; any other file is marked not applicable."""
    if not is_headers_file(args.props):
        args.not_applicable(f"not Netlify's {R.HEADERS_FILE_NAME} file")
    content = get(args.props, R.FILE_CONTENT)
    return Served(content if isinstance(content, str) else "")
