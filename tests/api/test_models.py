"""The models enforce every documented limit before any HTTP call; messages name field, value and limit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from pydantic import TypeAdapter

from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.errors import InvalidRequestError

URL = {"type": "url", "url": "https://cdn.example.com/media/clip.mp4"}
IMAGE = {"type": "url", "url": "https://cdn.example.com/media/face.png"}
AUDIO = {"type": "asset_id", "asset_id": "ast_audio_1"}

AVATAR: dict[str, Any] = {
    "type": "avatar",
    "avatar_id": "look_1",
    "script": "Hello there.",
    "voice_id": "voice_1",
}
IMAGE_VIDEO: dict[str, Any] = {"type": "image", "image": IMAGE, "script": "Hi.", "voice_id": "voice_1"}
CINEMATIC: dict[str, Any] = {
    "type": "cinematic_avatar",
    "prompt": "A walk on the beach",
    "avatar_id": ["look_1"],
}
IMAGE_SCENE: dict[str, Any] = {"type": "image", "source": IMAGE, "duration": 3}
AVATAR_SCENE: dict[str, Any] = {
    "type": "avatar_video",
    "input": {"type": "avatar", "avatar_id": "look_1", "script": "Hi.", "voice_id": "voice_1"},
}
STUDIO: dict[str, Any] = {"type": "studio", "scenes": [IMAGE_SCENE]}
AGENT: dict[str, Any] = {"prompt": "A 30 second product update"}
SPEECH: dict[str, Any] = {"text": "Hello", "voice_id": "voice_1"}
TRANSLATION: dict[str, Any] = {"video": URL, "output_languages": ["Spanish (Spain)"]}

Parse = Callable[[Mapping[str, Any]], m.RequestModel]


def with_(base: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


def studio_with_script(script: str) -> dict[str, Any]:
    scene = {**AVATAR_SCENE, "input": {**AVATAR_SCENE["input"], "script": script}}
    return with_(STUDIO, scenes=[IMAGE_SCENE, scene])


def files(count: int) -> list[dict[str, Any]]:
    return [{"type": "asset_id", "asset_id": f"ast_{i}"} for i in range(count)]


def references(videos: int, images: int) -> list[dict[str, Any]]:
    return [{"type": "url", "url": f"https://cdn.example.com/v{i}.mp4"} for i in range(videos)] + [
        {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="} for _ in range(images)
    ]


def problems(parse: Parse, data: Mapping[str, Any]) -> list[str]:
    with pytest.raises(InvalidRequestError) as caught:
        parse(data)
    return caught.value.problems


# --- limits: exactly at the limit passes ------------------------------------------------------------

AT_LIMIT = [
    pytest.param(m.parse_video_request, with_(AVATAR, script="x" * 5000), id="script-5000"),
    pytest.param(m.parse_video_request, with_(IMAGE_VIDEO, script="x" * 5000), id="image-script-5000"),
    pytest.param(m.parse_video_request, studio_with_script("x" * 5000), id="studio-scene-script-5000"),
    pytest.param(m.VideoAgentRequest.parse, with_(AGENT, prompt="x"), id="prompt-1"),
    pytest.param(m.VideoAgentRequest.parse, with_(AGENT, prompt="x" * 10_000), id="prompt-10000"),
    pytest.param(m.VideoAgentRequest.parse, with_(AGENT, files=files(20)), id="files-20"),
    pytest.param(m.SpeechRequest.parse, with_(SPEECH, text="x"), id="speech-text-1"),
    pytest.param(m.SpeechRequest.parse, with_(SPEECH, text="x" * 5000), id="speech-text-5000"),
    pytest.param(m.SpeechRequest.parse, with_(SPEECH, speed=0.5), id="speech-speed-0.5"),
    pytest.param(m.SpeechRequest.parse, with_(SPEECH, speed=2.0), id="speech-speed-2.0"),
    pytest.param(m.parse_video_request, with_(AVATAR, voice_settings={"speed": 0.5}), id="voice-speed-0.5"),
    pytest.param(m.parse_video_request, with_(AVATAR, voice_settings={"speed": 1.5}), id="voice-speed-1.5"),
    pytest.param(m.parse_video_request, with_(AVATAR, voice_settings={"pitch": -50}), id="voice-pitch--50"),
    pytest.param(m.parse_video_request, with_(AVATAR, voice_settings={"pitch": 50}), id="voice-pitch-50"),
    pytest.param(m.parse_video_request, with_(AVATAR, voice_settings={"volume": 0}), id="voice-volume-0"),
    pytest.param(m.parse_video_request, with_(AVATAR, voice_settings={"volume": 1}), id="voice-volume-1"),
    pytest.param(m.parse_video_request, with_(STUDIO, scenes=[IMAGE_SCENE]), id="scenes-1"),
    pytest.param(m.parse_video_request, with_(STUDIO, scenes=[IMAGE_SCENE] * 50), id="scenes-50"),
    pytest.param(m.parse_video_request, with_(STUDIO, scenes=[with_(IMAGE_SCENE, duration=300)]), id="scene-300s"),
    pytest.param(m.parse_video_request, with_(CINEMATIC, duration=4), id="cinematic-duration-4"),
    pytest.param(m.parse_video_request, with_(CINEMATIC, duration=15), id="cinematic-duration-15"),
    pytest.param(m.parse_video_request, with_(CINEMATIC, avatar_id=["a", "b", "c"]), id="cinematic-avatars-3"),
    pytest.param(m.parse_video_request, with_(CINEMATIC, references=references(3, 9)), id="cinematic-refs-3+9"),
    pytest.param(
        m.parse_avatar_request,
        {"type": "prompt", "name": "Ada", "prompt": "A friendly host", "reference_images": [IMAGE] * 3},
        id="avatar-reference-images-3",
    ),
]


@pytest.mark.parametrize(("parse", "data"), AT_LIMIT)
def test_value_at_the_limit_is_accepted(parse: Parse, data: dict[str, Any]) -> None:
    assert parse(data).to_body() == data


# --- limits: one past the limit fails, naming the field, the value and the limit ---------------------

PAST_LIMIT = [
    pytest.param(m.parse_video_request, with_(AVATAR, script="x" * 5001), ("script: 5,001", "5,000"), id="script-5001"),
    pytest.param(
        m.parse_video_request,
        with_(IMAGE_VIDEO, script="x" * 5001),
        ("script: 5,001", "5,000"),
        id="image-script",
    ),
    pytest.param(
        m.parse_video_request,
        studio_with_script("x" * 5001),
        ("scenes[1].input.script: 5,001", "5,000"),
        id="studio-scene-script-5001",
    ),
    pytest.param(m.VideoAgentRequest.parse, with_(AGENT, prompt=""), ("prompt: 0 characters", "1-10,000"), id="p-0"),
    pytest.param(
        m.VideoAgentRequest.parse,
        with_(AGENT, prompt="x" * 10_001),
        ("prompt: 10,001", "1-10,000"),
        id="prompt-10001",
    ),
    pytest.param(m.VideoAgentRequest.parse, with_(AGENT, files=files(21)), ("files: 21 items", "20"), id="files-21"),
    pytest.param(m.SpeechRequest.parse, with_(SPEECH, text=""), ("text: 0 characters", "1-5,000"), id="speech-text-0"),
    pytest.param(
        m.SpeechRequest.parse,
        with_(SPEECH, text="x" * 5001),
        ("text: 5,001", "1-5,000"),
        id="speech-text-5001",
    ),
    pytest.param(m.SpeechRequest.parse, with_(SPEECH, speed=0.49), ("speed: 0.49", "minimum 0.5"), id="speed-0.49"),
    pytest.param(m.SpeechRequest.parse, with_(SPEECH, speed=2.01), ("speed: 2.01", "maximum 2.0"), id="speed-2.01"),
    pytest.param(
        m.parse_video_request,
        with_(AVATAR, voice_settings={"speed": 0.49}),
        ("voice_settings.speed: 0.49", "minimum 0.5"),
        id="voice-speed-0.49",
    ),
    pytest.param(
        m.parse_video_request,
        with_(AVATAR, voice_settings={"speed": 1.51}),
        ("voice_settings.speed: 1.51", "maximum 1.5"),
        id="voice-speed-1.51",
    ),
    pytest.param(
        m.parse_video_request,
        with_(AVATAR, voice_settings={"pitch": -51}),
        ("voice_settings.pitch: -51", "minimum -50"),
        id="voice-pitch--51",
    ),
    pytest.param(
        m.parse_video_request,
        with_(AVATAR, voice_settings={"pitch": 51}),
        ("voice_settings.pitch: 51", "maximum 50"),
        id="voice-pitch-51",
    ),
    pytest.param(
        m.parse_video_request,
        with_(AVATAR, voice_settings={"volume": 1.01}),
        ("voice_settings.volume: 1.01", "maximum 1"),
        id="voice-volume-1.01",
    ),
    pytest.param(m.parse_video_request, with_(STUDIO, scenes=[]), ("scenes: 0 items", "1-50"), id="scenes-0"),
    pytest.param(
        m.parse_video_request,
        with_(STUDIO, scenes=[IMAGE_SCENE] * 51),
        ("scenes: 51 items", "1-50"),
        id="scenes-51",
    ),
    pytest.param(
        m.parse_video_request,
        with_(STUDIO, scenes=[with_(IMAGE_SCENE, duration=300.5)]),
        ("scenes[0].duration: 300.5", "maximum 300"),
        id="scene-300.5s",
    ),
    pytest.param(
        m.parse_video_request,
        with_(STUDIO, scenes=[with_(IMAGE_SCENE, duration=0)]),
        ("scenes[0].duration: 0", "above 0"),
        id="scene-0s",
    ),
    pytest.param(
        m.parse_video_request,
        with_(CINEMATIC, duration=3),
        ("duration: 3", "minimum 4"),
        id="cinematic-duration-3",
    ),
    pytest.param(
        m.parse_video_request,
        with_(CINEMATIC, duration=16),
        ("duration: 16", "maximum 15"),
        id="cinematic-duration-16",
    ),
    pytest.param(
        m.parse_video_request,
        with_(CINEMATIC, avatar_id=[]),
        ("avatar_id: 0 items", "1-3"),
        id="cinematic-avatars-0",
    ),
    pytest.param(
        m.parse_video_request,
        with_(CINEMATIC, avatar_id=["a", "b", "c", "d"]),
        ("avatar_id: 4 items", "1-3"),
        id="cinematic-avatars-4",
    ),
    pytest.param(
        m.parse_video_request,
        with_(CINEMATIC, references=references(4, 0)),
        ("references: 4 videos", "limit is 3"),
        id="cinematic-refs-4-videos",
    ),
    pytest.param(
        m.parse_video_request,
        with_(CINEMATIC, references=references(0, 10)),
        ("references: 10 images", "limit is 9"),
        id="cinematic-refs-10-images",
    ),
    pytest.param(
        m.parse_avatar_request,
        {"type": "prompt", "name": "Ada", "prompt": "A friendly host", "reference_images": [IMAGE] * 4},
        ("reference_images: 4 items", "limit is 3"),
        id="avatar-reference-images-4",
    ),
]


@pytest.mark.parametrize(("parse", "data", "fragments"), PAST_LIMIT)
def test_value_past_the_limit_is_rejected_naming_field_value_and_limit(
    parse: Parse, data: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    found = problems(parse, data)
    assert len(found) == 1
    for fragment in fragments:
        assert fragment in found[0]


@pytest.mark.parametrize(
    ("parse", "data", "expected"),
    [
        pytest.param(
            m.AvatarVideoRequest.parse,
            with_(AVATAR, script="x" * 5001),
            "script: 5,001 characters, the limit is 5,000",
            id="string",
        ),
        pytest.param(
            m.StudioVideoRequest.parse,
            with_(STUDIO, scenes=[IMAGE_SCENE] * 51),
            "scenes: 51 items, must be 1-50",
            id="list",
        ),
        pytest.param(
            m.SpeechRequest.parse,
            with_(SPEECH, speed=2.5),
            "speed: 2.5 is above the maximum 2.0 (allowed 0.5 to 2.0)",
            id="number",
        ),
    ],
)
def test_problem_wording_is_stable(parse: Parse, data: dict[str, Any], expected: str) -> None:
    assert problems(parse, data) == [expected]


# --- enums -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ratio", ["16:9", "9:16", "4:5", "5:4", "1:1", "auto"])
@pytest.mark.parametrize("base", [AVATAR, IMAGE_VIDEO, STUDIO], ids=["avatar", "image", "studio"])
def test_every_documented_aspect_ratio_is_accepted(base: dict[str, Any], ratio: str) -> None:
    assert m.parse_video_request(with_(base, aspect_ratio=ratio)).to_body()["aspect_ratio"] == ratio


@pytest.mark.parametrize("resolution", ["4k", "1080p", "720p"])
def test_every_documented_resolution_is_accepted(resolution: str) -> None:
    assert m.parse_video_request(with_(AVATAR, resolution=resolution)).to_body()["resolution"] == resolution


@pytest.mark.parametrize(
    ("data", "field", "value"),
    [
        pytest.param(with_(AVATAR, aspect_ratio="3:2"), "aspect_ratio", "'3:2'", id="aspect-3:2"),
        pytest.param(with_(STUDIO, aspect_ratio="21:9"), "aspect_ratio", "'21:9'", id="studio-aspect-21:9"),
        pytest.param(with_(AVATAR, resolution="8k"), "resolution", "'8k'", id="resolution-8k"),
        pytest.param(with_(AVATAR, resolution="1440p"), "resolution", "'1440p'", id="resolution-1440p"),
        pytest.param(with_(CINEMATIC, aspect_ratio="4:5"), "aspect_ratio", "'4:5'", id="cinematic-aspect-4:5"),
        pytest.param(with_(CINEMATIC, resolution="4k"), "resolution", "'4k'", id="cinematic-resolution-4k"),
        pytest.param(with_(AVATAR, output_format="mov"), "output_format", "'mov'", id="output-format-mov"),
    ],
)
def test_value_outside_an_enum_is_rejected_listing_the_allowed_values(
    data: dict[str, Any], field: str, value: str
) -> None:
    [problem] = problems(m.parse_video_request, data)
    assert problem.startswith(f"{field}: {value} is not allowed, expected ")


def test_cinematic_lists_only_its_own_aspect_ratios() -> None:
    [problem] = problems(m.parse_video_request, with_(CINEMATIC, aspect_ratio="auto"))
    assert problem == "aspect_ratio: 'auto' is not allowed, expected '16:9', '9:16' or '1:1'"


def test_long_enum_lists_are_cut_in_messages() -> None:
    [problem] = problems(m.WebhookEndpointRequest.parse, {"url": "https://hooks.example.com/h", "events": ["nope"]})
    assert problem.startswith("events[0]: 'nope' is not allowed, expected one of 30 values ('avatar_video.success'")
    assert "batch.finished" not in problem


# --- output size -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        pytest.param({"dimension": {"width": 1920, "height": 1080}}, id="v2-dimension"),
        pytest.param({"width": 1920}, id="width"),
        pytest.param({"height": 1080}, id="height"),
    ],
)
def test_v3_has_no_pixel_size_fields_so_they_are_rejected(field: dict[str, Any]) -> None:
    """v3 sizes the output by ``resolution`` (its enum keeps it within 128-4,096 px); pixel fields are v2."""
    [problem] = problems(m.parse_video_request, with_(AVATAR, **field))
    assert problem.startswith(f"{next(iter(field))}: unknown field")


# --- assets ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "size", "mime", "expected"),
    [
        pytest.param("face.png", m.ASSET_MAX_BYTES, None, "image/png", id="32MB-by-extension"),
        pytest.param("clip.bin", 1, "video/mp4", "video/mp4", id="declared-type-wins"),
        pytest.param("talk.MP3", 1, None, "audio/mpeg", id="upper-case-extension"),
        pytest.param("subs.srt", 1, "text/plain", "application/x-subrip", id="generic-type-uses-extension"),
        pytest.param("doc.pdf", 1, "application/pdf; charset=binary", "application/pdf", id="type-parameters"),
    ],
)
def test_upload_within_limits_returns_the_type_to_declare(
    filename: str, size: int, mime: str | None, expected: str
) -> None:
    assert m.check_upload(filename, size, mime) == expected


@pytest.mark.parametrize(
    ("filename", "size", "mime", "fragments"),
    [
        pytest.param("face.png", m.ASSET_MAX_BYTES + 1, None, ("33,554,433 bytes", "32 MB"), id="32MB-plus-1"),
        pytest.param("anim.gif", 1, None, ("'anim.gif'", "not allowed", "png, jpeg"), id="gif-by-extension"),
        pytest.param("face.png", 1, "image/gif", ("'image/gif'", "not allowed"), id="gif-declared"),
        pytest.param("notes", 1, "text/plain", ("'text/plain'", "not allowed"), id="generic-without-extension"),
    ],
)
def test_upload_of_wrong_size_or_type_is_rejected(
    filename: str, size: int, mime: str | None, fragments: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        m.check_upload(filename, size, mime)
    assert caught.value.model == "AssetUpload"
    [problem] = caught.value.problems
    assert problem.startswith("file: ")
    for fragment in fragments:
        assert fragment in problem


def test_upload_both_too_big_and_of_wrong_type_reports_both() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        m.check_upload("anim.gif", m.ASSET_MAX_BYTES + 1)
    assert len(caught.value.problems) == 2


def test_agent_attachment_of_an_unsupported_type_is_rejected() -> None:
    gif = {"type": "base64", "media_type": "image/gif", "data": "R0lGOD=="}
    [problem] = problems(m.VideoAgentRequest.parse, with_(AGENT, files=[*files(1), gif]))
    assert problem.startswith("files[1].media_type: 'image/gif' is not allowed")


# --- cross-field rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parse", "data", "fragment"),
    [
        pytest.param(
            m.parse_video_request,
            with_(AVATAR, audio_url="https://cdn.example.com/a.mp3"),
            "script and audio_url are mutually exclusive",
            id="script-and-audio-url",
        ),
        pytest.param(
            m.parse_video_request,
            with_(IMAGE_VIDEO, script=None, audio_url="https://cdn.example.com/a.mp3", audio_asset_id="ast_1"),
            "audio_url and audio_asset_id are mutually exclusive",
            id="two-audio-files",
        ),
        pytest.param(
            m.parse_video_request,
            with_(AVATAR, output_format="webm", background={"type": "color", "value": "#000000"}),
            "background is not allowed with output_format 'webm'",
            id="webm-background",
        ),
        pytest.param(
            m.parse_video_request,
            with_(IMAGE_VIDEO, voice_id=None),
            "voice_id is required with script",
            id="image-script-without-voice",
        ),
        pytest.param(
            m.parse_video_request,
            with_(AVATAR, engine={"type": "avatar_v"}, expressiveness="high"),
            "expressiveness works only with the avatar_iv engine, not avatar_v",
            id="expressiveness-avatar-v",
        ),
        pytest.param(
            m.parse_video_request,
            with_(AVATAR, engine={"type": "avatar_iii"}, motion_prompt="wave"),
            "motion_prompt is not supported with the avatar_iii engine",
            id="motion-prompt-avatar-iii",
        ),
        pytest.param(
            m.parse_video_request,
            with_(AVATAR, background={"type": "color"}),
            "background: value (a hex color) is required",
            id="color-background-without-value",
        ),
        pytest.param(
            m.parse_video_request,
            with_(AVATAR, background={"type": "image", "url": "https://cdn.example.com/b.png", "asset_id": "a"}),
            "background: type 'image' needs exactly one of url or asset_id",
            id="image-background-two-sources",
        ),
        pytest.param(
            m.parse_video_request,
            with_(CINEMATIC, duration=8, auto_duration=True),
            "duration must be left out when auto_duration is true",
            id="cinematic-duration-and-auto",
        ),
        pytest.param(
            m.parse_video_request,
            with_(STUDIO, scenes=[{"type": "avatar_video", "input": {"type": "avatar", "avatar_id": "look_1"}}]),
            "scenes[0].input: needs exactly one audio source (script, audio_url or audio_asset_id), got none",
            id="studio-avatar-without-audio",
        ),
        pytest.param(
            m.parse_video_request,
            with_(STUDIO, scenes=[with_(IMAGE_SCENE, script="Hi", voice_id="voice_1")]),
            "scenes[0]: needs exactly one of duration, script, audio_url or audio_asset_id, got duration and script",
            id="image-scene-silent-and-narrated",
        ),
        pytest.param(
            m.VideoTranslationRequest.parse,
            with_(TRANSLATION, start_time=10, end_time=10),
            "end_time 10 must be after start_time 10",
            id="translation-empty-window",
        ),
        pytest.param(
            m.WebhookEndpointUpdate.parse, {}, "give url, events or both", id="webhook-update-without-changes"
        ),
    ],
)
def test_cross_field_rule_is_enforced(parse: Parse, data: dict[str, Any], fragment: str) -> None:
    [problem] = problems(parse, {k: v for k, v in data.items() if v is not None})
    assert fragment in problem


def test_webm_without_background_is_accepted() -> None:
    assert m.parse_video_request(with_(AVATAR, output_format="webm")).to_body()["output_format"] == "webm"


@pytest.mark.parametrize(
    ("parse", "data", "problem"),
    [
        pytest.param(
            m.LipsyncRequest.parse,
            {"video": {"type": "base64", "media_type": "video/mp4", "data": "AAAA"}, "audio": AUDIO},
            "video: type 'base64' is not allowed, expected 'url', 'asset_id'",
            id="lipsync-base64-video",
        ),
        pytest.param(
            m.VideoTranslationRequest.parse,
            with_(TRANSLATION, video={"type": "url", "url": "ftp://files.example.com/v.mp4"}),
            "video.url: 'ftp://files.example.com/v.mp4' is not an http(s) URL",
            id="translation-ftp-url",
        ),
        pytest.param(
            m.VideoTranslationRequest.parse,
            with_(TRANSLATION, output_languages=[]),
            "output_languages: 0 items, must be at least 1",
            id="no-languages",
        ),
        pytest.param(
            m.VideoTranslationRequest.parse,
            with_(TRANSLATION, output_languages=["French", ""]),
            "output_languages[1]: 0 characters, must be at least 1",
            id="empty-language",
        ),
        pytest.param(
            m.parse_video_request,
            {"type": "slideshow"},
            "type 'slideshow' is not allowed",
            id="unknown-video-type",
        ),
        pytest.param(m.parse_video_request, {"avatar_id": "look_1"}, "type is missing", id="video-type-missing"),
        pytest.param(
            m.AvatarVideoRequest.parse, {"script": "Hi"}, "avatar_id: required field is missing", id="missing"
        ),
        pytest.param(
            m.SpeechRequest.parse,
            with_(SPEECH, speed="fast"),
            "speed: Input should be a valid number, unable to parse string as a number (got 'fast')",
            id="wrong-type",
        ),
        pytest.param(
            m.parse_video_request,
            {"type": ["avatar"]},
            "type \"['avatar']\" is not allowed",
            id="unhashable-tag",
        ),
    ],
)
def test_shape_errors_are_reported_with_their_path(parse: Parse, data: dict[str, Any], problem: str) -> None:
    [found] = problems(parse, data)
    assert found.startswith(problem)


# --- unknown fields, parse and to_body ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("parse", "data", "path"),
    [
        pytest.param(m.parse_video_request, with_(AVATAR, scirpt="typo"), "scirpt", id="top-level"),
        pytest.param(
            m.parse_video_request,
            with_(AVATAR, voice_settings={"sped": 1.2}),
            "voice_settings.sped",
            id="nested",
        ),
        pytest.param(
            m.parse_video_request,
            with_(STUDIO, scenes=[with_(IMAGE_SCENE, source=with_(IMAGE, alt="x"))]),
            "scenes[0].source.alt",
            id="inside-unions",
        ),
        pytest.param(m.SpeechRequest.parse, with_(SPEECH, format="mp3"), "format", id="speech"),
        pytest.param(
            m.WebhookEndpointRequest.parse,
            {"url": "https://h.example.com", "secret": "s"},
            "secret",
            id="hook",
        ),
    ],
)
def test_unknown_field_is_rejected_before_any_http(parse: Parse, data: dict[str, Any], path: str) -> None:
    [problem] = problems(parse, data)
    assert problem.startswith(f"{path}: unknown field")


def test_every_problem_is_listed_and_the_union_member_is_named() -> None:
    data = with_(AVATAR, script="x" * 5001, resolution="8k", voice_settings={"speed": 3})
    with pytest.raises(InvalidRequestError) as caught:
        m.parse_video_request(data)
    assert caught.value.model == "AvatarVideoRequest"
    assert [p.split(":", 1)[0] for p in caught.value.problems] == [
        "script",
        "voice_settings.speed",
        "resolution",
    ]
    assert str(caught.value).startswith("Invalid AvatarVideoRequest: script: 5,001 characters")


def test_long_values_are_cut_in_messages() -> None:
    url = "ftp://files.example.com/" + "a" * 200
    [problem] = problems(m.LipsyncRequest.parse, {"video": {"type": "url", "url": url}, "audio": AUDIO})
    assert problem == f"video.url: {url[:74]!r}"[:-1] + "...' is not an http(s) URL"


def test_parse_request_takes_a_type_adapter_and_names_the_member() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(m.AssetInput)
    assert m.parse_request(adapter, IMAGE) == m.AssetUrl(url=IMAGE["url"])
    with pytest.raises(InvalidRequestError) as caught:
        m.parse_request(adapter, {"type": "asset_id", "asset_id": ""})
    assert (caught.value.model, caught.value.problems) == (
        "AssetId",
        ["asset_id: 0 characters, must be at least 1"],
    )


def test_unknown_union_tag_names_no_member() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        m.parse_avatar_request({"type": "cartoon", "name": "x"})
    assert caught.value.model is None
    assert caught.value.problems == ["type 'cartoon' is not allowed, expected 'photo', 'digital_twin', 'prompt'"]


def test_body_that_is_not_an_object_is_rejected() -> None:
    """An unrendered or mis-rendered template (a string) fails with a problem, not a crash."""
    with pytest.raises(InvalidRequestError) as caught:
        m.parse_video_request("{{ params.video }}")  # type: ignore[arg-type]
    assert caught.value.model is None
    [problem] = caught.value.problems
    assert problem.startswith("Input should be a valid dictionary")


def test_parse_revalidates_a_model_changed_after_it_was_built() -> None:
    request = m.AvatarVideoRequest(avatar_id="look_1", script="Hi")
    request.script = "x" * 5001
    with pytest.raises(InvalidRequestError, match=r"script: 5,001 characters"):
        m.AvatarVideoRequest.parse(request)


def test_parse_accepts_a_model_and_returns_an_equal_one() -> None:
    request = m.SpeechRequest(text="Hello", voice_id="voice_1", speed=1.25)
    assert m.SpeechRequest.parse(request) == request
    avatar = m.AvatarVideoRequest(avatar_id="look_1", script="Hi")
    assert m.parse_video_request(avatar) == avatar


def test_to_body_omits_unset_fields_and_keeps_urls_verbatim() -> None:
    presigned = "https://bucket.s3.amazonaws.com/a%2Fb.mp4?X-Amz-Signature=abc%3D&X-Amz-Expires=60"
    body = m.LipsyncRequest(video=m.AssetUrl(url=presigned), audio=m.AssetId(asset_id="ast_1")).to_body()
    assert body == {
        "video": {"type": "url", "url": presigned},
        "audio": {"type": "asset_id", "asset_id": "ast_1"},
    }


def test_parse_of_the_union_returns_the_member_picked_by_type() -> None:
    assert isinstance(m.parse_video_request(STUDIO), m.StudioVideoRequest)
    assert isinstance(m.parse_video_request(CINEMATIC), m.CinematicAvatarVideoRequest)
    assert isinstance(m.parse_request(m.VideoCreateRequest, IMAGE_VIDEO), m.ImageVideoRequest)


# --- responses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "data"),
    [
        pytest.param(m.Video, {"id": "v_1", "status": "archived"}, id="video"),
        pytest.param(m.VideoCreated, {"video_id": "v_1", "status": "waiting"}, id="video-created"),
        pytest.param(m.VideoStatusItem, {"video_id": "v_1", "status": "throttled"}, id="status-item"),
        pytest.param(m.VideoAgentSession, {"session_id": "s_1", "status": "planning"}, id="agent-session"),
        pytest.param(m.VideoTranslation, {"id": "vt_1", "status": "success"}, id="translation"),
        pytest.param(m.Lipsync, {"id": "ls_1", "status": "queued"}, id="lipsync"),
        pytest.param(m.Proofread, {"id": "pr_1", "status": "reviewing"}, id="proofread"),
        pytest.param(m.VoiceDetail, {"voice_id": "vc_1", "status": "completed"}, id="voice-clone"),
    ],
)
def test_response_keeps_unknown_status_strings_as_they_are(model: type[m.ResponseModel], data: dict[str, Any]) -> None:
    assert model.model_validate(data).model_dump()["status"] == data["status"]


def test_response_keeps_unknown_fields() -> None:
    video = m.Video.model_validate(
        {"id": "v_1", "status": "completed", "render_region": "eu", "chapters": [{"t": 0}], "duration": 12.5}
    )
    assert video.duration == 12.5
    assert video.model_extra == {"render_region": "eu", "chapters": [{"t": 0}]}
    user = m.User.model_validate(
        {"username": "ada", "billing_type": "crypto", "wallet": {"currency": "eur", "overdraft": 5}}
    )
    assert user.billing_type == "crypto"
    assert user.wallet is not None
    assert user.wallet.currency == "eur"
    assert user.wallet.model_extra == {"overdraft": 5}


def test_response_optional_fields_default_to_none() -> None:
    video = m.Video.model_validate({"id": "v_1", "status": "pending"})
    assert (video.video_url, video.failure_code, video.duration) == (None, None, None)
