"""Every request the client builds for a typed operation goes to a real HeyGen operation, with a body that
validates against HeyGen's published request schema."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from airflow_provider.heygen.api.client import HeyGenClient
from airflow_provider.heygen.api.errors import MalformedResponseError
from tests.api.examples import (
    AGENT,
    AVATAR_FULL,
    CINEMATIC,
    HTTPS,
    LIPSYNC,
    PROOFREAD,
    SPEECH,
    STUDIO,
    TRANSLATION,
)
from tests.contract.schemas import find_operation, request_errors

BASE = "https://api.test"

Call = Callable[[HeyGenClient], Any]

OPERATIONS = [
    pytest.param(lambda c: c.get_current_user(), id="users-me"),
    pytest.param(lambda c: c.create_video(AVATAR_FULL), id="create-video-avatar"),
    pytest.param(lambda c: c.create_video(STUDIO), id="create-video-studio"),
    pytest.param(lambda c: c.create_video(CINEMATIC), id="create-video-cinematic"),
    pytest.param(lambda c: c.get_video("v_1"), id="get-video"),
    pytest.param(lambda c: list(c.list_videos(limit=5)), id="list-videos"),
    pytest.param(lambda c: c.delete_video("v_1"), id="delete-video"),
    pytest.param(lambda c: c.create_video_agent(AGENT), id="create-agent"),
    pytest.param(lambda c: c.get_video_agent("s_1"), id="get-agent"),
    pytest.param(lambda c: c.stop_video_agent("s_1"), id="stop-agent"),
    pytest.param(lambda c: list(c.list_video_agent_styles(tag="modern")), id="agent-styles"),
    pytest.param(lambda c: c.create_video_translation(TRANSLATION), id="create-translation"),
    pytest.param(lambda c: c.get_video_translation("vt_1"), id="get-translation"),
    pytest.param(lambda c: c.list_translation_languages(), id="languages"),
    pytest.param(lambda c: c.create_proofread(PROOFREAD), id="create-proofread"),
    pytest.param(lambda c: c.get_proofread("pr_1"), id="get-proofread"),
    pytest.param(lambda c: c.get_proofread_srt("pr_1"), id="get-proofread-srt"),
    pytest.param(
        lambda c: c.update_proofread_srt("pr_1", {"srt": {"type": "url", "url": f"{HTTPS}/fixed.srt"}}),
        id="put-proofread-srt",
    ),
    pytest.param(lambda c: c.generate_proofread("pr_1", {"captions": True}), id="generate-proofread"),
    pytest.param(lambda c: c.create_lipsync(LIPSYNC), id="create-lipsync"),
    pytest.param(lambda c: c.get_lipsync("ls_1"), id="get-lipsync"),
    pytest.param(lambda c: c.create_speech(SPEECH), id="speech"),
    pytest.param(lambda c: list(c.list_voices(engine="starfish", language="English")), id="list-voices"),
    pytest.param(lambda c: c.get_voice("voice_1"), id="get-voice"),
    pytest.param(lambda c: c.get_asset("ast_1"), id="get-asset"),
    pytest.param(lambda c: list(c.list_avatar_groups(ownership="public")), id="avatar-groups"),
    pytest.param(lambda c: list(c.list_avatar_looks(group_id="g_1")), id="avatar-looks"),
    pytest.param(lambda c: c.get_avatar_look("look_1"), id="get-look"),
    pytest.param(
        lambda c: c.create_avatar({"type": "prompt", "name": "Nova", "prompt": "An astronaut"}),
        id="create-avatar",
    ),
    pytest.param(
        lambda c: c.create_webhook_endpoint({"url": "https://hooks.example.com/h", "events": ["avatar_video.success"]}),
        id="create-webhook",
    ),
    pytest.param(lambda c: list(c.list_webhook_endpoints()), id="list-webhooks"),
    pytest.param(lambda c: c.update_webhook_endpoint("ep_1", {"events": ["batch.finished"]}), id="patch-webhook"),
    pytest.param(lambda c: c.delete_webhook_endpoint("ep_1"), id="delete-webhook"),
    pytest.param(lambda c: c.rotate_webhook_secret("ep_1"), id="rotate-webhook"),
    pytest.param(lambda c: c.list_webhook_event_types(), id="event-types"),
    pytest.param(lambda c: list(c.list_webhook_events(event_type="avatar_video.success")), id="webhook-events"),
    pytest.param(lambda c: c.get_job_statuses("video", ["v_1", "v_2"]), id="video-statuses"),
    pytest.param(lambda c: c.get_job_statuses("lipsync", ["l_1", "l_2"]), id="lipsync-statuses"),
]


@pytest.mark.parametrize("call", OPERATIONS)
def test_operation_hits_a_heygen_operation_with_a_schema_valid_body(call: Call) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.route().mock(return_value=httpx.Response(200, json={"data": {}}))
        with contextlib.suppress(MalformedResponseError):  # an empty answer may not parse: fine here
            call(HeyGenClient("k", base_url=BASE))
    assert route.called
    for sent in (c.request for c in route.calls):
        find_operation(sent.method, sent.url.path)  # raises for a path HeyGen does not have
        if sent.content:
            body = json.loads(sent.content)
            assert request_errors(sent.method, sent.url.path, body) == []
        if sent.method == "POST":
            assert sent.headers.get("idempotency-key"), "every create carries an Idempotency-Key"


def test_upload_is_multipart_with_the_detected_type() -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/v3/assets").respond(json={"data": {"asset_id": "a", "url": "u"}})
        HeyGenClient("k", base_url=BASE).upload_asset(b"%PDF-1.7 ...", filename="brief.pdf")
    sent = route.calls.last.request
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'filename="brief.pdf"' in sent.content and b"Content-Type: application/pdf" in sent.content
