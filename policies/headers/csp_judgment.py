"""Which Content-Security-Policy sources let an attacker run script: the one judgment of the project.

`netlify-headers-csp-no-unsafe-script` applies it to the served `_headers` file and
`components/config.py` to a production stack's `headers.csp`, so a stack the config accepts is one
the audit passes. Standard library only: the policy pack's environment has no pydantic, and the
config model must not import the pack's policy machinery.

It mirrors the HIGH findings of Google's CSP Evaluator (npm `csp_evaluator` 1.1.8,
`dist/checks/security_checks.js` with `dist/csp.js` `getEffectiveCsp`/`getEffectiveDirective`) on
the *effective* directive a browser enforces:

- script-src-attr / script-src-elem fall back to script-src, then default-src; object-src falls
  back to default-src: both are fetch directives (CSP3, w3c/webappsec-csp `index.bs`,
  #directive-fallback-list). base-uri is a document directive and falls back to nothing: "If
  source list is null, skip to the next policy" (#directive-base-uri); the evaluator agrees.
- nonces or hashes make browsers ignore 'unsafe-inline'; 'strict-dynamic' makes them ignore host
  and scheme sources, 'self' and 'unsafe-inline' in that directive (#strict-dynamic-usage): such
  sources are not judged there, as `getEffectiveCsp` drops them.

Rules, and where they part from the evaluator (which rates every one of these HIGH unless noted):
neither script-src nor default-src; effective object-src missing or empty; 'unsafe-inline' left
in force; '*' (with or without a scheme) in the effective script-src, object-src or base-uri;
a scheme source there (the evaluator: http:, https:, data:; here every bare scheme, blob: and
filesystem: too, since each matches any URL of its scheme); hosts the evaluator's lists know to
serve JSONP or AngularJS (script-src) or Flash (object-src) (`csp_bypasses.json`, vendored
from the package). Stricter than the evaluator: base-uri missing (HIGH there only when the policy
uses nonces, or hashes with 'strict-dynamic'); 'unsafe-eval' (MEDIUM_MAYBE there); a host wildcard
such as `*.example.com` in those directives unless, for script-src, the host is allowed
(the policy's `allowedScriptHosts`; the evaluator rates it MEDIUM_MAYBE "make sure that this URL
doesn't serve JSONP replies or Angular libraries").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

SCRIPT = ("script-src", "script-src-attr", "script-src-elem")
OBJECT = "object-src"
BASE = "base-uri"
DEFAULT = "default-src"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:$")
_NONCE = re.compile(r"^'nonce-[a-z0-9+/_-]+={0,2}'$", re.IGNORECASE)
_HASH = re.compile(r"^'(sha256|sha384|sha512)-[a-z0-9+/_-]+={0,2}'$", re.IGNORECASE)
_BYPASSES = Path(__file__).with_name("csp_bypasses.json")


@dataclass(frozen=True)
class Finding:
    """One problem: `directive` is where to fix it (the effective directive, or the missing one)."""

    directive: str
    text: str


def effective(csp: Mapping[str, Sequence[str]], directive: str) -> str:
    """The directive a browser enforces for `directive` (`getEffectiveDirective` of the evaluator)."""
    if directive in csp:
        return directive
    if directive in ("script-src-attr", "script-src-elem") and "script-src" in csp:
        return "script-src"
    return DEFAULT if directive in (*SCRIPT, OBJECT) else directive


def judge(csp: Mapping[str, Sequence[str]], allowed_script_hosts: Iterable[str] = ()) -> list[Finding]:
    """Every way `csp` (directive -> sources, any case) lets script, plugins or `<base>` come from anywhere."""
    csp = {name.lower(): [s.lower() for s in sources] for name, sources in csp.items()}
    allowed = {h.lower() for h in allowed_script_hosts}
    findings: list[Finding] = []
    if "script-src" not in csp and DEFAULT not in csp:
        findings.append(Finding("script-src", "neither script-src nor default-src is set, so scripts load from anywhere"))
    if not csp.get(effective(csp, OBJECT)):
        where = "object-src is empty" if OBJECT in csp else "neither object-src nor default-src restricts plugins"
        findings.append(Finding(OBJECT, f"{where}; set object-src 'none'"))
    if BASE not in csp:
        findings.append(
            Finding(BASE, "base-uri is missing (it does not fall back to default-src), so an injected <base> "
                          "re-points relative script URLs; set base-uri 'self' or 'none'")
        )
    scripts = list(dict.fromkeys(effective(csp, d) for d in SCRIPT))
    plugins = effective(csp, OBJECT)
    for directive in scripts:
        findings += _script_findings(csp, directive, allowed, shared=directive == plugins)
    if plugins not in scripts:
        findings += _source_findings(csp, plugins, csp.get(plugins, []), (OBJECT,), set())
    findings += _flash_findings(csp)
    findings += _source_findings(csp, BASE, csp.get(BASE, []), (BASE,), set())
    return _unique(findings)


def _fallback(csp: Mapping[str, Sequence[str]], directive: str, judged: Sequence[str]) -> str:
    falling = [d for d in judged if d != directive and d not in csp and effective(csp, d) == directive]
    if not falling:
        return ""
    return f" ({' and '.join(falling)} {'falls' if len(falling) == 1 else 'fall'} back to it)"


def _script_findings(
    csp: Mapping[str, Sequence[str]], directive: str, allowed: set[str], shared: bool
) -> list[Finding]:
    """The script rules on one effective script directive; `shared`: object-src falls back to it too."""
    sources = csp.get(directive, [])
    note = _fallback(csp, directive, ("script-src",))
    strict_dynamic = "'strict-dynamic'" in sources
    findings: list[Finding] = []
    inline_ignored = strict_dynamic or any(_NONCE.match(s) or _HASH.match(s) for s in sources)
    if "'unsafe-inline'" in sources and not inline_ignored:
        findings.append(Finding(directive, f"{directive} allows 'unsafe-inline' without a nonce, hash or 'strict-dynamic'{note}"))
    if "'unsafe-eval'" in sources:
        findings.append(Finding(directive, f"{directive} allows 'unsafe-eval'{note}"))
    judged = ("script-src", OBJECT) if shared else ("script-src",)
    if strict_dynamic:
        # CSP3 browsers ignore host and scheme sources beside 'strict-dynamic' for scripts, not for plugins.
        return findings + (_source_findings(csp, directive, sources, (OBJECT,), set()) if shared else [])
    findings += _source_findings(csp, directive, sources, judged, allowed)
    if "'none'" not in sources:
        for source in sources:
            known = _script_bypass(source, sources)
            if known:
                findings.append(Finding(directive, f"{directive} allows {source}, {known}{note}"))
    return findings


def _source_findings(
    csp: Mapping[str, Sequence[str]], directive: str, sources: Sequence[str], judged: Sequence[str], allowed: set[str]
) -> list[Finding]:
    """'*', bare schemes and host wildcards: each lets what `judged` loads come from hosts nobody listed.

    A host wildcard in `allowed` passes only where no plugin (object-src) is judged by the same directive.
    """
    note = _fallback(csp, directive, judged)
    findings: list[Finding] = []
    for source in sources:
        host = _host(source)
        if _SCHEME.match(source):
            findings.append(Finding(directive, f"{directive} allows the scheme source {source} (any URL of that scheme){note}"))
        elif host == "*":
            findings.append(Finding(directive, f"{directive} allows {source} (any host){note}"))
        elif host.startswith("*.") and not (host in allowed and OBJECT not in judged):
            why = (
                "allowed for scripts, but plugins load by it too; set object-src 'none'" if host in allowed
                else "not in allowedScriptHosts" if "script-src" in judged
                else "nothing needs a host wildcard here"
            )
            findings.append(Finding(directive, f"{directive} allows the host wildcard {source} ({why}){note}"))
    return findings


def _host(source: str) -> str:
    """`https://*.cdn.example:443/js/` -> `*.cdn.example` (quoted keywords and schemes -> '')."""
    if source.startswith("'") or _SCHEME.match(source):
        return ""
    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", source).removeprefix("//")
    return re.split(r"[:/]", rest, maxsplit=1)[0]


@cache
def _bypass_lists() -> dict[str, list[str]]:
    return json.loads(_BYPASSES.read_text(encoding="utf-8"))


def _match(source: str, urls: Sequence[str]) -> str | None:
    """The first list URL `source` allows (`utils.matchWildcardUrls` of the evaluator), its host, else None."""
    text = ("//" + re.sub(r"^\w[+\w.-]*://", "", source).removeprefix("//")).replace(":*", "", 1).replace("*", "wildcard_placeholder", 1)
    try:
        parts = urlsplit("https:" + text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    wildcard = host.startswith("wildcard_placeholder.")
    suffix = host.removeprefix("wildcard_placeholder")
    path = parts.path or "/"
    for url in urls:
        listed = urlsplit("https:" + url)
        domain, listed_path = listed.hostname or "", listed.path or "/"
        if not domain.endswith(suffix) or (not wildcard and host != domain):
            continue
        if path != "/" and not (listed_path.startswith(path) if path.endswith("/") else listed_path == path):
            continue
        return domain
    return None


def _script_bypass(source: str, sources: Sequence[str]) -> str | None:
    if source.startswith("'") or _SCHEME.match(source) or "." not in source:
        return None
    lists = _bypass_lists()
    jsonp = _match(source, lists["jsonp"])
    if jsonp in lists["jsonp_needs_eval"] and "'unsafe-eval'" not in sources:
        jsonp = None
    angular = _match(source, lists["angular"])
    served = [f"{what} on {host}" for what, host in (("JSONP endpoints", jsonp), ("AngularJS", angular)) if host]
    return f"which covers known CSP bypasses ({', '.join(served)})" if served else None


def _flash_findings(csp: Mapping[str, Sequence[str]]) -> list[Finding]:
    directive = effective(csp, OBJECT)
    sources = csp.get(directive, [])
    plugin_types = csp.get("plugin-types")
    if "'none'" in sources or (plugin_types is not None and "application/x-shockwave-flash" not in plugin_types):
        return []
    note = _fallback(csp, directive, (OBJECT,))
    return [
        Finding(directive, f"{directive} allows {source}, which covers a known CSP bypass (Flash on {host}){note}")
        for source in sources
        if (host := _match(source, _bypass_lists()["flash"]))
    ]


def _unique(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))
