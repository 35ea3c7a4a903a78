"""Videos: the four kinds of POST /v3/videos body, and the video resources HeyGen returns."""

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from typing_extensions import Self

from airflow_provider.heygen.api.models._base import (
    HttpUrlStr,
    NonEmptyStr,
    RequestModel,
    ResponseModel,
    not_blank,
    parse_request,
)
from airflow_provider.heygen.api.models.assets import AssetBase64, AssetInput, AssetUrl

__all__ = [
    "CINEMATIC_MAX_IMAGES",
    "CINEMATIC_MAX_VIDEOS",
    "SCRIPT_MAX_CHARS",
    "STUDIO_MAX_SCENES",
    "AspectRatio",
    "AvatarIIIEngine",
    "AvatarIVEngine",
    "AvatarVEngine",
    "AvatarVideoRequest",
    "AvatarVideoScene",
    "Background",
    "Caption",
    "CinematicAvatarVideoRequest",
    "ElevenLabsSettings",
    "FishSettings",
    "ImageScene",
    "ImageVideoRequest",
    "Resolution",
    "Scene",
    "StarfishSettings",
    "StudioAvatarInput",
    "StudioColorBackground",
    "StudioImageInput",
    "StudioInput",
    "StudioVideoRequest",
    "Video",
    "VideoCreateRequest",
    "VideoCreated",
    "VideoEngine",
    "VideoPlayback",
    "VideoScene",
    "VideoStatusItem",
    "VoiceEngineSettings",
    "VoiceSettings",
    "Watermark",
    "WatermarkPlacement",
    "parse_video_request",
]

SCRIPT_MAX_CHARS = 5_000
"""Longest script an avatar may speak, in characters."""
STUDIO_MAX_SCENES = 50
"""Most scenes in one studio video."""
CINEMATIC_MAX_VIDEOS = 3
"""Most video references in one cinematic avatar video."""
CINEMATIC_MAX_IMAGES = 9
"""Most image references in one cinematic avatar video."""

AspectRatio = Literal["16:9", "9:16", "4:5", "5:4", "1:1", "auto"]
"""Output aspect ratio; ``auto`` keeps the source's."""
Resolution = Literal["4k", "1080p", "720p"]
"""Output resolution."""


Script = Annotated[str, Field(max_length=SCRIPT_MAX_CHARS), not_blank("a script", SCRIPT_MAX_CHARS)]
Volume = Annotated[float, Field(ge=0, le=1)]


# --- voice -----------------------------------------------------------------------------------------


class ElevenLabsSettings(RequestModel):
    """Tuning for an ElevenLabs-backed voice."""

    engine_type: Literal["elevenlabs"] = "elevenlabs"
    """Engine kind: ``elevenlabs``."""
    model: Literal["eleven_multilingual_v2", "eleven_turbo_v2_5", "eleven_flash_v2_5", "eleven_v3"] | None = None
    """ElevenLabs model."""
    stability: float | None = None
    """ElevenLabs stability."""
    similarity_boost: float | None = None
    """ElevenLabs similarity boost."""
    style: float | None = None
    """ElevenLabs style."""
    use_speaker_boost: bool | None = None
    """Whether ElevenLabs applies speaker boost."""


class FishSettings(RequestModel):
    """Tuning for a Fish Audio-backed voice."""

    engine_type: Literal["fish"] = "fish"
    """Engine kind: ``fish``."""
    model: Literal["s1", "s2-pro"] | None = None
    """Fish Audio model (server default ``s1``)."""
    stability: float | None = None
    """Higher is more consistent."""
    similarity: float | None = None
    """How closely to match the source voice."""


class StarfishSettings(RequestModel):
    """Force Starfish for a voice that supports several engines (Starfish has no settings)."""

    engine_type: Literal["starfish"] = "starfish"
    """Engine kind: ``starfish``."""


VoiceEngineSettings = Annotated[
    ElevenLabsSettings | FishSettings | StarfishSettings, Field(discriminator="engine_type")
]
"""Engine-specific voice tuning, picked by ``engine_type``; it must match the voice's engine."""


class VoiceSettings(RequestModel):
    """Voice tuning of a video's speech."""

    speed: Annotated[float, Field(ge=0.5, le=1.5)] | None = None
    """Speed multiplier, 0.5-1.5 (server default 1)."""
    pitch: Annotated[float, Field(ge=-50, le=50)] | None = None
    """Pitch shift in semitones, -50 to 50 (server default 0)."""
    volume: Volume | None = None
    """Voice volume, 0 (silent) to 1 (full, the server default)."""
    locale: str | None = None
    """Accent hint for multilingual voices, e.g. ``en-US``."""
    engine_settings: VoiceEngineSettings | None = None
    """Engine-specific tuning."""


