"""Both stacks' rendered `_headers`, scored by the real MDN Observatory and Google's CSP Evaluator."""

from __future__ import annotations

import pytest

from components.config import HeadersConfig
from components.headers import headers_for
from ops.stackfile import read_stack_file
from tests.support.header_tools import ToolMissing, csp_findings, observatory_score

SUPABASE = "https://abcdefghijklmnopqrst.supabase.co"
STACKS = ("staging", "production")


def stack_headers(stack: str) -> HeadersConfig:
    return read_stack_file(stack).validate().headers


def weakened(stack: str, **changes: object) -> HeadersConfig:
    data = stack_headers(stack).model_dump()
    csp_changes = changes.pop("csp", {})
    data["csp"] = {k: v for k, v in {**data["csp"], **csp_changes}.items() if v is not None}
    return HeadersConfig.model_validate({**data, **changes})


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("supabase_url", [SUPABASE, None])
def test_stack_headers_score_a_plus(stack: str, supabase_url: str | None) -> None:
    result = observatory_score(headers_for(stack_headers(stack), supabase_url, "/"))
    failed = {name: t["result"] for name, t in result["tests"].items() if not t["pass"]}
    assert result["grade"] == "A+", (result["score"], failed)
    assert result["score"] >= 100
    assert failed == {}


@pytest.mark.parametrize("stack", STACKS)
def test_stack_csp_has_no_high_finding_and_reaches_supabase(stack: str) -> None:
    served = headers_for(stack_headers(stack), SUPABASE, "/")
    policy = served["Content-Security-Policy"]
    findings = csp_findings(policy)
    assert [f for f in findings if f["severity"] == "HIGH"] == []
    connect = next(d for d in policy.split("; ") if d.startswith("connect-src "))
    assert connect.split()[1:] == ["'self'", SUPABASE, "wss://abcdefghijklmnopqrst.supabase.co"]


def test_unsafe_inline_script_is_penalised_by_both_tools() -> None:
    weak = weakened("production", csp={"script-src": ["'self'", "'unsafe-inline'"]})
    served = headers_for(weak, SUPABASE, "/")
    result = observatory_score(served)
    assert result["tests"]["content-security-policy"]["pass"] is False
    assert result["grade"] != "A+"
    assert result["score"] < observatory_score(headers_for(stack_headers("production"), SUPABASE, "/"))["score"]
    high = [f for f in csp_findings(served["Content-Security-Policy"]) if f["severity"] == "HIGH"]
    assert [(f["directive"], f["value"]) for f in high] == [("script-src", "'unsafe-inline'")]


def test_missing_object_src_and_default_src_gets_high_finding() -> None:
    weak = weakened("staging", csp={"object-src": None, "default-src": None})
    high = [f for f in csp_findings(headers_for(weak, None, "/")["Content-Security-Policy"]) if f["severity"] == "HIGH"]
    assert any(f["directive"] == "object-src" for f in high)


def test_no_hsts_fails_the_hsts_test() -> None:
    weak = weakened("production", hsts_max_age=0, hsts_preload=False)
    result = observatory_score(headers_for(weak, SUPABASE, "/"))
    assert "Strict-Transport-Security" not in headers_for(weak, SUPABASE, "/")
    assert result["tests"]["strict-transport-security"]["result"] == "hsts-not-implemented"
    assert result["grade"] != "A+"


def test_no_frame_protection_fails_the_framing_test() -> None:
    weak = weakened("production", frame_options=None, csp={"frame-ancestors": None})
    result = observatory_score(headers_for(weak, SUPABASE, "/"))
    assert result["tests"]["x-frame-options"]["result"] == "x-frame-options-not-implemented"
    assert result["grade"] != "A+"


def test_all_weaknesses_together_drop_far_below_a() -> None:
    weak = weakened(
        "production",
        hsts_max_age=0,
        hsts_preload=False,
        frame_options=None,
        content_type_nosniff=False,
        csp={"script-src": ["'self'", "'unsafe-inline'"], "frame-ancestors": None},
    )
    result = observatory_score(headers_for(weak, SUPABASE, "/"))
    assert result["score"] < 50, result


def test_a_site_without_https_redirect_loses_the_redirection_test() -> None:
    served = headers_for(stack_headers("production"), SUPABASE, "/")
    result = observatory_score(served, https_redirect=False)
    assert result["tests"]["redirection"]["pass"] is False


def test_missing_node_fails_with_a_clear_message() -> None:
    with pytest.raises(ToolMissing, match="is not on PATH"):
        observatory_score({}, node="node-that-does-not-exist")
    with pytest.raises(ToolMissing, match="is not on PATH"):
        csp_findings("default-src 'self'", node="node-that-does-not-exist")


def test_missing_npm_package_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from tests.support import header_tools

    monkeypatch.setattr(header_tools, "NODE_MODULES", tmp_path)
    with pytest.raises(ToolMissing, match=r"@mdn/mdn-http-observatory is not installed.*npm ci"):
        observatory_score({})
    with pytest.raises(ToolMissing, match=r"csp_evaluator is not installed"):
        csp_findings("default-src 'self'")
