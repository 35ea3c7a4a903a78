"""Properties of the request models and of the client's reading of answers, found with Hypothesis.

(a) Whatever the models accept, the fake (which checks HeyGen's published schemas and limits) accepts too.
(b) Whatever HeyGen (or a proxy in front of it) answers, the client and the status readers raise only
    ``HeyGenError`` subclasses, and the trigger still yields exactly one event.
Every example that once broke one of these is kept below, as an ``@example`` or a regression row.
Seeded (``derandomize``) and bounded: the whole file runs in seconds, the same way every time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.client import AsyncHeyGenClient, HeyGenClient
from airflow_provider.heygen.api.errors import HeyGenError, InvalidRequestError
from airflow_provider.heygen.api.jobs import JobStatus, job_kind, statuses_from_responses
from airflow_provider.heygen.api.retries import RetryPolicy
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.routes.voices import CATALOGUE
from airflow_provider.heygen.testing.fake.validation import TRANSLATION_LANGUAGES
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger, JobEvent
from airflow_provider.heygen.triggers.poller import StatusPoller

FEW = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
STARFISH_VOICE = next(v.voice_id for v in CATALOGUE if v.name.startswith("Aria"))

# --- strategies of requests ------------------------------------------------------------------------
# Broad on purpose: every field the models leave free gets any text or any float (nan and inf too), and
# the model decides. What it refuses is dropped (``reject``); what it accepts, the fake must accept.

ids = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=24)
text = st.text(max_size=30)
floats = st.floats()
words = st.text(min_size=1, max_size=200)
EXTENSIONS = ["mp4", "webm", "mov", "png", "jpg", "jpeg", "webp", "mp3", "wav", "pdf", "srt"]
MEDIA_TYPES = ["image/png", "image/jpeg", "video/mp4", "video/webm", "audio/mpeg", "audio/wav", "application/pdf"]
http_url = st.builds(
    lambda scheme, host, name, ext: f"{scheme}://{host}.example.com/{name}.{ext}",
    st.sampled_from(["https", "http"]),
    ids,
    ids,
    st.sampled_from(EXTENSIONS),
)
url_input = st.builds(lambda url: {"type": "url", "url": url}, http_url)
asset_id_input = st.builds(lambda asset_id: {"type": "asset_id", "asset_id": asset_id}, text)
base64_input = st.builds(
    lambda media_type, data: {"type": "base64", "media_type": media_type, "data": data},
    st.sampled_from(MEDIA_TYPES),
    st.binary(min_size=1, max_size=24).map(lambda raw: base64.b64encode(raw).decode()) | text,
)
url_or_asset = url_input | asset_id_input
asset_input = url_input | asset_id_input | base64_input


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def body(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of the drawn fields, the None ones left out (as a caller would leave them out)."""
    return st.fixed_dictionaries(fields).map(lambda drawn: {k: v for k, v in drawn.items() if v is not None})


engine_settings = st.one_of(
    body(
        engine_type=st.just("elevenlabs"),
        model=maybe(st.sampled_from(["eleven_multilingual_v2", "eleven_turbo_v2_5", "eleven_flash_v2_5", "eleven_v3"])),
        stability=maybe(floats),
        similarity_boost=maybe(floats),
        style=maybe(floats),
        use_speaker_boost=maybe(st.booleans()),
    ),
    body(engine_type=st.just("fish"), model=maybe(st.sampled_from(["s1", "s2-pro"])), stability=maybe(floats)),
    st.just({"engine_type": "starfish"}),
)
voice_settings = body(
    speed=maybe(st.floats(0.5, 1.5)),
    pitch=maybe(st.floats(-50, 50)),
    volume=maybe(st.floats(0, 1)),
    locale=maybe(text),
    engine_settings=maybe(engine_settings),
)
watermarks = body(
    image=asset_input,
    opacity=maybe(st.floats(0, 1)),
    scale=maybe(floats),
    placement=maybe(
        body(
            position=maybe(st.sampled_from(["top_left", "top_right", "bottom_left", "bottom_right"])),
            offset_x=maybe(floats),
            offset_y=maybe(floats),
        )
    ),
)
captions = body(file_format=maybe(st.just("srt")), style=maybe(st.just("default")))
backgrounds = st.one_of(
    st.builds(lambda value: {"type": "color", "value": value}, text),
    st.builds(lambda url: {"type": "image", "url": url}, http_url),
    st.builds(lambda asset_id: {"type": "image", "asset_id": asset_id}, text),
)