class _Narration(RequestModel):
    """What a speaking avatar or image says: a script (text-to-speech) or an audio file."""

    script: Script | None = None
    """Text to speak, at most 5,000 characters; pair with ``voice_id``. Excludes the two audio fields."""
    voice_id: NonEmptyStr | None = None
    """Voice for the script (an avatar's default voice is used when omitted)."""
    voice_settings: VoiceSettings | None = None
    """Speed, pitch, volume and engine tuning of the voice."""
    audio_url: HttpUrlStr | None = None
    """Public URL of an audio file to lip-sync to, instead of a script."""
    audio_asset_id: NonEmptyStr | None = None
    """Uploaded audio asset to lip-sync to, instead of a script."""

    def _audio_sources(self) -> list[str]:
        return [name for name in ("script", "audio_url", "audio_asset_id") if getattr(self, name) is not None]

    def _check_exactly_one_audio_source(self) -> None:
        # None at all is refused too: HeyGen renders nothing without something to say.
        sources = self._audio_sources()
        if len(sources) > 1:
            raise ValueError(f"{' and '.join(sources)} are mutually exclusive: give one audio source")
        if not sources:
            raise ValueError("needs exactly one audio source (script, audio_url or audio_asset_id), got none")

    def _check_script_has_voice(self) -> None:
        if self.script is not None and self.voice_id is None:
            raise ValueError("voice_id is required with script (an image has no default voice)")


# --- output settings -------------------------------------------------------------------------------


class Background(RequestModel):
    """Background behind the avatar: a solid color or an image."""

    type: Literal["color", "image"]
    """``color`` (uses ``value``) or ``image`` (uses ``url`` or ``asset_id``)."""
    value: str | None = None
    """Hex color such as ``#ff0000``; required when ``type`` is ``color``."""
    url: HttpUrlStr | None = None
    """URL of the background image (``image`` only; excludes ``asset_id``)."""
    asset_id: str | None = None
    """Uploaded background image (``image`` only; excludes ``url``)."""

    @model_validator(mode="after")
    def _check_source(self) -> Self:
        if self.type == "color" and self.value is None:
            raise ValueError("value (a hex color) is required when type is 'color'")
        if self.type == "image" and (self.url is None) == (self.asset_id is None):
            raise ValueError("type 'image' needs exactly one of url or asset_id")
        return self


class Caption(RequestModel):
    """Captions: an SRT sidecar is always produced (``subtitle_url``); ``style`` also burns them in."""

    file_format: Literal["srt"] | None = None
    """Sidecar format (server default ``srt``)."""
    style: Literal["default"] | None = None
    """Burn captions into the video in this style; omit for the sidecar only."""


class WatermarkPlacement(RequestModel):
    """Where the watermark goes (bottom right with standard margins when omitted)."""

    position: Literal["top_left", "top_right", "bottom_left", "bottom_right"] | None = None
    """Anchor corner (server default ``bottom_right``)."""
    offset_x: float | None = None
    """Horizontal nudge as a fraction of the frame width (0.05 moves 5% right)."""
    offset_y: float | None = None
    """Vertical nudge as a fraction of the frame height (0.05 moves 5% down)."""


class Watermark(RequestModel):
    """An image overlaid on the video (an Enterprise option)."""

    image: AssetInput
    """The watermark image (PNG or JPEG)."""
    opacity: Volume | None = None
    """0 (transparent) to 1 (opaque, the server default)."""
    scale: Annotated[float, Field(gt=0)] | None = None
    """Size multiplier; 1 is the image's native size."""
    placement: WatermarkPlacement | None = None
    """Anchor corner and offsets."""


class AvatarVEngine(RequestModel):
    """Avatar V: cross-reference-driven animation, for looks whose ``supported_api_engines`` has it."""

    type: Literal["avatar_v"] = "avatar_v"
    """Engine kind: ``avatar_v``."""
    reference_look_id: str | None = None
    """An ``instant_avatar`` look of the same group to animate from (chosen by HeyGen when omitted)."""


class AvatarIVEngine(RequestModel):
    """Avatar IV, the default engine."""

    type: Literal["avatar_iv"] = "avatar_iv"
    """Engine kind: ``avatar_iv``."""


