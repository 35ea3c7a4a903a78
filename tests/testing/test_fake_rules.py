"""The API's rules over real HTTP: auth, validation limits, credit, not found, rate and concurrency limits,
idempotency, pagination."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.testing.helpers import AVATAR_VIDEO, SOURCE_VIDEO, create_video, error_of

# --- 401 ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"x-api-key": "wrong"}, id="wrong"),
        pytest.param({"authorization": "Bearer wrong"}, id="wrong-bearer"),
    ],
)
def test_requests_without_the_right_key_are_unauthorized(fake: FakeHeyGen, headers: dict[str, str]) -> None:
    response = httpx.get(f"{fake.url}/v3/users/me", headers=headers)

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_the_key_is_also_accepted_as_a_bearer_token(fake: FakeHeyGen) -> None:
    response = httpx.get(f"{fake.url}/v3/users/me", headers={"authorization": f"Bearer {fake.api_key}"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        pytest.param("authorization", "Bearer {token}", 200, id="token-as-bearer"),
        pytest.param("authorization", "bearer {token}", 200, id="token-as-lowercase-bearer"),
        pytest.param("x-api-key", "{key}", 200, id="key-as-x-api-key"),
        pytest.param("x-api-key", "{token}", 401, id="token-as-x-api-key"),
        pytest.param("authorization", "Bearer {key}", 401, id="key-as-bearer"),
        pytest.param("authorization", "{token}", 401, id="token-without-scheme"),
        pytest.param("authorization", "Basic {token}", 401, id="token-as-basic"),
    ],
)
def test_with_an_oauth_token_the_token_is_accepted_only_as_bearer_and_the_key_only_as_x_api_key(
    make_fake: Callable[..., FakeHeyGen], header: str, value: str, status: int
) -> None:
    fake = make_fake(oauth_token="oauth-token-xyz")

    sent = value.format(token=fake.oauth_token, key=fake.api_key)
    response = httpx.get(f"{fake.url}/v3/users/me", headers={header: sent})

    assert response.status_code == status
    assert all(sent not in str(request.headers) for request in fake.requests)


# --- 400 ---------------------------------------------------------------------------------------------------

AGENT = {"prompt": "A product tour"}
TRANSLATION = {"video": SOURCE_VIDEO, "output_languages": ["French"]}


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        pytest.param("/v3/videos", {**AVATAR_VIDEO, "script": "x" * 5001}, "script", id="script-5000"),
        pytest.param("/v3/videos", {**AVATAR_VIDEO, "aspect_ratio": "4:3"}, "aspect_ratio", id="aspect-ratio"),
        pytest.param("/v3/videos", {**AVATAR_VIDEO, "resolution": "8k"}, "resolution", id="resolution"),
        pytest.param("/v3/videos", {**AVATAR_VIDEO, "type": "hologram"}, "type", id="unknown-type"),
        pytest.param("/v3/videos", {**AVATAR_VIDEO, "engine": {"type": "avatar_x"}}, "engine.type", id="engine"),
        pytest.param("/v3/videos", {"type": "avatar", "script": "hi"}, "avatar_id", id="missing-avatar-id"),
        pytest.param(
            "/v3/videos",
            {**AVATAR_VIDEO, "audio_url": "https://example.com/a.mp3"},
            "script",
            id="script-and-audio",
        ),
        pytest.param(
            "/v3/videos",
            {**AVATAR_VIDEO, "voice_settings": {"speed": 2.0}},
            "voice_settings.speed",
            id="voice-speed",
        ),
        pytest.param(
            "/v3/videos",
            {**AVATAR_VIDEO, "output_format": "webm", "background": {"type": "color", "value": "#fff"}},
            "background",
            id="webm-background",
        ),
        pytest.param(
            "/v3/videos",
            {"type": "cinematic_avatar", "prompt": "p", "avatar_id": ["a"], "duration": 16},
            "duration",
            id="cinematic-duration",
        ),
        pytest.param(
            "/v3/videos",
            {"type": "cinematic_avatar", "prompt": "p", "avatar_id": ["a"], "aspect_ratio": "4:5"},
            "aspect_ratio",
            id="cinematic-aspect-ratio",
        ),
        pytest.param(
            "/v3/videos",
            {"type": "cinematic_avatar", "prompt": "p", "avatar_id": ["a", "b", "c", "d"]},
            "avatar_id",
            id="cinematic-avatars",
        ),
        pytest.param("/v3/videos", {"type": "studio", "scenes": []}, "scenes", id="scenes-none"),
        pytest.param(
            "/v3/videos",
            {"type": "studio", "scenes": [{"type": "video", "source": SOURCE_VIDEO}] * 51},
            "scenes",
            id="scenes-51",
        ),
        pytest.param(
            "/v3/videos",
            {"type": "studio", "scenes": [{"type": "image", "source": SOURCE_VIDEO, "duration": 301}]},
            "scenes[0].duration",
            id="image-scene-duration",
        ),
        pytest.param("/v3/video-agents", {"prompt": ""}, "prompt", id="prompt-empty"),
        pytest.param("/v3/video-agents", {"prompt": "x" * 10_001}, "prompt", id="prompt-10000"),
        pytest.param("/v3/video-agents", {**AGENT, "files": [SOURCE_VIDEO] * 21}, "files", id="files-20"),
        pytest.param("/v3/video-agents", {**AGENT, "orientation": "diagonal"}, "orientation", id="orientation"),
        pytest.param("/v3/video-agents", {**AGENT, "files": [{"type": "ftp"}]}, "files[0].type", id="asset-type"),
        pytest.param(
            "/v3/video-translations",
            {**TRANSLATION, "output_languages": ["Klingon"]},
            "output_languages",
            id="lang",
        ),
        pytest.param("/v3/video-translations", {**TRANSLATION, "mode": "turbo"}, "mode", id="translation-mode"),
        pytest.param("/v3/video-translations", {"video": SOURCE_VIDEO}, "output_languages", id="no-languages"),
        pytest.param("/v3/lipsyncs", {"video": SOURCE_VIDEO}, "audio", id="lipsync-audio"),
    ],
)
def test_bodies_breaking_a_documented_limit_or_enum_are_invalid_parameters(
    fake: FakeHeyGen, client: httpx.Client, path: str, body: dict[str, Any], param: str
) -> None:
    response = client.post(path, json=body)

    assert response.status_code == 400, response.text
    error = error_of(response)
    assert (error["code"], error["param"]) == ("invalid_parameter", param)
    assert error["doc_url"].startswith("https://developers.heygen.com/docs/error-codes")
    assert fake.jobs() == []


def test_a_body_that_is_not_json_is_an_invalid_parameter(client: httpx.Client) -> None:
    response = client.post("/v3/videos", content=b"{nope", headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_parameter"


def test_a_non_integer_limit_is_an_invalid_parameter(client: httpx.Client) -> None:
    response = client.get("/v3/videos", params={"limit": "abc"})

    assert error_of(response)["param"] == "limit"


# --- 402, 404 ----------------------------------------------------------------------------------------------


def test_an_empty_wallet_refuses_new_jobs_with_402(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.wallet_balance = 0

    response = client.post("/v3/videos", json=AVATAR_VIDEO)

    assert response.status_code == 402
    assert error_of(response)["code"] == "insufficient_credit"
    assert fake.jobs() == []


def test_a_wallet_that_cannot_cover_the_running_jobs_and_the_new_one_refuses_it(
    make_fake: Callable[..., FakeHeyGen],
) -> None:
    fake = make_fake(wallet_credits=0.3)  # one 2 s Avatar IV video costs 0.2
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as client:
        create_video(client)
        assert client.post("/v3/videos", json=AVATAR_VIDEO).status_code == 402
        fake.advance(2)
        assert client.get("/v3/users/me").json()["data"]["wallet"]["remaining_balance"] == pytest.approx(0.1)


@pytest.mark.parametrize(
    "path",
    [
        "/v3/videos/v_missing",
        "/v3/video-agents/sess_missing",
        "/v3/video-translations/vt_missing",
        "/v3/video-translations/proofreads/pr_missing",
        "/v3/lipsyncs/ls_missing",
    ],
)
def test_unknown_ids_are_not_found(client: httpx.Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_id_of_another_kind_is_not_found(client: httpx.Client) -> None:
    assert client.get(f"/v3/lipsyncs/{create_video(client)}").status_code == 404


# --- 429 ---------------------------------------------------------------------------------------------------


def test_the_request_rate_limit_answers_429_with_retry_after_until_the_minute_passes(
    make_fake: Callable[..., FakeHeyGen],
) -> None:
    fake = make_fake(rate_limit=3)
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as client:
        assert [client.get("/v3/users/me").status_code for _ in range(3)] == [200, 200, 200]
        limited = client.get("/v3/users/me")
        assert limited.status_code == 429
        assert error_of(limited)["code"] == "rate_limit_exceeded"
        assert int(limited.headers["retry-after"]) >= 1
        fake.advance(60)
        assert client.get("/v3/users/me").status_code == 200


def test_the_rate_limit_is_off_by_default(client: httpx.Client) -> None:
    assert {client.get("/v3/users/me").status_code for _ in range(30)} == {200}


def test_the_concurrency_cap_answers_429_and_frees_up_when_jobs_finish(
    make_fake: Callable[..., FakeHeyGen],
) -> None:
    fake = make_fake(concurrency_limit=3, clock_speed=1.0)
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as client:
        create_video(client)
        client.post("/v3/lipsyncs", json={"video": SOURCE_VIDEO, "audio": SOURCE_VIDEO})
        client.post("/v3/video-agents", json=AGENT)  # its video does not count a second time
        refused = client.post("/v3/video-translations", json=TRANSLATION)

        assert refused.status_code == 429
        error = error_of(refused)
        assert error["code"] == "rate_limit_exceeded"
        assert "concurrent" in error["message"]
        assert int(refused.headers["retry-after"]) == 2  # the 2 s video ends first
        fake.clock_speed = 0
        fake.advance(2)
        assert client.post("/v3/video-translations", json=TRANSLATION).status_code == 200


def test_a_translation_into_several_languages_needs_a_slot_per_language(
    make_fake: Callable[..., FakeHeyGen],
) -> None:
    fake = make_fake(concurrency_limit=2)
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as client:
        body = {**TRANSLATION, "output_languages": ["French", "German", "Italian"]}
        assert client.post("/v3/video-translations", json=body).status_code == 429
        assert fake.jobs() == []


def test_deleting_a_running_job_frees_its_slot(make_fake: Callable[..., FakeHeyGen]) -> None:
    fake = make_fake(concurrency_limit=1)
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as client:
        video_id = create_video(client)
        assert client.post("/v3/videos", json=AVATAR_VIDEO).status_code == 429
        client.delete(f"/v3/videos/{video_id}")
        assert client.post("/v3/videos", json=AVATAR_VIDEO).status_code == 200


# --- Idempotency-Key ---------------------------------------------------------------------------------------


def test_an_idempotent_replay_returns_the_first_answer_verbatim_without_a_second_job(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    headers = {"Idempotency-Key": "dag-task-run-1"}
    first = client.post("/v3/videos", json=AVATAR_VIDEO, headers=headers)
    again = client.post("/v3/videos", json={**AVATAR_VIDEO, "title": "slightly different"}, headers=headers)

    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert again.headers["x-request-id"] == first.headers["x-request-id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(fake.jobs("video")) == 1


def test_a_replay_of_a_retried_task_does_not_pay_twice(fake: FakeHeyGen, client: httpx.Client) -> None:
    video_id = create_video(client, **{"Idempotency-Key": "k1"})
    fake.advance(2)
    assert create_video(client, **{"Idempotency-Key": "k1"}) == video_id
    fake.advance(2)

    assert fake.credits_spent == pytest.approx(0.2)


def test_the_same_key_on_another_path_is_a_new_request(fake: FakeHeyGen, client: httpx.Client) -> None:
    headers = {"Idempotency-Key": "shared"}
    client.post("/v3/videos", json=AVATAR_VIDEO, headers=headers)
    response = client.post("/v3/lipsyncs", json={"video": SOURCE_VIDEO, "audio": SOURCE_VIDEO}, headers=headers)

    assert "idempotent-replayed" not in response.headers
    assert len(fake.jobs()) == 2


def test_a_key_is_replayed_for_24_hours_only(fake: FakeHeyGen, client: httpx.Client) -> None:
    first = create_video(client, **{"Idempotency-Key": "daily"})
    fake.advance(24 * 3600 - 1)
    assert create_video(client, **{"Idempotency-Key": "daily"}) == first
    fake.advance(1)
    assert create_video(client, **{"Idempotency-Key": "daily"}) != first


def test_a_retry_while_the_first_request_is_in_flight_gets_409(fake: FakeHeyGen) -> None:
    fake.inject("delay", "/v3/videos", method="POST", delay=0.5, times=1)
    headers = {"x-api-key": fake.api_key, "Idempotency-Key": "slow-one"}
    results: list[httpx.Response] = []
    first = threading.Thread(
        target=lambda: results.append(httpx.post(f"{fake.url}/v3/videos", json=AVATAR_VIDEO, headers=headers))
    )
    first.start()
    while not fake.requests_to("POST", "/v3/videos"):
        threading.Event().wait(0.01)
    threading.Event().wait(0.1)
    second = httpx.post(f"{fake.url}/v3/videos", json=AVATAR_VIDEO, headers=headers)
    first.join()

    assert second.status_code == 409
    assert error_of(second)["code"] == "request_in_progress"
    assert results[0].status_code == 200
    assert len(fake.jobs()) == 1


def test_an_error_answer_is_not_kept_so_a_retry_with_the_key_is_processed(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    fake.concurrency_limit = 0
    headers = {"Idempotency-Key": "after-429"}
    assert client.post("/v3/videos", json=AVATAR_VIDEO, headers=headers).status_code == 429
    fake.concurrency_limit = 10
    retried = client.post("/v3/videos", json=AVATAR_VIDEO, headers=headers)

    assert retried.status_code == 200
    assert "idempotent-replayed" not in retried.headers


def test_a_malformed_idempotency_key_is_an_invalid_parameter(client: httpx.Client) -> None:
    response = client.post("/v3/videos", json=AVATAR_VIDEO, headers={"Idempotency-Key": "has spaces"})

    assert error_of(response)["param"] == "Idempotency-Key"


# --- pagination --------------------------------------------------------------------------------------------


def test_lists_page_with_limit_and_token_until_has_more_is_false(client: httpx.Client) -> None:
    created = [create_video(client) for _ in range(5)]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    pages = 0
    while True:
        page = client.get("/v3/videos", params=params).json()
        seen += [video["id"] for video in page["data"]]
        pages += 1
        if not page["has_more"]:
            assert page["next_token"] is None
            break
        params["token"] = page["next_token"]

    assert pages == 3
    assert seen == created[::-1]


def test_limit_defaults_per_endpoint(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.concurrency_limit = None
    for _ in range(11):
        create_video(client)

    videos = client.get("/v3/videos").json()
    styles = client.get("/v3/video-agents/styles").json()
    assert (len(videos["data"]), videos["has_more"]) == (10, True)
    assert (len(styles["data"]), styles["has_more"]) == (20, True)


@pytest.mark.parametrize(
    "path",
    ["/v3/videos", "/v3/video-agents", "/v3/video-agents/styles", "/v3/video-translations", "/v3/lipsyncs"],
)
def test_limit_outside_1_to_max_is_an_invalid_parameter(client: httpx.Client, path: str) -> None:
    assert client.get(path, params={"limit": 100}).status_code == 200
    for bad in (0, 101):
        error = error_of(client.get(path, params={"limit": bad}))
        assert (error["code"], error["param"]) == ("invalid_parameter", "limit")
        assert error["message"] == "limit must be between 1 and 100"


def test_an_unknown_token_is_an_invalid_parameter(client: httpx.Client) -> None:
    assert error_of(client.get("/v3/videos", params={"token": "not-a-cursor"}))["param"] == "token"
