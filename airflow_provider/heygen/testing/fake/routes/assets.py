"""Assets: multipart upload, the three-step direct upload, get, list, delete.

``POST /v3/assets`` takes one multipart field ``file`` of at most 32 MiB. The type is sniffed from the
bytes (png, jpeg, mp4, webm, mp3, wav, pdf, srt; the file name and declared type are ignored); anything else
is a 400 ``invalid_parameter`` with ``param: file``. A larger file is a **413 ``payload_too_large``**
(``param: file``): HeyGen's OpenAPI lists only 400 for this operation, but an over-size body is what 413
means, the official CLI knows the code, and it lets a client tell "use the direct upload" from "wrong file".

Direct upload: ``POST /v3/assets/direct-uploads`` answers an ``upload_url`` on the fake itself (no API key,
like a presigned S3 URL, valid 15 fake minutes) and the ``upload_headers`` to send with the PUT; the PUT must
carry exactly ``size_bytes`` bytes (and the SHA-256 when one was declared), and answers S3-style (200 +
``ETag``, XML errors). ``POST /v3/assets/{asset_id}/complete`` then checks checksum and sniffed type against
the declaration and finalises the asset; repeating it returns the same answer.

The length of uploaded audio and video (WAV, MP3, MP4) is read from the bytes and told to the state, so a job
that takes the asset as its source lasts as long as the file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import struct
import wave
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from airflow_provider.heygen.testing.fake import pagination
from airflow_provider.heygen.testing.fake.errors import ApiError, conflict, invalid_parameter, not_found
from airflow_provider.heygen.testing.fake.routes import api_route, data
from airflow_provider.heygen.testing.fake.state import State

__all__ = [
    "ASSET_TYPES",
    "MAX_UPLOAD_BYTES",
    "asset_mime",
    "check_asset_input",
    "media_seconds",
    "sniff_mime",
]

MAX_UPLOAD_BYTES = 32 * 1024 * 1024
MAX_DIRECT_UPLOAD_BYTES = 5 * 1024**3
UPLOAD_URL_SECONDS = 900
OWNER = "fake-user"
SPACE_ID = "space_fake"
_BUCKET = "assets"

#: Sniffed MIME type -> the asset ``type`` shown by GET.
ASSET_TYPES = {
    "image/png": "image",
    "image/jpeg": "image",
    "video/mp4": "video",
    "video/webm": "video",
    "audio/mpeg": "audio",
    "audio/wav": "audio",
    "application/pdf": "document",
    "application/x-subrip": "subtitle",
}
#: Direct uploads also take archives (HeyGen's example lists application/zip).
DIRECT_UPLOAD_TYPES = {**ASSET_TYPES, "application/zip": "archive"}
_MIME_ALIASES = {
    "image/jpg": "image/jpeg",
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
}
_SRT_START = re.compile(rb"\s*\d+\s*\r?\n\d{2}:\d{2}:\d{2}[,.]\d{3}\s*-->\s*\d{2}:\d{2}:\d{2}[,.]\d{3}")
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_MP3_KBPS = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1 Layer III
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 Layer III
}


@dataclass
class Asset:
    """An uploaded file: ``pending_upload`` until its bytes arrive, then ``uploaded``, then ``ready``."""

    id: str
    name: str
    created_at: float
    status: str = "ready"
    content: bytes = b""
    mime_type: str | None = None
    declared_type: str | None = None
    declared_size: int | None = None
    declared_sha256: str | None = None
    upload_token: str | None = None
    completed: dict[str, Any] | None = None
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# --- bytes ------------------------------------------------------------------------------------------------


def sniff_mime(content: bytes) -> str | None:
    """The MIME type of a file from its first bytes, or None when it is none of the types HeyGen takes."""
    head = content[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in content[:4096]:
        return "video/webm"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or _mp3_frame(head) is not None:
        return "audio/mpeg"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if _SRT_START.match(content[:256].removeprefix(b"\xef\xbb\xbf")):
        return "application/x-subrip"
    return None


def _mp3_frame(head: bytes) -> int | None:
    """Bit rate (kbit/s) of an MPEG Layer III frame header at the start of ``head``, else None."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0 or head[1] & 0x06 != 0x02:
        return None
    version = (head[1] >> 3) & 0x03
    table = _MP3_KBPS[3] if version == 3 else _MP3_KBPS[2] if version in (0, 2) else None
    index = head[2] >> 4
    return table[index] if table is not None and 0 < index < 15 else None