class AvatarIIIEngine(RequestModel):
    """Avatar III: Digital Twin for video looks, Photo Avatar for photo looks (no motion prompt)."""

    type: Literal["avatar_iii"] = "avatar_iii"
    """Engine kind: ``avatar_iii``."""


VideoEngine = Annotated[AvatarVEngine | AvatarIVEngine | AvatarIIIEngine, Field(discriminator="type")]
"""The avatar rendering engine, picked by ``type`` (Avatar IV when omitted)."""


def _check_engine_options(engine: Any, expressiveness: str | None, motion_prompt: str | None) -> None:
    kind = engine.type if engine is not None else "avatar_iv"
    if expressiveness is not None and kind != "avatar_iv":
        raise ValueError(f"expressiveness works only with the avatar_iv engine, not {kind}")
    if motion_prompt is not None and kind == "avatar_iii":
        raise ValueError("motion_prompt is not supported with the avatar_iii engine")


class _SingleVideo(_Narration):
    """Output settings shared by the avatar and image kinds."""

    title: str | None = None
    """Title in the HeyGen dashboard."""
    resolution: Resolution | None = None
    """Output resolution: ``4k``, ``1080p`` or ``720p``."""
    aspect_ratio: AspectRatio | None = None
    """Output aspect ratio (server default ``16:9``)."""
    fit: Literal["contain", "cover"] | None = None
    """``cover`` fills the frame (may crop), ``contain`` fits inside it (HeyGen picks when omitted)."""
    background: Background | None = None
    """Background behind the avatar; not allowed with ``output_format="webm"``."""
    remove_background: bool | None = None
    """Remove the avatar's background (video avatars must be trained with matting)."""
    output_format: Literal["mp4", "webm"] | None = None
    """``mp4`` (server default) or ``webm`` with a transparent background."""
    caption: Caption | None = None
    """Caption settings."""
    expressiveness: Literal["high", "medium", "low"] | None = None
    """Photo avatars only, Avatar IV only (server default ``low``)."""
    motion_prompt: str | None = None
    """Body motion and gestures, in words (photo avatars; video avatars only with Avatar V)."""
    watermark: Watermark | None = None
    """Watermark image overlay (Enterprise)."""
    callback_url: HttpUrlStr | None = None
    """URL HeyGen POSTs to when the video is done (unsigned; match ``callback_id``)."""
    callback_id: str | None = None
    """Your id, echoed back in the callback."""

    @model_validator(mode="after")
    def _check_output(self) -> Self:
        self._check_exactly_one_audio_source()
        if self.output_format == "webm" and self.background is not None:
            raise ValueError("background is not allowed with output_format 'webm' (webm is transparent)")
        return self


class AvatarVideoRequest(_SingleVideo):
    """POST /v3/videos with ``type="avatar"``: a HeyGen avatar look speaks a script or lip-syncs audio."""

    type: Literal["avatar"] = "avatar"
    """Video kind: ``avatar``."""
    avatar_id: NonEmptyStr
    """Look id (``id`` from /v3/avatars/looks)."""
    engine: VideoEngine | None = None
    """Rendering engine (Avatar IV when omitted)."""

    @model_validator(mode="after")
    def _check_engine(self) -> Self:
        _check_engine_options(self.engine, self.expressiveness, self.motion_prompt)
        return self


class ImageVideoRequest(_SingleVideo):
    """POST /v3/videos with ``type="image"``: any image is animated to speak."""

    type: Literal["image"] = "image"
    """Video kind: ``image``."""
    image: AssetInput
    """The image to animate."""

    @model_validator(mode="after")
    def _check_voice(self) -> Self:
        self._check_script_has_voice()
        return self


