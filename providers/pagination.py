"""Reading RFC 8288 `Link` headers, the way GitHub (and Netlify) name a listing's next page.

GitHub documents following `rel="next"` rather than building page URLs ("Using pagination in the
REST API", docs.github.com): some listings page by cursor, and the link is the only stable form.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# One link-value: `<url>` then `; param=value` pairs, up to the comma that starts the next one.
_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,=]+=(?:\"[^\"]*\"|[^;,]*))*)")
_REL = re.compile(r";\s*rel\s*=\s*(?:\"([^\"]*)\"|([^;,\s]+))", re.IGNORECASE)


def links(header: str | None) -> dict[str, str]:
    """The header's URLs by relation (`next`, `last`, `prev`, `first`); {} without a header."""
    found: dict[str, str] = {}
    for match in _LINK.finditer(header or ""):
        for rel in _REL.finditer(match.group(2)):
            for name in (rel.group(1) or rel.group(2) or "").split():
                found.setdefault(name.lower(), match.group(1))
    return found


def same_origin(url: str, base_url: str) -> bool:
    """Whether `url` is served by `base_url`'s scheme, host and port (our token may go there)."""
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
