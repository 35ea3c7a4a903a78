"""The fake's own request validation: the packaged schemas, discriminators, and documented limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider.heygen.testing.fake import validation
from airflow_provider.heygen.testing.fake.errors import ApiError
from tests.testing.helpers import AVATAR_VIDEO, SOURCE_VIDEO

CONTRACT = Path(__file__).parents[1] / "contract" / "heygen-v3-operations.json"


def test_the_packaged_operations_are_the_contract_copy() -> None:
    packaged = {f"{method} {path}": op for (method, path), op in validation.operations().items()}
    published = {f"{op['method']} {op['path']}": op for op in json.loads(CONTRACT.read_text())["operations"]}

    assert packaged == published


def test_every_discriminated_union_in_the_operations_resolves_its_branches() -> None:
    unresolved = []

    def walk(schema: Any, where: str) -> None:
        if isinstance(schema, dict):
            if "discriminator" in schema and "oneOf" in schema:
                mapping = list(schema["discriminator"]["mapping"])
                if validation._branch_tags(schema["discriminator"]["propertyName"], mapping, schema["oneOf"]) is None:
                    unresolved.append(where)
            for key, value in schema.items():
                walk(value, f"{where}/{key}")
        elif isinstance(schema, list):
            for index, value in enumerate(schema):
                walk(value, f"{where}/{index}")

    for (method, path), op in validation.operations().items():
        walk(op.get("request_schema"), f"{method} {path}")
    assert unresolved == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(AVATAR_VIDEO, id="avatar"),
        pytest.param({**AVATAR_VIDEO, "engine": {"type": "avatar_v", "reference_look_id": None}}, id="avatar-v"),
        pytest.param({**AVATAR_VIDEO, "aspect_ratio": None, "background": None}, id="nulls"),
        pytest.param(
            {
                "type": "image",
                "image": {"type": "base64", "media_type": "image/png", "data": "AAAA"},
                "script": "hi",
                "voice_id": "v",
            },
            id="image",
        ),
        pytest.param({"type": "cinematic_avatar", "prompt": "p", "avatar_id": ["a"], "auto_duration": True}, id="cine"),
        pytest.param(
            {
                "type": "studio",
                "scenes": [{"type": "video", "source": SOURCE_VIDEO, "playback": {"volume": 0.5}}],
            },
            id="studio",
        ),
    ],
)
def test_valid_video_bodies_pass(body: dict[str, Any]) -> None:
    validation.check_request("POST", "/v3/videos", body)


@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        pytest.param({**AVATAR_VIDEO, "script": 5}, "script", "script must be of type", id="type"),
        pytest.param({**AVATAR_VIDEO, "image": None, "type": "image"}, "image", "image", id="null-not-allowed"),
        pytest.param(
            {"type": "image", "image": {"type": "url", "url": "u"}, "script": "hi"},
            "voice_id",
            "voice_id is required with script",
            id="image-needs-voice",
        ),
        pytest.param({"type": "avatar", "avatar_id": "a"}, "script", "one of script", id="no-speech"),
        pytest.param(
            {
                "type": "cinematic_avatar",
                "prompt": "p",
                "avatar_id": ["a"],
                "duration": 8,
                "auto_duration": True,
            },
            "duration",
            "omit duration",
            id="duration-and-auto",
        ),
        pytest.param(
            {
                "type": "studio",
                "scenes": [{"type": "image", "source": SOURCE_VIDEO, "duration": 3, "script": "hi", "voice_id": "v"}],
            },
            "scenes[0].duration",
            "cannot be combined",
            id="silent-and-narrated",
        ),
        pytest.param(
            {
                "type": "studio",
                "scenes": [{"type": "avatar_video", "input": {"type": "avatar", "avatar_id": "a"}}],
            },
            "scenes[0].input.script",
            "one of",
            id="scene-needs-speech",
        ),
        pytest.param(["a list"], None, "request body must be of type object", id="not-an-object"),
    ],
)
def test_invalid_video_bodies_name_the_parameter(body: Any, param: str | None, message: str) -> None:
    with pytest.raises(ApiError) as error:
        validation.check_request("POST", "/v3/videos", body)

    assert (error.value.status, error.value.code, error.value.param) == (400, "invalid_parameter", param)
    assert message in error.value.message


def test_translation_time_windows_must_be_ordered() -> None:
    body = {"video": SOURCE_VIDEO, "output_languages": ["French"], "start_time": 10, "end_time": 5}

    with pytest.raises(ApiError, match="end_time must be after start_time"):
        validation.check_request("POST", "/v3/video-translations", body)


def test_register_check_adds_a_limit_to_an_operation() -> None:
    def no_titles(body: dict[str, Any]) -> None:
        if body.get("title"):
            raise ApiError(400, "invalid_parameter", "no titles here", param="title")

    validation.register_check("PATCH", "/v3/lipsyncs/{lipsync_id}", no_titles)
    try:
        with pytest.raises(ApiError, match="no titles here"):
            validation.check_request("PATCH", "/v3/lipsyncs/{lipsync_id}", {"title": "x"})
    finally:
        validation.LIMIT_CHECKS[("PATCH", "/v3/lipsyncs/{lipsync_id}")].remove(no_titles)
