"""The retry policy: when to retry a HeyGen call and how long to wait, as small pure functions.

What is retried:
- 429 (rate or concurrency limit), for every method, after the server's ``Retry-After`` (capped);
- 409 ``request_in_progress`` (an Idempotency-Key replay racing the first request);
- 408 and 5xx, and connection errors, only when repeating the request is safe: GET/HEAD/PUT/DELETE/OPTIONS,
  or a POST/PATCH carrying an ``Idempotency-Key``. A connect failure never reached HeyGen, so it is always
  safe. Every other 4xx is final.
Waits follow the server's ``Retry-After`` when it sent one, else exponential backoff with full jitter.
A wait that would pass the caller's deadline stops the retries instead of sleeping.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from .errors import (
    APIStatusError,
    ConflictError,
    HeyGenConnectionError,
    MalformedResponseError,
    RateLimitError,
)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRYABLE_STATUS = frozenset({408, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry loop of one call.

    ``max_attempts`` counts the first try; ``max_wait`` caps any single wait, including the server's
    ``Retry-After``; ``deadline`` (seconds from the first try) bounds the whole call, when set.
    """

    max_attempts: int = 6
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    max_wait: float = 60.0
    deadline: float | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.max_wait < 0 or self.initial_backoff < 0 or self.max_backoff < 0:
            raise ValueError("waits must not be negative")


def parse_retry_after(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms``, else ``retry-after`` (seconds or HTTP date)."""
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)


def backoff(attempt: int, policy: RetryPolicy, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter for the wait after try number ``attempt`` (1-based)."""
    ceiling = min(policy.initial_backoff * 2 ** (attempt - 1), policy.max_backoff)
    return (rng or random).uniform(ceiling / 2, ceiling)


def wait_seconds(error: BaseException, attempt: int, policy: RetryPolicy) -> float:
    """The wait before the next try: the server's advice when it gave one, else backoff; capped."""
    advised = error.retry_after if isinstance(error, APIStatusError) else None
    wait = advised if advised is not None else backoff(attempt, policy)
    return min(wait, policy.max_wait)


def is_retryable(error: BaseException, *, method: str, has_idempotency_key: bool) -> bool:
    """Whether repeating the request after ``error`` is both useful and safe."""
    safe_to_repeat = method.upper() in IDEMPOTENT_METHODS or has_idempotency_key
    if isinstance(error, RateLimitError):
        return True
    if isinstance(error, ConflictError):
        return has_idempotency_key and error.code == "request_in_progress"
    if isinstance(error, MalformedResponseError):
        return safe_to_repeat
    if isinstance(error, APIStatusError):
        return safe_to_repeat and (error.status_code in RETRYABLE_STATUS or error.status_code >= 500)
    if isinstance(error, HeyGenConnectionError):
        return safe_to_repeat or not error.request_sent
    return False
