"""The one HTTP client every dynamic provider uses.

Retry, backoff, timeouts, auth and error wording live here once, so every provider behaves the
same under rate limits and outages and every failure reads the same way.
"""

from __future__ import annotations

import base64
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from providers.pagination import links, same_origin
from providers.rate_limits import RATE_LIMITED_STATUS, parse_retry_after, rate_limit_wait

if TYPE_CHECKING:
    # httpx and tenacity are imported where a request is sent: declaring a resource never pays for them.
    import httpx
    import tenacity

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})  # test servers may speak plain http
# Statuses that say the server did not act on the request, so even a POST may be resent.
# Any other retryable status (500, 502, 504, 408) leaves a POST's outcome unknown.
NOT_PROCESSED_STATUS = frozenset({425, 429, 503})
MAX_PAGES = 1000  # `pages` stops there: a listing that never ends is a server's fault, not a reason to hang

__all__ = ["ApiClient", "ApiError", "DeadlineExceeded", "MissingCredential", "ResponseLost", "RetryPolicy",
           "create_or_adopt", "parse_retry_after", "resolve_token"]


class ApiError(Exception):
    """A call that failed for good: names the resource, the operation, the status and the API's words."""

    def __init__(self, resource: str, operation: str, status: int | None, message: str) -> None:
        self.resource = resource
        self.operation = operation
        self.status = status
        self.message = message
        where = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"{resource}: {operation} failed ({where}): {message}")


class ResponseLost(ApiError):
    """A non-idempotent request was sent but its answer never came: the caller must look before retrying."""


class DeadlineExceeded(ApiError):
    """The caller's overall deadline (`ApiClient.deadline`) passed while waiting for `operation`."""


class MissingCredential(Exception):
    """No token in secret config nor in the environment."""


