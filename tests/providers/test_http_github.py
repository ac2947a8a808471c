"""The shared client against a scripted server: GitHub's rate limits (403/429) and Link pagination."""

from __future__ import annotations

import time

import pytest

from providers.http import ApiClient, ApiError, DeadlineExceeded, RetryPolicy
from providers.pagination import links, same_origin
from tests.support.faults import Answer, FaultServer

NOW = 1_800_000_000.0  # the client's wall clock in these tests (epoch seconds)


@pytest.fixture
def server():
    with FaultServer() as s:
        yield s


def client(server: FaultServer, sleeps: list[float], **kw) -> ApiClient:
    kw.setdefault("retry", RetryPolicy(attempts=4, base=1.0, cap=30.0))
    return ApiClient(base_url=server.url, token="fake-github-token", resource="github", sleep=sleeps.append,
                     now=lambda: NOW, **kw)


def primary_limit(reset_in: float) -> Answer:
    return Answer(403, {"message": "API rate limit exceeded for installation ID 1."},
                  headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW + reset_in))})


def test_403_past_the_primary_limit_waits_until_the_reset_then_succeeds(server):
    server.then(primary_limit(42), Answer(200, [{"id": 1}]))
    sleeps: list[float] = []
    assert client(server, sleeps).request("GET", "/repos/o/r/deployments", operation="list") == [{"id": 1}]
    assert sleeps == [43.0]  # until the reset, plus one second for the header's whole seconds
    assert len(server.requests) == 2


def test_a_rate_limited_post_was_not_processed_and_is_sent_again(server):
    server.then(primary_limit(5), Answer(201, {"id": 7}))
    sleeps: list[float] = []
    answer = client(server, sleeps).request("POST", "/repos/o/r/deployments", operation="create", json={"ref": "a"})
    assert answer == {"id": 7} and sleeps == [6.0]
    assert [r.method for r in server.requests] == ["POST", "POST"]


def test_429_with_retry_after_waits_that_long(server):
    server.then(Answer(429, {"message": "You have exceeded a secondary rate limit."}, headers={"Retry-After": "7"}),
                Answer(200, {}))
    sleeps: list[float] = []
    client(server, sleeps).request("GET", "/x", operation="list")
    assert sleeps == [7.0]


def test_403_secondary_limit_with_retry_after_waits_that_long(server):
    server.then(Answer(403, {"message": "You have exceeded a secondary rate limit."}, headers={"retry-after": "12"}),
                Answer(200, {}))
    sleeps: list[float] = []
    client(server, sleeps).request("GET", "/x", operation="list")
    assert sleeps == [12.0]


def test_a_secondary_limit_without_headers_waits_a_minute(server):
    # docs.github.com: "Otherwise, wait for at least one minute before retrying."
    server.then(Answer(403, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}),
                Answer(200, {}))
    sleeps: list[float] = []
    client(server, sleeps).request("GET", "/x", operation="list")
    assert sleeps == [60.0]


def test_403_without_rate_limit_signs_is_a_refusal_sent_once(server):
    server.then(Answer(403, {"message": "Resource not accessible by integration"},
                       headers={"x-ratelimit-remaining": "4999"}))
    with pytest.raises(ApiError) as caught:
        client(server, []).request("POST", "/repos/o/r/deployments", operation="create", json={})
    assert caught.value.status == 403 and len(server.requests) == 1
    assert str(caught.value) == "github: create failed (HTTP 403): Resource not accessible by integration"


def test_a_reset_past_the_retry_budget_gives_up_at_once_saying_so(server):
    server.then(primary_limit(1800))
    sleeps: list[float] = []
    with pytest.raises(ApiError) as caught:
        client(server, sleeps).request("GET", "/x", operation="list")
    assert sleeps == [] and len(server.requests) == 1
    assert "the server asked to wait 1801s, past the 300s retry budget" in str(caught.value)


