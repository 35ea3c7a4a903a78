"""Media types of HeyGen's files: what each type is called, its extension, and how to tell it from its bytes.

A file's ``Content-Type`` from storage is not trusted (presigned storage often says ``application/octet-stream``):
types are read from the first bytes, except for text formats (SRT, VTT) that have no magic number.
"""

from __future__ import annotations

import re

__all__ = [
    "AUDIO_TYPES",
    "CAPTION_TYPES",
    "IMAGE_TYPES",
    "MEDIA_EXTENSIONS",
    "SNIFF_BYTES",
    "VIDEO_TYPES",
    "media_type_of",
    "sniff_media_type",
]

#: File extension of each media type the provider recognises.
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
#: How many leading bytes ``sniff_media_type`` needs.
SNIFF_BYTES = 4096
_SRT_START = re.compile(rb"\d+\r?\n\d{1,2}:\d{2}:\d{2}[,.]\d{3}\s*-->")


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
