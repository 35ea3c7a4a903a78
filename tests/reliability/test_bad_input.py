"""Bad input through every operator, table-driven: each row must fail the task before HeyGen hears of it.

A row fails either when the DAG is parsed (``ValueError`` from the operator's constructor) or at ``execute``
(``AirflowFailException``: no retry can fix it). Either way the message names the field, the bad value (or
what is wrong with it) and the limit, and nothing reached the fake.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import pytest

from airflow_provider.heygen._compat import AirflowFailException
from airflow_provider.heygen.operators.agent import HeyGenVideoAgentOperator
from airflow_provider.heygen.operators.assets import HeyGenUploadAssetOperator
from airflow_provider.heygen.operators.avatar import HeyGenCreateAvatarOperator
from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.operators.lipsync import HeyGenLipsyncOperator
from airflow_provider.heygen.operators.speech import HeyGenTextToSpeechOperator
from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from tests.operators.support import context

VIDEO_URL = {"type": "url", "url": "https://cdn.example.com/talk.mp4"}
AUDIO_URL = {"type": "url", "url": "https://cdn.example.com/voice.mp3"}
IMAGE_URL = {"type": "url", "url": "https://cdn.example.com/face.png"}
AVATAR = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "Hello there"}
CINEMATIC = {"type": "cinematic_avatar", "prompt": "A walk on the beach", "avatar_id": ["look_1"]}
IMAGE_SCENE = {"type": "image", "source": IMAGE_URL, "duration": 5}
AGENT = {"prompt": "A 30 second product teaser"}
TRANSLATION = {"video": VIDEO_URL, "output_languages": ["Spanish (Spain)"]}
LIPSYNC = {"video": VIDEO_URL, "audio": AUDIO_URL}
SPEECH = {"text": "Welcome to the weekly update", "voice_id": "voice_1"}
PHOTO = {"type": "photo", "name": "Ada", "file": IMAGE_URL}
PROMPT_AVATAR = {"type": "prompt", "name": "Ada", "prompt": "A friendly presenter"}

Build = Callable[[Path], Any]


@dataclass(frozen=True)
class Row:
    """One bad input: how to build the operator, when it must fail, and what the message must say."""

    build: Build
    stage: Literal["construct", "execute"]
    says: tuple[str, ...]


def video(request: dict[str, Any] | None = None, **kwargs: Any) -> Build:
    return lambda tmp: HeyGenCreateVideoOperator(task_id="t", request=request or AVATAR, **kwargs)


def agent(request: dict[str, Any] | None = None, **kwargs: Any) -> Build:
    return lambda tmp: HeyGenVideoAgentOperator(task_id="t", request=request or AGENT, **kwargs)


def translate(request: dict[str, Any] | None = None, **kwargs: Any) -> Build:
    return lambda tmp: HeyGenTranslateVideoOperator(task_id="t", request=request or TRANSLATION, **kwargs)


def lipsync(request: dict[str, Any] | None = None, **kwargs: Any) -> Build:
    return lambda tmp: HeyGenLipsyncOperator(task_id="t", request=request or LIPSYNC, **kwargs)


def speech(request: dict[str, Any] | None = None, **kwargs: Any) -> Build:
    return lambda tmp: HeyGenTextToSpeechOperator(task_id="t", request=request or SPEECH, **kwargs)


def avatar(request: dict[str, Any] | None = None, **kwargs: Any) -> Build:
    return lambda tmp: HeyGenCreateAvatarOperator(task_id="t", request=request or PHOTO, **kwargs)


def download(**kwargs: Any) -> Build:
    return lambda tmp: HeyGenDownloadOperator(task_id="t", **{"job_ids": ["v_1"], "destination": str(tmp), **kwargs})


def with_file(name: str, content: bytes, make: Callable[[Path], Any]) -> Build:
    """An operator built around a file written in the test's temporary directory."""

    def build(tmp: Path) -> Any:
        path = tmp / name
        path.write_bytes(content)
        return make(path)

    return build


def upload(name: str, content: bytes | None, **kwargs: Any) -> Build:
    if content is None:
        return lambda tmp: HeyGenUploadAssetOperator(task_id="t", source=str(tmp / name), **kwargs)
    return with_file(name, content, lambda path: HeyGenUploadAssetOperator(task_id="t", source=str(path), **kwargs))


def ex(build: Build, *says: str, id: str) -> Any:
    return pytest.param(Row(build, "execute", says), id=id)


