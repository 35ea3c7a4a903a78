"""Videos over real HTTP: lifecycle, output files, presigned URLs, bulk statuses, list, delete, credits."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import mutagen.mp4
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.testing.helpers import AVATAR_VIDEO, create_video, error_of


def test_create_answers_waiting_then_get_moves_pending_processing_completed(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    created = client.post("/v3/videos", json=AVATAR_VIDEO).json()["data"]
    assert created["status"] == "waiting"
    assert created["output_format"] == "mp4"

    seen = []
    for step in (0.0, 0.5, 1.0, 1.0):  # a 2 s video at job_seconds=1: 20% pending, then processing
        fake.advance(step)
        seen.append(client.get(f"/v3/videos/{created['video_id']}").json()["data"]["status"])
    assert seen == ["pending", "processing", "processing", "completed"]


def test_completed_video_has_a_playable_mp4_a_png_thumbnail_and_srt_captions(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    video_id = create_video(client)
    fake.advance(2)
    video = client.get(f"/v3/videos/{video_id}").json()["data"]

    assert video["duration"] == 2.0
    assert video["completed_at"] >= video["created_at"]
    mp4 = client.get(video["video_url"])
    assert mp4.headers["content-type"] == "video/mp4"
    parsed = mutagen.mp4.MP4(io.BytesIO(mp4.content))
    assert parsed.info.length == pytest.approx(video["duration"], abs=0.05)  # the header states the billed length
    png = client.get(video["thumbnail_url"]).content
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    srt = client.get(video["subtitle_url"]).text
    assert srt.startswith("1\n00:00:00,000 --> 00:00:02,000\none two three four five")


def test_webm_output_serves_a_webm_file(fake: FakeHeyGen, client: httpx.Client) -> None:
    video_id = create_video(client, {**AVATAR_VIDEO, "output_format": "webm"})
    fake.advance(2)
    url = client.get(f"/v3/videos/{video_id}").json()["data"]["video_url"]

    assert ".webm?" in url
    webm = client.get(url)
    assert webm.headers["content-type"] == "video/webm"
    assert webm.content.startswith(b"\x1a\x45\xdf\xa3")  # EBML
    assert b"webm" in webm.content[:64]


def test_urls_change_on_every_get_and_answer_403_after_they_expire(
    make_fake: Callable[..., FakeHeyGen],
) -> None:
    fake = make_fake(url_ttl=60)
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as client:
        video_id = create_video(client)
        fake.advance(2)
        first = client.get(f"/v3/videos/{video_id}").json()["data"]["video_url"]
        second = client.get(f"/v3/videos/{video_id}").json()["data"]["video_url"]
        assert first != second
        assert "Expires=" in first and "Signature=" in first
        assert client.get(first).status_code == 200

        fake.advance(61)
        expired = client.get(first)
        assert expired.status_code == 403
        assert b"expired" in expired.content
        fresh = client.get(f"/v3/videos/{video_id}").json()["data"]["video_url"]
        assert client.get(fresh).status_code == 200


def test_a_tampered_signature_answers_403(fake: FakeHeyGen, client: httpx.Client) -> None:
    video_id = create_video(client)
    fake.advance(2)
    url = client.get(f"/v3/videos/{video_id}").json()["data"]["video_url"]

    assert client.get(url.replace("Signature=", "Signature=00")).status_code == 403


def test_outputs_are_absent_until_completed(client: httpx.Client) -> None:
    video = client.get(f"/v3/videos/{create_video(client)}").json()["data"]

    assert video["video_url"] is None
    assert video["duration"] is None


def test_studio_video_lasts_its_scenes_and_cinematic_its_duration(fake: FakeHeyGen, client: httpx.Client) -> None:
    studio = {
        "type": "studio",
        "scenes": [
            {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}, "duration": 4},
            {"type": "avatar_video", "input": {**AVATAR_VIDEO, "type": "avatar"}},
        ],
    }
    cinematic = {"type": "cinematic_avatar", "prompt": "a walk", "avatar_id": ["look_1"], "duration": 6}
    studio_id, cinematic_id = create_video(client, studio), create_video(client, cinematic)
    fake.advance(10)

    assert fake.job(studio_id).output_seconds == 6.0
    assert fake.job(cinematic_id).output_seconds == 6.0
    assert client.get(f"/v3/videos/{studio_id}").json()["data"]["status"] == "completed"


def test_bulk_statuses_use_the_queued_processing_completed_failed_not_found_vocabulary(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    fake.inject("job_failure", "/v3/videos", times=1)
    failing = create_video(client)  # 2 s run, fails at its end
    done = create_video(client, {**AVATAR_VIDEO, "script": "hi"})  # 1 s run
    fake.advance(1)
    running = create_video(client)
    fake.advance(0.5)  # 25% into its run: past the 20% pending phase
    queued = create_video(client)
    ids = f"{failing},{done},{running},{queued},nope"
    entries = client.get("/v3/videos/statuses", params={"video_ids": ids, "batch_ids": "b_1"}).json()["data"]

    assert [(entry["video_id"], entry["status"]) for entry in entries] == [
        (failing, "processing"),
        (done, "completed"),
        (running, "processing"),
        (queued, "queued"),
        ("nope", "not_found"),
        (None, "not_found"),
    ]
    assert entries[-1]["batch_id"] == "b_1"
    fake.advance(1)
    failed = client.get("/v3/videos/statuses", params={"video_ids": failing}).json()["data"][0]
    assert failed["status"] == "failed"
    assert failed["error"] == {
        "code": "rendering_failed",
        "message": "Rendering failed (injected by the fake)",
    }


def test_bulk_statuses_refuse_more_than_100_ids(client: httpx.Client) -> None:
    response = client.get("/v3/videos/statuses", params={"video_ids": ",".join(f"v_{n}" for n in range(101))})

    assert response.status_code == 400
    assert error_of(response)["param"] == "video_ids"


def test_list_is_newest_first_and_filters_by_title(client: httpx.Client) -> None:
    first = create_video(client, {**AVATAR_VIDEO, "title": "Weekly update"})
    second = create_video(client, {**AVATAR_VIDEO, "title": "Launch"})

    everything = client.get("/v3/videos").json()
    assert [video["id"] for video in everything["data"]] == [second, first]
    assert everything["has_more"] is False
    filtered = client.get("/v3/videos", params={"title": "weekly"}).json()["data"]
    assert [video["id"] for video in filtered] == [first]


def test_deleted_video_is_gone(client: httpx.Client) -> None:
    video_id = create_video(client)

    assert client.delete(f"/v3/videos/{video_id}").json() == {"data": {"id": video_id, "deleted": True}}
    assert error_of(client.get(f"/v3/videos/{video_id}"))["code"] == "not_found"
    assert client.delete(f"/v3/videos/{video_id}").status_code == 404


def test_credits_are_charged_once_on_completion_and_the_wallet_goes_down(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    video_id = create_video(client)
    assert fake.credits_spent == 0
    fake.advance(2)
    for _ in range(3):
        client.get(f"/v3/videos/{video_id}")

    assert fake.job(video_id).credits == pytest.approx(0.2)
    assert fake.credits_spent == pytest.approx(0.2)
    wallet = client.get("/v3/users/me").json()["data"]["wallet"]
    assert wallet == {
        "currency": "credits",
        "remaining_balance": pytest.approx(999.8),
        "auto_reload": {"enabled": False, "amount_usd": None, "threshold_usd": None},
    }


def test_avatar_iii_engine_costs_less_and_failed_videos_cost_nothing(fake: FakeHeyGen, client: httpx.Client) -> None:
    cheap = create_video(client, {**AVATAR_VIDEO, "engine": {"type": "avatar_iii"}})
    fake.inject("job_failure", "/v3/videos", failure_code="download_failed", failure_message="bad audio")
    failed = create_video(client)
    fake.advance(5)

    assert fake.job(cheap).credits == pytest.approx(2 * 0.0033)
    assert fake.job(failed).credits == 0
    video = client.get(f"/v3/videos/{failed}").json()["data"]
    assert (video["status"], video["failure_code"], video["failure_message"]) == (
        "failed",
        "download_failed",
        "bad audio",
    )
    assert video["video_url"] is None
    assert fake.credits_spent == pytest.approx(2 * 0.0033)


def test_job_duration_scales_with_job_seconds(make_fake: Callable[..., FakeHeyGen]) -> None:
    fake = make_fake(job_seconds=10.0)
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as client:
        video_id = create_video(client)
        fake.advance(19)
        assert client.get(f"/v3/videos/{video_id}").json()["data"]["status"] == "processing"
        fake.advance(1)
        assert client.get(f"/v3/videos/{video_id}").json()["data"]["status"] == "completed"
