"""HeyGenClient / AsyncHeyGenClient over a mocked transport: auth, envelopes, errors, retries, pagination."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from airflow_provider.heygen import __version__
from airflow_provider.heygen.api import errors
from airflow_provider.heygen.api.client import AsyncHeyGenClient, HeyGenClient
from airflow_provider.heygen.api.retries import RetryPolicy

BASE = "https://api.test"
KEY = "sk-live-secret-key-123"


class FakeSleep:
    """Records the waits instead of sleeping, and moves a fake clock forward by them."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 0.0

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self(seconds)

    def clock(self) -> float:
        return self.now


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def client(sleep: FakeSleep) -> HeyGenClient:
    return HeyGenClient(KEY, base_url=BASE, sleep=sleep, clock=sleep.clock, retry=RetryPolicy(max_attempts=4))


def envelope_error(status: int, code: str, message: str, param: str | None = None, **headers: str) -> httpx.Response:
    error = {"code": code, "message": message, "doc_url": "https://developers.heygen.com/docs/error-codes"}
    if param:
        error["param"] = param
    return httpx.Response(status, json={"error": error}, headers=headers)


@respx.mock(base_url=BASE)
def test_auth_header_and_user_agent_are_sent(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    route = respx_mock.get("/v3/users/me").respond(json={"data": {"username": "ada"}})
    assert client.request("GET", "/v3/users/me") == {"data": {"username": "ada"}}
    sent = route.calls.last.request
    assert sent.headers["x-api-key"] == KEY
    assert sent.headers["user-agent"].startswith(f"airflow-provider-heygen/{__version__} ")


@respx.mock(base_url=BASE)
def test_api_key_never_reaches_logs_errors_or_repr(
    respx_mock: respx.MockRouter, client: HeyGenClient, caplog: pytest.LogCaptureFixture
) -> None:
    respx_mock.get("/v3/videos/v1").mock(
        side_effect=[
            envelope_error(503, "internal_error", "busy"),
            envelope_error(401, "unauthorized", "bad key"),
        ]
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(errors.AuthenticationError) as info:
        client.request("GET", "/v3/videos/v1")
    assert "retry 1/3" in caplog.text  # the retry was logged...
    assert KEY not in caplog.text  # ...without the key
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)
    assert KEY not in repr(client)


@respx.mock(base_url=BASE)
def test_429_waits_retry_after_seconds(respx_mock: respx.MockRouter, client: HeyGenClient, sleep: FakeSleep) -> None:
    respx_mock.post("/v3/videos").mock(
        side_effect=[
            envelope_error(429, "rate_limit_exceeded", "slow down", **{"Retry-After": "7"}),
            httpx.Response(200, json={"data": {"video_id": "v1", "status": "waiting"}}),
        ]
    )
    body = client.request("POST", "/v3/videos", json={"type": "avatar"})  # 429 is retried even without a key
    assert body["data"]["video_id"] == "v1"
    assert sleep.waits == [7.0]


@respx.mock(base_url=BASE)
def test_waiting_at_most_raises_a_longer_retry_after_at_once_then_restores_the_policy(
    respx_mock: respx.MockRouter, client: HeyGenClient, sleep: FakeSleep
) -> None:
    respx_mock.post("/v3/videos").mock(side_effect=[limited("1"), limited("7"), limited("7")])
    policy = client.retry
    with client.waiting_at_most(2.0), pytest.raises(errors.RateLimitError) as info:
        client.request("POST", "/v3/videos", json={"type": "avatar"})
    assert sleep.waits == [1.0]  # the 1 s wait fits in place; the 7 s one is the caller's
    assert info.value.retry_after == 7.0
    assert client.retry is policy


@respx.mock(base_url=BASE)
def test_retry_after_http_date_is_honoured(
    respx_mock: respx.MockRouter, client: HeyGenClient, sleep: FakeSleep
) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    respx_mock.get("/v3/users/me").mock(
        side_effect=[
            envelope_error(429, "rate_limit_exceeded", "later", **{"Retry-After": when}),
            httpx.Response(200, json={"data": {}}),
        ]
    )
    client.request("GET", "/v3/users/me")
    assert len(sleep.waits) == 1
    assert 27 <= sleep.waits[0] <= 30


def limited(retry_after: str) -> httpx.Response:
    return envelope_error(429, "rate_limit_exceeded", "slow down", **{"Retry-After": retry_after})


@pytest.mark.parametrize(
    ("policy", "retry_afters", "waits"),
    [
        pytest.param(RetryPolicy(max_wait=60), ["600"], [], id="600s-over-the-60s-cap"),
        pytest.param(RetryPolicy(max_wait=60), ["60.5"], [], id="just-over-the-cap"),
        pytest.param(RetryPolicy(max_wait=60), ["30", "61"], [30.0], id="over-the-cap-on-the-second-429"),
        pytest.param(RetryPolicy(max_wait=60, deadline=20), ["25"], [], id="over-the-deadline"),
        pytest.param(RetryPolicy(max_wait=60, deadline=20), ["8", "12.5"], [8.0], id="over-the-remaining-deadline"),
    ],
)
@respx.mock(base_url=BASE)
def test_a_server_wait_the_call_cannot_afford_raises_at_once_with_the_servers_value(
    respx_mock: respx.MockRouter, sleep: FakeSleep, policy: RetryPolicy, retry_afters: list[str], waits: list[float]
) -> None:
    client = HeyGenClient(KEY, base_url=BASE, sleep=sleep, clock=sleep.clock, retry=policy)
    route = respx_mock.get("/v3/users/me").mock(
        side_effect=[*map(limited, retry_afters), httpx.Response(200, json={"data": {}})]
    )
    with pytest.raises(errors.RateLimitError) as info:
        client.request("GET", "/v3/users/me")
    assert sleep.waits == waits
    assert route.call_count == len(retry_afters)
    assert info.value.retry_after == float(retry_afters[-1])  # uncapped: the caller defers for it


@pytest.mark.parametrize(
    ("policy", "retry_afters"),
    [
        pytest.param(RetryPolicy(max_wait=60), ["30"], id="within-the-cap"),
        pytest.param(RetryPolicy(max_wait=60), ["60"], id="at-the-cap"),
        pytest.param(RetryPolicy(max_wait=60), ["0"], id="no-wait"),
        pytest.param(RetryPolicy(max_wait=60, deadline=20), ["20"], id="ending-at-the-deadline"),
        pytest.param(RetryPolicy(max_wait=60, deadline=20), ["8", "12"], id="ending-at-the-remaining-deadline"),
    ],
)
@respx.mock(base_url=BASE)
def test_a_server_wait_the_call_can_afford_is_waited_in_place(
    respx_mock: respx.MockRouter, sleep: FakeSleep, policy: RetryPolicy, retry_afters: list[str]
) -> None:
    client = HeyGenClient(KEY, base_url=BASE, sleep=sleep, clock=sleep.clock, retry=policy)
    respx_mock.get("/v3/users/me").mock(
        side_effect=[*map(limited, retry_afters), httpx.Response(200, json={"data": {"u": 1}})]
    )
    assert client.request("GET", "/v3/users/me")["data"] == {"u": 1}
    assert sleep.waits == [float(seconds) for seconds in retry_afters]


@respx.mock(base_url=BASE)
def test_a_concurrency_limit_longer_than_the_cap_is_left_to_the_caller(
    respx_mock: respx.MockRouter, client: HeyGenClient, sleep: FakeSleep
) -> None:
    route = respx_mock.post("/v3/videos").respond(
        429,
        json={"error": {"code": "rate_limit_exceeded", "message": "Concurrent job limit of 10 reached"}},
        headers={"Retry-After": "600"},
    )
    with pytest.raises(errors.ConcurrencyLimitError) as info:
        client.request("POST", "/v3/videos", json={}, idempotency_key="k")
    assert (info.value.retry_after, route.call_count, sleep.waits) == (600.0, 1, [])


@respx.mock(base_url=BASE)
def test_backoff_without_server_advice_is_capped(respx_mock: respx.MockRouter, sleep: FakeSleep) -> None:
    policy = RetryPolicy(max_attempts=3, initial_backoff=100, max_backoff=100, max_wait=2)
    client = HeyGenClient(KEY, base_url=BASE, sleep=sleep, clock=sleep.clock, retry=policy)
    respx_mock.get("/v3/users/me").mock(
        side_effect=[httpx.Response(503), httpx.Response(503), httpx.Response(200, json={"data": {}})]
    )
    client.request("GET", "/v3/users/me")
    assert sleep.waits == [2.0, 2.0]


@respx.mock(base_url=BASE)
def test_concurrency_429_is_its_own_error_with_retry_after(respx_mock: respx.MockRouter, sleep: FakeSleep) -> None:
    once = HeyGenClient(KEY, base_url=BASE, sleep=sleep, retry=RetryPolicy(max_attempts=1))
    respx_mock.post("/v3/videos").respond(
        429,
        json={"error": {"code": "rate_limit_exceeded", "message": "Concurrent job limit of 10 reached"}},
        headers={"Retry-After": "12", "X-Request-Id": "req-9"},
    )
    with pytest.raises(errors.ConcurrencyLimitError) as info:
        once.request("POST", "/v3/videos", json={})
    assert info.value.retry_after == 12.0
    assert info.value.request_id == "req-9"
    assert sleep.waits == []


@respx.mock(base_url=BASE)
def test_5xx_is_retried_on_get(respx_mock: respx.MockRouter, client: HeyGenClient, sleep: FakeSleep) -> None:
    route = respx_mock.get("/v3/videos/v1").mock(
        side_effect=[
            httpx.Response(502, text="<html>bad gateway</html>"),
            httpx.Response(500),
            httpx.Response(200, json={"data": {"id": "v1"}}),
        ]
    )
    assert client.request("GET", "/v3/videos/v1")["data"]["id"] == "v1"
    assert route.call_count == 3
    assert len(sleep.waits) == 2
    assert 0.25 <= sleep.waits[0] <= 0.5 and 0.5 <= sleep.waits[1] <= 1.0  # exponential backoff, jittered


@respx.mock(base_url=BASE)
def test_5xx_is_not_retried_on_post_without_idempotency_key(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    route = respx_mock.post("/v3/videos").respond(500, json={"error": {"code": "internal_error", "message": "boom"}})
    with pytest.raises(errors.ServerError) as info:
        client.request("POST", "/v3/videos", json={})
    assert route.call_count == 1
    assert info.value.status_code == 500 and info.value.code == "internal_error"


@respx.mock(base_url=BASE)
def test_5xx_is_retried_on_post_with_idempotency_key(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    route = respx_mock.post("/v3/videos").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"data": {"video_id": "v1"}})]
    )
    client.request("POST", "/v3/videos", json={}, idempotency_key="run-1")
    assert route.call_count == 2
    assert all(call.request.headers["idempotency-key"] == "run-1" for call in route.calls)


