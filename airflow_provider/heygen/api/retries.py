"""When to retry a HeyGen call and how long to wait, as small pure functions, and the one tenacity loop built on them.

The same loop serves the API clients (sync and async) and presigned storage (uploads and downloads).

What is retried:
- 429 (rate or concurrency limit), for every method, after the server's ``Retry-After``;
- 409 ``request_in_progress`` (an Idempotency-Key replay racing the first request);
- 408 and 5xx, and connection errors, only when repeating the request is safe: GET/HEAD/PUT/DELETE/OPTIONS,
  or a POST/PATCH carrying an ``Idempotency-Key``. A connect failure never reached HeyGen, so it is always
  safe. Every other 4xx is final.

Waits follow the server's ``Retry-After`` when it sent one, else exponential backoff with full jitter capped by
the policy's ``max_wait``. The loop gives up instead of sleeping when the tries are used up, when a wait would
pass the caller's deadline, or when the server asks for a wait longer than ``max_wait``: retrying inside the
server's window only earns another 429, so the typed error (``RateLimitError``, ``ConcurrencyLimitError``) is
raised at once with the server's full ``retry_after``, for the caller to come back later (an operator defers on
a timer for it) instead of holding a worker.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import tenacity

from .errors import (
    APIStatusError,
    ConflictError,
    HeyGenConnectionError,
    MalformedResponseError,
    RateLimitError,
)

__all__ = [
    "RetryPolicy",
    "backoff",
    "gives_up",
    "is_retryable",
    "parse_retry_after",
    "retry_options",
    "wait_seconds",
]

log = logging.getLogger("airflow_provider.heygen.api")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRYABLE_STATUS = frozenset({408, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry loop of one call.

    ``max_attempts`` counts the first try; ``max_wait`` caps the backoff between tries and is the longest
    ``Retry-After`` waited in place (a longer one raises at once); ``deadline`` (seconds from the first try)
    bounds the whole call, when set.
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
            if not math.isnan(seconds := float(millis) / 1000.0):  # "nan" would make every wait nan
                return max(seconds, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
        return None if math.isnan(seconds) else max(seconds, 0.0)
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
    """The wait before the next try: the server's advice as it gave it, else backoff capped by ``max_wait``."""
    advised = error.retry_after if isinstance(error, APIStatusError) else None
    if advised is not None:
        return advised
    return min(backoff(attempt, policy), policy.max_wait)


def gives_up(attempt: int, wait: float, policy: RetryPolicy, *, elapsed: float) -> bool:
    """Whether to raise after try number ``attempt`` rather than wait ``wait`` seconds and try again.

    ``elapsed`` is the time since the first try. Backoff never exceeds ``max_wait``, so a longer wait is the
    server's: its window is longer than this call may wait in place.
    """
    return (
        attempt >= policy.max_attempts
        or wait > policy.max_wait
        or (policy.deadline is not None and elapsed + wait > policy.deadline)
    )


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


def retry_options(
    policy: RetryPolicy,
    *,
    method: str,
    label: str,
    has_idempotency_key: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """The retry loop of one call, as options for ``tenacity.Retrying`` or ``tenacity.AsyncRetrying``.

    Pass them with the caller's sleep: ``tenacity.Retrying(sleep=sleep, **retry_options(...))(send_once)``
    returns ``send_once()``'s result or raises its last error. The deadline counts from this call; ``label``
    names the call in the log line of each retry.
    """
    started = clock()

    def failure(state: tenacity.RetryCallState) -> BaseException | None:
        return state.outcome.exception() if state.outcome else None

    def retry(state: tenacity.RetryCallState) -> bool:
        error = failure(state)
        return error is not None and is_retryable(error, method=method, has_idempotency_key=has_idempotency_key)

    def wait(state: tenacity.RetryCallState) -> float:
        error = failure(state)
        assert error is not None  # wait only runs after a retryable failure
        return wait_seconds(error, state.attempt_number, policy)

    def stop(state: tenacity.RetryCallState) -> bool:
        return gives_up(state.attempt_number, state.upcoming_sleep, policy, elapsed=clock() - started)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        log.warning(
            "%s failed (%s); retry %d/%d in %.1fs",
            label,
            failure(state),
            state.attempt_number,
            policy.max_attempts - 1,
            state.upcoming_sleep,
        )

    return {"retry": retry, "wait": wait, "stop": stop, "before_sleep": before_sleep, "reraise": True}
