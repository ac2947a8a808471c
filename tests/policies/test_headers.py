"""Header policies read the rendered `_headers` file: compliant content passes, each weakening fails once."""

from __future__ import annotations

import pytest

from policies.headers import (
    csp_no_unsafe_script,
    csp_required,
    frame_protection,
    hsts,
    nosniff,
    permissions_policy,
    referrer_policy,
)
from policies.headers.served import Served
from tests.policies.factories import (
    COMPLIANT_HEADERS,
    PRODUCTION,
    assert_fails,
    assert_not_applicable,
    assert_passes,
    compliant_stack,
    resource_args,
)

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