@respx.mock(base_url=BASE)
def test_request_in_progress_conflict_waits_and_retries(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    route = respx_mock.post("/v3/videos").mock(
        side_effect=[
            envelope_error(409, "request_in_progress", "first request still running"),
            httpx.Response(200, json={"data": {"video_id": "v1"}}),
        ]
    )
    assert client.request("POST", "/v3/videos", json={}, idempotency_key="k1")["data"]["video_id"] == "v1"
    assert route.call_count == 2


@respx.mock(base_url=BASE)
def test_connect_error_is_retried_even_for_post(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    route = respx_mock.post("/v3/videos").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json={"data": {"video_id": "v1"}})]
    )
    client.request("POST", "/v3/videos", json={})
    assert route.call_count == 2


@respx.mock(base_url=BASE)
def test_read_error_on_post_without_key_is_not_retried(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    route = respx_mock.post("/v3/videos").mock(side_effect=httpx.ReadError("dropped"))
    with pytest.raises(errors.HeyGenConnectionError) as info:
        client.request("POST", "/v3/videos", json={})
    assert route.call_count == 1
    assert info.value.request_sent


@respx.mock(base_url=BASE)
def test_read_timeout_on_get_is_retried_then_raised_as_timeout(
    respx_mock: respx.MockRouter, client: HeyGenClient
) -> None:
    route = respx_mock.get("/v3/videos/v1").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(errors.HeyGenTimeoutError):
        client.request("GET", "/v3/videos/v1")
    assert route.call_count == 4  # max_attempts


@respx.mock(base_url=BASE)
def test_malformed_json_on_get_is_retried(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    respx_mock.get("/v3/videos/v1").mock(
        side_effect=[
            httpx.Response(200, text='{"data": {"id"'),
            httpx.Response(200, json={"data": {"id": "v1"}}),
        ]
    )
    assert client.request("GET", "/v3/videos/v1")["data"]["id"] == "v1"


@respx.mock(base_url=BASE)
def test_an_empty_200_is_a_malformed_answer_and_retried(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    route = respx_mock.get("/v3/videos/v1").mock(
        side_effect=[httpx.Response(200), httpx.Response(200, json={"data": {"id": "v1"}})]
    )
    assert client.request("GET", "/v3/videos/v1")["data"]["id"] == "v1"
    assert route.call_count == 2
    respx_mock.get("/v3/videos/v2").respond(200)
    with pytest.raises(errors.MalformedResponseError, match="response body is empty"):
        client.request("GET", "/v3/videos/v2")


@respx.mock(base_url=BASE)
def test_deadline_stops_retries_instead_of_sleeping_past_it(respx_mock: respx.MockRouter, sleep: FakeSleep) -> None:
    bounded = HeyGenClient(
        KEY, base_url=BASE, sleep=sleep, clock=sleep.clock, retry=RetryPolicy(max_attempts=10, deadline=20)
    )
    route = respx_mock.get("/v3/users/me").respond(429, headers={"Retry-After": "8"})
    with pytest.raises(errors.RateLimitError):
        bounded.request("GET", "/v3/users/me")
    assert sleep.waits == [8.0, 8.0]  # a third wait would end at 24 s > 20 s
    assert route.call_count == 3


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        pytest.param(400, "invalid_parameter", errors.BadRequestError, id="400"),
        pytest.param(401, "unauthorized", errors.AuthenticationError, id="401"),
        pytest.param(402, "insufficient_credit", errors.InsufficientCreditError, id="402"),
        pytest.param(403, "forbidden", errors.PermissionDeniedError, id="403"),
        pytest.param(404, "not_found", errors.NotFoundError, id="404"),
        pytest.param(409, "conflict", errors.ConflictError, id="409"),
        pytest.param(413, "payload_too_large", errors.PayloadTooLargeError, id="413"),
    ],
)
@respx.mock(base_url=BASE)
def test_4xx_maps_to_typed_error_and_is_not_retried(
    respx_mock: respx.MockRouter,
    client: HeyGenClient,
    status: int,
    code: str,
    expected: type[errors.APIStatusError],
) -> None:
    route = respx_mock.post("/v3/videos").mock(
        return_value=envelope_error(status, code, "script is too long", param="script", **{"X-Request-Id": "req-1"})
    )
    with pytest.raises(expected) as info:
        client.request("POST", "/v3/videos", json={}, idempotency_key="k")
    error = info.value
    assert type(error) is expected
    assert (error.status_code, error.code, error.param, error.request_id) == (status, code, "script", "req-1")
    assert "param: script" in str(error) and "req-1" in str(error) and "POST /v3/videos" in str(error)
    assert route.call_count == 1


@respx.mock(base_url=BASE)
def test_gateway_error_without_envelope_is_classified_by_status(respx_mock: respx.MockRouter, sleep: FakeSleep) -> None:
    once = HeyGenClient(KEY, base_url=BASE, sleep=sleep, retry=RetryPolicy(max_attempts=1))
    respx_mock.get("/v3/users/me").respond(504, text="<html>Gateway Timeout</html>")
    with pytest.raises(errors.ServerError) as info:
        once.request("GET", "/v3/users/me")
    assert info.value.code is None and info.value.status_code == 504


@respx.mock(base_url=BASE)
def test_error_envelope_on_200_raises(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    respx_mock.get("/v3/users/me").respond(200, json={"data": None, "error": {"code": "not_found", "message": "gone"}})
    with pytest.raises(errors.APIStatusError, match="gone"):
        client.request("GET", "/v3/users/me")


def three_pages(respx_mock: respx.MockRouter) -> respx.Route:
    pages = {
        None: {"data": [{"id": "a"}, {"id": "b"}], "has_more": True, "next_token": "t2"},
        "t2": {"data": [{"id": "c"}], "has_more": True, "next_token": "t3"},
        "t3": {"data": [{"id": "d"}], "has_more": False, "next_token": None},
    }
    return respx_mock.get("/v3/videos").mock(
        side_effect=lambda request: httpx.Response(200, json=pages[request.url.params.get("token")])
    )


@respx.mock(base_url=BASE)
def test_paginate_follows_next_token_across_three_pages(respx_mock: respx.MockRouter, client: HeyGenClient) -> None:
    route = three_pages(respx_mock)
    assert [item["id"] for item in client.paginate("/v3/videos", {"limit": 2})] == ["a", "b", "c", "d"]
    assert [call.request.url.params.get("token") for call in route.calls] == [None, "t2", "t3"]
    assert all(call.request.url.params["limit"] == "2" for call in route.calls)


@respx.mock(base_url=BASE)
async def test_async_paginate_and_429_wait(respx_mock: respx.MockRouter, sleep: FakeSleep) -> None:
    three_pages(respx_mock)
    respx_mock.get("/v3/users/me").mock(
        side_effect=[
            envelope_error(429, "rate_limit_exceeded", "x", **{"Retry-After": "2"}),
            httpx.Response(200, json={"data": {"u": 1}}),
        ]
    )
    async with AsyncHeyGenClient(KEY, base_url=BASE, sleep=sleep.asleep, clock=sleep.clock) as aclient:
        assert [item["id"] async for item in aclient.paginate("/v3/videos")] == ["a", "b", "c", "d"]
        assert (await aclient.request("GET", "/v3/users/me"))["data"] == {"u": 1}
    assert sleep.waits == [2.0]


@respx.mock(base_url=BASE)
async def test_async_server_wait_over_the_cap_raises_at_once(respx_mock: respx.MockRouter, sleep: FakeSleep) -> None:
    route = respx_mock.get("/v3/users/me").mock(side_effect=[limited("600"), httpx.Response(200, json={"data": {}})])
    policy = RetryPolicy(max_wait=60)
    async with AsyncHeyGenClient(KEY, base_url=BASE, sleep=sleep.asleep, clock=sleep.clock, retry=policy) as aclient:
        with pytest.raises(errors.RateLimitError) as info:
            await aclient.request("GET", "/v3/users/me")
    assert (info.value.retry_after, route.call_count, sleep.waits) == (600.0, 1, [])


def test_close_leaves_an_http_client_passed_in_open() -> None:
    with httpx.Client() as http:
        with HeyGenClient(KEY, base_url=BASE, http_client=http):
            pass
        assert not http.is_closed
    own = HeyGenClient(KEY, base_url=BASE)
    own.close()
    assert own._http.is_closed


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        pytest.param(None, "https://api.heygen.com", id="default"),
        pytest.param("api.heygen.com", "https://api.heygen.com", id="bare-host-gets-https"),
        pytest.param("localhost:8080/", "https://localhost:8080", id="bare-host-and-port"),
        pytest.param("http://127.0.0.1:9000/", "http://127.0.0.1:9000", id="http-with-port"),
        pytest.param("HTTPS://api.heygen.com", "HTTPS://api.heygen.com", id="scheme-in-capitals"),
        pytest.param("https://proxy.test/heygen/", "https://proxy.test/heygen", id="path-prefix"),
    ],
)
def test_base_url_accepts_http_and_https_urls_and_bare_hosts(base_url: str | None, expected: str) -> None:
    assert HeyGenClient(KEY, base_url=base_url).base_url == expected