class _Retryable(Exception):
    """Internal: a transient failure worth another attempt."""

    def __init__(self, status: int | None, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.past_deadline = False  # the server's wait would end after the caller's deadline


def _api_message(response: httpx.Response) -> str:
    """The API's own error text, whatever shape its error body has."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:500] if text else response.reason_phrase
    if isinstance(body, dict):
        # "errors": Netlify's refusal of an upload that does not match the deploy (answers.netlify.com/t/49255).
        for key in ("message", "msg", "error_description", "error", "errors"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
    return str(body)[:500]


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter (each wait at most `cap`).

    A server's Retry-After wins over the backoff, even past `cap`, as long as it fits in what is
    left of `total`; a longer one ends the retries at once, quoting the server's wait.
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    total: float = 300.0

    def wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


def resolve_token(configured: str | None, env_var: str, what: str) -> str:
    """Token from secret config, else from the provider's usual environment variable."""
    token = configured or os.environ.get(env_var)
    if not token:
        raise MissingCredential(
            f"{what}: no API token; set it with `pulumi config set --secret ...` or export {env_var}"
        )
    return token


@dataclass
class ApiClient:
    """Bearer-authenticated (or `basic`) JSON client with bounded retries and clear errors."""

    base_url: str
    token: str = field(repr=False)
    resource: str = "api"
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    # Called with one line before each retry's wait ("retrying (n/N) after <reason>, waiting Xs"):
    # the operator CLI prints it on stderr; None (providers in the Pulumi host) stays silent.
    notice: Callable[[str], None] | None = None
    # A `time.monotonic()` instant after which no request is started or awaited (the CLI's
    # `--timeout`): a call past it raises `DeadlineExceeded`. None: only the retry budget applies.
    deadline: float | None = None
    # Wall clock (epoch seconds) against which rate-limit resets and Retry-After dates are read.
    now: Callable[[], float] = time.time
    scheme: str = "Bearer"  # the Authorization scheme `token` is sent with
    redact: tuple[str, ...] = field(default=(), repr=False)  # more secrets never to repeat in an error
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    @classmethod
    def basic(cls, base_url: str, username: str, password: str, **kwargs: Any) -> ApiClient:
        """A client sending HTTP basic credentials (RFC 7617: base64 of `username:password`)."""
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        return cls(base_url, token, scheme="Basic", redact=(password,), **kwargs)

    def _http(self) -> httpx.Client:
        import httpx

        if self._client is None:
            url = httpx.URL(self.base_url)
            if url.scheme != "https" and url.host not in LOOPBACK_HOSTS:
                # The bearer token goes with every request: never in clear over a network.
                raise ApiError(self.resource, "connect", None, f"refusing to send credentials to {url.scheme}://{url.host}: use https")
            self._client = httpx.Client(
                base_url=self.base_url.rstrip("/"),
                headers={
                    "Authorization": f"{self.scheme} {self.token}",
                    "Accept": "application/json",
                    "User-Agent": "maintainpro-platform",
                    **self.extra_headers,
                },
                timeout=self.timeout,
                transport=self.transport,
            )
        return self._client

    def _redacted(self, message: str) -> str:
        """An API's error text without our credentials, should a server ever echo the request back."""
        for secret in (self.token, *self.redact):
            message = message.replace(secret, "[token]") if secret else message
        return message

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _time_left(self, who: str, operation: str) -> float | None:
        """Seconds before `deadline` (None without one); past it, `DeadlineExceeded` naming the operation."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(who, operation, None, "no answer before the deadline")
        return left

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        not_found_ok: bool = False,
        resource: str | None = None,
    ) -> Any:
        """Send one logical request; returns the decoded JSON body (None when empty).

        `idempotent` defaults from the method: a POST whose answer is lost raises `ResponseLost`
        instead of being resent, so the caller can look for what it may have created.
        `not_found_ok` turns a 404 into a None result (for find/read). `content` sends raw bytes
        instead of JSON (a file upload; say its type in `headers`); it is resent as is on a retry.
        """
        return self._call(method, path, operation=operation, params=params, json=json, content=content,
                          headers=headers, idempotent=idempotent, not_found_ok=not_found_ok, resource=resource)[0]

    def pages(
        self, path: str, *, operation: str, params: Mapping[str, Any] | None = None,
        resource: str | None = None, max_pages: int = MAX_PAGES,
    ) -> Iterator[Any]:
        """GET `path`, then each page its `Link: <url>; rel="next"` header names; yields each page's body.

        Lazy, so a caller that has seen enough stops asking. A next link to another origin is refused
        (the token would go with it), and more than `max_pages` pages is an error, never a hang.
        """
        who = resource or self.resource
        url: str = path
        query = params
        for _ in range(max_pages):
            body, headers = self._call("GET", url, operation=operation, params=query, resource=resource)
            yield body
            following = links(headers.get("Link") if headers is not None else None).get("next")
            if following is None:
                return
            if not same_origin(following, self.base_url):
                raise ApiError(who, operation, None, f"refusing to follow a next-page link off {self.base_url}")
            url, query = following, None  # the link carries every parameter
        raise ApiError(who, operation, None, f"more than {max_pages} pages: stopped reading")

    def _refusal(self, response: httpx.Response, idempotent: bool, who: str, operation: str) -> _Retryable | None:
        """A refusal worth resending (raised by the caller), None for a final answer; `ResponseLost`
        when a non-idempotent request's outcome is unknown."""
        status = response.status_code
        if status not in RETRYABLE_STATUS and status not in RATE_LIMITED_STATUS:
            return None
        message = self._redacted(_api_message(response))
        limited = rate_limit_wait(status, response.headers, message, self.now)
        if limited is not None:  # rate-limited: refused before it was processed, so even a POST is resent
            return _Retryable(status, message, limited)
        if status not in RETRYABLE_STATUS:
            return None  # a 403 that is not a rate limit: a permission, final
        if not idempotent and status not in NOT_PROCESSED_STATUS:
            raise ResponseLost(who, operation, status, f"outcome unknown: {message}")
        return _Retryable(status, message, parse_retry_after(response.headers.get("Retry-After"), self.now))

    def _call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        not_found_ok: bool = False,
        resource: str | None = None,
    ) -> tuple[Any, httpx.Headers | None]:
        """`request`, also returning the answer's headers (None for a 404 taken as None)."""
        if idempotent is None:
            idempotent = method.upper() != "POST"
        resendable = idempotent  # a bool from here on (the closure below cannot see the narrowing)
        who = resource or self.resource
        started = time.monotonic()

        tries = 0

        import httpx
        import tenacity

        def attempt() -> tuple[Any, httpx.Headers | None]:
            nonlocal tries
            tries += 1
            left = self._time_left(who, operation)
            try:
                response = self._http().request(
                    method, path, params=_clean(params), json=json, content=content, headers=headers,
                    timeout=self.timeout if left is None else min(self.timeout, left),
                )
            except httpx.TimeoutException as exc:
                self._time_left(who, operation)  # the deadline, not the per-request timeout, ended it
                if not resendable and not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
                    raise ResponseLost(who, operation, None, "request timed out after it was sent") from exc
                raise _Retryable(None, f"timed out ({type(exc).__name__})", None) from exc
            except httpx.TransportError as exc:
                if not resendable and not isinstance(exc, httpx.ConnectError):
                    raise ResponseLost(who, operation, None, f"connection lost: {exc}") from exc
                raise _Retryable(None, f"connection failed: {exc}", None) from exc
            refusal = self._refusal(response, resendable, who, operation)
            if refusal is not None:
                raise refusal
            if response.status_code == 404 and not_found_ok:
                return None, None
            if response.status_code >= 400:
                raise ApiError(who, operation, response.status_code, self._redacted(_api_message(response)))
            if not response.content:
                return None, response.headers
            try:
                return response.json(), response.headers
            except ValueError as exc:
                raise ApiError(
                    who, operation, response.status_code, "response is not JSON"
                ) from exc

        waited = 0.0  # what this call has slept (the injected sleep may not pass real time)

        def wait(state: tenacity.RetryCallState) -> float:
            nonlocal waited
            exc = state.outcome.exception() if state.outcome else None
            retry_after = exc.retry_after if isinstance(exc, _Retryable) else None
            seconds = self.retry.wait(state.attempt_number, retry_after)
            if self.deadline is not None:
                seconds = min(seconds, max(0.0, self.deadline - time.monotonic()))
            waited += seconds
            if self.notice is not None and isinstance(exc, _Retryable):
                where = f"HTTP {exc.status}: " if exc.status is not None else ""
                self.notice(f"{who}: {operation}: retrying ({state.attempt_number}/{self.retry.attempts - 1}) "
                            f"after {where}{exc.message}, waiting {seconds:.1f}s")
            return seconds

        def out_of_time(state: tenacity.RetryCallState) -> bool:
            spent = time.monotonic() - started + waited
            exc = state.outcome.exception() if state.outcome else None
            asked = exc.retry_after if isinstance(exc, _Retryable) and exc.retry_after else 0.0
            if asked and isinstance(exc, _Retryable):
                left = self.deadline - time.monotonic() if self.deadline is not None else None
                if left is not None and asked > left:
                    # Sleeping until the deadline only to give up then: give up now, saying why.
                    exc.message += f"; the server asked to wait {asked:g}s, past the deadline"
                    exc.past_deadline = True
                    return True
                if spent + asked > self.retry.total:
                    exc.message += f"; the server asked to wait {asked:g}s, past the {self.retry.total:g}s retry budget"
                    return True
            return spent >= self.retry.total

        attempts = tenacity.stop_after_attempt(self.retry.attempts)
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable),
            stop=lambda state: attempts(state) or out_of_time(state),
            wait=wait,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Retryable as exc:
            failure = DeadlineExceeded if exc.past_deadline else ApiError
            raise failure(
                who,
                operation,
                exc.status,
                f"{exc.message} (gave up after {tries} attempts)",
            ) from None


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop unset query parameters and render booleans the way REST APIs expect."""
    if not params:
        return None
    return {
        k: ("true" if v is True else "false" if v is False else v)
        for k, v in params.items()
        if v is not None
    }


def create_or_adopt(
    find: Callable[[], T | None],
    create: Callable[[], T],
    *,
    resource: str,
    attempts: int = 3,
) -> T:
    """Idempotent create: adopt what already exists, and after a lost answer look before resending."""
    last: ResponseLost | None = None
    for _ in range(attempts):
        existing = find()
        if existing is not None:
            return existing
        try:
            return create()
        except ResponseLost as exc:
            last = exc
    existing = find()
    if existing is not None:
        return existing
    assert last is not None
    raise ResponseLost(
        resource, last.operation, last.status, f"{last.message}; nothing to adopt after {attempts} attempts"
    )