def test_a_reset_past_the_deadline_gives_up_at_once_as_a_deadline(server):
    server.then(primary_limit(100))
    sleeps: list[float] = []
    with pytest.raises(DeadlineExceeded) as caught:
        client(server, sleeps, deadline=time.monotonic() + 20).request("GET", "/x", operation="list")
    assert sleeps == [] and len(server.requests) == 1  # no sleeping until the deadline only to fail then
    assert "past the deadline" in str(caught.value)


def test_the_wait_is_announced_before_it_starts(server):
    server.then(primary_limit(9), Answer(200, {}))
    lines: list[str] = []
    client(server, [], notice=lines.append).request("GET", "/x", operation="repos/list-deployments")
    assert lines == ["github: repos/list-deployments: retrying (1/3) after HTTP 403: "
                     "API rate limit exceeded for installation ID 1., waiting 10.0s"]


def _page(server: FaultServer, items: list[int], next_page: int | None) -> Answer:
    headers = {}
    if next_page is not None:
        headers["Link"] = (f'<{server.url}/items?per_page=2&page={next_page}>; rel="next", '
                           f'<{server.url}/items?per_page=2&page=3>; rel="last"')
    return Answer(200, items, headers=headers)


def test_pages_follow_the_next_link_to_the_end(server):
    server.then(_page(server, [1, 2], 2), _page(server, [3, 4], 3), _page(server, [5], None))
    pages = list(client(server, []).pages("/items", operation="list", params={"per_page": 2}))
    assert pages == [[1, 2], [3, 4], [5]]
    assert [r.path for r in server.requests] == ["/items?per_page=2", "/items?per_page=2&page=2",
                                                 "/items?per_page=2&page=3"]


def test_pages_are_read_only_as_far_as_the_caller_goes(server):
    server.then(_page(server, [1, 2], 2), _page(server, [3, 4], 3))
    first = next(iter(client(server, []).pages("/items", operation="list")))
    assert first == [1, 2] and len(server.requests) == 1


def test_a_listing_without_link_header_is_one_page(server):
    server.then(Answer(200, [{"id": "d1"}]))  # Netlify's deploy list as `ops rollback` reads it
    assert list(client(server, []).pages("/sites/s/deploys", operation="list", params={"per_page": 50})) == [
        [{"id": "d1"}]]


def test_a_next_link_to_another_host_is_refused(server):
    server.then(Answer(200, [1], headers={"Link": '<https://elsewhere.example/items?page=2>; rel="next"'}))
    with pytest.raises(ApiError, match="refusing to follow a next-page link"):
        list(client(server, []).pages("/items", operation="list"))
    assert len(server.requests) == 1  # the token never went there


def test_a_listing_that_never_ends_is_cut_off(server):
    server.fallback = Answer(200, [1], headers={"Link": f'<{server.url}/items?page=2>; rel="next"'})
    with pytest.raises(ApiError, match="more than 3 pages"):
        list(client(server, []).pages("/items", operation="list", max_pages=3))
    assert len(server.requests) == 3


def test_link_header_parsing():
    header = ('<https://api.github.com/repositories/1/deployments?page=2>; rel="next", '
              '<https://api.github.com/repositories/1/deployments?page=9>; rel="last", '
              '<https://api.github.com/x?a=1,2>; title="x"; rel="prev first"')
    assert links(header) == {
        "next": "https://api.github.com/repositories/1/deployments?page=2",
        "last": "https://api.github.com/repositories/1/deployments?page=9",
        "prev": "https://api.github.com/x?a=1,2", "first": "https://api.github.com/x?a=1,2",
    }
    assert links(None) == {} and links("garbage") == {}
    assert same_origin("https://api.github.com/a?page=2", "https://api.github.com")
    assert not same_origin("https://api.github.com.evil.example/a", "https://api.github.com")
    assert not same_origin("http://api.github.com/a", "https://api.github.com")