@st.composite
def narration(draw: st.DrawFn, *, silent: bool = True) -> dict[str, Any]:
    """What a speaker says: a script and maybe a voice, an audio file, or (``silent``) nothing."""
    sources = ["script", "audio_url", "audio_asset_id"] + (["none"] if silent else [])
    source = draw(st.sampled_from(sources))
    said: dict[str, Any] = draw(body(voice_id=maybe(text), voice_settings=maybe(voice_settings)))
    if source == "script":
        said["script"] = draw(st.text(max_size=m.SCRIPT_MAX_CHARS))
    elif source == "audio_url":
        said["audio_url"] = draw(http_url)
    elif source == "audio_asset_id":
        said["audio_asset_id"] = draw(text)
    return said


def single_video(kind: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An avatar or image video: the output settings both kinds share, what it says, and ``fields``."""
    shared = body(
        title=maybe(text),
        resolution=maybe(st.sampled_from(["4k", "1080p", "720p"])),
        aspect_ratio=maybe(st.sampled_from(["16:9", "9:16", "4:5", "5:4", "1:1", "auto"])),
        fit=maybe(st.sampled_from(["contain", "cover"])),
        background=maybe(backgrounds),
        remove_background=maybe(st.booleans()),
        output_format=maybe(st.sampled_from(["mp4", "webm"])),
        caption=maybe(captions),
        expressiveness=maybe(st.sampled_from(["high", "medium", "low"])),
        motion_prompt=maybe(text),
        watermark=maybe(watermarks),
        callback_url=maybe(http_url),
        callback_id=maybe(text),
        **fields,
    )
    return st.tuples(shared, narration()).map(lambda parts: {"type": kind, **parts[0], **parts[1]})


engines = st.one_of(
    st.builds(lambda look: {"type": "avatar_v", **({"reference_look_id": look} if look else {})}, maybe(text)),
    st.just({"type": "avatar_iv"}),
    st.just({"type": "avatar_iii"}),
)
avatar_videos = single_video("avatar", avatar_id=ids, engine=maybe(engines))
image_videos = single_video("image", image=asset_input)
cinematic_videos = body(
    type=st.just("cinematic_avatar"),
    prompt=words,
    avatar_id=st.lists(ids, min_size=1, max_size=3),
    references=maybe(st.lists(asset_input, max_size=4)),
    duration=maybe(st.integers(4, 15)),
    auto_duration=maybe(st.booleans()),
    enhance_prompt=maybe(st.booleans()),
    aspect_ratio=maybe(st.sampled_from(["16:9", "9:16", "1:1"])),
    resolution=maybe(st.sampled_from(["720p", "1080p"])),
    title=maybe(text),
)
studio_speakers = st.one_of(
    st.tuples(
        body(
            type=st.just("avatar"),
            avatar_id=ids,
            background=maybe(st.builds(lambda c: {"type": "color", "color": f"#{c:06x}"}, st.integers(0, 0xFFFFFF))),
            engine=maybe(engines),
            expressiveness=maybe(st.sampled_from(["high", "medium", "low"])),
            motion_prompt=maybe(text),
        ),
        narration(silent=False),
    ),
    st.tuples(
        body(
            type=st.just("image"),
            image=asset_input,
            expressiveness=maybe(st.sampled_from(["high", "medium", "low"])),
            motion_prompt=maybe(text),
        ),
        narration(silent=False),
    ),
).map(lambda parts: {**parts[0], **parts[1]})
scenes = st.one_of(
    st.builds(lambda speaker: {"type": "avatar_video", "input": speaker}, studio_speakers),
    st.builds(
        lambda source, seconds: {"type": "image", "source": source, "duration": seconds},
        asset_input,
        st.floats(0, 300, exclude_min=True),
    ),
    st.tuples(body(type=st.just("image"), source=asset_input), narration(silent=False)).map(
        lambda parts: {**parts[0], **parts[1]}
    ),
    body(
        type=st.just("video"),
        source=asset_input,
        playback=maybe(body(volume=maybe(st.floats(0, 1)), mute=maybe(st.booleans()))),
    ),
)
studio_videos = body(
    type=st.just("studio"),
    scenes=st.lists(scenes, min_size=1, max_size=4),
    resolution=maybe(st.sampled_from(["4k", "1080p", "720p"])),
    aspect_ratio=maybe(st.sampled_from(["16:9", "9:16", "4:5", "5:4", "1:1", "auto"])),
    caption=maybe(captions),
    watermark=maybe(watermarks),
    title=maybe(text),
    callback_url=maybe(http_url),
    callback_id=maybe(text),
)

speech_requests = body(
    text=st.text(min_size=1, max_size=m.SPEECH_MAX_CHARS),
    voice_id=st.just(STARFISH_VOICE),  # the voice must exist (the server's catalogue, not a model constraint)
    input_type=maybe(st.just("text")),  # SSML must also be well-formed markup, which no field constraint says
    speed=maybe(st.floats(0.5, 2.0)),
    language=maybe(text),
    locale=maybe(text),
)
# Seconds of a partial job: any float up to a day (a longer window is only a bigger bill), nan and inf too.
seconds = st.floats(max_value=86_400) | st.sampled_from([math.inf, -math.inf, math.nan])
window = st.one_of(
    st.just({}),
    st.builds(lambda start: {"start_time": start}, seconds),
    st.builds(lambda end: {"end_time": end}, seconds),
    st.builds(lambda start, length: {"start_time": start, "end_time": start + length}, seconds, seconds),
)
translation_requests = st.tuples(
    body(
        video=url_or_asset,
        # The language names are the server's list (GET /v3/video-translations/languages), not a model constraint.
        output_languages=st.lists(st.sampled_from(TRANSLATION_LANGUAGES), min_size=1, max_size=5, unique=True),
        mode=maybe(st.sampled_from(["speed", "precision"])),
        title=maybe(text),
        folder_id=maybe(text),
        input_language=maybe(text),
        speaker_num=maybe(st.integers(1, 10**6)),
        translate_audio_only=maybe(st.booleans()),
        enable_caption=maybe(st.booleans()),
        enable_dynamic_duration=maybe(st.booleans()),
        keep_the_same_format=maybe(st.booleans()),
        audio=maybe(url_or_asset),
        fps_mode=maybe(st.sampled_from(["vfr", "cfr", "passthrough"])),
        srt=maybe(url_or_asset),
        srt_role=maybe(st.sampled_from(["input", "output"])),
        brand_glossary_id=maybe(text),
        stock_voice_config=maybe(
            body(use_stock_voice=maybe(st.booleans()), preferred_stock_voice_ids=maybe(st.lists(text, max_size=2)))
        ),
        callback_url=maybe(http_url),
        callback_id=maybe(text),
    ),
    window,
).map(lambda parts: {**parts[0], **parts[1]})
lipsync_requests = st.tuples(
    body(
        video=url_or_asset,
        audio=url_or_asset,
        mode=maybe(st.sampled_from(["speed", "precision"])),
        title=maybe(text),
        enable_caption=maybe(st.booleans()),
        enable_dynamic_duration=maybe(st.booleans()),
        disable_music_track=maybe(st.booleans()),
        fps_mode=maybe(st.sampled_from(["vfr", "cfr", "passthrough"])),
        callback_url=maybe(http_url),
        callback_id=maybe(text),
    ),
    window,
).map(lambda parts: {**parts[0], **parts[1]})
agent_requests = body(
    prompt=st.text(min_size=1, max_size=m.AGENT_PROMPT_MAX_CHARS),
    mode=maybe(st.sampled_from(["generate", "chat"])),
    files=maybe(st.lists(asset_input, max_size=m.AGENT_MAX_FILES)),
    orientation=maybe(st.sampled_from(["landscape", "portrait"])),
    avatar_id=maybe(text),
    voice_id=maybe(text),
    style_id=maybe(text),
    callback_url=maybe(http_url),
    callback_id=maybe(text),
    incognito_mode=maybe(st.booleans()),
)
# Asset ids, avatar ids and groups must exist in the account (server state): files come as URLs or base64.
inline_file = url_input | base64_input
avatar_requests = st.one_of(
    body(type=st.just("photo"), name=words, file=inline_file),
    body(type=st.just("digital_twin"), name=words, file=inline_file),
    body(type=st.just("prompt"), name=words, prompt=words, reference_images=maybe(st.lists(inline_file, max_size=3))),
)
proofread_requests = body(
    video=url_or_asset,
    output_languages=st.lists(st.sampled_from(TRANSLATION_LANGUAGES), min_size=1, max_size=3, unique=True),
    title=words,
    mode=maybe(st.sampled_from(["speed", "precision"])),
    srt=maybe(url_or_asset),
    speaker_num=maybe(st.integers(1, 10)),
    enable_video_stretching=maybe(st.booleans()),
)


@dataclass
class Poster:
    """POSTs bodies to a fake without a concurrency cap and with credits to spare: only their shape counts."""

    fake: FakeHeyGen
    client: HeyGenClient

    def accepts(self, path: str, body: dict[str, Any]) -> None:
        self.fake.reset()
        answer = self.client.request("POST", path, json=body, idempotency_key="prop-1")
        assert isinstance(answer.get("data"), dict)


@pytest.fixture
def poster(make_fake: Callable[..., FakeHeyGen]) -> Iterator[Poster]:
    fake = make_fake(concurrency_limit=None, wallet_credits=1e15)
    with HeyGenClient(fake.api_key, base_url=fake.url, retry=RetryPolicy(max_attempts=1)) as client:
        yield Poster(fake, client)


SENDS: dict[str, tuple[str, Callable[[Any], m.RequestModel], st.SearchStrategy[Any]]] = {
    "avatar-video": ("/v3/videos", m.parse_video_request, avatar_videos),
    "image-video": ("/v3/videos", m.parse_video_request, image_videos),
    "cinematic-video": ("/v3/videos", m.parse_video_request, cinematic_videos),
    "studio-video": ("/v3/videos", m.parse_video_request, studio_videos),
    "speech": ("/v3/voices/speech", m.SpeechRequest.parse, speech_requests),
    "translation": ("/v3/video-translations", m.VideoTranslationRequest.parse, translation_requests),
    "lipsync": ("/v3/lipsyncs", m.LipsyncRequest.parse, lipsync_requests),
    "agent": ("/v3/video-agents", m.VideoAgentRequest.parse, agent_requests),
    "avatar": ("/v3/avatars", m.parse_avatar_request, avatar_requests),
    "proofread": ("/v3/video-translations/proofreads", m.ProofreadRequest.parse, proofread_requests),
}


@pytest.mark.parametrize("name", sorted(SENDS))
def test_what_the_model_accepts_the_fake_accepts(poster: Poster, name: str) -> None:
    path, parse, requests = SENDS[name]

    @settings(FEW, max_examples=30)  # each one a real POST to the fake; ten kinds of request
    @given(request=requests)
    def check(request: Any) -> None:
        try:
            body = parse(request).to_body()
        except InvalidRequestError:
            reject()  # not a request the model accepts: nothing to send
        poster.accepts(path, body)

    check()


URL = {"type": "url", "url": "https://cdn.example.com/face.png"}
CLIP = {"type": "url", "url": "https://cdn.example.com/talk.mp4"}
TALK = {"type": "avatar", "avatar_id": "a", "voice_id": "v", "script": "Hi"}


@pytest.mark.parametrize(
    ("parse", "request_"),
    [  # each once accepted by the models and refused by the fake, as HeyGen refuses it
        pytest.param(m.parse_video_request, {**TALK, "script": " \n"}, id="blank-script"),
        pytest.param(m.parse_video_request, {**TALK, "script": ""}, id="empty-script"),
        pytest.param(m.parse_video_request, {"type": "avatar", "avatar_id": "a"}, id="nothing-to-say"),
        pytest.param(m.parse_video_request, {**TALK, "voice_id": ""}, id="empty-voice-id"),
        pytest.param(
            m.parse_video_request, {"type": "avatar", "avatar_id": "a", "audio_asset_id": ""}, id="empty-audio-asset"
        ),
        pytest.param(
            m.parse_video_request,
            {"type": "cinematic_avatar", "prompt": "\t", "avatar_id": ["a"]},
            id="blank-cinematic-prompt",
        ),
        pytest.param(
            m.parse_video_request,
            {**TALK, "voice_settings": {"engine_settings": {"engine_type": "fish", "stability": math.nan}}},
            id="nan-stability",
        ),
        pytest.param(m.SpeechRequest.parse, {"text": "\t ", "voice_id": "v"}, id="blank-speech"),
        pytest.param(
            m.VideoTranslationRequest.parse,
            {"video": {"type": "asset_id", "asset_id": "a"}, "output_languages": ["Greek", "Greek"]},
            id="repeated-language",
        ),
        pytest.param(
            m.VideoTranslationRequest.parse,
            {"video": CLIP, "output_languages": ["Greek"], "start_time": math.inf},
            id="infinite-start",  # httpx refused to encode it: a ValueError, not a HeyGenError
        ),
        pytest.param(
            m.LipsyncRequest.parse, {"video": CLIP, "audio": CLIP, "start_time": 1, "end_time": math.nan}, id="nan-end"
        ),
        pytest.param(m.parse_avatar_request, {"type": "photo", "name": "  ", "file": URL}, id="blank-avatar-name"),
        pytest.param(
            m.parse_avatar_request, {"type": "prompt", "name": "Ada", "prompt": "\n"}, id="blank-avatar-prompt"
        ),
        pytest.param(
            m.parse_avatar_request,
            {
                "type": "photo",
                "name": "Ada",
                "file": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo"},
            },
            id="not-base64",
        ),
    ],
)
def test_what_heygen_rejects_the_models_reject(parse: Callable[[Any], m.RequestModel], request_: Any) -> None:
    with pytest.raises(InvalidRequestError):
        parse(request_)


@pytest.mark.parametrize(
    ("path", "parse", "request_"),
    [  # the fake once refused these, against HeyGen's schema ("required when script is provided, unless avatar_id")
        pytest.param(
            "/v3/videos",
            m.parse_video_request,
            {
                "type": "studio",
                "scenes": [{"type": "avatar_video", "input": {"type": "avatar", "avatar_id": "a", "script": "Hi"}}],
            },
            id="studio-avatar-default-voice",
        ),
    ],
)
def test_what_heygen_accepts_the_fake_accepts(
    poster: Poster, path: str, parse: Callable[[Any], m.RequestModel], request_: Any
) -> None:
    poster.accepts(path, parse(request_).to_body())


# --- strategies of broken answers -----------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
STATUS_WORDS = ["completed", "failed", "processing", "pending", "not_found", "queued", ""]
resource_fields = st.sampled_from(
    ["id", "video_id", "status", "progress", "error", "failure_code", "failure_message", "message", "duration"]
)
resources = st.dictionaries(resource_fields, json_values | st.sampled_from(STATUS_WORDS), max_size=6) | json_values
envelopes = st.one_of(
    st.fixed_dictionaries({"data": resources}),
    st.fixed_dictionaries({"data": st.lists(resources, max_size=3)}),
    st.fixed_dictionaries({"error": json_values}),
    st.dictionaries(st.sampled_from(["data", "error", "has_more", "next_token"]), json_values, max_size=3),
    json_values,
)


ODD_BODIES = [
    b"",
    b"<html>502 Bad Gateway</html>",
    b'{"data":',
    b"null",
    b'{"data": {"id": "v_1", "status": "completed", "progress": NaN, "duration": Infinity}}',  # Python reads these
    b'{"data": [{"video_id": "v_1", "status": "failed", "error": -Infinity}]}',
    b"\xef\xbb\xbf{}",  # a byte-order mark
    b'{"data": "\\ud800"}',  # a lone surrogate
]


@st.composite
def answers(draw: st.DrawFn) -> httpx.Response:
    """One HTTP answer: any status, a body that is JSON of any shape or not JSON at all, odd headers."""
    status = draw(
        st.sampled_from([200, 201, 202, 204, 400, 401, 402, 403, 404, 409, 413, 422, 429, 500, 503])
        | st.integers(200, 599)
    )
    headers = draw(
        st.dictionaries(
            st.sampled_from(["retry-after", "retry-after-ms", "x-request-id"]),
            st.sampled_from(["1", "0", "-3", "nan", "inf", "1e400", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"]),
            max_size=2,
        )
    )
    if draw(st.booleans()):
        content = json.dumps(draw(envelopes)).encode()
    else:
        content = draw(st.binary(max_size=40) | st.sampled_from(ODD_BODIES))
    return httpx.Response(status, headers=headers, content=content)


def answering(replies: list[httpx.Response]) -> httpx.MockTransport:
    """A transport giving ``replies`` in turn, then the last one again and again."""
    queue = list(replies)

    def handler(request: httpx.Request) -> httpx.Response:
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)

    return httpx.MockTransport(handler)


def client_answering(replies: list[httpx.Response], sleeps: list[float]) -> HeyGenClient:
    """A client whose transport gives ``replies`` (see ``answering``) and whose sleeps are only recorded."""
    return HeyGenClient(
        "test-key",
        base_url="https://api.example.test",
        retry=RetryPolicy(max_attempts=2, max_wait=1e9),
        http_client=httpx.Client(transport=answering(replies)),
        sleep=sleeps.append,
    )


AVATAR = m.AvatarVideoRequest(avatar_id="look_1", voice_id="voice_1", script="Hello")
SPEECH = m.SpeechRequest(text="Hello", voice_id="voice_1")
CALLS: dict[str, Callable[[HeyGenClient], Any]] = {
    "request": lambda client: client.request("GET", "/v3/videos/v_1"),
    "get_video": lambda client: client.get_video("v_1"),
    "create_video": lambda client: client.create_video(AVATAR, idempotency_key="k1"),
    "create_speech": lambda client: client.create_speech(SPEECH, idempotency_key="k1"),
    "get_video_translation": lambda client: client.get_video_translation("vt_1"),
    "get_job": lambda client: client.get_job("lipsync", "ls_1"),
    "get_job_statuses": lambda client: client.get_job_statuses("video", ["v_1", "v_2"]),
    "get_translation_statuses": lambda client: client.get_job_statuses("video_translation", ["vt_1"]),
}


@FEW
@given(replies=st.lists(answers(), min_size=1, max_size=2), call=st.sampled_from(sorted(CALLS)))
@example(replies=[httpx.Response(400, json={"error": {"code": 7, "message": ["bad"]}})], call="request")
@example(replies=[httpx.Response(429, json={"error": {"message": {"a": 1}}})], call="request")
@example(replies=[httpx.Response(503, headers={"retry-after": "nan"}), httpx.Response(200)], call="get_video")
@example(replies=[httpx.Response(200, json={"data": {"id": 5, "status": []}})], call="get_video")
@example(replies=[httpx.Response(200, json={"data": {"video_id": "v_1"}})], call="get_job_statuses")
@example(replies=[httpx.Response(200, json={"data": ["v_1", 2]})], call="get_job_statuses")
@example(replies=[httpx.Response(200, json={"data": ["abc"]})], call="get_job")
def test_any_answer_gives_a_result_or_a_heygen_error(replies: list[httpx.Response], call: str) -> None:
    sleeps: list[float] = []
    with client_answering(replies, sleeps) as client:
        try:
            CALLS[call](client)
        except HeyGenError as exc:
            str(exc)  # the message itself must not fail
    assert all(isinstance(s, int | float) and not math.isnan(s) and s >= 0 for s in sleeps), sleeps


@FEW
@given(kind=st.sampled_from(["video", "video_translation", "lipsync", "video_agent", "avatar"]), data=json_values)
@example(kind="video", data={"status": "failed", "failure_code": 42, "progress": 10**400})
@example(kind="video", data={"status": "failed", "error": {"code": ["x"], "message": {"m": 1}}})
@example(kind="video", data=["not", "an", "object"])
@example(kind="video", data={"status": "completed", "duration": "30.5"})
@example(kind="lipsync", data={"status": "completed", "duration": 10**400})
def test_a_resource_of_any_shape_gives_a_status_or_a_heygen_error(kind: str, data: Any) -> None:
    """What the operators read of a finished job: its status, its part of the result and its cost."""
    spec = job_kind(kind)
    try:
        status = JobStatus.from_resource(spec, "j_1", data)
    except HeyGenError:
        return
    assert status.failure_code is None or isinstance(status.failure_code, str)
    assert status.failure_message is None or isinstance(status.failure_message, str)
    assert status.progress is None or math.isfinite(status.progress)
    if status.state.is_terminal:
        JobEvent.from_statuses(kind, {"j_1": status}).to_payload()
    spec.describe("j_1", data)
    cost = spec.cost_of({}, data.get("duration"))
    assert cost is None or (math.isfinite(cost) and cost >= 0), cost


@FEW
@given(
    kind=st.sampled_from(["video", "video_translation", "lipsync", "avatar"]),
    count=st.integers(1, 3),
    responses=st.lists(
        st.dictionaries(st.sampled_from(["data", "error"]), json_values | st.lists(resources)), min_size=3, max_size=3
    ),
)
@example(kind="video", count=2, responses=[{"data": {"video_id": "v"}}, {}, {}])
@example(kind="video", count=2, responses=[{"data": [[1], {"video_id": ["v"], "status": "completed"}]}, {}, {}])
@example(kind="lipsync", count=2, responses=[{"data": "abc"}, {}, {}])
def test_status_answers_of_any_shape_give_statuses_or_a_heygen_error(
    kind: str, count: int, responses: list[dict[str, Any]]
) -> None:
    job_ids = [f"j_{index}" for index in range(count)]
    spec = job_kind(kind)
    batch = responses[:1] if count > 1 and spec.bulk_status_path else responses[:count]
    try:
        statuses = statuses_from_responses(spec, job_ids, batch)
    except HeyGenError:
        return
    assert list(statuses) == job_ids


@FEW
@given(
    replies=st.lists(answers(), min_size=1, max_size=3),
    kind=st.sampled_from(["video", "video_translation", "lipsync", "video_agent", "avatar"]),
    count=st.integers(1, 3),
)
@example(
    replies=[httpx.Response(200, json={"data": [{"video_id": "j_0", "status": "completed"}]})], kind="video", count=2
)
def test_async_statuses_of_any_answer_are_statuses_or_a_heygen_error(
    replies: list[httpx.Response], kind: str, count: int
) -> None:
    """The path every trigger polls through: ``AsyncHeyGenClient.get_job_statuses``."""
    job_ids = [f"j_{index}" for index in range(count)]

    async def poll() -> dict[str, JobStatus] | None:
        async with httpx.AsyncClient(transport=answering(replies)) as http:
            client = AsyncHeyGenClient(
                "test-key", base_url="https://api.example.test", retry=RetryPolicy(max_attempts=1), http_client=http
            )
            try:
                return await client.get_job_statuses(kind, job_ids)
            except HeyGenError as exc:
                str(exc)  # the message itself must not fail
                return None

    statuses = asyncio.run(asyncio.wait_for(poll(), 10))
    assert statuses is None or list(statuses) == job_ids


def test_an_error_answer_nested_too_deep_is_a_heygen_error() -> None:
    """``json.loads`` raises RecursionError (not a ValueError) on 100,000 nested arrays."""
    deep = b"[" * 100_000 + b"]" * 100_000
    with client_answering([httpx.Response(500, content=deep)], []) as client, pytest.raises(HeyGenError):
        client.get_video("v_1")


# Three bugs of api/client.py these found: a body nested too deep, page data that is not a list, a
# next_token that repeats.


def test_a_success_answer_nested_too_deep_is_a_heygen_error() -> None:
    deep = b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with client_answering([httpx.Response(200, content=deep)], []) as client, pytest.raises(HeyGenError):
        client.get_video("v_1")


@pytest.mark.parametrize("data", [5, True])
def test_a_page_that_is_not_a_list_is_a_heygen_error(data: Any) -> None:
    with client_answering([httpx.Response(200, json={"data": data})], []) as client, pytest.raises(HeyGenError):
        list(client.list_videos())


def test_a_next_token_that_repeats_is_a_heygen_error_not_an_endless_loop() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if len(sent) > 50:  # what a fixed client would never ask for
            raise RuntimeError(f"{len(sent)} requests for one list")
        return httpx.Response(200, json={"data": [], "has_more": True, "next_token": "t_1"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with (
        HeyGenClient("test-key", base_url="https://api.example.test", http_client=http) as client,
        pytest.raises(HeyGenError),
    ):
        list(client.list_videos())


# --- the trigger ----------------------------------------------------------------------------------------


@settings(FEW, max_examples=20)
@given(
    replies=st.lists(answers(), min_size=1, max_size=4),
    kind=st.sampled_from(["video", "video_translation", "video_agent"]),
    count=st.integers(1, 2),
)
@example(
    replies=[httpx.Response(200, json={"data": [{"video_id": "j_0", "status": "failed", "failure_code": 1}]})],
    kind="video",
    count=2,
)
@example(
    replies=[httpx.Response(200, json={"data": {"status": "failed", "error": {"code": {}}}})], kind="video", count=1
)
def test_the_trigger_yields_one_event_whatever_heygen_answers(
    replies: list[httpx.Response], kind: str, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    raised: list[Exception] = []  # what the status reads raised: HeyGenError only
    opened: list[httpx.AsyncClient] = []

    class Recording(AsyncHeyGenClient):
        async def get_job_statuses(self, kind: str, job_ids: Any) -> dict[str, JobStatus]:
            try:
                return await super().get_job_statuses(kind, job_ids)
            except Exception as exc:
                raised.append(exc)
                raise

    async def client(self: StatusPoller) -> AsyncHeyGenClient:
        opened.append(httpx.AsyncClient(transport=answering(replies)))
        return Recording(
            "test-key", base_url="https://api.example.test", retry=RetryPolicy(max_attempts=1), http_client=opened[-1]
        )

    monkeypatch.setattr(StatusPoller, "_client", client)
    job_ids = [f"j_{index}" for index in range(count)]
    trigger = HeyGenJobTrigger("heygen_default", kind, job_ids, 0.1, time.time() + 0.4)

    async def run() -> list[Any]:
        try:
            return [event async for event in trigger.run()]
        finally:
            for http in opened:
                await http.aclose()

    events = asyncio.run(asyncio.wait_for(run(), 10))  # a hang fails here, after 10 s
    assert len(events) == 1
    event = JobEvent.from_payload(events[0].payload, job_ids=job_ids)
    assert not [exc for exc in raised if not isinstance(exc, HeyGenError)], raised
    try:
        event.raise_for_status()
    except HeyGenError as exc:
        str(exc)
