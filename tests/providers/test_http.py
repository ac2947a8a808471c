"""The shared client against a scripted server: retries, backoff, timeouts, lost answers, errors."""

from __future__ import annotations

import email.utils
import time

import dill
import pytest

from providers.base import ApiProvider
from providers.http import ApiClient, ApiError, MissingCredential, ResponseLost, RetryPolicy, create_or_adopt
from providers.netlify.common import NETLIFY
from tests.support.faults import Answer, FaultServer


@pytest.fixture
def server():
    with FaultServer() as s:
        yield s


def client(server: FaultServer, sleeps: list[float], **kw) -> ApiClient:
    kw.setdefault("retry", RetryPolicy(attempts=4, base=1.0, cap=30.0))
    return ApiClient(
        base_url=server.url, token="fake-netlify-token", resource="netlify site", sleep=sleeps.append, **kw
    )


def test_429_retry_after_seconds_is_honoured(server):
    server.then(Answer(429, {"message": "slow down"}, headers={"Retry-After": "7"}), Answer(200, {"ok": 1}))
    sleeps: list[float] = []
    assert client(server, sleeps).request("GET", "/sites", operation="list") == {"ok": 1}
    assert sleeps == [7.0]
    assert len(server.requests) == 2


def test_429_retry_after_http_date_is_honoured(server):
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    server.then(Answer(429, headers={"Retry-After": when}), Answer(200, {"ok": 1}))
    sleeps: list[float] = []
    client(server, sleeps).request("GET", "/sites", operation="list")
    assert len(sleeps) == 1 and 17.0 <= sleeps[0] <= 20.0


def test_retry_after_past_the_backoff_cap_is_still_honoured(server):
    server.then(Answer(429, headers={"Retry-After": "120"}), Answer(200, {}))
    sleeps: list[float] = []
    client(server, sleeps).request("GET", "/sites", operation="list")
    assert sleeps == [120.0]  # retrying after 30 s would only spend an attempt on a refusal


def test_retry_after_past_the_retry_budget_gives_up_at_once_quoting_it(server):
    server.then(Answer(429, {"message": "slow down"}, headers={"Retry-After": "3600"}), Answer(200, {}))
    sleeps: list[float] = []
    with pytest.raises(ApiError) as caught:
        client(server, sleeps).request("GET", "/sites", operation="list")
    assert sleeps == [] and len(server.requests) == 1
    assert "the server asked to wait 3600s, past the 300s retry budget" in str(caught.value)


def test_429_without_retry_after_backs_off_exponentially_with_jitter(server):
    server.then(*[Answer(429)] * 3, Answer(200, []))
    sleeps: list[float] = []
    client(server, sleeps).request("GET", "/sites", operation="list")
    assert len(sleeps) == 3
    for attempt, slept in enumerate(sleeps, start=1):
        assert 0.0 <= slept <= 1.0 * 2 ** (attempt - 1)


def test_500_then_503_are_retried_then_succeed(server):
    server.then(Answer(500, {"message": "boom"}), Answer(503, {"message": "busy"}), Answer(200, {"id": "s1"}))
    sleeps: list[float] = []
    assert client(server, sleeps).request("GET", "/sites/s1", operation="read site") == {"id": "s1"}
    assert len(server.requests) == 3 and len(sleeps) == 2


def test_retries_are_bounded_and_the_final_error_is_clear(server):
    server.fallback = Answer(503, {"message": "Service Unavailable"})
    sleeps: list[float] = []
    with pytest.raises(ApiError) as err:
        client(server, sleeps).request("GET", "/sites/s1", operation="read site")
    assert len(server.requests) == 4
    assert err.value.status == 503
    assert str(err.value) == (
        "netlify site: read site failed (HTTP 503): Service Unavailable (gave up after 4 attempts)"
    )


def test_slow_response_past_timeout_is_retried_for_a_get(server):
    server.then(Answer(200, {"late": True}, delay=0.6), Answer(200, {"late": False}))
    sleeps: list[float] = []
    result = client(server, sleeps, timeout=0.2).request("GET", "/sites", operation="list")
    assert result == {"late": False}
    assert len(server.requests) == 2