def ctor(build: Build, *says: str, id: str) -> Any:
    return pytest.param(Row(build, "construct", says), id=id)


PNG = media.thumbnail_png()
MP4 = media.video_bytes("mp4")

ROWS = [
    # --- HeyGenCreateVideoOperator ------------------------------------------------------------------
    ex(video({**AVATAR, "script": "x" * 5001}), "script", "5,001 characters", "5,000", id="video-script-too-long"),
    ex(video({**AVATAR, "script": "   "}), "script", "blank", "1-5,000", id="video-script-blank"),
    ex(video({**AVATAR, "aspect_ratio": "21:9"}), "aspect_ratio", "'21:9'", "'16:9'", id="video-aspect-ratio"),
    ex(video({**AVATAR, "resolution": "8k"}), "resolution", "'8k'", "'1080p'", id="video-resolution"),
    ex(video({**AVATAR, "output_format": "mov"}), "output_format", "'mov'", "'webm'", id="video-output-format"),
    ex(
        video({**AVATAR, "voice_settings": {"speed": 1.6}}),
        "voice_settings.speed",
        "1.6",
        "maximum 1.5",
        id="video-voice-speed-high",
    ),
    ex(
        video({**AVATAR, "voice_settings": {"speed": 0.2}}),
        "voice_settings.speed",
        "0.2",
        "minimum 0.5",
        id="video-voice-speed-low",
    ),
    ex(
        video({**AVATAR, "voice_settings": {"pitch": 51}}),
        "voice_settings.pitch",
        "51",
        "maximum 50",
        id="video-voice-pitch",
    ),
    ex(
        video({**AVATAR, "voice_settings": {"volume": 1.5}}),
        "voice_settings.volume",
        "1.5",
        "maximum 1",
        id="video-voice-volume",
    ),
    ex(
        video({**AVATAR, "engine": {"type": "avatar_x"}}),
        "engine",
        "'avatar_x'",
        "'avatar_iv'",
        id="video-engine-type",
    ),
    ex(video({**AVATAR, "type": "hologram"}), "type", "'hologram'", "'avatar'", id="video-type"),
    ex(
        video({**AVATAR, "callback_url": "ftp://example.com/hook"}),
        "callback_url",
        "'ftp://example.com/hook'",
        "http(s) URL",
        id="video-callback-url",
    ),
    ex(
        video({**AVATAR, "watermark": {"image": IMAGE_URL, "opacity": 2}}),
        "watermark.opacity",
        "2",
        "maximum 1",
        id="video-watermark-opacity",
    ),
    ex(
        video({**AVATAR, "output_format": "webm", "background": {"type": "color", "value": "#000000"}}),
        "background",
        "webm",
        "not allowed",
        id="video-background-with-webm",
    ),
    ex(
        video({"type": "studio", "scenes": [IMAGE_SCENE] * 51}),
        "scenes",
        "51 items",
        "1-50",
        id="video-too-many-scenes",
    ),
    ex(
        video({"type": "studio", "scenes": [{**IMAGE_SCENE, "duration": 301}]}),
        "scenes[0].duration",
        "301",
        "maximum 300",
        id="video-image-scene-duration",
    ),
    ex(video({**CINEMATIC, "duration": 16}), "duration", "16", "maximum 15", id="video-cinematic-duration"),
    ex(
        video({**CINEMATIC, "avatar_id": ["a", "b", "c", "d"]}),
        "avatar_id",
        "4 items",
        "1-3",
        id="video-cinematic-too-many-avatars",
    ),
    ex(
        video({**CINEMATIC, "aspect_ratio": "4:5"}),
        "aspect_ratio",
        "'4:5'",
        "'9:16'",
        id="video-cinematic-aspect-ratio",
    ),
    ex(
        video({**AVATAR, "script": "word " * 400}, max_credits=0.001),
        "max_credits=0.001",
        "Estimated",
        "exceeds",
        id="video-over-budget",
    ),
    ex(video({**AVATAR, "script": ""}), "script", "empty", "1-5,000", id="video-script-empty"),
    ex(
        video({"type": "avatar", "avatar_id": "look_1"}),
        "script, audio_url or audio_asset_id",
        "got none",
        "exactly one",
        id="video-nothing-to-say",
    ),
    ex(
        video({**AVATAR, "audio_url": "https://cdn.example.com/voice.mp3"}),
        "script and audio_url",
        "mutually exclusive",
        "one audio source",
        id="video-script-and-audio",
    ),
    ex(video({**AVATAR, "voice_id": ""}), "voice_id", "0 characters", "at least 1", id="video-voice-id-empty"),
    ex(
        video({"type": "avatar", "avatar_id": "look_1", "audio_asset_id": ""}),
        "audio_asset_id",
        "0 characters",
        "at least 1",
        id="video-audio-asset-id-empty",
    ),
    ex(
        video({"type": "image", "image": IMAGE_URL, "script": "Hi"}),
        "voice_id",
        "is required with script",
        "no default voice",
        id="video-image-script-without-voice",
    ),
    ex(
        video({**AVATAR, "scirpt": "Hi"}),
        "scirpt",
        "unknown field",
        "check the spelling",
        id="video-unknown-field",
    ),
    ex(
        video({**AVATAR, "engine": {"type": "avatar_iii"}, "expressiveness": "high"}),
        "expressiveness",
        "avatar_iii",
        "only with the avatar_iv engine",
        id="video-expressiveness-engine",
    ),
    ex(
        video({**AVATAR, "engine": {"type": "avatar_iii"}, "motion_prompt": "wave"}),
        "motion_prompt",
        "avatar_iii",
        "not supported",
        id="video-motion-prompt-engine",
    ),
    ex(
        video({**AVATAR, "voice_settings": {"engine_settings": {"engine_type": "azure"}}}),
        "voice_settings.engine_settings",
        "'azure'",
        "'elevenlabs'",
        id="video-voice-engine",
    ),
    ex(
        video({**AVATAR, "voice_settings": {"engine_settings": {"engine_type": "fish", "stability": math.nan}}}),
        "voice_settings.engine_settings.stability",
        "nan",
        "finite number",
        id="video-voice-stability-nan",
    ),
    ex(
        video({**AVATAR, "background": {"type": "color"}}),
        "background",
        "value (a hex color) is required",
        "'color'",
        id="video-background-without-color",
    ),
    ex(
        video({**AVATAR, "caption": {"file_format": "vtt"}}),
        "caption.file_format",
        "'vtt'",
        "'srt'",
        id="video-caption",
    ),
    ex(
        video({**AVATAR, "watermark": {"image": IMAGE_URL, "scale": 0}}),
        "watermark.scale",
        "0",
        "must be above 0",
        id="video-watermark-scale",
    ),
    ex(
        video({**AVATAR, "watermark": {"image": IMAGE_URL, "placement": {"position": "center"}}}),
        "watermark.placement.position",
        "'center'",
        "'top_left'",
        id="video-watermark-position",
    ),
    ex(video({"type": "studio", "scenes": []}), "scenes", "0 items", "1-50", id="video-no-scenes"),
    ex(
        video({"type": "studio", "scenes": [{**IMAGE_SCENE, "script": "Hi", "voice_id": "v"}]}),
        "scenes[0]",
        "got duration and script",
        "exactly one of duration, script, audio_url or audio_asset_id",
        id="video-image-scene-two-modes",
    ),
    ex(
        video(
            {
                "type": "studio",
                "scenes": [
                    {
                        "type": "avatar_video",
                        "input": {"type": "avatar", "avatar_id": "a", "script": "Hi", "background": {"color": "red"}},
                    }
                ],
            }
        ),
        "scenes[0].input.background.color",
        "'red'",
        "^#[0-9A-Fa-f]{6}$",
        id="video-studio-background-color",
    ),
    ex(
        video({"type": "studio", "scenes": [{"type": "video", "source": VIDEO_URL, "playback": {"volume": -0.1}}]}),
        "scenes[0].playback.volume",
        "-0.1",
        "minimum 0",
        id="video-clip-volume",
    ),
    ex(video({**CINEMATIC, "duration": 3}), "duration", "3", "minimum 4", id="video-cinematic-duration-short"),
    ex(
        video({**CINEMATIC, "duration": 8, "auto_duration": True}),
        "duration",
        "auto_duration",
        "must be left out",
        id="video-cinematic-duration-and-auto",
    ),
    ex(video({**CINEMATIC, "resolution": "4k"}), "resolution", "'4k'", "'1080p'", id="video-cinematic-resolution"),
    ex(
        video({**CINEMATIC, "references": [VIDEO_URL] * 4}),
        "references",
        "4 videos",
        "the limit is 3",
        id="video-cinematic-too-many-videos",
    ),
    ex(
        video({**CINEMATIC, "references": [IMAGE_URL] * 10}),
        "references",
        "10 images",
        "the limit is 9",
        id="video-cinematic-too-many-images",
    ),
    ex(video({**CINEMATIC, "prompt": " \n "}), "prompt", "whitespace only", "at least 1", id="video-cinematic-blank"),
    ex(video({**CINEMATIC, "avatar_id": []}), "avatar_id", "0 items", "1-3", id="video-cinematic-no-avatar"),
    # --- what every job operator takes ---------------------------------------------------------------
    ctor(video(poll_interval=0), "poll_interval=0", "below the floor", "0.1 s", id="job-poll-interval-zero"),
    ctor(video(poll_interval=-5), "poll_interval=-5", "below the floor", "0.1 s", id="job-poll-interval-negative"),
    ctor(video(poll_interval="fast"), "poll_interval='fast'", "not a number", "0.1 s", id="job-poll-interval-text"),
    ctor(video(poll_interval=math.nan), "poll_interval=nan", "0.1 s", id="job-poll-interval-nan"),
    ctor(video(timeout=0), "timeout=0", "more than 0 seconds", id="job-timeout-zero"),
    ctor(
        video(timeout=timedelta(minutes=-5)), "timeout=", "(-300 s)", "more than 0 seconds", id="job-timeout-negative"
    ),
    ctor(video(timeout=math.inf), "timeout=inf", "finite", id="job-timeout-infinite"),
    ctor(video(timeout="soon"), "timeout='soon'", "not a number", id="job-timeout-text"),
    ctor(video(max_credits=-1), "max_credits=-1", "at least 0", id="job-max-credits-negative"),
    ctor(video(max_credits=math.nan), "max_credits=nan", "at least 0", id="job-max-credits-nan"),
    ex(
        video(idempotency_key="my key!"),
        "idempotency_key",
        "'my key!'",
        "A-Z a-z 0-9 _ - : .",
        id="job-idempotency-key-alphabet",
    ),
    ex(video(idempotency_key="k" * 201), "idempotency_key", "201 characters", "1-200", id="job-idempotency-key-long"),
    # --- HeyGenVideoAgentOperator --------------------------------------------------------------------
    ex(agent({"prompt": ""}), "prompt", "0 characters", "1-10,000", id="agent-prompt-empty"),
    ex(agent({"prompt": "p" * 10_001}), "prompt", "10,001 characters", "1-10,000", id="agent-prompt-too-long"),
    ex(agent({**AGENT, "files": [IMAGE_URL] * 21}), "files", "21 items", "20", id="agent-too-many-files"),
    ex(agent(AGENT, files=[IMAGE_URL["url"]] * 21), "files", "21 items", "20", id="agent-too-many-files-argument"),
    ex(agent({**AGENT, "orientation": "square"}), "orientation", "'square'", "'portrait'", id="agent-orientation"),
    ex(agent({**AGENT, "mode": "auto"}), "mode", "'auto'", "'chat'", id="agent-mode"),
    ex(
        agent({**AGENT, "files": [{"type": "base64", "media_type": "text/html", "data": "PGI+"}]}),
        "files[0].media_type",
        "'text/html'",
        "png, jpeg, mp4, webm, mp3, wav or pdf",
        id="agent-file-media-type",
    ),
    ex(
        with_file(
            "notes.txt", b"plain words", lambda p: HeyGenVideoAgentOperator(task_id="t", request=AGENT, files=[p])
        ),
        "files[0]",
        "'notes.txt'",
        "png, jpeg, mp4, webm, mp3, wav or pdf",
        id="agent-local-file-type",
    ),
    ex(
        lambda tmp: HeyGenVideoAgentOperator(task_id="t", request=AGENT, files=[str(tmp / "gone.png")]),
        "files[0]",
        "no file at",
        "gone.png",
        id="agent-local-file-missing",
    ),
    ex(
        agent({**AGENT, "files": [{"type": "base64", "media_type": "image/png", "data": "not base64!"}]}),
        "files[0].data",
        "11 characters",
        "not valid base64",
        id="agent-file-not-base64",
    ),
    ex(
        agent({**AGENT, "callback_url": "hooks.example.com/done"}),
        "callback_url",
        "'hooks.example.com/done'",
        "http(s) URL",
        id="agent-callback-url",
    ),
    ex(
        with_file(
            "huge.mp4",
            MP4 + bytes(32 * 1024 * 1024),
            lambda p: HeyGenVideoAgentOperator(task_id="t", request=AGENT, files=[p]),
        ),
        "files[0]",
        "'huge.mp4'",
        "larger than 33,554,432 bytes (32 MB)",
        id="agent-local-file-too-big",
    ),
    # --- HeyGenTranslateVideoOperator ----------------------------------------------------------------
    ex(translate({**TRANSLATION, "output_languages": []}), "output_languages", "0 items", "at least 1", id="tr-none"),
    ex(
        translate({**TRANSLATION, "output_languages": ["French", "German", "French"]}),
        "output_languages",
        "'French'",
        "more than once",
        id="tr-duplicate-language",
    ),
    ex(
        translate(output_languages=["English", ""]),
        "output_languages[1]",
        "0 characters",
        "at least 1",
        id="tr-empty-language",
    ),
    ex(
        translate(output_languages="[Spanish, French"),
        "output_languages",
        "'[Spanish, French'",
        "neither a list",
        id="tr-languages-unreadable",
    ),
    ex(translate({**TRANSLATION, "mode": "turbo"}), "mode", "'turbo'", "'precision'", id="tr-mode"),
    ex(translate({**TRANSLATION, "speaker_num": 0}), "speaker_num", "0", "minimum 1", id="tr-speaker-num"),
    ex(translate({**TRANSLATION, "start_time": -5}), "start_time", "-5", "minimum 0", id="tr-start-time"),
    ex(
        translate({**TRANSLATION, "start_time": 10, "end_time": 5}),
        "end_time 5",
        "start_time 10",
        "after",
        id="tr-window",
    ),
    ex(translate({**TRANSLATION, "fps_mode": "60fps"}), "fps_mode", "'60fps'", "'cfr'", id="tr-fps-mode"),
    ex(
        translate({**TRANSLATION, "video": {"type": "base64", "media_type": "video/mp4", "data": "AA=="}}),
        "video",
        "'base64'",
        "'asset_id'",
        id="tr-video-base64",
    ),
    ex(
        translate({**TRANSLATION, "start_time": 3}, proofread=True),
        "start_time",
        "not taken by the proofread endpoints",
        "remove it",
        id="tr-proofread-field",
    ),
    ex(
        translate(source_duration=600, max_credits=1),
        "max_credits=1",
        "Estimated 30",
        "exceeds",
        id="tr-over-budget",
    ),
    ctor(translate(source_duration=-1), "source_duration", "-1", ">= 0", id="tr-source-duration-negative"),
    ex(
        translate({**TRANSLATION, "start_time": math.inf}),
        "start_time",
        "inf",
        "finite number",
        id="tr-start-time-infinite",
    ),
    ex(translate({**TRANSLATION, "srt_role": "both"}), "srt_role", "'both'", "'input'", id="tr-srt-role"),
    ex(
        translate({**TRANSLATION, "stock_voice_config": {"use_stock_voice": True, "voices": []}}),
        "stock_voice_config.voices",
        "unknown field",
        "check the spelling",
        id="tr-stock-voice-field",
    ),
    ex(translate({"output_languages": ["French"]}), "video", "required field is missing", id="tr-no-video"),
    # --- HeyGenLipsyncOperator -----------------------------------------------------------------------
    ex(lipsync({**LIPSYNC, "mode": "fast"}), "mode", "'fast'", "'speed'", id="lipsync-mode"),
    ex(lipsync({**LIPSYNC, "fps_mode": "24"}), "fps_mode", "'24'", "'vfr'", id="lipsync-fps-mode"),
    ex(lipsync({**LIPSYNC, "end_time": -1}), "end_time", "-1", "minimum 0", id="lipsync-end-time"),
    ex(
        lipsync({**LIPSYNC, "start_time": 8, "end_time": 8}),
        "end_time 8",
        "start_time 8",
        "after",
        id="lipsync-window",
    ),
    ex(lipsync({"video": VIDEO_URL}), "audio", "required field is missing", id="lipsync-no-audio"),
    ex(
        lipsync({**LIPSYNC, "audio": {"type": "url", "url": "voice.mp3"}}),
        "audio.url",
        "'voice.mp3'",
        "http(s) URL",
        id="lipsync-audio-url",
    ),
    ctor(lipsync(max_credits=-0.5), "max_credits=-0.5", "at least 0", id="lipsync-max-credits"),
    ex(lipsync({**LIPSYNC, "end_time": math.nan}), "end_time", "nan", "finite number", id="lipsync-end-time-nan"),
    ex(
        lipsync({**LIPSYNC, "video": {"type": "base64", "media_type": "video/mp4", "data": "AA=="}}),
        "video",
        "'base64'",
        "'asset_id'",
        id="lipsync-video-base64",
    ),
    ctor(lipsync(source_duration=-3), "source_duration", "-3", ">= 0", id="lipsync-source-duration"),
    # --- HeyGenTextToSpeechOperator ------------------------------------------------------------------
    ex(speech({**SPEECH, "text": "t" * 5001}), "text", "5,001 characters", "1-5,000", id="speech-text-too-long"),
    ex(speech({**SPEECH, "text": ""}), "text", "0 characters", "1-5,000", id="speech-text-empty"),
    ex(speech({**SPEECH, "speed": 2.5}), "speed", "2.5", "maximum 2", id="speech-speed-high"),
    ex(speech({**SPEECH, "speed": 0.4}), "speed", "0.4", "minimum 0.5", id="speech-speed-low"),
    ex(speech({**SPEECH, "input_type": "xml"}), "input_type", "'xml'", "'ssml'", id="speech-input-type"),
    ex(speech({**SPEECH, "voice_id": ""}), "voice_id", "0 characters", "at least 1", id="speech-voice-empty"),
    ex(
        speech({**SPEECH, "text": "word " * 900}, max_credits=0.0001),
        "max_credits=0.0001",
        "Estimated",
        "exceeds",
        id="speech-over-budget",
    ),
    ctor(speech(max_credits=-1), "max_credits=-1", "at least 0", id="speech-max-credits"),
    ex(speech(idempotency_key="a/b"), "idempotency_key", "'a/b'", "A-Z a-z 0-9 _ - : .", id="speech-key"),
    ex(speech({**SPEECH, "text": " \t "}), "text", "whitespace only", "1-5,000", id="speech-text-blank"),
    ex(speech({**SPEECH, "speed": math.inf}), "speed", "inf", "finite number", id="speech-speed-infinite"),
    ex(speech({**SPEECH, "pitch": 3}), "pitch", "unknown field", "check the spelling", id="speech-unknown-field"),
    # --- HeyGenUploadAssetOperator -------------------------------------------------------------------
    ex(upload("gone.png", None), "source", "no file at", "gone.png", id="upload-missing-file"),
    ex(
        upload("notes.txt", b"plain words"),
        "source",
        "'notes.txt'",
        "png, jpeg, mp4, webm, mp3, wav or pdf",
        id="upload-unsupported-type",
    ),
    ex(upload("empty.srt", b""), "file", "'empty.srt'", "empty", id="upload-empty-file"),
    ex(
        upload("frame.png", PNG, content_type="text/html"),
        "file",
        "'text/html'",
        "png, jpeg, mp4, webm, mp3, wav, pdf or srt",
        id="upload-declared-type",
    ),
    ex(
        lambda tmp: HeyGenUploadAssetOperator(task_id="t", source=str(tmp)),
        "source",
        "no file at",
        "png, jpeg, mp4, webm, mp3, wav, pdf or srt",
        id="upload-a-folder",
    ),
    ex(
        upload("frame.png", PNG, idempotency_key="key with spaces"),
        "idempotency_key",
        "'key with spaces'",
        "A-Z a-z 0-9 _ - : .",
        id="upload-key",
    ),
    # --- HeyGenCreateAvatarOperator ------------------------------------------------------------------
    ex(avatar({**PHOTO, "type": "hologram"}), "type", "'hologram'", "'photo'", id="avatar-type"),
    ex(avatar({**PHOTO, "name": ""}), "name", "0 characters", "at least 1", id="avatar-name-empty"),
    ex(
        avatar({**PROMPT_AVATAR, "reference_images": [IMAGE_URL] * 4}),
        "reference_images",
        "4 items",
        "the limit is 3",
        id="avatar-too-many-references",
    ),
    ex(
        with_file("clip.mp4", MP4, lambda p: HeyGenCreateAvatarOperator(task_id="t", request=PHOTO, file=p)),
        "file",
        "'video/mp4'",
        "png or jpeg",
        id="avatar-photo-is-a-video",
    ),
    ex(
        with_file(
            "face.png",
            PNG,
            lambda p: HeyGenCreateAvatarOperator(task_id="t", request={"type": "digital_twin", "name": "A"}, file=p),
        ),
        "file",
        "'image/png'",
        "mp4 or webm",
        id="avatar-twin-is-an-image",
    ),
    ex(avatar(file=42), "file", "42", "an AssetInput dict, a URL or a path", id="avatar-file-not-a-path"),
    ex(avatar({**PHOTO, "name": "   "}), "name", "whitespace only", "at least 1", id="avatar-name-blank"),
    ex(avatar({**PROMPT_AVATAR, "prompt": "\n"}), "prompt", "whitespace only", "at least 1", id="avatar-prompt-blank"),
    ex(
        avatar({**PHOTO, "file": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo"}}),
        "file.data",
        "11 characters",
        "not valid base64",
        id="avatar-file-not-base64",
    ),
    ex(avatar({"type": "photo", "name": "Ada"}), "file", "required field is missing", id="avatar-photo-no-file"),
    ctor(avatar(timeout=-1), "timeout=-1", "more than 0 seconds", id="avatar-timeout"),
    # --- HeyGenDownloadOperator ----------------------------------------------------------------------
    ctor(download(kind="speech"), "kind 'speech'", "expected one of", "video", id="download-kind"),
    ctor(download(kind="proofread"), "kind 'proofread'", "no downloadable outputs", id="download-kind-no-outputs"),
    ctor(download(max_bytes=0), "max_bytes 0", "> 0", id="download-max-bytes"),
    ex(download(outputs=["poster"]), "outputs ['poster']", "video outputs: video, thumbnail", id="download-output"),
    ex(download(job_ids=[]), "job_ids is empty", "video outputs", id="download-no-ids"),
    ex(download(job_ids="[v_1, v_2"), "job_ids", "'[v_1, v_2'", "neither a list", id="download-ids-unreadable"),
    ex(download(job_ids=["../../etc"]), "'../../etc'", "path", id="download-id-climbs-out"),
]


@pytest.mark.parametrize("row", ROWS)
def test_bad_input_fails_before_any_request(heygen: FakeHeyGen, tmp_path: Path, row: Row) -> None:
    message = ""
    if row.stage == "construct":
        with pytest.raises(ValueError, match=re.escape(row.says[0])) as parsed:
            row.build(tmp_path)
        message = str(parsed.value)
    else:
        operator = row.build(tmp_path)
        with pytest.raises(AirflowFailException) as failed:
            operator.execute(context())
        message = str(failed.value)
    missing = [part for part in row.says if part not in message]
    assert not missing, f"the message lacks {missing}: {message}"
    assert heygen.requests == [], "nothing may reach HeyGen"


OPERATORS = {
    HeyGenCreateVideoOperator,
    HeyGenVideoAgentOperator,
    HeyGenTranslateVideoOperator,
    HeyGenLipsyncOperator,
    HeyGenTextToSpeechOperator,
    HeyGenUploadAssetOperator,
    HeyGenCreateAvatarOperator,
    HeyGenDownloadOperator,
}


def test_there_are_rows_for_every_operator(tmp_path: Path) -> None:
    covered = {type(param.values[0].build(tmp_path)) for param in ROWS if param.values[0].stage == "execute"}
    assert covered == OPERATORS
    assert len(ROWS) >= 40


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(video(wait_for_completion=False), id="video"),
        pytest.param(agent(wait_for_completion=False), id="agent"),
        pytest.param(translate(wait_for_completion=False), id="translation"),
        pytest.param(lipsync(wait_for_completion=False), id="lipsync"),
        pytest.param(speech(), id="speech"),
        pytest.param(upload("frame.png", PNG), id="upload"),
        pytest.param(avatar(wait_for_completion=False), id="avatar"),
        pytest.param(download(), id="download"),
    ],
)
def test_the_same_operators_with_good_input_do_reach_heygen(heygen: FakeHeyGen, tmp_path: Path, build: Build) -> None:
    """The control: without it, "nothing reached the fake" could mean the operators were never pointed at it."""
    with contextlib.suppress(Exception):  # how HeyGen answers (a 404, an unknown voice) is not the point here
        build(tmp_path).execute(context())
    assert heygen.requests
