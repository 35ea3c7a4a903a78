"""Voices and speech: the voice catalogue, voice design, voice clones, and synchronous text-to-speech.

The public catalogue is fixed (30 voices, ids derived from their names, so they never change); some speak
through the Starfish engine, the only one ``POST /v3/voices/speech`` accepts. A clone is a job of kind
``voice_clone`` (``processing`` -> ``complete`` | ``failed``, 20 fake seconds x ``job_seconds``, free); a
complete clone is a private, Starfish-compatible voice.

Speech is synchronous: it speaks at the video script rate (2.5 words a second) divided by ``speed``, plus any
SSML ``<break>`` pauses, answers a real MP3 of that length with one timestamp per word, and charges 0.000333
credits per second of audio.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from airflow_provider.heygen.testing.fake import media, pagination
from airflow_provider.heygen.testing.fake.billing import ensure_credit
from airflow_provider.heygen.testing.fake.errors import ApiError, invalid_parameter, not_found
from airflow_provider.heygen.testing.fake.routes import api_route, data
from airflow_provider.heygen.testing.fake.routes.assets import check_asset_input
from airflow_provider.heygen.testing.fake.routes.videos import WORDS_PER_SECOND
from airflow_provider.heygen.testing.fake.state import Job, JobKind, State
from airflow_provider.heygen.testing.fake.validation import register_check

__all__ = ["CATALOGUE", "PRICE_PER_SECOND", "VOICE_CLONE", "find_voice", "routes", "speech_timing"]

VOICE_CLONE = "voice_clone"
PRICE_PER_SECOND = 0.000333
STARFISH = "starfish"
MAX_SPEECH_CHARS = 5_000
SPEED_RANGE = (0.5, 2.0)
CLONE_SECONDS = 20.0
PREVIEW_SECONDS = 3.0
DESIGN_BATCH = 3
_BREAK_STRENGTHS = {"none": 0.0, "x-weak": 0.1, "weak": 0.25, "medium": 0.5, "strong": 0.75, "x-strong": 1.0}
_MAX_BREAK_SECONDS = 10.0


@dataclass(frozen=True)
class Voice:
    """A public voice; ``engines`` and ``locale`` are what the list filters and voice design look at."""

    name: str
    language: str
    locale: str
    gender: str
    engines: tuple[str, ...]
    support_pause: bool
    support_locale: bool

    @property
    def voice_id(self) -> str:
        return hashlib.sha256(f"heygen-fake-voice:{self.name}".encode()).hexdigest()[:32]


_S, _E, _F = STARFISH, "elevenlabs", "fish"
CATALOGUE: tuple[Voice, ...] = (
    Voice("Aria - Warm Narrator", "English", "en-US", "female", (_S, _E), True, True),
    Voice("Ben - Friendly Explainer", "English", "en-US", "male", (_S, _E), True, True),
    Voice("Chloe - Bright Presenter", "English", "en-GB", "female", (_S,), True, True),
    Voice("Daniel - Calm Anchor", "English", "en-GB", "male", (_E,), False, False),
    Voice("Evelyn - Corporate", "English", "en-AU", "female", (_S, _F), False, True),
    Voice("Felix - Energetic", "English", "en-US", "male", (_F,), False, False),
    Voice("Grace - Storyteller", "English", "en-US", "female", (_E, _F), True, False),
    Voice("Henry - Documentary", "English", "en-US", "male", (_S,), True, True),
    Voice("Lucia - Cercana", "Spanish", "es-ES", "female", (_S, _E), True, True),
    Voice("Mateo - Claro", "Spanish", "es-MX", "male", (_S,), False, True),
    Voice("Sofia - Profesional", "Spanish", "es-ES", "female", (_E,), False, False),
    Voice("Diego - Narrador", "Spanish", "es-MX", "male", (_F,), True, False),
    Voice("Camille - Douce", "French", "fr-FR", "female", (_S, _E), True, True),
    Voice("Louis - Posé", "French", "fr-FR", "male", (_E,), False, False),
    Voice("Margaux - Vive", "French", "fr-CA", "female", (_F,), False, True),
    Voice("Hannah - Freundlich", "German", "de-DE", "female", (_S,), True, True),
    Voice("Lukas - Sachlich", "German", "de-DE", "male", (_E, _F), False, False),
    Voice("Mia - Lebhaft", "German", "de-AT", "female", (_E,), False, True),
    Voice("Beatriz - Acolhedora", "Portuguese", "pt-BR", "female", (_S, _E), True, True),
    Voice("Rafael - Confiante", "Portuguese", "pt-BR", "male", (_F,), False, False),
    Voice("Ines - Serena", "Portuguese", "pt-PT", "female", (_E,), False, True),
    Voice("Giulia - Solare", "Italian", "it-IT", "female", (_S,), True, True),
    Voice("Marco - Deciso", "Italian", "it-IT", "male", (_E,), False, False),
    Voice("Yui - Gentle", "Japanese", "ja-JP", "female", (_S, _E), True, False),
    Voice("Haruto - Steady", "Japanese", "ja-JP", "male", (_F,), False, False),
    Voice("Mei - Clear", "Chinese", "zh-CN", "female", (_S,), True, True),
    Voice("Wei - Measured", "Chinese", "zh-CN", "male", (_E,), False, False),
    Voice("Priya - Expressive", "Hindi", "hi-IN", "female", (_S, _E), False, True),
    Voice("Jisoo - Crisp", "Korean", "ko-KR", "female", (_E, _F), False, False),
    Voice("Omar - Resonant", "Arabic", "ar-SA", "male", (_S,), True, False),
)
_BY_ID = {voice.voice_id: voice for voice in CATALOGUE}


def find_voice(state: State, voice_id: str) -> Voice | Job | None:
    """A public voice, a clone job (any status), or None when the id is unknown or the clone deleted."""
    if voice_id in _BY_ID:
        return _BY_ID[voice_id]
    job = state.find_job(voice_id)
    return job if job is not None and job.kind == VOICE_CLONE and not job.deleted else None


def _preview_url(state: State, voice_id: str) -> str:
    return state.file_url(
        f"{voice_id}-preview.mp3", lambda: media.audio_bytes("mp3", PREVIEW_SECONDS), seconds=PREVIEW_SECONDS
    )


def _list_item(state: State, voice: Voice) -> dict[str, Any]:
    return {
        "voice_id": voice.voice_id,
        "name": voice.name,
        "language": voice.language,
        "gender": voice.gender,
        "type": "public",
        "support_pause": voice.support_pause,
        "support_locale": voice.support_locale,
        "preview_audio_url": _preview_url(state, voice.voice_id),
    }


def _detail(state: State, voice: Voice) -> dict[str, Any]:
    item = _list_item(state, voice)
    del item["type"], item["support_locale"]
    return {
        **item,
        "status": None,
        "created_at": None,
        "failure_message": None,
        "support_interactive_avatar": True,
    }


def _language(voice: Voice | Job) -> str:
    return voice.language if isinstance(voice, Voice) else voice.request.get("language") or "English"


def _gender(voice: Voice | Job) -> str:
    return voice.gender if isinstance(voice, Voice) else "unknown"


def _engines(voice: Voice | Job) -> tuple[str, ...]:
    return voice.engines if isinstance(voice, Voice) else (STARFISH,)


def _render_clone(state: State, job: Job) -> dict[str, Any]:
    """GET /v3/voices/{voice_id} of a clone: ``processing``, ``complete`` or ``failed``."""
    complete = job.status == "complete"
    return {
        "voice_id": job.id,
        "name": job.request["voice_name"],
        "language": _language(job),
        "gender": _gender(job),
        "support_pause": True,
        "preview_audio_url": _preview_url(state, job.id) if complete else None,
        "status": job.status,
        "created_at": int(job.created_at),
        "failure_message": job.failure_message if job.status == "failed" else None,
        "support_interactive_avatar": False,
    }


def _clone_item(state: State, job: Job) -> dict[str, Any]:
    return {
        "voice_id": job.id,
        "name": job.request["voice_name"],
        "language": _language(job),
        "gender": _gender(job),
        "type": "private",
        "support_pause": True,
        "support_locale": False,
        "preview_audio_url": _preview_url(state, job.id),
    }


# --- speech --------------------------------------------------------------------------------------------


def _break_seconds(element: ET.Element) -> float:
    time_attr = (element.get("time") or "").strip().lower()
    if not time_attr:
        strength = element.get("strength", "medium")
        if strength not in _BREAK_STRENGTHS:
            raise invalid_parameter("text", f"unknown <break> strength {strength!r}")
        return _BREAK_STRENGTHS[strength]
    try:
        seconds = float(time_attr[:-2]) / 1000 if time_attr.endswith("ms") else float(time_attr.removesuffix("s"))
    except ValueError:
        raise invalid_parameter("text", f"<break> time {time_attr!r} is not like '500ms' or '1.5s'") from None
    if not 0 <= seconds <= _MAX_BREAK_SECONDS:
        raise invalid_parameter("text", f"<break> time must be between 0 and {_MAX_BREAK_SECONDS:g}s")
    return seconds


def _spoken_parts(text: str, input_type: str) -> list[str | float]:
    """Words to speak and pauses (seconds) in order; SSML must be well formed."""
    if input_type == "text":
        return list(text.split())
    markup = text if text.lstrip().startswith("<speak") else f"<speak>{text}</speak>"
    try:
        root = ET.fromstring(markup)
    except ET.ParseError as exc:
        raise invalid_parameter("text", f"text is not well-formed SSML: {exc}") from None
    parts: list[str | float] = []

    def walk(element: ET.Element) -> None:
        if element.tag.rsplit("}", 1)[-1] == "break":
            parts.append(_break_seconds(element))
        parts.extend((element.text or "").split())
        for child in element:
            walk(child)
            parts.extend((child.tail or "").split())

    walk(root)
    return parts


def speech_timing(parts: list[str | float], speed: float) -> tuple[float, list[dict[str, Any]]]:
    """Total seconds and per-word timestamps: words share the speaking time by length, pauses add to it."""
    words = [part for part in parts if isinstance(part, str)]
    speaking = len(words) / WORDS_PER_SECOND / speed
    weight = sum(len(word) + 1 for word in words)
    clock, stamps = 0.0, []
    for part in parts:
        if isinstance(part, float):
            clock += part
            continue
        end = clock + speaking * (len(part) + 1) / weight
        stamps.append({"word": part, "start": round(clock, 3), "end": round(end, 3)})
        clock = end
    return round(max(clock, 0.1), 3), stamps


def _check_speech(body: dict[str, Any]) -> None:
    text = body["text"]
    if not 1 <= len(text) <= MAX_SPEECH_CHARS:
        raise invalid_parameter("text", f"text must be between 1 and {MAX_SPEECH_CHARS} characters")
    speed = body.get("speed", 1.0)
    if not SPEED_RANGE[0] <= speed <= SPEED_RANGE[1]:
        raise invalid_parameter("speed", f"speed must be between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}")
    if body.get("input_type", "text") not in ("text", "ssml"):
        raise invalid_parameter("input_type", "input_type must be one of: text, ssml")


def _check_design(body: dict[str, Any]) -> None:
    if not body["prompt"].strip():
        raise invalid_parameter("prompt", "prompt must not be empty")
    if body.get("seed", 0) < 0:
        raise invalid_parameter("seed", "seed must be greater than or equal to 0")


def _check_clone(body: dict[str, Any]) -> None:
    if not body["voice_name"].strip():
        raise invalid_parameter("voice_name", "voice_name must not be empty")


register_check("POST", "/v3/voices/speech", _check_speech)
register_check("POST", "/v3/voices", _check_design)
register_check("POST", "/v3/voices/clone", _check_clone)


def routes(state: State) -> list[BaseRoute]:
    state.register_kind(
        JobKind(
            name=VOICE_CLONE,
            id_prefix="vc",
            phases=(("processing", 1.0),),
            success="complete",
            concurrent=False,
            render=_render_clone,
        )
    )

    def listing(request: Request, body: None) -> dict[str, Any]:
        query = request.query_params
        engine, language, gender = query.get("engine"), query.get("language"), query.get("gender")
        entries: list[Voice | Job]
        if query.get("type", "public") == "private":
            entries = [job for job in reversed(state.jobs(VOICE_CLONE)) if job.status == "complete"]
        else:
            entries = list(CATALOGUE)
        entries = [
            entry
            for entry in entries
            if (not engine or engine in _engines(entry))
            and (not language or _language(entry).lower() == language.lower())
            and (not gender or _gender(entry) == gender.lower())
        ]
        envelope = pagination.page(query, entries, "/v3/voices")
        envelope["data"] = [
            _list_item(state, entry) if isinstance(entry, Voice) else _clone_item(state, entry)
            for entry in envelope["data"]
        ]
        return envelope

    def get(request: Request, body: None) -> dict[str, Any]:
        voice_id = request.path_params["voice_id"]
        found = find_voice(state, voice_id)
        if found is None:
            raise not_found("Voice", voice_id)
        return data(_detail(state, found) if isinstance(found, Voice) else state.render(found))

    def speech(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        voice = find_voice(state, body["voice_id"])
        if voice is None:
            raise invalid_parameter("voice_id", f"voice {body['voice_id']} not found")
        if isinstance(voice, Job) and voice.status != "complete":
            raise invalid_parameter("voice_id", f"voice clone {voice.id} is {voice.status}, not complete")
        if STARFISH not in _engines(voice):
            raise invalid_parameter(
                "voice_id", "voice does not support the starfish engine; see GET /v3/voices?engine=starfish"
            )
        parts = _spoken_parts(body["text"], body.get("input_type", "text"))
        if not any(isinstance(part, str) for part in parts):
            raise invalid_parameter("text", "text has no words to speak")
        if isinstance(voice, Voice) and not voice.support_pause and any(isinstance(p, float) for p in parts):
            raise invalid_parameter("voice_id", "this voice does not support SSML <break> pauses (support_pause)")
        seconds, stamps = speech_timing(parts, float(body.get("speed", 1.0)))
        credits = round(seconds * PRICE_PER_SECOND, 6)
        ensure_credit(state, credits, "this speech")
        request_id = state.new_id("tts")
        url = state.file_url(f"{request_id}.mp3", lambda: media.audio_bytes("mp3", seconds), seconds=seconds)
        state.charge(credits)
        return data({"audio_url": url, "duration": seconds, "request_id": request_id, "word_timestamps": stamps})

    def design(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Up to three catalogue voices, ranked by a hash of the prompt: same prompt and seed, same voices."""
        seed, gender, locale = (
            int(body.get("seed", 0)),
            body.get("gender"),
            body.get("locale"),
        )  # 2.0 is an integer
        candidates = [
            voice
            for voice in CATALOGUE
            if (not gender or voice.gender == gender.lower())
            and (not locale or voice.locale.lower().startswith(locale.lower().split("-")[0]))
        ]
        prompt = body["prompt"].strip().lower()
        candidates.sort(key=lambda voice: hashlib.sha256(f"{prompt}|{voice.voice_id}".encode()).digest())
        batch = candidates[seed * DESIGN_BATCH : (seed + 1) * DESIGN_BATCH]
        return data({"seed": seed, "voices": [_list_item(state, voice) for voice in batch]})

    def clone(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        check_asset_input(state, body["audio"], "audio")
        job = state.create_job(VOICE_CLONE, body, CLONE_SECONDS, price_per_second=0.0)
        return data({"voice_clone_id": job.id})

    def delete(request: Request, body: None) -> dict[str, Any]:
        voice_id = request.path_params["voice_id"]
        found = find_voice(state, voice_id)
        if isinstance(found, Voice):
            raise ApiError(403, "forbidden", "public voices cannot be deleted")
        if found is None:
            raise ApiError(404, "voice_not_found", f"voice {voice_id} not found")
        state.delete_job(VOICE_CLONE, voice_id, "Voice")
        return data({"voice_id": voice_id})

    return [
        api_route("GET", "/v3/voices", listing),
        api_route("POST", "/v3/voices", design),
        api_route("POST", "/v3/voices/speech", speech),
        api_route("POST", "/v3/voices/clone", clone),
        api_route("GET", "/v3/voices/{voice_id}", get),
        api_route("DELETE", "/v3/voices/{voice_id}", delete),
    ]