def test_slow_response_to_a_post_is_a_lost_answer_not_resent(server):
    server.then(Answer(201, {"id": "s1"}, delay=0.6))
    with pytest.raises(ResponseLost) as err:
        client(server, [], timeout=0.2).request("POST", "/sites", operation="create site", json={"name": "x"})
    assert len(server.requests) == 1
    assert "create site" in str(err.value) and "timed out" in str(err.value)


def test_dropped_connection_is_retried_for_a_get(server):
    server.then(Answer(drop=True), Answer(200, {"id": "s1"}))
    assert client(server, []).request("GET", "/sites/s1", operation="read site") == {"id": "s1"}
    assert len(server.requests) == 2


def test_post_whose_answer_is_lost_raises_response_lost_and_is_not_resent(server):
    server.then(Answer(drop=True))
    with pytest.raises(ResponseLost):
        client(server, []).request("POST", "/sites", operation="create site", json={"name": "x"})
    assert [r.method for r in server.requests] == ["POST"]


@pytest.mark.parametrize("status", [500, 502, 504])
def test_post_answered_with_an_ambiguous_5xx_is_not_resent(server, status):
    server.then(Answer(status, {"message": "upstream"}))
    with pytest.raises(ResponseLost):
        client(server, []).request("POST", "/sites", operation="create site", json={})
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_post_refused_before_processing_is_resent(server, status):
    server.then(Answer(status), Answer(201, {"id": "s1"}))
    assert client(server, []).request("POST", "/sites", operation="create site", json={}) == {"id": "s1"}
    assert len(server.requests) == 2


def test_create_or_adopt_adopts_after_a_lost_create_without_duplicating(server):
    api = client(server, [])
    server.then(Answer(200, []), Answer(drop=True), Answer(200, [{"id": "s1", "name": "app"}]))

    def find():
        return next(iter(api.request("GET", "/sites", operation="find site", params={"name": "app"})), None)

    created = create_or_adopt(
        find, lambda: api.request("POST", "/sites", operation="create site", json={"name": "app"}), resource="site"
    )
    assert created == {"id": "s1", "name": "app"}
    assert [r.method for r in server.requests] == ["GET", "POST", "GET"]


def test_create_or_adopt_gives_up_with_a_clear_error(server):
    api = client(server, [])
    server.then(*[Answer(200, []), Answer(drop=True)] * 3, Answer(200, []))
    with pytest.raises(ResponseLost) as err:
        create_or_adopt(
            lambda: next(iter(api.request("GET", "/sites", operation="find")), None),
            lambda: api.request("POST", "/sites", operation="create site", json={}),
            resource="netlify site",
        )
    assert [r.method for r in server.requests].count("POST") == 3
    assert str(err.value).startswith("netlify site: create site failed (no response): connection lost")
    assert str(err.value).endswith("; nothing to adopt after 3 attempts")


def test_client_error_is_one_clear_api_error_and_not_retried(server):
    server.then(Answer(422, {"code": 422, "message": "Name already taken"}))
    with pytest.raises(ApiError) as err:
        client(server, []).request("POST", "/sites", operation="create site", json={"name": "app"})
    assert len(server.requests) == 1
    e = err.value
    assert (e.resource, e.operation, e.status, e.message) == ("netlify site", "create site", 422, "Name already taken")
    assert str(e) == "netlify site: create site failed (HTTP 422): Name already taken"
    assert "fake-netlify-token" not in str(e)



def test_raw_bytes_are_resent_as_they_were_and_an_errors_body_is_the_message(server):
    """A file upload (octet-stream) retried after a 503 carries the same bytes; Netlify refuses a file
    that does not match its deploy with `{"errors": "..."}` (answers.netlify.com/t/49255)."""
    server.then(Answer(503, {"message": "busy"}), Answer(200, {"sha": "x"}),
                Answer(422, {"errors": "Uploaded file a.js did not match deploy"}))
    api = client(server, [])
    body = bytes(range(256))
    assert api.request("PUT", "/deploys/d/files/a.js", operation="uploadDeployFile", content=body,
                       headers={"Content-Type": "application/octet-stream"}) == {"sha": "x"}
    assert [r.body for r in server.requests] == [body.decode(errors="replace")] * 2
    assert all(r.headers["Content-Type"] == "application/octet-stream" for r in server.requests)
    with pytest.raises(ApiError) as refused:
        api.request("PUT", "/deploys/d/files/a.js", operation="uploadDeployFile", content=b"x")
    assert refused.value.message == "Uploaded file a.js did not match deploy"

