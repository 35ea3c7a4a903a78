"""Proofreads: check and edit a translation's subtitles before the dubbed video is rendered."""

from typing import Annotated

from pydantic import Field

from airflow_provider.heygen.api.models._base import HttpUrlStr, NonEmptyStr, RequestModel, ResponseModel
from airflow_provider.heygen.api.models.assets import UrlOrAssetId
from airflow_provider.heygen.api.models.video_translation import OutputLanguages, TranslationMode

__all__ = [
    "Proofread",
    "ProofreadGenerateRequest",
    "ProofreadGenerated",
    "ProofreadRequest",
    "ProofreadSrt",
    "ProofreadSrtUpdate",
    "ProofreadsCreated",
]


class ProofreadRequest(RequestModel):
    """Body of POST /v3/video-translations/proofreads: editable subtitles first, one session per language."""

    video: UrlOrAssetId
    """The source video, as URL or asset id."""
    output_languages: OutputLanguages
    """Target languages, at least one."""
    title: NonEmptyStr
    """Job title."""
    mode: TranslationMode | None = None
    """``speed`` (server default) or ``precision``."""
    srt: UrlOrAssetId | None = None
    """Initial subtitles, as URL or asset id."""
    speaker_num: Annotated[int, Field(ge=1)] | None = None
    """Number of speakers, to separate them better."""
    folder_id: str | None = None
    """Folder to put the proofread in."""
    brand_glossary_id: str | None = None
    """Brand glossary for custom term translations."""
    brand_voice_id: str | None = None
    """Legacy name of ``brand_glossary_id``."""
    enable_video_stretching: bool | None = None
    """Let the duration adapt to the translated speech."""
    enable_speech_enhancement: bool | None = None
    """Enhance speech quality."""
    disable_music_track: bool | None = None
    """Remove the background music."""
    keep_the_same_format: bool | None = None
    """Keep the source's encoding (resolution, bitrate)."""


class ProofreadSrtUpdate(RequestModel):
    """Body of PUT /v3/video-translations/proofreads/{id}/srt: replace the subtitles with an edited SRT."""

    srt: UrlOrAssetId
    """The edited SRT file, as URL or asset id."""


class ProofreadGenerateRequest(RequestModel):
    """Body of POST /v3/video-translations/proofreads/{id}/generate: render from the approved SRT."""

    captions: bool | None = None
    """Also produce captions."""
    translate_audio_only: bool | None = None
    """Translate the audio only and keep the original picture."""
    callback_url: HttpUrlStr | None = None
    """URL HeyGen POSTs to when the translation is done."""
    callback_id: str | None = None
    """Your id, echoed back in the callback."""


class ProofreadsCreated(ResponseModel):
    """Answer of POST /v3/video-translations/proofreads."""

    proofread_ids: list[str]
    """One proofread id per output language."""
    status: str | None = None
    """Initial status, ``processing``."""


class Proofread(ResponseModel):
    """A proofread session (GET /v3/video-translations/proofreads/{id}, and the answer of the SRT PUT)."""

    id: str
    """Proofread id."""
    status: str
    """``processing``, ``completed`` or ``failed`` (unknown values are kept as they are)."""
    title: str | None = None
    """Job title."""
    input_language: str | None = None
    """Source language."""
    output_language: str | None = None
    """Target language."""
    created_at: int | None = None
    """Creation time, Unix seconds."""
    submitted_for_review: bool | None = None
    """Whether it was submitted for review."""
    failure_message: str | None = None
    """Why it failed (failed sessions only)."""


class ProofreadSrt(ResponseModel):
    """Subtitle download links of a proofread (GET .../proofreads/{id}/srt)."""

    srt_url: str
    """Presigned URL of the edited SRT."""
    original_srt_url: str | None = None
    """Presigned URL of the SRT given at creation, if any."""


class ProofreadGenerated(ResponseModel):
    """Answer of POST .../proofreads/{id}/generate: the translation job to poll."""

    video_translation_id: str
    """Translation id for GET /v3/video-translations/{id}."""
    status: str | None = None
    """Initial status, ``processing``."""
