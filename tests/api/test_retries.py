"""The pure retry functions, at their boundaries."""

from __future__ import annotations

import random

import httpx
import pytest

from airflow_provider.heygen.api import errors
from airflow_provider.heygen.api.retries import (
    RetryPolicy,
    backoff,
    gives_up,
    is_retryable,
    parse_retry_after,
    wait_seconds,
)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({"retry-after": "5"}, 5.0, id="seconds"),
        pytest.param({"retry-after": "0.5"}, 0.5, id="fractional-seconds"),
        pytest.param({"retry-after-ms": "1500", "retry-after": "9"}, 1.5, id="milliseconds-win"),
        pytest.param({"retry-after": "Wed, 25 Nov 2026 12:00:10 GMT"}, 10.0, id="http-date"),
        pytest.param({"retry-after": "Wed, 25 Nov 2026 11:00:00 GMT"}, 0.0, id="http-date-in-the-past"),
        pytest.param({"retry-after": "-3"}, 0.0, id="negative"),
        pytest.param({"retry-after": "soon"}, None, id="garbage"),
        pytest.param({}, None, id="absent"),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    noon = 1795608000.0  # Wed, 25 Nov 2026 12:00:00 GMT
    assert parse_retry_after(httpx.Headers(headers), now=noon) == expected


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(initial_backoff=1, max_backoff=8)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        wait = backoff(attempt, policy, rng=rng)
        assert ceiling / 2 <= wait <= ceiling


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(errors.RateLimitError("x", status_code=429, retry_after=3), 3, id="server-advice"),
        pytest.param(errors.RateLimitError("x", status_code=429, retry_after=600), 600, id="server-advice-uncapped"),
        pytest.param(errors.ServerError("x", status_code=503), 10, id="backoff-capped"),
        pytest.param(errors.HeyGenConnectionError("x"), 10, id="backoff-capped-connection-error"),
    ],
)
def test_wait_is_the_servers_advice_as_given_else_backoff_capped(error: BaseException, expected: float) -> None:
    policy = RetryPolicy(initial_backoff=100, max_backoff=100, max_wait=10)
    assert wait_seconds(error, 1, policy) == expected


@pytest.mark.parametrize(
    ("attempt", "wait", "elapsed", "policy", "expected"),
    [
        pytest.param(1, 10, 0, RetryPolicy(max_wait=60), False, id="retry"),
        pytest.param(5, 10, 0, RetryPolicy(max_attempts=6), False, id="before-the-last-try"),
        pytest.param(6, 10, 0, RetryPolicy(max_attempts=6), True, id="after-the-last-try"),
        pytest.param(1, 60, 0, RetryPolicy(max_wait=60), False, id="wait-at-the-cap"),
        pytest.param(1, 60.001, 0, RetryPolicy(max_wait=60), True, id="server-wait-over-the-cap"),
        pytest.param(1, 600, 0, RetryPolicy(max_wait=60), True, id="server-wait-far-over-the-cap"),
        pytest.param(1, 0, 0, RetryPolicy(max_wait=0), False, id="zero-wait-with-zero-cap"),
        pytest.param(1, 20, 0, RetryPolicy(deadline=20), False, id="wait-ending-at-the-deadline"),
        pytest.param(1, 20.5, 0, RetryPolicy(deadline=20), True, id="wait-over-the-deadline"),
        pytest.param(2, 12, 8, RetryPolicy(deadline=20), False, id="wait-ending-at-the-remaining-deadline"),
        pytest.param(2, 12.5, 8, RetryPolicy(deadline=20), True, id="wait-over-the-remaining-deadline"),
        pytest.param(2, 50, 1e6, RetryPolicy(), False, id="no-deadline"),
    ],
)
def test_gives_up_at_its_boundaries(
    attempt: int, wait: float, elapsed: float, policy: RetryPolicy, expected: bool
) -> None:
    assert gives_up(attempt, wait, policy, elapsed=elapsed) is expected


def status(code: int, api_code: str | None = None) -> errors.APIStatusError:
    return errors.error_from_response(
        httpx.Response(
            code,
            json={"error": {"code": api_code, "message": "m"}},
            request=httpx.Request("GET", "https://x/"),
        )
    )


@pytest.mark.parametrize(
    ("error", "method", "keyed", "expected"),
    [
        pytest.param(status(429), "POST", False, True, id="429-post-unkeyed"),
        pytest.param(status(500), "GET", False, True, id="500-get"),
        pytest.param(status(500), "POST", False, False, id="500-post-unkeyed"),
        pytest.param(status(503), "POST", True, True, id="503-post-keyed"),
        pytest.param(status(408), "GET", False, True, id="408-get"),
        pytest.param(status(400), "GET", False, False, id="400"),
        pytest.param(status(404), "GET", False, False, id="404"),
        pytest.param(status(409, "request_in_progress"), "POST", True, True, id="409-in-progress-keyed"),
        pytest.param(status(409, "request_in_progress"), "POST", False, False, id="409-unkeyed"),
        pytest.param(status(409, "conflict"), "POST", True, False, id="409-other"),
        pytest.param(errors.HeyGenConnectionError("x", request_sent=False), "POST", False, True, id="connect-post"),
        pytest.param(errors.HeyGenConnectionError("x", request_sent=True), "POST", False, False, id="read-post"),
        pytest.param(errors.HeyGenTimeoutError("x"), "GET", False, True, id="timeout-get"),
        pytest.param(ValueError("x"), "GET", False, False, id="not-ours"),
    ],
)
def test_is_retryable(error: BaseException, method: str, keyed: bool, expected: bool) -> None:
    assert is_retryable(error, method=method, has_idempotency_key=keyed) is expected


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
