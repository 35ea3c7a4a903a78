"""Text to speech: POST /v3/voices/speech answers at once with an audio URL (no job to poll)."""

from typing import Annotated, Literal

from pydantic import Field

from airflow_provider.heygen.api.models._base import NonEmptyStr, RequestModel, ResponseModel, not_blank

__all__ = ["SPEECH_MAX_CHARS", "Speech", "SpeechRequest", "WordTimestamp"]

SPEECH_MAX_CHARS = 5_000
"""Longest text to synthesise, in characters (the shortest is 1)."""


class SpeechRequest(RequestModel):
    """Body of POST /v3/voices/speech."""

    text: Annotated[str, Field(min_length=1, max_length=SPEECH_MAX_CHARS), not_blank("the text", SPEECH_MAX_CHARS)]
    """Text (or SSML) to speak, 1-5,000 characters."""
    voice_id: NonEmptyStr
    """A Starfish-compatible voice (GET /v3/voices?engine=starfish)."""
    input_type: Literal["text", "ssml"] | None = None
    """``text`` (server default) or ``ssml``; SSML breaks need a voice with ``support_pause``."""
    speed: Annotated[float, Field(ge=0.5, le=2.0)] | None = None
    """Speed multiplier, 0.5-2.0 (server default 1)."""
    language: str | None = None
    """Base language code such as ``en`` (detected when omitted)."""
    locale: str | None = None
    """BCP-47 locale such as ``pt-BR``; wins over ``language``."""


class WordTimestamp(ResponseModel):
    """When one word is spoken."""

    word: str
    """The word."""
    start: float
    """Start, in seconds."""
    end: float
    """End, in seconds."""


class Speech(ResponseModel):
    """Answer of POST /v3/voices/speech."""

    audio_url: str
    """URL of the generated audio."""
    duration: float | None = None
    """Length in seconds."""
    request_id: str | None = None
    """HeyGen's id of the generation."""
    word_timestamps: list[WordTimestamp] | None = None
    """Per-word timing."""
