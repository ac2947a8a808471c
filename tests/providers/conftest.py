"""Fixtures for provider tests: one Prism per session, a fresh stateful fake per test, and
providers pointed at either through a recording transport (no real sleeping on retries)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import TypeVar

import httpx
import pytest

from providers.http import ApiClient, RetryPolicy
from providers.netlify.common import NetlifyProvider
from tests.support.netlify_fake import SPEC_PATH, FakeNetlify, with_renew
from tests.support.prism import PRISM, prism

P = TypeVar("P", bound=NetlifyProvider)


class Recorder(httpx.HTTPTransport):
    """Transport that keeps every (request, response) pair so tests can check each answer."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.exchanges.append((request, response))
        return response


def attach(provider: P, base_url: str, *, sleeps: list[float] | None = None, **kw) -> tuple[P, Recorder]:
    """Point `provider` at `base_url` with a recording transport; retries sleep into `sleeps`."""
    recorder = Recorder()
    record = sleeps if sleeps is not None else []
    provider.use_client(
        ApiClient(
            base_url=base_url,
            token="fake-netlify-token",
            resource=provider.kind,
            transport=recorder,
            sleep=record.append,
            retry=kw.pop("retry", RetryPolicy(attempts=4, base=0.01, cap=1.0)),
            **kw,
        )
    )
    return provider, recorder


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Missing tools are a failure, never a skip: the contract check must actually run.
    if shutil.which("node") is None:
        pytest.fail("node is not installed: the Netlify provider contract tests need Prism (npm ci)")
    if not PRISM.exists() or not SPEC_PATH.exists():
        pytest.fail(f"Prism or the Netlify spec is missing ({PRISM}, {SPEC_PATH}); run `npm ci`")
    # The pinned spec plus the renew call its own text documents (see `with_renew`).
    spec = tmp_path_factory.mktemp("netlify-spec") / "swagger.json"
    spec.write_text(json.dumps(with_renew(json.loads(SPEC_PATH.read_text()))))
    with prism(spec) as url:
        yield url


@pytest.fixture
def fake() -> Iterator[FakeNetlify]:
    with FakeNetlify() as server:
        yield server
    assert not server.schema_errors, server.schema_errors
