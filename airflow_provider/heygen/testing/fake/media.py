"""Real, playable output files for the fake: MP4/WebM clips, WAV/MP3 audio, a PNG thumbnail, SRT/VTT captions.

The two video clips are tiny fixtures shipped in ``media/`` (made once with ffmpeg, see its README);
everything else is produced here in pure Python, so nothing at run time needs ffmpeg. The files are small
on purpose: a clip is one second long whatever duration the fake reports for the job.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import wave
import zlib
from importlib import resources

__all__ = ["audio_bytes", "captions", "content_type", "thumbnail_png", "video_bytes"]

VIDEO_FORMATS = ("mp4", "webm")
AUDIO_FORMATS = ("wav", "mp3")
CAPTION_FORMATS = ("srt", "vtt")

_CONTENT_TYPES = {
    "mp4": "video/mp4",
    "webm": "video/webm",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "png": "image/png",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
}

_WAV_RATE = 8_000
# MPEG-1 Layer III, 32 kbit/s, 32 kHz, mono, no CRC: every frame is 144 bytes and lasts 1152 samples.
_MP3_HEADER = bytes((0xFF, 0xFB, 0x18, 0xC0))
_MP3_FRAME_BYTES = 144
_MP3_FRAME_SECONDS = 1152 / 32_000
_WORDS_PER_CUE = 8


def content_type(name: str) -> str:
    """The MIME type for a file name by its extension (``application/octet-stream`` when unknown)."""
    return _CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


@functools.cache
def video_bytes(fmt: str = "mp4") -> bytes:
    """A one-second 160x90 clip with a tone: H.264/AAC in MP4, or VP9/Opus in WebM."""
    if fmt not in VIDEO_FORMATS:
        raise ValueError(f"unknown video format {fmt!r}; expected one of {VIDEO_FORMATS}")
    return (resources.files(__package__) / "media" / f"sample.{fmt}").read_bytes()


def audio_bytes(fmt: str = "wav", seconds: float = 1.0) -> bytes:
    """Audio of the given length: a quiet 440 Hz tone as 8 kHz 16-bit mono WAV, or silent MPEG-1 Layer III."""
    seconds = max(float(seconds), 0.1)
    if fmt == "wav":
        return _wav(round(seconds * 10) / 10)
    if fmt == "mp3":
        return _MP3_HEADER.ljust(_MP3_FRAME_BYTES, b"\0") * math.ceil(seconds / _MP3_FRAME_SECONDS)
    raise ValueError(f"unknown audio format {fmt!r}; expected one of {AUDIO_FORMATS}")


@functools.cache
def _wav(seconds: float) -> bytes:
    frames = int(seconds * _WAV_RATE)
    period = [round(3000 * math.sin(2 * math.pi * 440 * i / _WAV_RATE)) for i in range(_WAV_RATE // 40)]
    samples = (period * (frames // len(period) + 1))[:frames]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(_WAV_RATE)
        out.writeframes(struct.pack(f"<{frames}h", *samples))
    return buffer.getvalue()


@functools.cache
def thumbnail_png(width: int = 160, height: int = 90) -> bytes:
    """An RGB PNG with a vertical gradient, the size of the sample clip."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes((48, 80, 96 + 159 * y // max(height - 1, 1))) * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def captions(text: str, seconds: float, fmt: str = "srt") -> str:
    """Subtitles for ``text`` spread evenly over ``seconds``, eight words a cue, as SRT or WebVTT."""
    if fmt not in CAPTION_FORMATS:
        raise ValueError(f"unknown caption format {fmt!r}; expected one of {CAPTION_FORMATS}")
    words = text.split() or ["..."]
    cues = [" ".join(words[i : i + _WORDS_PER_CUE]) for i in range(0, len(words), _WORDS_PER_CUE)]
    step = max(float(seconds), 0.5) / len(cues)
    separator = "," if fmt == "srt" else "."
    blocks = []
    for index, cue in enumerate(cues):
        span = f"{_timestamp(index * step, separator)} --> {_timestamp((index + 1) * step, separator)}"
        blocks.append(f"{index + 1}\n{span}\n{cue}\n" if fmt == "srt" else f"{span}\n{cue}\n")
    body = "\n".join(blocks)
    return body if fmt == "srt" else f"WEBVTT\n\n{body}"


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