def media_seconds(mime: str, content: bytes) -> float | None:
    """Playing time of WAV, constant-bit-rate MP3 and MP4 bytes; None for other types or odd files."""
    try:
        if mime == "audio/wav":
            with wave.open(io.BytesIO(content)) as wav:
                return round(wav.getnframes() / wav.getframerate(), 3)
        if mime == "audio/mpeg":
            start = 10 + _syncsafe(content[6:10]) if content.startswith(b"ID3") else 0
            kbps = _mp3_frame(content[start : start + 4])
            return round((len(content) - start) * 8 / (kbps * 1000), 3) if kbps else None
        if mime == "video/mp4":
            return _mp4_seconds(content)
    except (wave.Error, EOFError, struct.error, ZeroDivisionError):
        return None
    return None


def _syncsafe(raw: bytes) -> int:
    return sum((byte & 0x7F) << (7 * (3 - i)) for i, byte in enumerate(raw))


def _boxes(content: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    """ISO-BMFF boxes between ``start`` and ``end``: type -> (payload start, box end)."""
    found: dict[bytes, tuple[int, int]] = {}
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", content[start : start + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", content[start + 8 : start + 16])[0], 16
        elif size == 0:
            size = end - start
        if size < header:
            break
        found.setdefault(kind, (start + header, start + size))
        start += size
    return found


def _mp4_seconds(content: bytes) -> float | None:
    moov = _boxes(content, 0, len(content)).get(b"moov")
    mvhd = _boxes(content, *moov).get(b"mvhd") if moov else None
    if mvhd is None:
        return None
    at = mvhd[0]
    if content[at] == 1:
        timescale, duration = struct.unpack(">IQ", content[at + 20 : at + 32])
    else:
        timescale, duration = struct.unpack(">II", content[at + 12 : at + 20])
    return round(duration / timescale, 3) if timescale else None


