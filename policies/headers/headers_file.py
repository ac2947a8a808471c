"""Netlify's `_headers` file: the one parser, renderer and path matcher of the project.

`components/headers.py` renders the stack's file with `render`, the header policies read it back
with `parse` and `served`, and `ops probe` takes the headers a checked URL must serve from the
same matching. Standard library only: the policy pack imports it without pydantic or
pulumi_github, and components import it without the pack's policy machinery.

The format follows Netlify's own parser, `netlify-headers-parser` (`src/line_parser.js`,
`src/for_regexp.js`, used by `@netlify/config` and `netlify dev`), and docs.netlify.com/routing/headers:

- Each line is trimmed; an empty line or one starting with `#` is skipped. A line starting with
  `/` is a path pattern and starts a rule; any other line with a `:` is a header of the rule
  above it: the name is what precedes the first `:`, the value the rest (so values such as
  `img-src 'self' data:` or `https://x` keep their colons). A line with neither is ignored, and
  so is a header before any path, or one with an empty name or value (Netlify reports those).
- A header name repeated inside one rule is one multi-value header: Netlify serves the values
  joined with `, `.
- Path patterns are matched per `/`-separated segment: a segment starting with `:` is a
  placeholder matching one non-empty segment (the whole segment, whatever follows the `:`);
  a segment that is just `*` is a splat matching the rest of the path, including `/` and
  nothing at all (`/assets/*` matches `/assets`, not `/assetsx`); a `*` inside a segment
  matches any run of characters; everything else is literal. A trailing `/` is optional, and
  matching ignores case, as Netlify's `RegExp(..., 'iu')` does.
- Header names are case-insensitive (RFC 9110 section 5.1): `served` keys them in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

COMMENT = "#"
INDENT = "  "


@lru_cache(maxsize=256)
def path_regex(pattern: str) -> re.Pattern[str]:
    """The regex Netlify matches request paths against for one rule's path pattern."""
    segments = [part.rstrip() for part in pattern.split("/")]
    regex = ""
    for part in (p for p in segments if p):
        if part.startswith(":"):
            regex += "/[^/]+"
        elif part == "*":
            regex += "(?:/.*)?"
        else:
            regex += "/" + ".*".join(re.escape(piece) for piece in part.split("*"))
    return re.compile(f"{regex}/?" if regex else "/", re.IGNORECASE)


def path_matches(pattern: str, path: str) -> bool:
    """Whether a request for `path` gets the headers of the rule for `pattern`."""
    return path_regex(pattern).fullmatch(path) is not None


@dataclass(frozen=True)
class HeaderRule:
    """One block of a `_headers` file: a path pattern and its header lines, in file order."""

    path: str
    headers: tuple[tuple[str, str], ...]

    def matches(self, path: str) -> bool:
        return path_matches(self.path, path)

    def values(self) -> list[tuple[str, str]]:
        """The headers this rule serves: a name repeated in the block is one header, values joined with `, `."""
        merged: dict[str, tuple[str, list[str]]] = {}
        for name, value in self.headers:
            merged.setdefault(name.lower(), (name, []))[1].append(value)
        return [(name, ", ".join(values)) for name, values in merged.values()]


def parse(text: str) -> list[HeaderRule]:
    """The rules of a `_headers` file, as Netlify reads it (see the module docstring)."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(COMMENT):
            continue
        if line.startswith("/"):
            rules.append((line, []))
            continue
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if colon and name and value and rules:
            rules[-1][1].append((name, value))
    return [HeaderRule(path, tuple(headers)) for path, headers in rules]


def _check(rule: HeaderRule) -> None:
    """Refuse what `parse` would not read back as this rule."""
    if not rule.path.startswith("/") or any(c.isspace() for c in rule.path):
        raise ValueError(f"_headers: path {rule.path!r} must start with '/' and hold no whitespace")
    for name, value in rule.headers:
        if not name or ":" in name or any(c.isspace() for c in name):
            raise ValueError(f"_headers: header name {name!r} under {rule.path} must be a token without ':' or spaces")
        if not value or value != value.strip() or "\n" in value or "\r" in value:
            raise ValueError(f"_headers: the value of {name} under {rule.path} must be one non-empty line without outer spaces")


def render(rules: Iterable[HeaderRule], comment: str | None = None) -> str:
    """The file text: an optional `# comment` line, then each rule's path and indented `Name: value` lines.

    `parse(render(rules))` gives `rules` back; a rule that could not round-trip is refused.
    """
    blocks = []
    for rule in rules:
        _check(rule)
        blocks.append("\n".join([rule.path, *(f"{INDENT}{name}: {value}" for name, value in rule.headers)]))
    preamble = f"{COMMENT} {comment}\n" if comment else ""
    return preamble + "\n\n".join(blocks) + "\n"


def served(rules: Sequence[HeaderRule], path: str) -> list[tuple[str, str]]:
    """Every header the matching rules give `path`, one `(name, value)` per rule and name, in file order.

    Whether a later rule's value replaces an earlier one's or is served beside it is the caller's
    reading (see `served_values` and `components.headers.headers_for`).
    """
    return [pair for rule in rules if rule.matches(path) for pair in rule.values()]


def served_values(rules: Sequence[HeaderRule], path: str) -> dict[str, list[str]]:
    """Lower-case header name -> every value the matching rules give `path`, in file order."""
    values: dict[str, list[str]] = {}
    for name, value in served(rules, path):
        values.setdefault(name.lower(), []).append(value)
    return values
