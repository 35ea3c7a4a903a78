"""Deliver HeyGen files to storage: stream a presigned URL to any ``ObjectStoragePath``, atomically and checked.

HeyGen's file URLs are presigned and expire, so the caller hands over a ``refresh`` callable that asks HeyGen
for a fresh one (a new GET of the job); it is called when storage answers 403 or 404. Each download:

- streams into a hidden temporary sibling (``.<name>.<random>.part``) and moves it to the final path only once
  it is complete and checked, so nobody ever sees a partial file there (on object stores the move is a copy:
  the object appears whole or not at all); a failed download removes its temporary file;
- checks the byte count against ``Content-Length`` and the type by the file's magic bytes (the
  ``Content-Type`` header is trusted only for text formats such as SRT and VTT);
- retries connection errors and 5xx with a short backoff, each time from the first byte.

Local paths and ``file://`` URLs always work; other schemes (``s3://``, ``gs://``, ...) go through Airflow's
``ObjectStoragePath`` and its connections.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import httpx

from airflow_provider.heygen._compat import ObjectStoragePath
from airflow_provider.heygen.api.errors import HeyGenConnectionError, HeyGenError, NotFoundError, PermissionDeniedError
from airflow_provider.heygen.api.operations import (
    CHUNK_BYTES,
    STORAGE_RETRY,
    STORAGE_TIMEOUT,
    storage_connection_error,
    storage_error,
)
from airflow_provider.heygen.api.retries import RetryPolicy, is_retryable, wait_seconds

__all__ = [
    "AUDIO_TYPES",
    "CAPTION_TYPES",
    "IMAGE_TYPES",
    "MEDIA_EXTENSIONS",
    "VIDEO_TYPES",
    "DeliveredFile",
    "DeliveryError",
    "Destination",
    "download",
    "media_type_of",
    "sniff_media_type",
    "storage_path",
]

log = logging.getLogger(__name__)

#: Where a file goes: a local path, a ``file://`` or any fsspec URL, or an ``ObjectStoragePath``.
Destination: TypeAlias = "str | os.PathLike[str] | ObjectStoragePath"

#: File extension of each media type this module recognises.
MEDIA_EXTENSIONS: dict[str, str] = {
    "video/mp4": "mp4",
    "video/webm": "webm",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/mp4": "m4a",
    "application/x-subrip": "srt",
    "text/vtt": "vtt",
    "application/pdf": "pdf",
}
VIDEO_TYPES = frozenset({"video/mp4", "video/webm"})
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
AUDIO_TYPES = frozenset({"audio/mpeg", "audio/wav", "audio/mp4"})
CAPTION_TYPES = frozenset({"application/x-subrip", "text/vtt"})

# Text formats have no magic number worth the name: for them a matching Content-Type header is enough.
_TEXT_TYPES = CAPTION_TYPES
_ALIASES = {
    "image/jpg": "image/jpeg",
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "text/srt": "application/x-subrip",
    "application/srt": "application/x-subrip",
}
_SNIFF_BYTES = 4096
_SRT_START = re.compile(rb"\d+\r?\n\d{1,2}:\d{2}:\d{2}[,.]\d{3}\s*-->")


class DeliveryError(HeyGenError):
    """A download could not be delivered as asked: wrong type, empty, or the file is no longer offered."""


@dataclass(frozen=True)
class DeliveredFile:
    """A file written to storage: where (``str`` of its ObjectStoragePath), how big, and its media type."""

    path: str
    size_bytes: int
    media_type: str | None


def sniff_media_type(head: bytes) -> str | None:
    """The media type of a file from its first bytes (a few KB), or None when it is none of the known types."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE"):
        return "image/webp" if head[8:12] == b"WEBP" else "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head:
        return "video/webm"
    # An ID3 tag, or an MPEG audio frame sync with layer III bits (not AAC's layer 00).
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "audio/mpeg"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"WEBVTT"):
        return "text/vtt"
    if _SRT_START.match(text):
        return "application/x-subrip"
    return None


def media_type_of(head: bytes, content_type: str | None = None) -> str | None:
    """A file's media type: sniffed from its bytes, else its ``Content-Type`` when that is a text format."""
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    declared = _ALIASES.get(declared, declared)
    return sniff_media_type(head) or (declared if declared in _TEXT_TYPES else None)


def storage_path(location: Destination) -> ObjectStoragePath:
    """An ``ObjectStoragePath`` for a local path, a ``file://`` URL or any fsspec URL (``s3://bucket/key``)."""
    if isinstance(location, ObjectStoragePath):
        return location
    text = os.fspath(location)
    scheme = urlsplit(text).scheme
    if scheme in ("", "file") or len(scheme) == 1:  # a one-letter scheme is a Windows drive
        # Plain local paths work on every Airflow version; ObjectStoragePath("file://...") does not on 2.10.
        return ObjectStoragePath(os.path.abspath(urlsplit(text).path if scheme == "file" else text))
    try:
        return ObjectStoragePath(text)
    except TypeError as exc:  # Airflow 2.10's ObjectStoragePath with universal-pathlib >= 0.3
        raise ValueError(
            f"{text!r}: this Airflow's ObjectStoragePath cannot open {scheme}:// paths ({exc}); "
            "Airflow 2.10 needs universal-pathlib < 0.3 for them"
        ) from exc