class CinematicAvatarVideoRequest(RequestModel):
    """POST /v3/videos with ``type="cinematic_avatar"``: a prompt-driven video with 1-3 avatar looks."""

    type: Literal["cinematic_avatar"] = "cinematic_avatar"
    """Video kind: ``cinematic_avatar``."""
    prompt: Annotated[str, Field(min_length=1), not_blank("the prompt")]
    """What the video shows and says; there is no script or voice."""
    avatar_id: Annotated[list[NonEmptyStr], Field(min_length=1, max_length=3)]
    """1-3 look ids used as visual references."""
    references: list[AssetInput] | None = None
    """Reference images, videos or audio; at most 3 videos and 9 images."""
    duration: Annotated[int, Field(ge=4, le=15)] | None = None
    """Length in seconds, 4-15 (server default 10); leave out with ``auto_duration``."""
    auto_duration: bool | None = None
    """Let the model choose the length."""
    enhance_prompt: bool | None = None
    """Let HeyGen improve the prompt."""
    aspect_ratio: Literal["16:9", "9:16", "1:1"] | None = None
    """``16:9`` (server default), ``9:16`` or ``1:1``: the ratios cinematic avatars support."""
    resolution: Literal["720p", "1080p"] | None = None
    """``720p`` (server default) or ``1080p``."""
    title: str | None = None
    """Title in the HeyGen dashboard."""

    @model_validator(mode="after")
    def _check_limits(self) -> Self:
        problems = []
        if self.auto_duration and self.duration is not None:
            problems.append("duration must be left out when auto_duration is true")
        kinds = [_reference_kind(reference) for reference in self.references or []]
        for kind, limit in (("video", CINEMATIC_MAX_VIDEOS), ("image", CINEMATIC_MAX_IMAGES)):
            if kinds.count(kind) > limit:
                problems.append(f"references: {kinds.count(kind)} {kind}s, the limit is {limit}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


_VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mov"})
_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})


def _reference_kind(reference: Any) -> str | None:
    """``video``, ``image``, ``audio``... when the input tells (base64 type, URL extension), else None."""
    if isinstance(reference, AssetBase64):
        return reference.media_type.split("/", 1)[0].lower()
    if isinstance(reference, AssetUrl):
        suffix = PurePosixPath(urlsplit(reference.url).path).suffix.lower()
        return "video" if suffix in _VIDEO_SUFFIXES else "image" if suffix in _IMAGE_SUFFIXES else None
    return None  # an asset id: only the server knows its type


# --- studio ----------------------------------------------------------------------------------------


class StudioColorBackground(RequestModel):
    """A solid color behind a studio avatar (the only studio background kind so far)."""

    type: Literal["color"] = "color"
    """Background kind: ``color``."""
    color: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
    """6-digit hex color, e.g. ``#1a2b3c``."""


class StudioAvatarInput(_Narration):
    """An avatar speaking in a studio scene; needs exactly one audio source."""

    type: Literal["avatar"] = "avatar"
    """Source kind: ``avatar``."""
    avatar_id: NonEmptyStr
    """Look id."""
    background: StudioColorBackground | None = None
    """Color behind the avatar."""
    engine: VideoEngine | None = None
    """Rendering engine (Avatar IV when omitted)."""
    expressiveness: Literal["high", "medium", "low"] | None = None
    """Photo avatars only, Avatar IV only."""
    motion_prompt: str | None = None
    """Body motion and gestures, in words."""

    @model_validator(mode="after")
    def _check_source(self) -> Self:
        self._check_exactly_one_audio_source()
        _check_engine_options(self.engine, self.expressiveness, self.motion_prompt)
        return self


class StudioImageInput(_Narration):
    """An animated image speaking in a studio scene; needs exactly one audio source."""

    type: Literal["image"] = "image"
    """Source kind: ``image``."""
    image: AssetInput
    """The image to animate."""
    expressiveness: Literal["high", "medium", "low"] | None = None
    """Expressiveness of the animation."""
    motion_prompt: str | None = None
    """Body motion, in words."""

    @model_validator(mode="after")
    def _check_source(self) -> Self:
        self._check_exactly_one_audio_source()
        self._check_script_has_voice()
        return self


StudioInput = Annotated[StudioAvatarInput | StudioImageInput, Field(discriminator="type")]
"""The speaker of an ``avatar_video`` scene, picked by ``type``."""


class AvatarVideoScene(RequestModel):
    """A whole-frame scene of a speaking avatar or image; its length follows the audio."""

    type: Literal["avatar_video"] = "avatar_video"
    """Scene kind: ``avatar_video``."""
    input: StudioInput
    """Who speaks, and what."""


class ImageScene(_Narration):
    """A still image: silent for ``duration`` seconds, or narrated by exactly one audio source."""

    type: Literal["image"] = "image"
    """Scene kind: ``image``."""
    source: AssetInput
    """The image."""
    duration: Annotated[float, Field(gt=0, le=300)] | None = None
    """Silent mode: seconds to show the image, above 0 and at most 300."""

    @model_validator(mode="after")
    def _check_mode(self) -> Self:
        modes = (["duration"] if self.duration is not None else []) + self._audio_sources()
        if len(modes) != 1:
            got = " and ".join(modes) if modes else "none"
            raise ValueError(f"needs exactly one of duration, script, audio_url or audio_asset_id, got {got}")
        self._check_script_has_voice()
        return self


