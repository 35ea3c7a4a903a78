"""Video Agent over real HTTP: a session makes a video that is also an ordinary video job; stop; styles."""

from __future__ import annotations

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.testing.helpers import error_of

PROMPT = {"prompt": "A 15 second product tour of our new dashboard", "callback_id": "run-1"}


def test_a_session_thinks_generates_and_completes_with_a_pollable_video(fake: FakeHeyGen, client: httpx.Client) -> None:
    created = client.post("/v3/video-agents", json=PROMPT).json()["data"]
    session_id, video_id = created["session_id"], created["video_id"]
    assert created["status"] == "thinking"

    progress = []
    for step in (0, 3, 6, 6):  # 15 s run: thinking for 4.5 s, then generating
        fake.advance(step)
        session = client.get(f"/v3/video-agents/{session_id}").json()["data"]
        video = client.get(f"/v3/videos/{video_id}").json()["data"]
        progress.append((session["status"], session["progress"], video["status"]))

    assert progress == [
        ("thinking", 0, "pending"),
        ("thinking", 20, "pending"),
        ("generating", 60, "processing"),
        ("completed", 100, "completed"),
    ]
    assert session["video_id"] == video_id
    assert session["messages"][0]["type"] == "resource"
    assert session["messages"][0]["resource_ids"] == [video_id]
    assert session["messages"][-1] == {
        "role": "user",
        "type": "text",
        "content": PROMPT["prompt"],
        "created_at": created["created_at"],
    }
    assert client.get(video["video_url"]).headers["content-type"] == "video/mp4"


def test_the_session_pays_once_and_its_video_takes_no_extra_slot(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.concurrency_limit = 1
    created = client.post("/v3/video-agents", json=PROMPT).json()["data"]
    assert client.post("/v3/video-agents", json=PROMPT).status_code == 429
    fake.advance(15)

    assert fake.job(created["session_id"]).credits == pytest.approx(15 * 0.0667)
    assert fake.job(created["video_id"]).credits == 0
    assert fake.credits_spent == pytest.approx(15 * 0.0667)


def test_a_failed_session_fails_its_video(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("job_failure", "/v3/video-agents", failure_code="agent_failed", failure_message="no storyboard")
    created = client.post("/v3/video-agents", json=PROMPT).json()["data"]
    fake.advance(15)

    session = client.get(f"/v3/video-agents/{created['session_id']}").json()["data"]
    video = client.get(f"/v3/videos/{created['video_id']}").json()["data"]
    assert session["status"] == "failed"
    assert session["messages"][0] == {"role": "model", "type": "error", "content": "no storyboard"}
    assert (video["status"], video["failure_code"]) == ("failed", "agent_failed")
    assert fake.credits_spent == 0


def test_stopping_a_running_session_fails_it_and_its_video_without_charge(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    created = client.post("/v3/video-agents", json=PROMPT).json()["data"]
    fake.advance(5)

    stopped = client.post(f"/v3/video-agents/{created['session_id']}/stop", json={})
    fake.advance(60)

    assert stopped.json() == {"data": {"session_id": created["session_id"]}}
    assert client.get(f"/v3/video-agents/{created['session_id']}").json()["data"]["status"] == "failed"
    assert client.get(f"/v3/videos/{created['video_id']}").json()["data"]["failure_code"] == "stopped"
    assert fake.credits_spent == 0


def test_session_videos_resources_and_list(fake: FakeHeyGen, client: httpx.Client) -> None:
    created = client.post("/v3/video-agents", json=PROMPT).json()["data"]
    session_id, video_id = created["session_id"], created["video_id"]
    assert client.get(f"/v3/video-agents/{session_id}/resources/{video_id}").status_code == 404
    fake.advance(15)

    videos = client.get(f"/v3/video-agents/{session_id}/videos").json()
    resource = client.get(f"/v3/video-agents/{session_id}/resources/{video_id}").json()["data"]
    sessions = client.get("/v3/video-agents").json()["data"]
    assert [video["id"] for video in videos["data"]] == [video_id]
    assert (resource["resource_type"], resource["source_type"]) == ("video", "generated")
    assert client.get(resource["url"]).status_code == 200
    assert sessions == [{"session_id": session_id, "created_at": created["created_at"], "title": PROMPT["prompt"]}]


def test_styles_filter_by_tag_and_page(client: httpx.Client) -> None:
    first = client.get("/v3/video-agents/styles", params={"limit": 3}).json()
    rest = client.get("/v3/video-agents/styles", params={"limit": 100, "token": first["next_token"]}).json()
    cinematic = client.get("/v3/video-agents/styles", params={"tag": "cinematic"}).json()["data"]

    assert len(first["data"]) + len(rest["data"]) == 24
    assert rest["has_more"] is False
    assert cinematic and all("cinematic" in style["tags"] for style in cinematic)


def test_stopping_an_unknown_session_is_not_found(client: httpx.Client) -> None:
    assert error_of(client.post("/v3/video-agents/sess_nope/stop", json={}))["code"] == "not_found"
