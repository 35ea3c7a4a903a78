"""Video Agent: POST /v3/video-agents (a prompt becomes a video), follow-up messages, its sessions and styles."""

from typing import Annotated, Literal

from pydantic import Field, model_validator
from typing_extensions import Self

from airflow_provider.heygen.api.models._base import HttpUrlStr, RequestModel, ResponseModel
from airflow_provider.heygen.api.models.assets import ASSET_MIME_TYPES, AssetBase64, AssetInput

__all__ = [
    "AGENT_FILE_MIME_TYPES",
    "AGENT_MAX_FILES",
    "AGENT_PROMPT_MAX_CHARS",
    "VideoAgentMessage",
    "VideoAgentMessageRequest",
    "VideoAgentRequest",
    "VideoAgentRun",
    "VideoAgentSession",
    "VideoAgentStyle",
]

AGENT_PROMPT_MAX_CHARS = 10_000
"""Longest Video Agent prompt, in characters (the shortest is 1)."""
AGENT_MAX_FILES = 20
"""Most file attachments of one Video Agent request."""
AGENT_FILE_MIME_TYPES = ASSET_MIME_TYPES - {"application/x-subrip", "text/srt"}
"""Types a Video Agent attachment may have: png, jpeg, mp4, webm, mp3, wav, pdf (as assets, without srt)."""
_AGENT_FILE_KINDS = "png, jpeg, mp4, webm, mp3, wav or pdf"


class VideoAgentRequest(RequestModel):
    """Body of POST /v3/video-agents: a prompt, optional attachments, and optional avatar, voice and style."""

    prompt: Annotated[str, Field(min_length=1, max_length=AGENT_PROMPT_MAX_CHARS)]
    """What the video should be, 1-10,000 characters."""
    mode: Literal["generate", "chat"] | None = None
    """``generate`` (server default): one video, no questions. ``chat``: multi-turn, may wait for input."""
    files: Annotated[list[AssetInput], Field(max_length=AGENT_MAX_FILES)] | None = None
    """Up to 20 attachments (png, jpeg, mp4, webm, mp3, wav, pdf) as URL, asset id or base64."""
    orientation: Literal["landscape", "portrait"] | None = None
    """Video orientation (detected from the content when omitted)."""
    avatar_id: str | None = None
    """Avatar to use."""
    voice_id: str | None = None
    """Voice to narrate with."""
    style_id: str | None = None
    """Visual style from GET /v3/video-agents/styles."""
    brand_kit_id: str | None = None
    """Brand kit whose colors, fonts and logos to apply."""
    callback_url: HttpUrlStr | None = None
    """URL HeyGen POSTs to on completion or failure."""
    callback_id: str | None = None
    """Your id, echoed back in the callback."""
    incognito_mode: bool | None = None
    """Turn off the agent's memory for this session."""

    @model_validator(mode="after")
    def _check_file_types(self) -> Self:
        _check_agent_files(self.files)
        return self


class VideoAgentMessageRequest(RequestModel):
    """Body of POST /v3/video-agents/{session_id}: a follow-up message to a ``chat`` session (answer or revision)."""

    message: Annotated[str, Field(min_length=1, max_length=AGENT_PROMPT_MAX_CHARS)]
    """What to tell the agent, 1-10,000 characters (the prompt's limit; HeyGen's schema gives none)."""
    files: Annotated[list[AssetInput], Field(max_length=AGENT_MAX_FILES)] | None = None
    """Up to 20 attachments (png, jpeg, mp4, webm, mp3, wav, pdf) as URL, asset id or base64."""
    avatar_id: str | None = None
    """Avatar to use from this message on."""
    voice_id: str | None = None
    """Voice to narrate with from this message on."""
    brand_kit_id: str | None = None
    """Brand kit to apply from this message on."""

    @model_validator(mode="after")
    def _check_file_types(self) -> Self:
        _check_agent_files(self.files)
        return self


def _check_agent_files(files: list[AssetInput] | None) -> None:
    """Refuse base64 attachments of a type the agent does not take (URLs and asset ids are HeyGen's to check)."""
    wrong = [
        f"files[{index}].media_type: {item.media_type!r} is not allowed, expected {_AGENT_FILE_KINDS}"
        for index, item in enumerate(files or [])
        if isinstance(item, AssetBase64) and item.media_type.lower() not in AGENT_FILE_MIME_TYPES
    ]
    if wrong:
        raise ValueError("; ".join(wrong))


class VideoAgentRun(ResponseModel):
    """The answer of POST /v3/video-agents/{session_id}: the run that processes the message."""

    session_id: str
    """Session id."""
    run_id: str
    """Id of the run processing the message."""
    title: str | None = None
    """Session title written by the agent."""


class VideoAgentMessage(ResponseModel):
    """One chat message of a session."""

    role: str
    """``user`` or ``model``."""
    type: str | None = None
    """``text``, ``resource`` or ``error``."""
    content: str | None = None
    """Message text."""
    resource_ids: list[str] | None = None
    """Resources the message refers to."""
    created_at: int | None = None
    """Time of the message, Unix seconds."""


class VideoAgentSession(ResponseModel):
    """A Video Agent session: the answer of POST /v3/video-agents and of GET /v3/video-agents/{session_id}."""

    session_id: str
    """Session id."""
    status: str
    """``thinking``, ``waiting_for_input``, ``reviewing``, ``generating``, ``completed`` or ``failed``."""
    video_id: str | None = None
    """Video to poll with GET /v3/videos/{video_id}, once generation has started."""
    progress: int | None = None
    """Progress, 0-100."""
    title: str | None = None
    """Session title written by the agent."""
    created_at: int | None = None
    """Creation time, Unix seconds."""
    messages: list[VideoAgentMessage] | None = None
    """Latest messages, newest first (at most 40)."""


class VideoAgentStyle(ResponseModel):
    """A visual style (GET /v3/video-agents/styles)."""

    style_id: str
    """Style id, for ``VideoAgentRequest.style_id``."""
    name: str | None = None
    """Display name."""
    tags: list[str] | None = None
    """Tags such as ``cinematic``."""
    thumbnail_url: str | None = None
    """Thumbnail image URL."""
    preview_video_url: str | None = None
    """Preview video URL."""
    aspect_ratio: str | None = None
    """Aspect ratio, e.g. ``16:9``."""