def download(
    url: str,
    target: Destination,
    *,
    refresh: Callable[[], str | None] | None = None,
    accept: Collection[str] | None = None,
    add_extension: bool = False,
    max_refreshes: int = 2,
    retry: RetryPolicy = STORAGE_RETRY,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveredFile:
    """Stream ``url`` to ``target`` atomically and return what was written.

    :param refresh: returns a fresh URL of the same file (None if HeyGen no longer offers it); called when
        storage answers 403 or 404 (an expired URL), at most ``max_refreshes`` times.
    :param accept: media types the file may have (e.g. ``VIDEO_TYPES``); anything else is a ``DeliveryError``.
    :param add_extension: ``target`` is a name without extension: append the one of the detected type (else
        the URL's).
    :param retry: how often and how long to retry connection errors and 5xx.
    """
    final = storage_path(target)
    part = final.parent / f".{final.name}.{uuid.uuid4().hex[:12]}.part"
    http = client or httpx.Client(timeout=STORAGE_TIMEOUT, follow_redirects=True)
    refreshes = attempt = 0
    try:
        while True:
            attempt += 1
            try:
                media_type, size = _stream(http, url, part, accept)
                break
            except (PermissionDeniedError, NotFoundError) as exc:
                if refresh is None or refreshes >= max_refreshes:
                    raise
                refreshes += 1
                log.info("Storage answered %s (the URL expired?); asking HeyGen for a fresh URL", exc.status_code)
                fresh = refresh()
                if not fresh:
                    raise DeliveryError(f"HeyGen no longer offers {final.name}") from exc
                url = fresh
            except HeyGenError as exc:
                if attempt >= retry.max_attempts or not is_retryable(exc, method="GET", has_idempotency_key=False):
                    raise
                wait = wait_seconds(exc, attempt, retry)
                log.warning("Download to %s failed (%s); retry %d in %.1fs", final, exc, attempt, wait)
                sleep(wait)
        if add_extension:
            final = final.parent / f"{final.name}.{_extension(media_type, url)}"
        part.fs.mv(part.path, final.path)
    except BaseException:
        with contextlib.suppress(Exception):
            part.unlink(missing_ok=True)
        raise
    finally:
        if client is None:
            http.close()
    log.info("Wrote %s (%s bytes, %s)", final, f"{size:,}", media_type or "unknown type")
    return DeliveredFile(path=str(final), size_bytes=size, media_type=media_type)


def _stream(
    http: httpx.Client, url: str, part: ObjectStoragePath, accept: Collection[str] | None
) -> tuple[str | None, int]:
    """Write the body of ``url`` to ``part``; return its media type and size; raise a typed error otherwise."""
    try:
        with http.stream("GET", url, headers={"accept-encoding": "identity"}) as response:
            if not response.is_success:
                response.read()
                raise storage_error(response)
            length = response.headers.get("content-length")
            head, size, media_type, checked = b"", 0, None, False
            with _create(part) as out:
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    if not checked and len(head) < _SNIFF_BYTES:
                        head += chunk[: _SNIFF_BYTES - len(head)]
                    if not checked and len(head) >= _SNIFF_BYTES:  # check before writing a wrong file further
                        media_type, checked = _check_type(head, response, accept), True
                    out.write(chunk)
                    size += len(chunk)
            if not checked:
                media_type = _check_type(head, response, accept)
    except httpx.TransportError as exc:
        raise storage_connection_error("GET", url, exc) from exc
    if not size:
        raise DeliveryError(f"{_where(url)}: storage sent an empty file")
    if length and not response.headers.get("content-encoding") and int(length) != size:
        raise HeyGenConnectionError(f"GET {_where(url)}: got {size:,} of {int(length):,} bytes")
    return media_type, size


def _create(path: ObjectStoragePath) -> Any:
    """Open ``path`` for writing, making its local folder first if needed (object stores have no folders, and
    asking s3fs or gcsfs for one could create a bucket)."""
    try:
        return path.open("wb")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("wb")


def _check_type(head: bytes, response: httpx.Response, accept: Collection[str] | None) -> str | None:
    media_type = media_type_of(head, response.headers.get("content-type"))
    if accept is not None and media_type not in accept:
        found = media_type or f"not a known media type (Content-Type {response.headers.get('content-type')!r})"
        raise DeliveryError(f"{_where(str(response.url))}: the file is {found}; expected {', '.join(sorted(accept))}")
    return media_type


def _extension(media_type: str | None, url: str) -> str:
    if media_type in MEDIA_EXTENSIONS:
        return MEDIA_EXTENSIONS[media_type]
    suffix = os.path.splitext(urlsplit(url).path)[1].lstrip(".").lower()
    return suffix if suffix.isalnum() else "bin"


def _where(url: str) -> str:
    """A URL without its query (which holds the signature), for messages."""
    return urlsplit(url).path
