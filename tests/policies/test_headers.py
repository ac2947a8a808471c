"""Header policies read the rendered `_headers` file: compliant content passes, each weakening fails once."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.headers import render
from ops.stackfile import read_stack_file
from policies.headers import (
    csp_no_unsafe_script,
    csp_required,
    frame_protection,
    hsts,
    nosniff,
    permissions_policy,
    referrer_policy,
)
from policies.headers.csp_judgment import judge
from policies.headers.served import Served
from tests.policies.factories import (
    COMPLIANT_HEADERS,
    FAKE_SUPABASE_URL,
    PRODUCTION,
    assert_fails,
    assert_not_applicable,
    assert_passes,
    compliant_stack,
    resource_args,
)
from tests.support.header_tools import csp_findings

ROOT = Path(__file__).resolve().parents[2]

HEADER_POLICIES = [csp_required, csp_no_unsafe_script, hsts, nosniff, frame_protection, referrer_policy, permissions_policy]
CSP = "Content-Security-Policy: "


def headers_args(content: str, config: dict | None = None, path: str = "public/_headers"):
    node = compliant_stack()["headers-file"]
    node.props["content"] = content
    node.props["file"] = path
    return resource_args(node, config)


def weaken(old: str, new: str) -> str:
    assert old in COMPLIANT_HEADERS, old
    return COMPLIANT_HEADERS.replace(old, new)


@pytest.mark.parametrize("module", HEADER_POLICIES, ids=lambda m: m.POLICY.name)
def test_compliant_headers_pass_with_production_config(module) -> None:
    entry = module.POLICY
    assert_passes(entry, headers_args(COMPLIANT_HEADERS, PRODUCTION.get(entry.name)))


@pytest.mark.parametrize("module", HEADER_POLICIES, ids=lambda m: m.POLICY.name)
def test_other_repository_files_are_not_applicable(module) -> None:
    assert_not_applicable(module.POLICY, headers_args("/*\n  X-Nothing: 1\n", path=".github/workflows/backup.yml"))


VIOLATIONS = [
    (csp_required, weaken("  Content-Security-Policy:", "  Content-Security-Policy-Report-Only:"),
     "no Content-Security-Policy header is served for /"),
    (csp_required, weaken(" object-src 'none';", ""), "lacks object-src"),
    (csp_required, weaken(" base-uri 'self';", ""), "lacks base-uri"),
    (csp_required, weaken(" frame-ancestors 'none';", ""), "lacks frame-ancestors"),
    (csp_required, weaken("default-src 'self'; script-src 'self'; ", ""), "neither script-src nor default-src"),
    (csp_no_unsafe_script, weaken("script-src 'self';", "script-src 'self' 'unsafe-inline';"),
     "script-src allows 'unsafe-inline'"),
    (csp_no_unsafe_script, weaken("script-src 'self';", "script-src 'self' 'unsafe-eval';"),
     "script-src allows 'unsafe-eval'"),
    (csp_no_unsafe_script, weaken("default-src 'self'; script-src 'self';", "default-src 'self' 'unsafe-inline';"),
     "default-src allows 'unsafe-inline'"),
    (hsts, weaken("max-age=63072000", "max-age=86400"), "max-age is 86400s; at least 31536000s is required"),
    (hsts, weaken("; includeSubDomains", ""), "lacks includeSubDomains"),
    (hsts, weaken("; preload", ""), "lacks preload (required on this stack)"),
    (hsts, weaken("  Strict-Transport-Security: max-age=63072000; includeSubDomains; preload\n", ""),
     "no Strict-Transport-Security header"),
    (nosniff, weaken("X-Content-Type-Options: nosniff", "X-Content-Type-Options: sniff"), "it must be 'nosniff'"),
    (nosniff, weaken("  X-Content-Type-Options: nosniff\n", ""), "X-Content-Type-Options is missing for /; it must be 'nosniff'"),
    (frame_protection, weaken("frame-ancestors 'none'", "frame-ancestors https:").replace("  X-Frame-Options: DENY\n", ""),
     "framing is not restricted"),
    (referrer_policy, weaken("strict-origin-when-cross-origin", "unsafe-url"), "Referrer-Policy 'unsafe-url' leaks"),
    (referrer_policy, weaken("  Referrer-Policy: strict-origin-when-cross-origin\n", ""), "no Referrer-Policy"),
    (permissions_policy, weaken("  Permissions-Policy: camera=(self), geolocation=(), microphone=(), payment=(), usb=()\n", ""),
     "no Permissions-Policy"),
]


@pytest.mark.parametrize(("module", "content", "expected"), VIOLATIONS, ids=lambda v: v if isinstance(v, str) and len(v) < 60 else None)
def test_each_weakening_fails_with_its_message(module, content: str, expected: str) -> None:
    entry = module.POLICY
    assert_fails(entry, headers_args(content, PRODUCTION.get(entry.name)), expected)


def test_preload_is_only_required_where_configured() -> None:
    content = weaken("; preload", "")
    assert_passes(hsts.POLICY, headers_args(content, {"requirePreload": False}))
    assert_passes(hsts.POLICY, headers_args(content))  # schema default: not required


def test_frame_ancestors_alone_protects_against_framing() -> None:
    assert_passes(frame_protection.POLICY, headers_args(weaken("  X-Frame-Options: DENY\n", "")))


def test_headers_of_other_paths_do_not_count_for_the_document() -> None:
    moved = COMPLIANT_HEADERS.replace("/*\n", "/assets/*\n", 1)
    assert_fails(hsts.POLICY, headers_args(moved), "no Strict-Transport-Security header")


def test_parser_merges_rules_matching_the_document_and_ignores_comments() -> None:
    served = Served("# top comment\n/*\n  X-A: 1\n/:page\n  X-B: 2\n/index.html\n  X-C: 3\n/assets/*\n  X-D: 4\n")
    assert served.first("x-a") == "1" and served.first("X-C") == "3"
    assert served.first("x-b") == "2"  # /:page matches /index.html (not "/": a placeholder needs a segment)
    assert served.values["x-a"] == ["1"]
    assert served.first("x-d") is None


def test_a_header_line_is_one_with_a_colon_whatever_its_indentation() -> None:
    """The policies' copy took any unindented line for a path: `X-Frame-Options: DENY` at column 0
    became a rule of its own. Netlify's parser trims each line; only a line starting with '/' is a path."""
    served = Served("/*\nX-Frame-Options: DENY\n    Referrer-Policy: no-referrer\n  /index.html\n  X-C: 3\n")
    assert served.first("x-frame-options") == "DENY" and served.first("referrer-policy") == "no-referrer"
    assert [rule.path for rule in served.rules] == ["/*", "/index.html"]
    assert served.first("x-c") == "3"