class VideoPlayback(RequestModel):
    """Audio of a video clip scene."""

    volume: Volume | None = None
    """Clip volume, 0 (silent) to 1 (source level, the server default)."""
    mute: bool | None = None
    """Silence the clip whatever ``volume`` says."""


class VideoScene(RequestModel):
    """A whole-frame scene playing an existing video clip."""

    type: Literal["video"] = "video"
    """Scene kind: ``video``."""
    source: AssetInput
    """The clip."""
    playback: VideoPlayback | None = None
    """Volume and mute (source volume when omitted)."""


Scene = Annotated[AvatarVideoScene | ImageScene | VideoScene, Field(discriminator="type")]
"""One studio scene, picked by ``type``: ``avatar_video``, ``image`` or ``video``."""


class StudioVideoRequest(RequestModel):
    """POST /v3/videos with ``type="studio"``: 1-50 whole-frame scenes joined into one MP4."""

    type: Literal["studio"] = "studio"
    """Video kind: ``studio``."""
    scenes: Annotated[list[Scene], Field(min_length=1, max_length=STUDIO_MAX_SCENES)]
    """The scenes in order, 1-50; each is center-cropped to the output canvas."""
    resolution: Resolution | None = None
    """Output resolution."""
    aspect_ratio: AspectRatio | None = None
    """Output aspect ratio (server default ``16:9``)."""
    caption: Caption | None = None
    """Caption settings."""
    watermark: Watermark | None = None
    """Watermark image overlay (Enterprise)."""
    title: str | None = None
    """Title in the HeyGen dashboard."""
    callback_url: HttpUrlStr | None = None
    """URL HeyGen POSTs to when the video is done."""
    callback_id: str | None = None
    """Your id, echoed back in the callback."""


VideoCreateRequest = Annotated[
    AvatarVideoRequest | ImageVideoRequest | CinematicAvatarVideoRequest | StudioVideoRequest,
    Field(discriminator="type"),
]
"""Any POST /v3/videos body, picked by ``type``; validate it with ``parse_video_request(data)``."""


def parse_video_request(
    data: Mapping[str, Any] | RequestModel,
) -> AvatarVideoRequest | ImageVideoRequest | CinematicAvatarVideoRequest | StudioVideoRequest:
    """Validate any POST /v3/videos body (a model, or a dict picked by ``type``)."""
    return parse_request(VideoCreateRequest, data)


# --- responses -------------------------------------------------------------------------------------


class VideoCreated(ResponseModel):
    """Answer of POST /v3/videos."""

    video_id: str
    """Id to poll with GET /v3/videos/{video_id}."""
    status: str
    """Initial status (e.g. ``waiting``)."""
    output_format: str | None = None
    """Resolved container, ``mp4`` or ``webm``."""


class Video(ResponseModel):
    """A video (GET /v3/videos/{video_id}, list items); URLs are presigned and expire, so fetch before use."""

    id: str
    """Video id."""
    status: str
    """``pending``, ``processing``, ``completed`` or ``failed`` (unknown values are kept as they are)."""
    title: str | None = None
    """Title."""
    created_at: int | None = None
    """Creation time, Unix seconds."""
    completed_at: int | None = None
    """Completion time, Unix seconds."""
    duration: float | None = None
    """Length in seconds."""
    video_url: str | None = None
    """Presigned download URL of the video."""
    thumbnail_url: str | None = None
    """Thumbnail image URL."""
    gif_url: str | None = None
    """Animated GIF preview URL."""
    captioned_video_url: str | None = None
    """Presigned URL of the video with burnt-in captions."""
    subtitle_url: str | None = None
    """Presigned URL of the SRT subtitles."""
    folder_id: str | None = None
    """Folder holding the video."""
    output_language: str | None = None
    """Output language, only for translated videos."""
    failure_code: str | None = None
    """Machine-readable failure reason (failed videos only), e.g. ``download_failed``."""
    failure_message: str | None = None
    """Human-readable failure reason (failed videos only)."""
    video_page_url: str | None = None
    """Page of the video in the HeyGen app."""


class VideoStatusItem(ResponseModel):
    """One entry of a bulk status answer (/v3/videos/statuses, and the translation and lipsync ones)."""

    video_id: str | None = None
    """Job id (for translations and lipsyncs too); None for a batch item not created yet."""
    status: str
    """``queued``, ``processing``, ``completed``, ``failed`` or ``not_found``."""
    batch_id: str | None = None
    """Batch the entry was expanded from."""
    item_index: int | None = None
    """Position in that batch."""
    error: dict[str, Any] | None = None
    """Failure details when failed."""
