"""Answer "which headers does Netlify serve the document from a `_headers` file?" for the policies.

The file is read by `policies/headers/headers_file.py`, the project's one `_headers` parser and
path matcher (the renderer in `components/headers.py` writes with it). Every rule whose pattern
matches a path applies to it, and a header set by several rules is served with every value.
The policies judge the headers served for the document (`/` and `/index.html`), where the
browser enforces CSP, framing and HSTS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs

from policies import resources as R
from policies.headers.headers_file import parse
from policies.props import get

DOCUMENT_PATHS = ("/", "/index.html")


class Served:
    """The headers the document gets: lower-case name -> every value served for it."""

    def __init__(self, text: str) -> None:
        self.rules = parse(text)
        self.values: dict[str, list[str]] = {}
        for rule in self.rules:
            if any(rule.matches(p) for p in DOCUMENT_PATHS):
                for name, value in rule.values():
                    self.values.setdefault(name.lower(), []).append(value)

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