def test_a_name_repeated_in_one_rule_is_one_header_with_joined_values() -> None:
    """Netlify serves a repeated name of one rule as one multi-value header (`, `-joined); the
    policies' copy kept the first line only, so `first()` judged half of what is served."""
    served = Served("/*\n  Content-Security-Policy: default-src 'self'\n  content-security-policy: script-src *\n")
    assert served.values["content-security-policy"] == ["default-src 'self', script-src *"]


def test_a_placeholder_is_the_whole_segment() -> None:
    """The policies' copy read `:café` as the placeholder `:caf` then a literal `é`, so `/:café` did
    not match `/index.html`; Netlify's placeholder is the whole segment after ':'."""
    assert Served("/:café\n  X-A: 1\n").first("x-a") == "1"
    assert Served("/:slug-id\n  X-A: 1\n").first("x-a") == "1"


def test_the_compliant_fixture_is_the_production_rendering() -> None:
    assert render(read_stack_file("production").validate().headers, FAKE_SUPABASE_URL) == COMPLIANT_HEADERS
    assert Served(COMPLIANT_HEADERS).first("strict-transport-security") == "max-age=63072000; includeSubDomains; preload"


# ---------------------------------------------------------------- the CSP judgment, against Google's CSP Evaluator

@dataclass(frozen=True)
class CspCase:
    """One CSP on the document: the finding it must produce (None: compliant) and the evaluator's HIGH verdict.

    `vendor_high` says whether Google's CSP Evaluator (npm csp_evaluator) rates `directive` HIGH for
    this CSP: True where the judgment mirrors it, False where the judgment is deliberately stricter.
    """

    id: str
    csp: str
    directive: str | None = None  # the directive the failure names (headers.csp.<directive> in config)
    expected: str | None = None
    vendor_high: bool = False
    config: dict | None = None


