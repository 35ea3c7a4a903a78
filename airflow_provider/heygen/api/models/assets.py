"""Asset inputs (how any request points at a file) and uploaded assets (POST /v3/assets, direct uploads)."""

import base64
import binascii
from pathlib import PurePath
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from airflow_provider.heygen.api.errors import InvalidRequestError
from airflow_provider.heygen.api.models._base import HttpUrlStr, NonEmptyStr, RequestModel, ResponseModel

__all__ = [
    "ASSET_EXTENSION_TYPES",
    "ASSET_MAX_BYTES",
    "ASSET_MIME_TYPES",
    "Asset",
    "AssetBase64",
    "AssetDetail",
    "AssetId",
    "AssetInput",
    "AssetUrl",
    "DirectUpload",
    "DirectUploadRequest",
    "UrlOrAssetId",
    "check_upload",
]

ASSET_MAX_BYTES = 32 * 1024 * 1024
"""Largest file POST /v3/assets accepts (32 MB); larger files go through a direct upload."""

ASSET_EXTENSION_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".pdf": "application/pdf",
    ".srt": "application/x-subrip",
}
"""File extensions POST /v3/assets accepts (png, jpeg, mp4, webm, mp3, wav, pdf, srt) and their MIME type."""

ASSET_MIME_TYPES: frozenset[str] = frozenset(
    {*ASSET_EXTENSION_TYPES.values(), "audio/mp3", "audio/x-wav", "audio/wave", "audio/vnd.wave", "text/srt"}
)
"""MIME types POST /v3/assets accepts, with the common aliases of mp3, wav and srt."""

# Declared types that say nothing about the content: the file name decides then.
_GENERIC_MIME_TYPES = frozenset({"application/octet-stream", "text/plain"})


def check_upload(filename: str, size_bytes: int, mime_type: str | None = None) -> str:
    """Raise InvalidRequestError unless POST /v3/assets accepts this file: a supported type, at most 32 MB.

    ``mime_type`` wins over the file name; when it is missing or generic (``application/octet-stream``,
    ``text/plain``) the extension decides. Return the MIME type to declare for the upload.
    """
    problems = []
    if size_bytes > ASSET_MAX_BYTES:
        problems.append(
            f"file: {size_bytes:,} bytes, the limit is {ASSET_MAX_BYTES:,} bytes (32 MB); "
            "upload larger files with a direct upload"
        )
    declared = (mime_type or "").split(";", 1)[0].strip().lower()
    extension = PurePath(filename).suffix.lower()
    by_name = declared in ("", *_GENERIC_MIME_TYPES) and extension in ASSET_EXTENSION_TYPES
    if declared not in ASSET_MIME_TYPES and not by_name:
        what = f"type {declared!r} of {filename!r}" if declared else f"type of {filename!r}"
        problems.append(f"file: {what} is not allowed, expected png, jpeg, mp4, webm, mp3, wav, pdf or srt")
    if problems:
        raise InvalidRequestError(problems, model="AssetUpload")
    return ASSET_EXTENSION_TYPES[extension] if by_name else declared


# --- inputs ----------------------------------------------------------------------------------------


def _check_base64(data: str) -> str:
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"{len(data):,} characters that are not valid base64 (expected A-Z a-z 0-9 + /, padded with = "
            "to a multiple of 4)"
        ) from None
    return data


class AssetUrl(RequestModel):
    """A file HeyGen downloads from a public URL (no authentication)."""

    type: Literal["url"] = "url"
    """Input kind: ``url``."""
    url: HttpUrlStr
    """Public http(s) URL of the file; its extension must match the real format."""


class AssetId(RequestModel):
    """A file uploaded before with POST /v3/assets."""

    type: Literal["asset_id"] = "asset_id"
    """Input kind: ``asset_id``."""
    asset_id: NonEmptyStr
    """HeyGen asset id returned by the upload."""


class AssetBase64(RequestModel):
    """A file sent inline as base64."""

    type: Literal["base64"] = "base64"
    """Input kind: ``base64``."""
    media_type: Annotated[str, Field(pattern=r"^[\w.+-]+/[\w.+-]+$")]
    """MIME type of the content, e.g. ``image/png``."""
    data: Annotated[str, Field(min_length=1), AfterValidator(_check_base64)]
    """The file content, base64-encoded (standard alphabet, padded)."""


AssetInput = Annotated[AssetUrl | AssetId | AssetBase64, Field(discriminator="type")]
"""A file given as a URL, an uploaded asset id, or inline base64 (picked by ``type``)."""

UrlOrAssetId = Annotated[AssetUrl | AssetId, Field(discriminator="type")]
"""A file given as a URL or an uploaded asset id: the only forms translation, lipsync and proofread accept."""


class DirectUploadRequest(RequestModel):
    """Body of POST /v3/assets/direct-uploads: start a presigned upload (for files above 32 MB)."""

    filename: NonEmptyStr
    """Original file name, kept as metadata."""
    content_type: NonEmptyStr
    """Declared MIME type, checked against the stored bytes when the upload completes."""
    size_bytes: Annotated[int, Field(ge=1)]
    """Exact size of the file in bytes; the upload URL will not take more."""
    checksum_sha256: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    """SHA-256 of the file as hex; when given, storage enforces it."""


# --- responses -------------------------------------------------------------------------------------


class Asset(ResponseModel):
    """An uploaded asset: the answer of POST /v3/assets and of POST /v3/assets/{asset_id}/complete."""

    asset_id: str
    """Asset id to use in other requests (``{"type": "asset_id", "asset_id": ...}``)."""
    url: str | None = None
    """Public URL of the stored file."""
    mime_type: str | None = None
    """MIME type HeyGen detected from the bytes."""
    size_bytes: int | None = None
    """Size of the stored file in bytes."""
    status: str | None = None
    """Processing status (only after a direct upload completes, e.g. ``processing``)."""


class AssetDetail(ResponseModel):
    """An asset in the workspace (GET /v3/assets/{asset_id}, list items)."""

    id: str
    """Asset id."""
    name: str | None = None
    """Display name."""
    type: str | None = None
    """``image``, ``video``, ``audio`` or ``font``."""
    url: str | None = None
    """Public URL, when one can be made."""
    owner: str | None = None
    """User name of the owner."""
    space_id: str | None = None
    """Space the asset belongs to."""
    folder_id: str | None = None
    """Folder of the asset (None at the space root)."""
    uploaded_at: int | None = None
    """Upload time, Unix seconds."""


class DirectUpload(ResponseModel):
    """Presigned upload instructions from POST /v3/assets/direct-uploads."""

    asset_id: str
    """Asset id; usable after POST /v3/assets/{asset_id}/complete."""
    upload_url: str
    """Presigned URL to PUT the raw bytes to."""
    upload_headers: dict[str, str] | None = None
    """Headers to send verbatim with the PUT."""
    expires_in_seconds: int | None = None
    """Seconds until ``upload_url`` expires."""
    max_bytes: int | None = None
    """Largest upload the URL accepts, in bytes."""
    status: str | None = None
    """Upload status, ``pending_upload`` here."""