@pytest.mark.parametrize("cls", [HeyGenClient, AsyncHeyGenClient])
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param({"timeout": 0}, "timeout 0 must be > 0 seconds", id="zero-timeout"),
        pytest.param({"timeout": -1.5}, "timeout -1.5 must be > 0 seconds", id="negative-timeout"),
        pytest.param({"timeout": float("nan")}, "timeout nan must be > 0 seconds", id="nan-timeout"),
        pytest.param(
            {"base_url": "ftp://api.heygen.com"}, "base_url 'ftp://api.heygen.com' has scheme 'ftp'", id="ftp"
        ),
        pytest.param(
            {"base_url": "https://ada:hunter2@api.heygen.com"},
            "base_url 'https://***@api.heygen.com' carries credentials",
            id="credentials",
        ),
        pytest.param(
            {"base_url": "https://api.heygen.com/?region=eu"},
            "'https://api.heygen.com/?region=eu' has a query",
            id="query",
        ),
        pytest.param(
            {"base_url": "https://api.heygen.com/#v3"}, "'https://api.heygen.com/#v3' has a fragment", id="fragment"
        ),
        pytest.param(
            {"base_url": "https://api.heygen.com/?"}, "'https://api.heygen.com/?' has a query", id="empty-query"
        ),
        pytest.param({"base_url": "https://"}, "base_url 'https://' has no host", id="no-host"),
        pytest.param(
            {"base_url": "https://api.heygen.com:https"}, "'https://api.heygen.com:https' is not a URL", id="bad-port"
        ),
    ],
)
def test_nonsense_settings_are_rejected_at_construction(
    cls: type[HeyGenClient | AsyncHeyGenClient], settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        cls(KEY, **settings)
    if "base_url" in settings:
        assert "an http:// or https:// URL" in str(info.value)  # says what is allowed
    assert "hunter2" not in str(info.value)


def test_invalid_idempotency_key_is_rejected_before_sending() -> None:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.post("/v3/videos")
        with pytest.raises(ValueError, match="idempotency_key"):
            HeyGenClient(KEY, base_url=BASE).request("POST", "/v3/videos", json={}, idempotency_key="bad key!")
        assert not route.called


def test_missing_api_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="API key is required"):
        HeyGenClient("", base_url=BASE)
    with pytest.raises(ValueError, match=r"API key is required.*or an OAuth access token"):
        AsyncHeyGenClient(access_token="", base_url=BASE)


