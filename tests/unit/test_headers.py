"""The `_headers` rendering (pure) and the `SecurityHeaders` component under the mock engine."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pulumi
import pytest

import components.headers as rendering
from components.config import ConfigError, HeadersConfig, load_stack_config
from components.headers import HeaderRule, SecurityHeaders, SecurityHeadersArgs, headers_for, render, rules
from ops.engine import run_stack
from ops.stackfile import ROOT, read_stack_file
from policies.headers import headers_file

SUPABASE = "https://abcdefghijklmnopqrst.supabase.co"
BASE = {
    "csp": {"default-src": ["'self'"], "script-src": ["'self'"], "object-src": ["'none'"]},
    "permissions_policy": {"camera": ["self"], "geolocation": [], "fullscreen": ["self", "https://cdn.example.org"]},
}


def parse(text: str) -> dict[str, dict[str, str]]:
    """Read a `_headers` file the way Netlify documents it: path lines, indented `Name: value` lines."""
    blocks: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith("/"), line
            current = blocks.setdefault(line.strip(), {})
            continue
        assert current is not None, f"header line before any path: {line!r}"
        name, sep, value = line.strip().partition(": ")
        assert sep and name and value, line
        current[name] = value
    return blocks


def csp_of(text: str) -> dict[str, list[str]]:
    policy = parse(text)["/*"]["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_render_is_a_netlify_headers_file_with_cache_rules() -> None:
    blocks = parse(render(HeadersConfig.model_validate(BASE), SUPABASE))
    assert list(blocks) == ["/*", "/assets/*", "/", "/index.html"]
    assert blocks["/assets/*"] == {"Cache-Control": "public, max-age=31536000, immutable"}
    assert blocks["/"] == {"Cache-Control": "no-cache"} == blocks["/index.html"]
    top = blocks["/*"]
    assert top["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert top["X-Content-Type-Options"] == "nosniff"
    assert top["X-Frame-Options"] == "DENY"
    assert top["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert top["Cross-Origin-Opener-Policy"] == "same-origin"
    assert top["Cross-Origin-Resource-Policy"] == "same-origin"
    assert top["Permissions-Policy"] == 'camera=(self), geolocation=(), fullscreen=(self "https://cdn.example.org")'
    assert "Cache-Control" not in top


def test_connect_src_gains_supabase_https_and_realtime_wss() -> None:
    cfg = HeadersConfig.model_validate({**BASE, "csp": {**BASE["csp"], "connect-src": ["'self'"]}})
    assert csp_of(render(cfg, SUPABASE + "/"))["connect-src"] == [
        "'self'", SUPABASE, "wss://abcdefghijklmnopqrst.supabase.co",
    ]
    # every other directive is untouched
    assert csp_of(render(cfg, SUPABASE))["script-src"] == ["'self'"]


def test_connect_src_is_created_from_default_src_when_absent() -> None:
    directives = csp_of(render(HeadersConfig.model_validate(BASE), SUPABASE))
    assert directives["connect-src"] == ["'self'", SUPABASE, "wss://abcdefghijklmnopqrst.supabase.co"]


def test_without_a_supabase_url_the_file_is_still_complete() -> None:
    text = render(HeadersConfig.model_validate(BASE), None)
    assert "supabase" not in text
    assert "connect-src" not in csp_of(text)  # inherits default-src 'self'
    assert parse(text)["/*"]["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "url", ["http://abc.supabase.co", "https://abc.supabase.co/rest/v1", "abc.supabase.co", "https://"]
)
def test_a_supabase_url_that_is_not_an_https_origin_is_rejected(url: str) -> None:
    with pytest.raises(pulumi.RunError, match="must be an https:// origin"):
        render(HeadersConfig.model_validate(BASE), url)


def test_headers_for_a_path_merge_every_matching_rule() -> None:
    cfg = HeadersConfig.model_validate(BASE)
    root = headers_for(cfg, SUPABASE, "/")
    asset = headers_for(cfg, SUPABASE, "/assets/index-4f3c2a1b.js")
    page = headers_for(cfg, SUPABASE, "/work-orders/42")
    assert root["Cache-Control"] == "no-cache" and "Content-Security-Policy" in root
    assert asset["Cache-Control"] == "public, max-age=31536000, immutable" and asset["X-Frame-Options"] == "DENY"
    assert "Cache-Control" not in page


def test_rule_matching_follows_netlify_splats_and_placeholders() -> None:
    assert HeaderRule("/assets/*", ()).matches("/assets/a/b.js")
    assert not HeaderRule("/assets/*", ()).matches("/assetsx/a.js")
    assert HeaderRule("/news/:year/*", ()).matches("/news/2024/a")
    assert not HeaderRule("/news/:year", ()).matches("/news/2024/a")
    assert not HeaderRule("/", ()).matches("/index.html")


# ---------------------------------------------------------------- one `_headers` module: round trip and Netlify's rules


@pytest.mark.parametrize("stack", ["staging", "production"])
@pytest.mark.parametrize("supabase_url", [None, SUPABASE])
def test_each_stack_file_parses_back_to_the_rules_its_config_asks_for(stack: str, supabase_url: str | None) -> None:
    cfg = read_stack_file(stack).validate().headers
    asked = rules(cfg, supabase_url)
    assert headers_file.parse(render(cfg, supabase_url)) == asked
    assert [rule.path for rule in asked] == ["/*", *cfg.immutable_paths, *cfg.no_cache_paths]


def test_round_trip_keeps_several_paths_repeated_names_and_values_with_colons() -> None:
    asked = [
        HeaderRule("/*", (("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob: https://cdn.example.org:8443"),
                          ("Link", "<https://fonts.example.org>; rel=preconnect"))),
        HeaderRule("/assets/*", (("Cache-Control", "public"), ("Cache-Control", "max-age=31536000"), ("cache-control", "immutable"))),
        HeaderRule("/news/:year/*.html", (("X-Robots-Tag", "noindex: nofollow"),)),
        HeaderRule("/", (("Cache-Control", "no-cache"),)),
    ]
    text = headers_file.render(asked, comment="a comment: with a colon")
    assert text.startswith("# a comment: with a colon\n/*\n  Content-Security-Policy: default-src")
    assert headers_file.parse(text) == asked
    # Netlify serves a name repeated in one rule (whatever its case) as one header, values joined
    assert asked[1].values() == [("Cache-Control", "public, max-age=31536000, immutable")]
    assert headers_file.served_values(asked, "/assets/a.js")["cache-control"] == ["public, max-age=31536000, immutable"]


@pytest.mark.parametrize(
    "rule",
    [
        HeaderRule("assets/*", (("Cache-Control", "no-cache"),)),
        HeaderRule("/a b", (("Cache-Control", "no-cache"),)),
        HeaderRule("/*", (("X-A", "one\n/evil\n  X-B: two"),)),
        HeaderRule("/*", (("X-A", ""),)),
        HeaderRule("/*", (("X-A", " padded"),)),
        HeaderRule("/*", (("X A", "1"),)),
        HeaderRule("/*", (("X-A:", "1"),)),
    ],
    ids=["relative-path", "space-in-path", "newline-in-value", "empty-value", "padded-value", "space-in-name", "colon-in-name"],
)
def test_render_refuses_a_rule_that_would_not_parse_back(rule: HeaderRule) -> None:
    with pytest.raises(ValueError, match="_headers:"):
        headers_file.render([rule])


# Each case failed on one of the two copies this module replaced (components.headers.HeaderRule
# and policies.headers.served.Rule), per Netlify's parser (netlify-headers-parser for_regexp.js):
# a placeholder is a whole segment starting with ':', a standalone '*' segment is optional, a
# trailing '/' is optional and matching ignores case.
@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/blog/:slug-id", "/blog/hello", True),  # both copies: ':slug' then a literal '-id'
        ("/:café", "/page", True),  # policies copy: an ASCII-only placeholder name, then a literal 'é'
        ("/a:b", "/ax", False),  # both copies: ':b' mid-segment was a placeholder
        ("/a:b", "/a:b", True),
        ("/assets/*", "/assets", True),  # both copies: the splat needed the '/'
        ("/about", "/about/", True),  # both copies: no optional trailing slash
        ("/index.html", "/INDEX.HTML", True),  # both copies: case-sensitive
        ("/assets/*", "/assetsx/a.js", False),
        ("/*.js", "/a/b.js", True),
        ("/", "/index.html", False),
        ("/:page", "/", False),
    ],
)
def test_path_matching_follows_netlify(pattern: str, path: str, expected: bool) -> None:
    assert headers_file.path_matches(pattern, path) is expected
    assert HeaderRule(pattern, ()).matches(path) is expected


def test_headers_for_treats_header_names_case_insensitively(monkeypatch: pytest.MonkeyPatch) -> None:
    """The components copy merged served headers by exact name, so two spellings were two headers."""
    monkeypatch.setattr(rendering, "rules", lambda cfg, url: [
        HeaderRule("/*", (("X-Frame-Options", "DENY"), ("Cache-Control", "no-cache"))),
        HeaderRule("/embed/*", (("x-frame-options", "SAMEORIGIN"),)),
    ])
    cfg = HeadersConfig.model_validate(BASE)
    assert headers_for(cfg, None, "/embed/a") == {"X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-cache"}
    assert headers_for(cfg, None, "/") == {"X-Frame-Options": "DENY", "Cache-Control": "no-cache"}


def test_optional_headers_can_be_turned_off() -> None:
    cfg = HeadersConfig.model_validate(
        {**BASE, "hsts_max_age": 0, "frame_options": None, "referrer_policy": None, "content_type_nosniff": False}
    )
    top = parse(render(cfg))["/*"]
    assert not {"Strict-Transport-Security", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"} & set(top)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"csp": {"script-src": ["'self'; script-src *"]}}, "headers.csp.script-src[0]"),
        ({"permissions_policy": {"camera": ["self) , geolocation=(*"]}}, "headers.permissions_policy.camera[0]"),
        ({"hsts_preload": True, "hsts_max_age": 86400}, "headers"),
        ({"path": "/etc/_headers"}, "headers.path"),
        ({"immutable_paths": ["/assets/*", "/"]}, "headers"),
    ],
)
def test_header_values_that_would_break_the_file_are_config_errors(change: dict[str, Any], where: str) -> None:
    sections = dict(read_stack_file("staging").validate().model_dump(mode="json"))
    sections["headers"] = {**sections["headers"], **change}
    with pytest.raises(ConfigError) as error:
        load_stack_config(sections, "staging")
    assert [path for path, _ in error.value.problems] == [where]


@pytest.mark.parametrize(("stack", "branch"), [("staging", "main"), ("production", "main")])
def test_each_stack_commits_its_headers_file_to_the_app_repo(stack: str, branch: str) -> None:
    stack_file = read_stack_file(stack)
    cfg = stack_file.validate()
    preview = run_stack(stack_file)
    (component,) = preview.by_type("maintainpro:headers:SecurityHeaders")
    (file,) = [r for r in preview.by_type("github:index/repositoryFile:RepositoryFile") if r.parent == component.urn]
    assert file.inputs["repository"] == "maintainpro-app"
    assert file.inputs["branch"] == branch
    assert file.inputs["file"] == f"deploy/headers/{stack}/_headers"  # one file per stack, one branch
    assert file.inputs["overwriteOnCreate"] is True
    assert stack in file.inputs["commitMessage"]
    blocks = parse(file.inputs["content"])
    assert blocks["/*"]["Strict-Transport-Security"].startswith(f"max-age={cfg.headers.hsts_max_age}")
    assert blocks["/assets/*"] == {"Cache-Control": "public, max-age=31536000, immutable"}


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def test_component_renders_with_the_supabase_url_output() -> None:
    pulumi.runtime.set_mocks(_Mocks(), project="maintainpro-platform", stack="staging", preview=False)
    cfg = read_stack_file("staging").validate()

    @pulumi.runtime.test
    def check() -> pulumi.Output[None]:
        url = pulumi.Output.from_input("https://zyxwvutsrqponmlkjihg.supabase.co")
        component = SecurityHeaders("headers", SecurityHeadersArgs.from_stack(cfg, supabase_url=url))

        def verify(content: str) -> None:
            assert csp_of(content)["connect-src"][-2:] == [
                "https://zyxwvutsrqponmlkjihg.supabase.co", "wss://zyxwvutsrqponmlkjihg.supabase.co",
            ]

        return component.file.content.apply(verify)

    check()


def test_offline_preview_shows_the_headers_file_summarised_and_no_secret() -> None:
    env = {
        **os.environ,
        "GITHUB_TOKEN": "fake-github-token",
        "NETLIFY_AUTH_TOKEN": "fake-netlify-token",
        "SUPABASE_ACCESS_TOKEN": "fake-supabase-token",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ops", "preview", "--stack", "production"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "github:index/repositoryFile:RepositoryFile" in out
    assert "file = deploy/headers/production/_headers" in out
    content_line = next(line for line in out.splitlines() if "content = " in line)
    assert "lines>" in content_line and "Content-Security-Policy" not in out
    for token in ("fake-github-token", "fake-netlify-token", "fake-supabase-token"):
        assert token not in out and token not in done.stderr
