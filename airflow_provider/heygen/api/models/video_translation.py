"""Video translation: POST /v3/video-translations (one job per output language) and translation resources."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from typing_extensions import Self

from airflow_provider.heygen.api.models._base import (
    HttpUrlStr,
    NonEmptyStr,
    RequestModel,
    ResponseModel,
    Seconds,
    check_time_window,
)
from airflow_provider.heygen.api.models.assets import UrlOrAssetId

__all__ = [
    "OutputLanguages",
    "StockVoiceConfig",
    "TranslationMode",
    "VideoTranslation",
    "VideoTranslationRequest",
    "VideoTranslationsCreated",
]


def _check_unique(languages: list[str]) -> list[str]:
    repeated = sorted({language for language in languages if languages.count(language) > 1})
    if repeated:
        shown = ", ".join(repr(language) for language in repeated)
        raise ValueError(f"{shown} given more than once; each language must appear once (one job per language)")
    return languages


OutputLanguages = Annotated[list[NonEmptyStr], Field(min_length=1), AfterValidator(_check_unique)]
"""At least one target language, e.g. ``["Spanish (Spain)", "English"]``; one job is created per language."""
TranslationMode = Literal["speed", "precision"]
"""``speed`` (the server default, faster) or ``precision`` (better lip-sync, costs more)."""


class StockVoiceConfig(RequestModel):
    """Speak the translation with a preset stock voice instead of a clone of the speaker (Enterprise)."""

    use_stock_voice: bool | None = None
    """True to use a stock voice."""
    preferred_stock_voice_ids: list[str] | None = None
    """Stock voices to draw from (the language's default pool when omitted)."""


class VideoTranslationRequest(RequestModel):
    """Body of POST /v3/video-translations: dub a video into one or more languages."""

    video: UrlOrAssetId
    """The source video, as URL or asset id."""
    output_languages: OutputLanguages
    """Target language names from GET /v3/video-translations/languages, at least one."""
    mode: TranslationMode | None = None
    """``speed`` (server default) or ``precision``."""
    title: str | None = None
    """Job title."""
    folder_id: str | None = None
    """Folder to put the translations in."""
    input_language: str | None = None
    """Source language (detected when omitted)."""
    speaker_num: Annotated[int, Field(ge=1)] | None = None
    """Number of speakers, to separate them better."""
    translate_audio_only: bool | None = None
    """Translate the audio only and keep the original picture (no lip-sync)."""
    enable_caption: bool | None = None
    """Also produce SRT and VTT captions."""
    enable_dynamic_duration: bool | None = None
    """Let the duration adapt to the translated speech (server default true)."""
    enable_speech_enhancement: bool | None = None
    """Enhance speech quality."""
    disable_music_track: bool | None = None
    """Remove the background music."""
    enable_watermark: bool | None = None
    """Add a watermark."""
    keep_the_same_format: bool | None = None
    """Keep the source's encoding (resolution, bitrate)."""
    start_time: Seconds | None = None
    """Translate from this second on."""
    end_time: Seconds | None = None
    """Translate up to this second."""
    audio: UrlOrAssetId | None = None
    """Your own dubbing audio, as URL or asset id."""
    fps_mode: Literal["vfr", "cfr", "passthrough"] | None = None
    """Frame rate of the output; used only with ``audio``."""
    srt: UrlOrAssetId | None = None
    """Your own subtitles, as URL or asset id."""
    srt_role: Literal["input", "output"] | None = None
    """Whether ``srt`` belongs to the source (``input``) or the translation (``output``)."""
    brand_glossary_id: str | None = None
    """Brand glossary for custom term translations."""
    brand_voice_id: str | None = None
    """Legacy name of ``brand_glossary_id``."""
    stock_voice_config: StockVoiceConfig | None = None
    """Use a stock voice instead of cloning the speaker."""
    callback_url: HttpUrlStr | None = None
    """URL HeyGen POSTs to when a translation is done."""
    callback_id: str | None = None
    """Your id, echoed back in the callback."""

    @model_validator(mode="after")
    def _check_window(self) -> Self:
        check_time_window(self.start_time, self.end_time)
        return self


class VideoTranslationsCreated(ResponseModel):
    """Answer of POST /v3/video-translations."""

    video_translation_ids: list[str]
    """One translation id per output language, in the order asked."""


class VideoTranslation(ResponseModel):
    """A translation (GET /v3/video-translations/{id}); URLs appear once it is completed."""

    id: str
    """Translation id."""
    status: str
    """``pending``, ``running``, ``completed`` or ``failed`` (unknown values are kept as they are)."""
    title: str | None = None
    """Job title."""
    input_language: str | None = None
    """Source language."""
    output_language: str | None = None
    """Target language."""
    duration: float | None = None
    """Length in seconds."""
    created_at: int | None = None
    """Creation time, Unix seconds."""
    callback_id: str | None = None
    """Your callback id."""
    translate_audio_only: bool | None = None
    """Whether only the audio was translated."""
    video_url: str | None = None
    """Presigned URL of the translated video."""
    audio_url: str | None = None
    """Presigned URL of the translated audio."""
    srt_caption_url: str | None = None
    """Presigned URL of the SRT captions (with ``enable_caption``)."""
    vtt_caption_url: str | None = None
    """Presigned URL of the VTT captions (with ``enable_caption``)."""
    failure_message: str | None = None
    """Why it failed (failed jobs only)."""
