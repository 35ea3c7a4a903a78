"""Lipsync: POST /v3/lipsyncs (new audio on an existing video, lips re-animated) and the lipsync resource."""

from typing import Literal

from pydantic import model_validator
from typing_extensions import Self

from airflow_provider.heygen.api.models._base import (
    HttpUrlStr,
    RequestModel,
    ResponseModel,
    Seconds,
    check_time_window,
)
from airflow_provider.heygen.api.models.assets import UrlOrAssetId
from airflow_provider.heygen.api.models.video_translation import TranslationMode

__all__ = ["Lipsync", "LipsyncCreated", "LipsyncRequest"]


class LipsyncRequest(RequestModel):
    """Body of POST /v3/lipsyncs: replace a video's audio and re-animate the speaker's lips."""

    video: UrlOrAssetId
    """The source video, as URL or asset id."""
    audio: UrlOrAssetId
    """The new audio, as URL or asset id."""
    mode: TranslationMode | None = None
    """``speed`` (server default) or ``precision``."""
    title: str | None = None
    """Job title."""
    folder_id: str | None = None
    """Folder to put the lipsync in."""
    start_time: Seconds | None = None
    """Lip-sync from this second on."""
    end_time: Seconds | None = None
    """Lip-sync up to this second."""
    enable_caption: bool | None = None
    """Also produce SRT captions."""
    enable_dynamic_duration: bool | None = None
    """Let the duration adapt to the new audio (server default true)."""
    enable_speech_enhancement: bool | None = None
    """Enhance speech quality."""
    enable_watermark: bool | None = None
    """Add a watermark."""
    disable_music_track: bool | None = None
    """Remove the background music."""
    keep_the_same_format: bool | None = None
    """Keep the source's encoding (resolution, bitrate)."""
    fps_mode: Literal["vfr", "cfr", "passthrough"] | None = None
    """Frame rate of the output: variable, constant, or as the source."""
    callback_url: HttpUrlStr | None = None
    """URL HeyGen POSTs to when the lipsync is done."""
    callback_id: str | None = None
    """Your id, echoed back in the callback."""

    @model_validator(mode="after")
    def _check_window(self) -> Self:
        check_time_window(self.start_time, self.end_time)
        return self


class LipsyncCreated(ResponseModel):
    """Answer of POST /v3/lipsyncs."""

    lipsync_id: str
    """Id to poll with GET /v3/lipsyncs/{id}."""


class Lipsync(ResponseModel):
    """A lipsync job (GET /v3/lipsyncs/{id}); URLs appear once it is completed."""

    id: str
    """Lipsync id."""
    status: str
    """``pending``, ``running``, ``completed`` or ``failed`` (unknown values are kept as they are)."""
    title: str | None = None
    """Job title."""
    duration: float | None = None
    """Length in seconds."""
    created_at: int | None = None
    """Creation time, Unix seconds."""
    callback_id: str | None = None
    """Your callback id."""
    video_url: str | None = None
    """Presigned URL of the output video."""
    caption_url: str | None = None
    """Presigned URL of the SRT captions."""
    failure_message: str | None = None
    """Why it failed (failed jobs only)."""