def _multipart_file(content_type: str, body: bytes, field_name: str) -> tuple[str, bytes] | None:
    """(file name, bytes) of one field of a multipart/form-data body, or None when absent."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.lower().startswith("multipart/form-data") or match is None:
        return None
    delimiter = b"\r\n--" + match.group(1).encode("latin-1")
    for part in (b"\r\n" + body).split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, separator, payload = part.partition(b"\r\n\r\n")
        if not separator:
            continue
        disposition = next(
            (line for line in head.decode("latin-1").split("\r\n") if line.lower().startswith("content-disposition")),
            "",
        )
        name = re.search(r'\bname="([^"]*)"', disposition)
        if name is not None and name.group(1) == field_name:
            filename = re.search(r'filename="([^"]*)"', disposition)
            return (filename.group(1) if filename else field_name), payload
    return None


def _normalise(mime: str) -> str:
    mime = mime.split(";", 1)[0].strip().lower()
    return _MIME_ALIASES.get(mime, mime)


# --- store ------------------------------------------------------------------------------------------------


def _assets(state: State) -> dict[str, Asset]:
    return state.bucket(_BUCKET)


def _ready_asset(state: State, asset_id: str) -> Asset | None:
    asset = _assets(state).get(asset_id)
    return asset if asset is not None and asset.status == "ready" and not asset.deleted else None


def asset_mime(state: State, asset_id: str) -> str | None:
    """The sniffed MIME type of a ready asset, or None when there is no such asset."""
    asset = _ready_asset(state, asset_id)
    return asset.mime_type if asset is not None else None


def check_asset_input(state: State, source: dict[str, Any], param: str) -> None:
    """Reject an AssetInput whose asset id is unknown, URL is not http(s), or base64 does not decode (400)."""
    kind = source.get("type")
    if kind == "asset_id" and _ready_asset(state, source["asset_id"]) is None:
        raise invalid_parameter(f"{param}.asset_id", f"asset {source['asset_id']} not found or not ready")
    if kind == "url" and urlsplit(source["url"]).scheme not in ("http", "https"):
        raise invalid_parameter(f"{param}.url", f"{param}.url must be an http(s) URL")
    if kind == "base64":
        try:
            base64.b64decode(source["data"], validate=True)
        except (binascii.Error, ValueError):
            raise invalid_parameter(f"{param}.data", f"{param}.data is not valid base64") from None


def _finalise(state: State, asset: Asset, content: bytes, mime: str) -> None:
    """Store the bytes of a ready asset and tell the state how long its media plays."""
    asset.content, asset.mime_type, asset.status = content, mime, "ready"
    seconds = media_seconds(mime, content)
    if seconds is not None:
        asset.extra["seconds"] = seconds
        state.remember_media_seconds(f"asset:{asset.id}", seconds)


def _url(state: State, asset: Asset) -> str:
    return state.file_url(f"{asset.id}-{asset.name}", asset.content, seconds=asset.extra.get("seconds"))


def _resource(state: State, asset: Asset) -> dict[str, Any]:
    assert asset.mime_type is not None
    return {
        "id": asset.id,
        "name": asset.name,
        "type": DIRECT_UPLOAD_TYPES[asset.mime_type],
        "owner": OWNER,
        "space_id": SPACE_ID,
        "uploaded_at": int(asset.created_at),
        "folder_id": None,
        "url": _url(state, asset),
    }


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    return Response(body, status, media_type="application/xml")


# --- routes -----------------------------------------------------------------------------------------------


def routes(state: State) -> list[BaseRoute]:
    async def upload(request: Request, body: None) -> dict[str, Any]:
        found = _multipart_file(request.headers.get("content-type", ""), await request.body(), "file")
        if found is None:
            raise invalid_parameter("file", "File is required. Upload a file using multipart/form-data.")
        filename, content = found
        if len(content) > MAX_UPLOAD_BYTES:
            raise ApiError(
                413,
                "payload_too_large",
                f"file is {len(content)} bytes; the limit is {MAX_UPLOAD_BYTES} (32 MB). "
                "Use POST /v3/assets/direct-uploads for larger files.",
                param="file",
            )
        mime = sniff_mime(content)
        if not content or mime not in ASSET_TYPES:
            raise invalid_parameter(
                "file", "unsupported file type; supported: png, jpeg, mp4, webm, mp3, wav, pdf, srt"
            )
        asset = Asset(id=state.new_id("ast"), name=filename or "upload", created_at=state.now())
        _finalise(state, asset, content, mime)
        _assets(state)[asset.id] = asset
        return data({"asset_id": asset.id, "url": _url(state, asset), "mime_type": mime, "size_bytes": len(content)})

    def create_direct(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        size, declared = int(body["size_bytes"]), _normalise(body["content_type"])  # JSON Schema allows 10.0
        if not 1 <= size <= MAX_DIRECT_UPLOAD_BYTES:
            raise invalid_parameter("size_bytes", f"size_bytes must be between 1 and {MAX_DIRECT_UPLOAD_BYTES}")
        if declared not in DIRECT_UPLOAD_TYPES:
            raise invalid_parameter("content_type", f"unsupported content_type {body['content_type']!r}")
        checksum = body.get("checksum_sha256")
        if checksum is not None and not _SHA256_HEX.fullmatch(checksum):
            raise invalid_parameter("checksum_sha256", "checksum_sha256 must be 64 hex characters")
        if not body["filename"].strip():
            raise invalid_parameter("filename", "filename must not be empty")
        asset = Asset(
            id=state.new_id("ast"),
            name=body["filename"],
            created_at=state.now(),
            status="pending_upload",
            declared_type=declared,
            declared_size=size,
            declared_sha256=checksum.lower() if checksum else None,
            upload_token=state.new_id("up"),
        )
        _assets(state)[asset.id] = asset
        headers = {"Content-Type": body["content_type"]}
        if asset.declared_sha256:
            headers["x-amz-checksum-sha256"] = base64.b64encode(bytes.fromhex(asset.declared_sha256)).decode()
        return data(
            {
                "asset_id": asset.id,
                "upload_url": f"{state.base_url}/uploads/{asset.upload_token}",
                "upload_headers": headers,
                "expires_in_seconds": UPLOAD_URL_SECONDS,
                "max_bytes": size,
                "status": asset.status,
            }
        )

    async def put_bytes(request: Request) -> Response:
        """The presigned PUT target: no API key, S3-style answers."""
        token = request.path_params["token"]
        asset = next((a for a in _assets(state).values() if a.upload_token == token and not a.deleted), None)
        if asset is None:
            return _s3_error(404, "NoSuchUpload", "The specified upload does not exist.")
        if state.now() > asset.created_at + UPLOAD_URL_SECONDS:
            return _s3_error(403, "AccessDenied", "Request has expired")
        if asset.status == "ready":
            return _s3_error(403, "AccessDenied", "The upload was already completed")
        if _normalise(request.headers.get("content-type", "")) != asset.declared_type:
            return _s3_error(403, "SignatureDoesNotMatch", "Content-Type does not match the signed upload headers")
        content = await request.body()
        if len(content) != asset.declared_size:
            return _s3_error(400, "InvalidRequest", f"expected {asset.declared_size} bytes, got {len(content)}")
        digest = hashlib.sha256(content).digest()
        sent = request.headers.get("x-amz-checksum-sha256")
        if asset.declared_sha256 and sent is None:
            return _s3_error(403, "SignatureDoesNotMatch", "x-amz-checksum-sha256 is a signed header")
        if sent is not None and sent != base64.b64encode(digest).decode():
            return _s3_error(400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.")
        asset.content, asset.status = content, "uploaded"
        return Response(b"", 200, headers={"ETag": f'"{hashlib.md5(content).hexdigest()}"'})

    def complete(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        asset_id = request.path_params["asset_id"]
        asset = _assets(state).get(asset_id)
        if asset is None or asset.deleted or asset.declared_type is None:
            raise not_found("Asset", asset_id)
        if asset.completed is not None:
            return data(asset.completed)
        if asset.status == "pending_upload":
            raise conflict(f"no bytes were uploaded for asset {asset_id}; PUT the file to upload_url first")
        actual = hashlib.sha256(asset.content).hexdigest()
        for claimed in (body.get("checksum_sha256"), asset.declared_sha256):
            if claimed is not None and claimed.lower() != actual:
                raise invalid_parameter("checksum_sha256", "checksum_sha256 does not match the uploaded bytes")
        mime = sniff_mime(asset.content)
        if mime != asset.declared_type:
            raise invalid_parameter(
                "content_type",
                f"the uploaded bytes are {mime or 'of an unsupported type'}, not {asset.declared_type}",
            )
        _finalise(state, asset, asset.content, mime)
        asset.completed = {
            "asset_id": asset.id,
            "url": _url(state, asset),
            "mime_type": mime,
            "size_bytes": len(asset.content),
            "status": "processing",
        }
        return data(asset.completed)

    def get(request: Request, body: None) -> dict[str, Any]:
        asset = _ready_asset(state, request.path_params["asset_id"])
        if asset is None:
            raise not_found("Asset", request.path_params["asset_id"])
        return data(_resource(state, asset))

    def listing(request: Request, body: None) -> dict[str, Any]:
        query = request.query_params
        if not query.get("username"):
            raise invalid_parameter("username", "username is required while this endpoint is in beta")
        # Every asset belongs to the one fake user and lives at the space root (folder_id "" or omitted).
        mine = query["username"] == OWNER and not query.get("folder_id")
        items = [a for a in reversed(_assets(state).values()) if mine and a.status == "ready" and not a.deleted]
        envelope = pagination.page(query, items, "/v3/assets")
        envelope["data"] = [_resource(state, asset) for asset in envelope["data"]]
        return envelope

    def delete(request: Request, body: None) -> dict[str, Any]:
        asset = _ready_asset(state, request.path_params["asset_id"])
        if asset is None:
            raise not_found("Asset", request.path_params["asset_id"])
        asset.deleted = True
        return data({"id": asset.id})

    return [
        api_route("POST", "/v3/assets", upload),
        api_route("GET", "/v3/assets", listing),
        api_route("POST", "/v3/assets/direct-uploads", create_direct),
        api_route("POST", "/v3/assets/{asset_id}/complete", complete),
        api_route("GET", "/v3/assets/{asset_id}", get),
        api_route("DELETE", "/v3/assets/{asset_id}", delete),
        Route("/uploads/{token}", put_bytes, methods=["PUT"]),
    ]
