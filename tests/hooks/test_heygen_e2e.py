"""HeyGenHook against the fake HeyGen API over real HTTP: the whole client path, end to end."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable

import httpx
import pytest
from mutagen.mp4 import MP4

from airflow_provider.heygen.api.errors import InvalidRequestError, RateLimitError
from airflow_provider.heygen.api.jobs import JobStatus
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.testing import FakeHeyGen

pytestmark = pytest.mark.e2e

AVATAR_VIDEO = {
    "type": "avatar",
    "avatar_id": "look_1",
    "voice_id": "voice_1",
    "script": "Weekly update: revenue grew twelve percent and churn fell again.",
}


@pytest.fixture
def hook(fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> HeyGenHook:
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", fake.airflow_conn_env())
    return HeyGenHook()


def wait_for(check: Callable[[], dict[str, JobStatus]], fake: FakeHeyGen) -> dict[str, JobStatus]:
    """Advance the fake's clock until every job is terminal (bounded)."""
    for _ in range(200):
        statuses = check()
        if all(status.state.is_terminal for status in statuses.values()):
            return statuses
        fake.advance(5)
    raise AssertionError(f"jobs never finished: {statuses}")


def test_test_connection_against_the_fake(hook: HeyGenHook, fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> None:
    ok, message = hook.test_connection()
    assert ok, message
    monkeypatch.setenv(
        "AIRFLOW_CONN_WRONG", f'{{"conn_type": "heygen", "password": "not-the-key", "host": "{fake.url}"}}'
    )
    ok, message = HeyGenHook("wrong").test_connection()
    assert not ok
    assert "401" in message and "not-the-key" not in message


def test_an_oauth_connection_tests_renders_and_polls_with_its_token(
    make_fake: Callable[..., FakeHeyGen], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = make_fake(oauth_token="oauth-e2e-token")
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_OAUTH", fake.airflow_conn_env(oauth=True))
    hook = HeyGenHook("heygen_oauth")

    ok, message = hook.test_connection()
    video_id = hook.create_video(AVATAR_VIDEO, idempotency_key="oauth-video-1").video_id
    statuses = wait_for(lambda: hook.get_job_statuses("video", [video_id]), fake)

    assert ok, message
    assert statuses[video_id].state.is_success
    as_key = {**json.loads(fake.airflow_conn_env(oauth=True)), "extra": {}}  # the token sent as an API key
    monkeypatch.setenv("AIRFLOW_CONN_TOKEN_AS_KEY", json.dumps(as_key))
    ok, message = HeyGenHook("token_as_key").test_connection()
    assert not ok and "401" in message and "oauth-e2e-token" not in message


def test_video_renders_and_downloads_a_real_mp4(hook: HeyGenHook, fake: FakeHeyGen) -> None:
    created = hook.create_video(AVATAR_VIDEO, idempotency_key="demo-video-1")
    statuses = wait_for(lambda: hook.get_job_statuses("video", [created.video_id]), fake)
    assert statuses[created.video_id].state.is_success
    video = hook.get_video(created.video_id)
    assert video.status == "completed" and video.video_url and video.duration
    payload = httpx.get(video.video_url, timeout=10).content
    assert MP4(io.BytesIO(payload)).info.length > 0
    assert fake.credits_spent > 0


def test_retried_create_with_the_same_key_renders_once(hook: HeyGenHook, fake: FakeHeyGen) -> None:
    first = hook.create_video(AVATAR_VIDEO, idempotency_key="task-try-key")
    again = hook.create_video(AVATAR_VIDEO, idempotency_key="task-try-key")
    assert first.video_id == again.video_id
    assert len(fake.jobs("video")) == 1


def test_translation_into_three_languages_is_polled_in_bulk(hook: HeyGenHook, fake: FakeHeyGen) -> None:
    created = hook.create_video_translation(
        {
            "video": {"type": "url", "url": "https://example.com/launch.mp4"},
            "output_languages": ["Spanish (Spain)", "French (France)", "German (Germany)"],
        }
    )
    ids = created.video_translation_ids
    assert len(ids) == 3
    statuses = wait_for(lambda: hook.get_job_statuses("video_translation", ids), fake)
    assert all(status.state.is_success for status in statuses.values())
    assert len(fake.requests_to("GET", "/v3/video-translations/statuses")) >= 1
    assert not fake.requests_to("GET", f"/v3/video-translations/{ids[0]}")


def test_bad_input_costs_no_request(hook: HeyGenHook, fake: FakeHeyGen) -> None:
    before = len(fake.requests)
    with pytest.raises(InvalidRequestError, match="prompt"):
        hook.create_video_agent({"prompt": ""})
    assert len(fake.requests) == before


def test_speech_is_synchronous(hook: HeyGenHook, fake: FakeHeyGen) -> None:
    voice = next(v for v in hook.list_voices(engine="starfish"))
    speech = hook.create_speech({"text": "Hello from Airflow", "voice_id": voice.voice_id, "speed": 1.2})
    assert speech.audio_url and speech.duration
    assert httpx.get(speech.audio_url, timeout=10).status_code == 200


def test_asset_upload_is_multipart(hook: HeyGenHook, fake: FakeHeyGen) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    asset = hook.upload_asset(png, filename="logo.png")
    assert asset.asset_id and asset.mime_type == "image/png"


def test_rate_limit_429_is_waited_out_and_a_dropped_post_is_replayed(hook: HeyGenHook, fake: FakeHeyGen) -> None:
    fake.inject("rate_limit", "/v3/users/me", method="GET", times=1, retry_after=1)
    started = time.monotonic()
    assert hook.get_current_user()
    assert time.monotonic() - started >= 0.9
    # The answer to the create is lost after the fake did the work: the retry replays it, no second job.
    fake.inject("drop", "/v3/videos", method="POST", times=1, after=True)
    created = hook.create_video(AVATAR_VIDEO, idempotency_key="lost-answer")
    assert [job.id for job in fake.jobs("video")] == [created.video_id]


def test_a_worker_wait_sleeps_out_a_long_retry_after_once_when_the_deadline_allows(
    hook: HeyGenHook, fake: FakeHeyGen
) -> None:
    video_id = hook.create_video(AVATAR_VIDEO).video_id
    fake.advance(3600)
    fake.inject("rate_limit", f"/v3/videos/{video_id}", method="GET", times=1, retry_after=90)  # above the 60 s cap
    slept: list[float] = []
    statuses = hook.wait_for_jobs("video", [video_id], poll_interval=1, deadline=time.time() + 600, sleep=slept.append)
    assert statuses[video_id].status == "completed" and slept == [90]
    assert len(fake.requests_to("GET", f"/v3/videos/{video_id}")) == 2


def test_a_worker_wait_raises_a_retry_after_past_its_deadline_at_once(hook: HeyGenHook, fake: FakeHeyGen) -> None:
    video_id = hook.create_video(AVATAR_VIDEO).video_id
    fake.inject("rate_limit", f"/v3/videos/{video_id}", method="GET", times=1, retry_after=900)
    slept: list[float] = []
    with pytest.raises(RateLimitError, match="HeyGen asks to wait 900s") as info:
        hook.wait_for_jobs("video", [video_id], poll_interval=1, deadline=time.time() + 600, sleep=slept.append)
    assert info.value.retry_after == 900 and not slept
    assert len(fake.requests_to("GET", f"/v3/videos/{video_id}")) == 1
