"""Video translations and proofreads over real HTTP."""

from __future__ import annotations

import io

import httpx
import mutagen.mp3
import mutagen.mp4
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.testing.helpers import SOURCE_VIDEO, create_video, error_of

THREE = {"video": SOURCE_VIDEO, "output_languages": ["French", "German", "Japanese"], "enable_caption": True}


def test_three_languages_give_three_ids_that_complete_with_audio_and_captions(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    ids = client.post("/v3/video-translations", json={**THREE, "title": "Launch"}).json()["data"][
        "video_translation_ids"
    ]
    assert len(set(ids)) == 3
    assert {client.get(f"/v3/video-translations/{i}").json()["data"]["status"] for i in ids} == {"pending"}
    fake.advance(30)
    assert {client.get(f"/v3/video-translations/{i}").json()["data"]["status"] for i in ids} == {"running"}
    fake.advance(30)  # the unknown source counts as default_source_seconds = 60 s

    translations = [client.get(f"/v3/video-translations/{i}").json()["data"] for i in ids]
    assert [t["output_language"] for t in translations] == THREE["output_languages"]
    assert {t["status"] for t in translations} == {"completed"}
    first = translations[0]
    assert (first["title"], first["input_language"], first["duration"]) == ("Launch", "English", 60.0)
    audio = mutagen.mp3.MP3(io.BytesIO(client.get(first["audio_url"]).content))
    assert audio.info.length == pytest.approx(60, abs=0.1)
    mutagen.mp4.MP4(io.BytesIO(client.get(first["video_url"]).content))
    assert client.get(first["srt_caption_url"]).text.startswith("1\n00:00:00,000 --> ")
    assert client.get(first["vtt_caption_url"]).text.startswith("WEBVTT\n\n00:00:00.000 --> ")
    assert fake.credits_spent == pytest.approx(3 * 60 * 0.05)


def test_a_source_made_by_the_fake_keeps_its_length_and_precision_costs_more(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    video_id = create_video(client)  # 2 s
    fake.advance(2)
    url = client.get(f"/v3/videos/{video_id}").json()["data"]["video_url"]
    body = {
        "video": {"type": "url", "url": url},
        "output_languages": ["Spanish (Spain)"],
        "mode": "precision",
    }
    (translation_id,) = client.post("/v3/video-translations", json=body).json()["data"]["video_translation_ids"]
    fake.advance(2)

    translation = client.get(f"/v3/video-translations/{translation_id}").json()["data"]
    assert translation["duration"] == 2.0
    assert translation["srt_caption_url"] is None  # enable_caption was not set
    assert fake.job(translation_id).credits == pytest.approx(2 * 0.1)


def test_audio_only_translations_have_audio_and_no_video(fake: FakeHeyGen, client: httpx.Client) -> None:
    body = {**THREE, "output_languages": ["French"], "translate_audio_only": True, "end_time": 10}
    (translation_id,) = client.post("/v3/video-translations", json=body).json()["data"]["video_translation_ids"]
    fake.advance(10)

    translation = client.get(f"/v3/video-translations/{translation_id}").json()["data"]
    assert translation["video_url"] is None
    assert translation["audio_url"] is not None
    assert translation["translate_audio_only"] is True


def test_statuses_list_rename_delete_and_languages(fake: FakeHeyGen, client: httpx.Client) -> None:
    ids = client.post("/v3/video-translations", json=THREE).json()["data"]["video_translation_ids"]
    fake.advance(60)

    statuses = client.get("/v3/video-translations/statuses", params={"video_translation_ids": ",".join(ids)})
    assert [entry["status"] for entry in statuses.json()["data"]] == ["completed"] * 3
    assert [t["id"] for t in client.get("/v3/video-translations").json()["data"]] == ids[::-1]
    renamed = client.patch(f"/v3/video-translations/{ids[0]}", json={"title": "Lancement"}).json()["data"]
    assert renamed["title"] == "Lancement"
    assert client.delete(f"/v3/video-translations/{ids[0]}").json() == {"data": {"id": ids[0]}}
    assert client.get(f"/v3/video-translations/{ids[0]}").status_code == 404
    languages = client.get("/v3/video-translations/languages").json()["data"]["languages"]
    assert {"English", "Spanish (Spain)", "Japanese"} <= set(languages)


def test_the_proofread_flow_ends_in_a_translation(fake: FakeHeyGen, client: httpx.Client) -> None:
    body = {"video": SOURCE_VIDEO, "output_languages": ["French", "German"], "title": "Review"}
    created = client.post("/v3/video-translations/proofreads", json=body).json()["data"]
    assert created["status"] == "processing"
    proofread_id = created["proofread_ids"][0]
    assert error_of(client.get(f"/v3/video-translations/proofreads/{proofread_id}/srt"))["code"] == "conflict"
    fake.advance(60)

    proofread = client.get(f"/v3/video-translations/proofreads/{proofread_id}").json()["data"]
    assert (proofread["status"], proofread["output_language"]) == ("completed", "French")
    srt = client.get(f"/v3/video-translations/proofreads/{proofread_id}/srt").json()["data"]
    assert client.get(srt["srt_url"]).text.startswith("1\n")
    edited = {"srt": {"type": "url", "url": "https://example.com/edited.srt"}}
    assert client.put(f"/v3/video-translations/proofreads/{proofread_id}/srt", json=edited).status_code == 200
    assert client.get(f"/v3/video-translations/proofreads/{proofread_id}/srt").json()["data"]["srt_url"] == (
        "https://example.com/edited.srt"
    )
    generated = client.post(
        f"/v3/video-translations/proofreads/{proofread_id}/generate",
        json={"captions": True, "callback_id": "x"},
    ).json()["data"]
    assert generated["status"] == "processing"
    fake.advance(60)
    translation = client.get(f"/v3/video-translations/{generated['video_translation_id']}").json()["data"]
    assert (translation["status"], translation["output_language"], translation["callback_id"]) == (
        "completed",
        "French",
        "x",
    )
    assert translation["srt_caption_url"] is not None
    assert fake.credits_spent == pytest.approx(2 * 60 * 0.00833 + 60 * 0.05)


def test_proofreads_do_not_take_concurrency_slots(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.concurrency_limit = 1
    body = {"video": SOURCE_VIDEO, "output_languages": ["French", "German"], "title": "Review"}

    assert client.post("/v3/video-translations/proofreads", json=body).status_code == 200
    assert client.post("/v3/video-translations", json={**THREE, "output_languages": ["French"]}).status_code == 200
