"""Payloads and small helpers shared by the fake's tests."""

from __future__ import annotations

from typing import Any

import httpx

#: Five words: a 2 s video (2.5 words a second), 0.2 credits at the Avatar IV price.
AVATAR_VIDEO: dict[str, Any] = {
    "type": "avatar",
    "avatar_id": "look_1",
    "voice_id": "voice_1",
    "script": "one two three four five",
}
SOURCE_VIDEO: dict[str, Any] = {"type": "url", "url": "https://example.com/source.mp4"}
SOURCE_AUDIO: dict[str, Any] = {"type": "url", "url": "https://example.com/voice.mp3"}


def create_video(client: httpx.Client, body: dict[str, Any] | None = None, **headers: str) -> str:
    """POST a video and return its id."""
    response = client.post("/v3/videos", json=body or AVATAR_VIDEO, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]["video_id"]


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error answer."""
    assert response.headers["content-type"].startswith("application/json"), response.text
    return response.json()["error"]