SAFE = "object-src 'none'; base-uri 'self'"
NONCE = "'nonce-r4nd0mN0nce2026'"
SHA = "'sha256-Vk8AhzrvsmMBBNtMbTQDaHKvXy3nqC8qFtTrKjZb0Ak='"
CSP_CASES = [
    # neither script-src nor default-src
    CspCase("no-script-src", SAFE, "script-src", "neither script-src nor default-src is set", vendor_high=True),
    CspCase("script-src-from-default-src", f"default-src 'self'; {SAFE}"),
    # effective object-src missing or empty
    CspCase("no-object-src", "script-src 'self'; base-uri 'self'", "object-src", "neither object-src nor default-src", vendor_high=True),
    CspCase("empty-object-src", "script-src 'self'; object-src; base-uri 'self'", "object-src", "object-src is empty", vendor_high=True),
    CspCase("object-src-from-default-src", "default-src 'self'; script-src 'self'; base-uri 'self'"),
    # base-uri missing: HIGH in the evaluator for nonce policies only; always here
    CspCase("no-base-uri-nonce", f"script-src {NONCE}; object-src 'none'", "base-uri", "base-uri is missing", vendor_high=True),
    CspCase("no-base-uri-allowlist", "default-src 'self'; object-src 'none'", "base-uri", "base-uri is missing"),
    CspCase("base-uri-none", "default-src 'self'; object-src 'none'; base-uri 'none'"),
    # 'unsafe-inline' in force, directly or through default-src
    CspCase("unsafe-inline", f"script-src 'self' 'unsafe-inline'; {SAFE}", "script-src", "script-src allows 'unsafe-inline'", vendor_high=True),
    CspCase("unsafe-inline-via-default-src", f"default-src 'self' 'unsafe-inline'; {SAFE}", "default-src",
            "default-src allows 'unsafe-inline' without a nonce, hash or 'strict-dynamic' (script-src falls back to it)", vendor_high=True),
    CspCase("unsafe-inline-beside-hash", f"script-src 'self' 'unsafe-inline' {SHA}; {SAFE}"),
    CspCase("unsafe-inline-beside-strict-dynamic", f"script-src {NONCE} 'strict-dynamic' 'unsafe-inline'; {SAFE}"),
    # 'unsafe-eval' (MEDIUM_MAYBE in the evaluator)
    CspCase("unsafe-eval", f"script-src 'self' 'unsafe-eval'; {SAFE}", "script-src", "script-src allows 'unsafe-eval'"),
    CspCase("no-unsafe-eval", f"script-src 'self' {SHA}; {SAFE}"),
    # '*' in script-src, object-src, base-uri (or the default-src they fall back to)
    CspCase("wildcard-script-src", f"script-src *; {SAFE}", "script-src", "script-src allows * (any host)", vendor_high=True),
    CspCase("wildcard-via-default-src", "default-src https://*; base-uri 'self'", "default-src",
            "default-src allows https://* (any host) (script-src and object-src fall back to it)", vendor_high=True),
    CspCase("wildcard-object-src", "script-src 'self'; object-src *; base-uri 'self'", "object-src", "object-src allows *", vendor_high=True),
    CspCase("wildcard-base-uri", "script-src 'self'; object-src 'none'; base-uri *", "base-uri", "base-uri allows *", vendor_high=True),
    CspCase("wildcard-elsewhere-only", f"default-src 'self'; img-src *; script-src 'self'; {SAFE}"),
    # bare schemes (the evaluator: http:, https:, data:; here blob: and every other scheme too)
    CspCase("https-scheme", f"script-src 'self' https:; {SAFE}", "script-src", "script-src allows the scheme source https:", vendor_high=True),
    CspCase("data-object-src", "script-src 'self'; object-src data:; base-uri 'self'", "object-src", "object-src allows the scheme source data:", vendor_high=True),
    CspCase("http-base-uri", "script-src 'self'; object-src 'none'; base-uri http:", "base-uri", "base-uri allows the scheme source http:", vendor_high=True),
    CspCase("blob-script-src", f"script-src 'self' blob:; {SAFE}", "script-src", "script-src allows the scheme source blob:"),
    CspCase("scheme-beside-strict-dynamic", f"script-src {NONCE} 'strict-dynamic' https:; {SAFE}"),
    CspCase("scheme-in-img-src", f"default-src 'self'; img-src 'self' data: blob:; {SAFE}"),
    # host wildcards: script-src only from allowedScriptHosts, never for plugins or <base>
    CspCase("host-wildcard", f"script-src 'self' https://*.cdn.example; {SAFE}", "script-src",
            "script-src allows the host wildcard https://*.cdn.example (not in allowedScriptHosts)"),
    CspCase("host-wildcard-allowed", f"script-src 'self' https://*.cdn.example; {SAFE}", config={"allowedScriptHosts": ["*.cdn.example"]}),
    CspCase("host-wildcard-allowed-but-plugins-too", "default-src 'self' *.cdn.example; base-uri 'self'", "default-src",
            "allowed for scripts, but plugins load by it too", config={"allowedScriptHosts": ["*.cdn.example"]}),
    CspCase("host-wildcard-object-src", "script-src 'self'; object-src *.cdn.example; base-uri 'self'", "object-src",
            "object-src allows the host wildcard *.cdn.example (nothing needs a host wildcard here)", config={"allowedScriptHosts": ["*.cdn.example"]}),
    CspCase("named-script-host", f"script-src 'self' https://cdn.example; {SAFE}"),
    # hosts the evaluator knows to serve JSONP / AngularJS (scripts) or Flash (plugins)
    CspCase("jsonp-host", f"script-src 'self' https://www.google.com; {SAFE}", "script-src",
            "covers known CSP bypasses (JSONP endpoints on www.google.com)", vendor_high=True),
    CspCase("angular-host", f"script-src 'self' https://ajax.googleapis.com; {SAFE}", "script-src",
            "AngularJS on ajax.googleapis.com", vendor_high=True),
    CspCase("jsonp-host-needs-eval", f"script-src 'self' https://www.googletagmanager.com; {SAFE}"),
    CspCase("flash-host", "script-src 'self'; object-src https://vk.com; base-uri 'self'", "object-src",
            "covers a known CSP bypass (Flash on vk.com)", vendor_high=True),
]
VIOLATING = [c for c in CSP_CASES if c.expected]
COMPLIANT = [c for c in CSP_CASES if not c.expected]


