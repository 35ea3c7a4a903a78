"""Avatars: POST /v3/avatars (photo, digital twin or prompt), avatar groups and their looks."""

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from airflow_provider.heygen.api.models._base import RequestModel, ResponseModel, not_blank, parse_request
from airflow_provider.heygen.api.models.assets import AssetInput

__all__ = [
    "AvatarCreateRequest",
    "AvatarCreated",
    "AvatarError",
    "AvatarGroup",
    "AvatarLook",
    "DigitalTwinAvatarRequest",
    "PhotoAvatarRequest",
    "PromptAvatarRequest",
    "parse_avatar_request",
]

AvatarName = Annotated[str, Field(min_length=1), not_blank("the name")]
"""An avatar's name: not blank."""


class PhotoAvatarRequest(RequestModel):
    """POST /v3/avatars with ``type="photo"``: an avatar from one photo."""

    type: Literal["photo"] = "photo"
    """Avatar kind: ``photo``."""
    name: AvatarName
    """Avatar name."""
    file: AssetInput
    """The photo."""
    avatar_group_id: str | None = None
    """Group (identity) to add the avatar to (a new one when omitted)."""


class DigitalTwinAvatarRequest(RequestModel):
    """POST /v3/avatars with ``type="digital_twin"``: an avatar trained on video footage."""

    type: Literal["digital_twin"] = "digital_twin"
    """Avatar kind: ``digital_twin``."""
    name: AvatarName
    """Avatar name."""
    file: AssetInput
    """The footage."""
    avatar_group_id: str | None = None
    """Group (identity) to add the avatar to (a new one when omitted)."""


class PromptAvatarRequest(RequestModel):
    """POST /v3/avatars with ``type="prompt"``: an avatar generated from a description."""

    type: Literal["prompt"] = "prompt"
    """Avatar kind: ``prompt``."""
    name: AvatarName
    """Avatar name."""
    prompt: Annotated[str, Field(min_length=1), not_blank("the prompt")]
    """Description of the avatar."""
    reference_images: Annotated[list[AssetInput], Field(max_length=3)] | None = None
    """Up to 3 reference images."""
    avatar_id: str | None = None
    """Existing avatar to use as the visual reference."""
    avatar_group_id: str | None = None
    """Group to save the avatar to (with ``avatar_id``, it must be that avatar's group)."""


AvatarCreateRequest = Annotated[
    PhotoAvatarRequest | DigitalTwinAvatarRequest | PromptAvatarRequest, Field(discriminator="type")
]
"""Any POST /v3/avatars body, picked by ``type``; validate it with ``parse_avatar_request(data)``."""


def parse_avatar_request(
    data: Mapping[str, Any] | RequestModel,
) -> PhotoAvatarRequest | DigitalTwinAvatarRequest | PromptAvatarRequest:
    """Validate any POST /v3/avatars body (a model, or a dict picked by ``type``)."""
    return parse_request(AvatarCreateRequest, data)


class AvatarError(ResponseModel):
    """Why an avatar's training failed."""

    code: str | None = None
    """Machine-readable code."""
    message: str | None = None
    """Human-readable message."""


class AvatarGroup(ResponseModel):
    """An avatar group (an identity holding looks): GET /v3/avatars and /v3/avatars/{group_id}."""

    id: str
    """Group id."""
    name: str | None = None
    """Display name."""
    gender: str | None = None
    """Gender."""
    looks_count: int | None = None
    """Number of looks."""
    created_at: int | None = None
    """Creation time, Unix seconds."""
    default_voice_id: str | None = None
    """Default voice."""
    preview_image_url: str | None = None
    """Preview image."""
    preview_video_url: str | None = None
    """Preview video."""
    consent_status: str | None = None
    """Consent status (None when no consent is needed)."""
    status: str | None = None
    """Training status of private avatars: ``processing``, ``pending_consent``, ``completed``, ``failed``."""
    error: AvatarError | None = None
    """Failure details."""


class AvatarLook(ResponseModel):
    """An avatar look; its ``id`` is the ``avatar_id`` of POST /v3/videos."""

    id: str
    """Look id (``avatar_id`` for videos)."""
    name: str | None = None
    """Display name."""
    group_id: str | None = None
    """Group of the look."""
    avatar_type: str | None = None
    """``studio_avatar``, ``digital_twin`` or ``photo_avatar``."""
    supported_api_engines: list[str] | None = None
    """Engines usable with this look: ``avatar_v``, ``avatar_iv``, ``avatar_iii``."""
    preferred_orientation: str | None = None
    """``portrait``, ``landscape`` or ``square``."""
    image_width: int | None = None
    """Native width in pixels."""
    image_height: int | None = None
    """Native height in pixels."""
    default_voice_id: str | None = None
    """Default voice."""
    gender: str | None = None
    """Gender."""
    tags: list[str] | None = None
    """Tags."""
    preview_image_url: str | None = None
    """Preview image (set once training is done)."""
    preview_video_url: str | None = None
    """Preview video."""
    status: str | None = None
    """Training status of private looks."""
    error: AvatarError | None = None
    """Failure details."""


class AvatarCreated(ResponseModel):
    """Answer of POST /v3/avatars; training goes on asynchronously."""

    avatar_group: AvatarGroup | None = None
    """The group the avatar belongs to."""
    avatar_item: AvatarLook | None = None
    """The new look."""
