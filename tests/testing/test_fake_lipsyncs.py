"""Lipsyncs over real HTTP."""

from __future__ import annotations

import io

import httpx
import mutagen.mp4
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.testing.helpers import SOURCE_AUDIO, SOURCE_VIDEO

LIPSYNC = {
    "video": SOURCE_VIDEO,
    "audio": SOURCE_AUDIO,
    "title": "Dub",
    "callback_id": "c-1",
    "enable_caption": True,
}


def test_a_lipsync_runs_pending_running_completed_with_a_video_and_captions(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    fake.state.remember_media_seconds(SOURCE_AUDIO["url"], 20.0)
    lipsync_id = client.post("/v3/lipsyncs", json=LIPSYNC).json()["data"]["lipsync_id"]
    statuses = []
    for step in (0, 10, 10):
        fake.advance(step)
        statuses.append(client.get(f"/v3/lipsyncs/{lipsync_id}").json()["data"]["status"])

    assert statuses == ["pending", "running", "completed"]
    lipsync = client.get(f"/v3/lipsyncs/{lipsync_id}").json()["data"]
    assert (lipsync["duration"], lipsync["title"], lipsync["callback_id"]) == (20.0, "Dub", "c-1")
    mutagen.mp4.MP4(io.BytesIO(client.get(lipsync["video_url"]).content))
    assert client.get(lipsync["caption_url"]).text.startswith("1\n")
    assert fake.credits_spent == pytest.approx(20 * 0.05)


def test_precision_mode_costs_double(fake: FakeHeyGen, client: httpx.Client) -> None:
    body = {**LIPSYNC, "mode": "precision", "start_time": 5, "end_time": 15}
    lipsync_id = client.post("/v3/lipsyncs", json=body).json()["data"]["lipsync_id"]
    fake.advance(10)

    assert fake.job(lipsync_id).credits == pytest.approx(10 * 0.1)


def test_list_statuses_rename_and_delete(fake: FakeHeyGen, client: httpx.Client) -> None:
    first = client.post("/v3/lipsyncs", json=LIPSYNC).json()["data"]["lipsync_id"]
    second = client.post("/v3/lipsyncs", json=LIPSYNC).json()["data"]["lipsync_id"]

    assert [item["id"] for item in client.get("/v3/lipsyncs").json()["data"]] == [second, first]
    statuses = client.get("/v3/lipsyncs/statuses", params={"lipsync_ids": f"{first},{second}"}).json()["data"]
    assert [entry["status"] for entry in statuses] == ["queued", "queued"]
    assert client.patch(f"/v3/lipsyncs/{first}", json={"title": "New"}).json()["data"]["title"] == "New"
    assert client.patch(f"/v3/lipsyncs/{first}", json={}).status_code == 400
    assert client.delete(f"/v3/lipsyncs/{first}").json() == {"data": {"id": first}}
    assert client.get(f"/v3/lipsyncs/{first}").status_code == 404
