"""Fixtures for the Supabase provider tests: the stateful fake, Prism (once per session), clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from providers.base import ApiProvider
from providers.http import ApiClient, RetryPolicy
from tests.providers.supabase.fake import TOKEN, FakeSupabase
from tests.support.prism import prism

ROOT = Path(__file__).resolve().parents[3]
SPEC = ROOT / "tests" / "fixtures" / "supabase-management-api.json"


@dataclass
class Sleeps:
    """Stands in for time.sleep: records what the code would have waited."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def connect(provider: ApiProvider, url: str, *, sleeps: Sleeps | None = None, attempts: int = 4,
            timeout: float = 2.0, transport: httpx.BaseTransport | None = None, token: str = TOKEN) -> ApiProvider:
    provider.use_client(ApiClient(
        base_url=url, token=token, resource=provider.kind, timeout=timeout,
        retry=RetryPolicy(attempts=attempts, base=0.01, cap=60.0), sleep=sleeps or Sleeps(), transport=transport,
    ))
    return provider


@pytest.fixture
def fake() -> Iterator[FakeSupabase]:
    with FakeSupabase() as server:
        yield server
        assert not server.violations, f"requests or answers outside the spec: {server.violations}"


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def auth_enforcing_spec(target: Path) -> Path:
    """The official spec with its bearer scheme enforced: the shipped spec lets unauthenticated calls pass."""
    doc = json.loads(SPEC.read_text())
    doc.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    for item in doc["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and "security" in op:
                op["security"] = [s for s in op["security"] if "bearer" in s]
    target.write_text(json.dumps(doc))
    return target


@pytest.fixture(scope="session")
def supabase_prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec_copy = auth_enforcing_spec(tmp_path_factory.mktemp("supabase-spec") / "supabase-management-api.json")
    with prism(spec_copy) as url:
        yield url


class ContractTransport(httpx.BaseTransport):
    """Records every exchange and what Prism said about it (sl-violations header, 4xx contract errors)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.exchanges: list[tuple[str, str, int]] = []
        self.problems: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.exchanges.append((request.method, request.url.path, response.status_code))
        where = f"{request.method} {request.url.path}"
        if response.headers.get("sl-violations"):
            self.problems.append(f"{where}: {response.headers['sl-violations']}")
        if response.status_code in (401, 404, 415, 422):
            self.problems.append(f"{where}: HTTP {response.status_code} {response.text[:300]}")
        return response


@pytest.fixture
def contract(supabase_prism: str) -> Iterator[tuple[str, ContractTransport]]:
    transport = ContractTransport()
    yield supabase_prism, transport
    assert transport.exchanges, "no request reached Prism"
    assert not transport.problems, "requests Prism rejected:\n" + "\n".join(transport.problems)