def served_csp(csp: str) -> str:
    return weaken(COMPLIANT_HEADERS.split("Content-Security-Policy: ")[1].split("\n")[0], csp)


@pytest.mark.parametrize("case", VIOLATING, ids=lambda c: c.id)
def test_each_csp_rule_fails_naming_the_directive(case: CspCase) -> None:
    assert_fails(csp_no_unsafe_script.POLICY, headers_args(served_csp(case.csp), case.config), case.expected)
    (finding,) = judge(Served(served_csp(case.csp)).csp() or {}, (case.config or {}).get("allowedScriptHosts", ()))
    assert finding.directive == case.directive and case.directive in finding.text


@pytest.mark.parametrize("case", COMPLIANT, ids=lambda c: c.id)
def test_each_csp_rule_has_a_compliant_policy_that_passes(case: CspCase) -> None:
    assert_passes(csp_no_unsafe_script.POLICY, headers_args(served_csp(case.csp), case.config))


@pytest.mark.parametrize("case", CSP_CASES, ids=lambda c: c.id)
def test_google_csp_evaluator_agrees_where_the_judgment_mirrors_it(case: CspCase) -> None:
    """The vendor's own tool is the oracle: HIGH exactly where the table says it mirrors the evaluator."""
    high = {f["directive"] for f in csp_findings(case.csp) if f["severity"] == "HIGH"}
    if case.vendor_high:
        assert case.directive in high, high
    else:
        assert high == set(), f"{case.id}: the evaluator rates {high} HIGH, which the judgment must mirror"


def test_vendored_bypass_lists_are_the_evaluators() -> None:
    """policies/headers/csp_bypasses.json is `node tests/support/csp_bypasses.mjs` of the installed package."""
    vendored = json.loads((ROOT / "policies/headers/csp_bypasses.json").read_text())
    done = subprocess.run(
        ["node", str(ROOT / "tests/support/csp_bypasses.mjs")], capture_output=True, text=True, timeout=30, cwd=ROOT, check=True
    )
    assert vendored == json.loads(done.stdout)