def test_a_key_and_a_token_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both") as info:
        HeyGenClient(KEY, access_token=TOKEN, base_url=BASE)
    assert KEY not in str(info.value) and TOKEN not in str(info.value)


# --- OAuth access tokens ----------------------------------------------------------------------------------

TOKEN = "oauth-access-token-secret-456"


@respx.mock(base_url=BASE)
async def test_an_access_token_is_sent_as_bearer_and_never_as_an_api_key(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/v3/users/me").respond(json={"data": {}})
    with HeyGenClient(access_token=TOKEN, base_url=BASE) as sync:
        sync.request("GET", "/v3/users/me")
    async with AsyncHeyGenClient(access_token=TOKEN, base_url=BASE) as aclient:
        await aclient.request("GET", "/v3/users/me")

    for call in route.calls:
        assert call.request.headers["authorization"] == f"Bearer {TOKEN}"
        assert "x-api-key" not in call.request.headers
    assert (sync.auth_type, aclient.auth_type) == ("oauth", "oauth")
    assert HeyGenClient(KEY, base_url=BASE).auth_type == "api_key"


@respx.mock(base_url=BASE)
def test_an_access_token_never_reaches_logs_errors_or_repr(
    respx_mock: respx.MockRouter, sleep: FakeSleep, caplog: pytest.LogCaptureFixture
) -> None:
    respx_mock.get("/v3/videos/v1").mock(
        side_effect=[envelope_error(503, "internal_error", "busy"), envelope_error(401, "unauthorized", "expired")]
    )
    client = HeyGenClient(access_token=TOKEN, base_url=BASE, sleep=sleep, clock=sleep.clock)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(errors.AuthenticationError) as info:
        client.request("GET", "/v3/videos/v1")

    assert "retry 1/" in caplog.text
    shown = [caplog.text, str(info.value), repr(info.value), repr(client), str(client), repr(vars(info.value))]
    assert not [text for text in shown if TOKEN in text]


def test_error_tree_is_pinned() -> None:
    assert issubclass(errors.ConcurrencyLimitError, errors.RateLimitError)
    for cls in (
        errors.BadRequestError,
        errors.AuthenticationError,
        errors.RateLimitError,
        errors.ServerError,
    ):
        assert issubclass(cls, errors.APIStatusError) and issubclass(cls, errors.HeyGenError)
    assert issubclass(errors.HeyGenTimeoutError, errors.HeyGenConnectionError)
    assert not issubclass(errors.HeyGenConnectionError, errors.APIStatusError)
    for domain in (
        errors.JobFailedError,
        errors.JobTimeoutError,
        errors.BudgetExceededError,
        errors.InvalidRequestError,
    ):
        assert issubclass(domain, errors.HeyGenError) and not issubclass(domain, errors.APIStatusError)
    assert issubclass(errors.InvalidRequestError, ValueError)


async def test_a_failed_bulk_status_call_leaves_no_request_running() -> None:
    """One chunk of a bulk status read fails: the others are cancelled, not left retrying for nobody."""

    async def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["video_ids"].split(",")
        if ids[0] == "v_000":
            return httpx.Response(500, json={"error": {"code": "internal_error", "message": "boom"}})
        await asyncio.sleep(5)  # a slow sibling chunk
        return httpx.Response(200, json={"data": [{"video_id": i, "status": "processing"} for i in ids]})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = AsyncHeyGenClient(KEY, base_url=BASE, http_client=http, retry=RetryPolicy(max_attempts=1))
        with pytest.raises(errors.ServerError):
            await client.get_job_statuses("video", [f"v_{i:03d}" for i in range(200)])
        assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_the_async_client_builds_a_query_url_once_and_sends_what_it_would_have_built() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"data": []})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = AsyncHeyGenClient("k", base_url="https://api.test", http_client=http)
    ids = {"video_ids": "v_1,v_2 x"}
    for _ in range(3):
        await client.request("GET", "/v3/videos/statuses", params=ids)
    await client.request("GET", "/v3/videos", params={"tags": ["a", "b"]})  # a list value: built each time
    await http.aclose()
    assert seen[:3] == [str(httpx.URL("https://api.test/v3/videos/statuses", params=ids))] * 3
    assert seen[3] == "https://api.test/v3/videos?tags=a&tags=b"
    assert len(client._urls) == 1
