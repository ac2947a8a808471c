"""How long a server that refused a request asks us to wait: Retry-After, and rate-limit headers.

GitHub answers a rate-limited request with 403 or 429 (docs.github.com, "Troubleshooting the REST
API" and "Rate limits for the REST API"): past the primary limit `x-ratelimit-remaining` is 0 and
no request may be sent before `x-ratelimit-reset` (UTC epoch seconds); past a secondary limit
`retry-after` says how many seconds to wait, and without it "wait for at least one minute". A 403
with none of these signs is a refusal (a permission), never retried.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from datetime import timezone

RATE_LIMITED_STATUS = frozenset({403, 429})
SECONDARY_LIMIT_WAIT = 60.0  # "wait for at least one minute before retrying" (GitHub)
RESET_MARGIN = 1.0  # the reset header has whole seconds and our clock is not GitHub's


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now())


def rate_limit_wait(
    status: int, headers: Mapping[str, str], message: str, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait before resending a request refused as rate-limited; None when it was not.

    `headers` must look names up case-insensitively (httpx.Headers); `message` is the API's error text.
    """
    if status not in RATE_LIMITED_STATUS:
        return None
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    if retry_after is not None:
        return retry_after
    if (headers.get("x-ratelimit-remaining") or "").strip() == "0":
        try:
            reset = float(headers.get("x-ratelimit-reset") or "")
        except ValueError:
            return SECONDARY_LIMIT_WAIT
        return max(0.0, reset - now()) + RESET_MARGIN
    if "rate limit" in message.lower():  # a secondary limit says so in its message only
        return SECONDARY_LIMIT_WAIT
    return None
