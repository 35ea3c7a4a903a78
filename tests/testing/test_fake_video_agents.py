"""Video Agent over real HTTP: a session makes a video that is also an ordinary video job; follow-ups; stop; styles."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.routes import video_agents
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


# --- follow-up messages (chat mode) ------------------------------------------------------------------------

CHAT = {"prompt": "A 15 second product tour of our new dashboard", "mode": "chat"}


def chat_session(fake: FakeHeyGen, client: httpx.Client) -> dict[str, Any]:
    created = client.post("/v3/video-agents", json=CHAT).json()["data"]
    fake.advance(15)
    return created


def send(client: httpx.Client, session_id: str, message: str = "Make it warmer", **headers: str) -> httpx.Response:
    return client.post(f"/v3/video-agents/{session_id}", json={"message": message}, headers=headers)


def test_a_message_starts_a_new_run_that_renders_a_new_video(fake: FakeHeyGen, client: httpx.Client) -> None:
    created = chat_session(fake, client)
    session_id, first_video = created["session_id"], created["video_id"]

    answer = send(client, session_id, "Make it warmer, and end on the logo")
    running = client.get(f"/v3/video-agents/{session_id}").json()["data"]
    fake.advance(15)
    done = client.get(f"/v3/video-agents/{session_id}").json()["data"]
    videos = client.get(f"/v3/video-agents/{session_id}/videos").json()["data"]

    assert answer.status_code == 200 and answer.json()["data"]["session_id"] == session_id
    assert answer.json()["data"]["run_id"].startswith("run_")
    assert (running["status"], running["progress"]) == ("thinking", 0)
    assert running["video_id"] not in (None, first_video) and running["created_at"] == created["created_at"]
    assert done["status"] == "completed" and done["video_id"] == running["video_id"]
    assert [video["id"] for video in videos] == [done["video_id"], first_video]  # newest first
    assert all(video["status"] == "completed" for video in videos)
    said = [(message["role"], message["type"], message["content"]) for message in done["messages"]]
    assert said[:4] == [
        ("model", "resource", "Your video is ready."),
        ("model", "text", "Generating the video."),
        ("model", "text", "Planning the revision."),
        ("user", "text", "Make it warmer, and end on the logo"),
    ]
    assert said[4] == ("model", "resource", "Your video is ready.") and said[-1] == ("user", "text", CHAT["prompt"])
    assert done["messages"][0]["resource_ids"] == [done["video_id"]]
    assert done["messages"][4]["resource_ids"] == [first_video]
    assert fake.credits_spent == pytest.approx(2 * 15 * 0.0667)  # each run is charged


def test_a_replayed_message_starts_one_run(fake: FakeHeyGen, client: httpx.Client) -> None:
    session_id = chat_session(fake, client)["session_id"]
    first = send(client, session_id, **{"Idempotency-Key": "follow-up-1"})
    again = send(client, session_id, **{"Idempotency-Key": "follow-up-1"})

    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(fake.jobs("video")) == 2
    user_messages = [
        message for message in client.get(f"/v3/video-agents/{session_id}").json()["data"]["messages"]
        if message["role"] == "user"
    ]  # fmt: skip
    assert len(user_messages) == 2


def test_only_an_idle_chat_session_takes_a_message(fake: FakeHeyGen, client: httpx.Client) -> None:
    generated = client.post("/v3/video-agents", json=PROMPT).json()["data"]
    fake.advance(15)
    chat = client.post("/v3/video-agents", json=CHAT).json()["data"]

    refused = send(client, generated["session_id"])
    busy = send(client, chat["session_id"])

    assert refused.status_code == 400
    assert error_of(refused)["code"] == "invalid_parameter" and error_of(refused)["param"] == "session_id"
    assert "generate mode" in error_of(refused)["message"]
    assert busy.status_code == 409 and error_of(busy)["code"] == "conflict"
    assert error_of(send(client, "sess_nope"))["code"] == "not_found"
    assert len(fake.jobs("video")) == 2


def test_a_chat_run_can_ask_and_a_message_answers(fake: FakeHeyGen, client: httpx.Client) -> None:
    video_agents.ask_next(fake.state, "Which voice should narrate it?")
    created = client.post("/v3/video-agents", json=CHAT).json()["data"]
    fake.advance(3600)
    asking = client.get(f"/v3/video-agents/{created['session_id']}").json()["data"]

    assert created["video_id"] is None and asking["status"] == "waiting_for_input"
    assert asking["video_id"] is None and asking["messages"][0]["content"] == "Which voice should narrate it?"
    assert fake.jobs("video") == [] and fake.credits_spent == 0

    send(client, created["session_id"], "The warm British one")
    fake.advance(15)
    answered = client.get(f"/v3/video-agents/{created['session_id']}").json()["data"]
    assert answered["status"] == "completed" and answered["video_id"] == fake.jobs("video")[0].id
    assert [m["content"] for m in answered["messages"]][3:5] == [
        "The warm British one",
        "Which voice should narrate it?",
    ]


def test_a_fault_aimed_at_the_message_fails_the_new_run_and_its_video(fake: FakeHeyGen, client: httpx.Client) -> None:
    session_id = chat_session(fake, client)["session_id"]
    fake.inject("job_failure", "/v3/video-agents/*", method="POST", failure_code="agent_failed", times=1)
    send(client, session_id)
    fake.advance(15)

    session = client.get(f"/v3/video-agents/{session_id}").json()["data"]
    revision = client.get(f"/v3/videos/{session['video_id']}").json()["data"]
    assert session["status"] == "failed" and session["messages"][0]["type"] == "error"
    assert (revision["status"], revision["failure_code"]) == ("failed", "agent_failed")
    assert fake.credits_spent == pytest.approx(15 * 0.0667)  # the first run only