def test_not_found_is_none_only_when_asked(server):
    server.then(Answer(404, {"message": "Not Found"}), Answer(404, {"message": "Not Found"}))
    api = client(server, [])
    assert api.request("DELETE", "/sites/x", operation="delete site", not_found_ok=True) is None
    with pytest.raises(ApiError) as err:
        api.request("GET", "/sites/x", operation="read site")
    assert err.value.status == 404


def test_requests_carry_bearer_token_and_query_booleans(server):
    seen: list = []
    server.then(Answer(200, {}))
    import httpx

    api = client(server, [])
    api._http().event_hooks["request"].append(lambda req: seen.append(req))
    api.request("GET", "/sites", operation="list", params={"filter": "all", "x": True, "skip": None})
    assert seen[0].headers["Authorization"] == "Bearer fake-netlify-token"
    assert seen[0].url.params == httpx.QueryParams({"filter": "all", "x": "true"})


def test_basic_credentials_are_rfc_7617_and_never_echoed(server):
    """ConfigCat's Public Management API takes HTTP basic auth only: base64 of `user:password`."""
    seen: list = []
    server.then(Answer(200, {}))
    server.then(Answer(400, {"message": "bad request for fake-user:fake-pass:word (ZmFrZS11c2VyOmZha2UtcGFzczp3b3Jk)"}))
    api = ApiClient.basic(server.url, "fake-user", "fake-pass:word", resource="configcat", sleep=lambda s: None)
    api._http().event_hooks["request"].append(lambda req: seen.append(req))
    api.request("GET", "/v1/products", operation="get-products")
    assert seen[0].headers["Authorization"] == "Basic ZmFrZS11c2VyOmZha2UtcGFzczp3b3Jk"  # worked out with `base64`
    with pytest.raises(ApiError) as caught:
        api.request("GET", "/v1/products", operation="get-products")
    assert "fake-pass:word" not in str(caught.value) and "ZmFrZS11c2VyOmZha2UtcGFzczp3b3Jk" not in str(caught.value)
    assert "fake-pass" not in repr(api) and "ZmFrZS11c2Vy" not in repr(api)


class _Probe(ApiProvider):
    endpoint = NETLIFY
    kind = "netlify probe"


class _Config:
    def __init__(self, values):
        self.values = values

    def get(self, key):
        return self.values.get(key)


class _Req:
    def __init__(self, values):
        self.config = _Config(values)


def test_provider_token_from_secret_config_never_pickled(monkeypatch):
    monkeypatch.delenv("NETLIFY_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("NETLIFY_API_URL", "http://127.0.0.1:9")
    provider = _Probe()
    provider.configure(_Req({"maintainpro-platform:netlifyToken": "fake-netlify-token"}))
    api = provider.client()
    assert api.token == "fake-netlify-token" and api.base_url == "http://127.0.0.1:9"
    assert b"fake-netlify-token" not in dill.dumps(provider, recurse=True)


def test_provider_token_from_environment_and_missing_token_is_clear(monkeypatch):
    monkeypatch.delenv("NETLIFY_API_URL", raising=False)
    monkeypatch.setenv("NETLIFY_AUTH_TOKEN", "fake-netlify-token")
    api = _Probe().client()
    assert api.token == "fake-netlify-token" and api.base_url == "https://api.netlify.com/api/v1"
    monkeypatch.delenv("NETLIFY_AUTH_TOKEN")
    with pytest.raises(MissingCredential, match="NETLIFY_AUTH_TOKEN"):
        _Probe().client()


def test_an_api_echoing_the_request_never_shows_the_token(server):
    server.then(Answer(422, {"code": 422, "errors": {"auth": "Bearer fake-netlify-token"}}))
    with pytest.raises(ApiError) as caught:
        client(server, []).request("GET", "/sites", operation="list")
    assert "fake-netlify-token" not in str(caught.value)
    assert "[token]" in str(caught.value)


def test_credentials_are_never_sent_over_plain_http_to_another_host():
    remote = ApiClient(base_url="http://api.example.org", token="fake-netlify-token", resource="netlify site")
    with pytest.raises(ApiError, match="refusing to send credentials to http://api.example.org: use https"):
        remote.request("GET", "/sites", operation="list")
