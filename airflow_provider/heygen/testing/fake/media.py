"""Real, playable output files for the fake: MP4/WebM clips, WAV/MP3 audio, a PNG thumbnail, SRT/VTT captions.

The two video clips are tiny fixtures shipped in ``media/`` (made once with ffmpeg, see its README);
everything else is produced here in pure Python, so nothing at run time needs ffmpeg. The files are small
on purpose: a clip holds one second of frames whatever duration the fake reports for the job.

``video_bytes(fmt, seconds)`` rewrites the clip's container header so that it *states* ``seconds``, as a
client probing the length (by reading the header, e.g. over a few HTTP range requests) expects: in MP4 the
``moov/mvhd`` duration, each ``trak``'s ``tkhd`` and single-entry ``edts/elst`` (movie timescale) and its
``mdia/mdhd`` (the track's own timescale); in WebM the Segment > Info > Duration float (in TimecodeScale
units) and the per-track ``DURATION`` tags ffmpeg writes. The sample tables and the frames are left alone,
so the media itself still plays for about one second. The box and EBML walkers are the few lines below;
they patch values in place and never change a size or an offset.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import wave
import zlib
from collections.abc import Iterator
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
def video_bytes(fmt: str = "mp4", seconds: float | None = None) -> bytes:
    """A 160x90 clip with a tone: H.264/AAC in MP4, or VP9/Opus in WebM.

    It holds one second of frames; with ``seconds`` its container header states that duration instead
    (see the module docstring), without it the header is the sample's own (about one second).
    """
    if fmt not in VIDEO_FORMATS:
        raise ValueError(f"unknown video format {fmt!r}; expected one of {VIDEO_FORMATS}")
    data = (resources.files(__package__) / "media" / f"sample.{fmt}").read_bytes()
    if seconds is None:
        return data
    seconds = float(seconds)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a video cannot last {seconds!r} seconds")
    return _mp4_with_duration(data, seconds) if fmt == "mp4" else _webm_with_duration(data, seconds)


# MP4 (ISO BMFF): a box is a 32-bit size and a 4-byte type (size 1: a 64-bit size follows; 0: to the end).
def _mp4_boxes(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """The boxes between ``start`` and ``end``: (type, payload start, box end)."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise ValueError(f"corrupt MP4 box {kind!r} at byte {offset}")
        yield kind, offset + header, offset + size
        offset += size


def _mp4_child(data: bytes | bytearray, start: int, end: int, kind: bytes) -> tuple[int, int]:
    """Payload start and end of the first ``kind`` box between ``start`` and ``end``."""
    for found, payload, box_end in _mp4_boxes(data, start, end):
        if found == kind:
            return payload, box_end
    raise ValueError(f"the MP4 has no {kind.decode()} box where expected")


def _put_mp4_duration(data: bytearray, offset: int, version: int, value: int) -> None:
    """Write a box's duration field: 64-bit in a version-1 box, else 32-bit (which must hold ``value``)."""
    if version == 1:
        struct.pack_into(">Q", data, offset, value)
    elif value <= 0xFFFFFFFF:
        struct.pack_into(">I", data, offset, value)
    else:
        raise ValueError(f"a duration of {value} does not fit the sample's version-0 MP4 boxes")


def _put_mp4_header_duration(data: bytearray, payload: int, seconds: float) -> int:
    """Set the duration of an ``mvhd`` or ``mdhd`` (same layout up to it) in its own timescale; the timescale."""
    version = data[payload]
    timescale_at = payload + (20 if version == 1 else 12)
    (timescale,) = struct.unpack_from(">I", data, timescale_at)
    _put_mp4_duration(data, timescale_at + 4, version, round(seconds * timescale))
    return int(timescale)


def _mp4_with_duration(sample: bytes, seconds: float) -> bytes:
    data = bytearray(sample)
    moov = _mp4_child(data, 0, len(data), b"moov")
    movie_scale = _put_mp4_header_duration(data, _mp4_child(data, *moov, b"mvhd")[0], seconds)
    movie_duration = round(seconds * movie_scale)
    for kind, payload, end in _mp4_boxes(data, *moov):
        if kind != b"trak":
            continue
        for child, child_payload, child_end in _mp4_boxes(data, payload, end):
            version = data[child_payload]
            if child == b"tkhd":  # version, flags, creation, modification, track id, reserved, duration
                _put_mp4_duration(data, child_payload + (28 if version == 1 else 20), version, movie_duration)
            elif child == b"edts":
                elst = _mp4_child(data, child_payload, child_end, b"elst")[0]
                version = data[elst]
                (entries,) = struct.unpack_from(">I", data, elst + 4)
                media_time = struct.unpack_from(">q" if version == 1 else ">i", data, elst + (16 if version else 12))
                if entries == 1 and media_time[0] != -1:  # one edit showing the whole track (not an empty edit)
                    _put_mp4_duration(data, elst + 8, version, movie_duration)
            elif child == b"mdia":
                _put_mp4_header_duration(data, _mp4_child(data, child_payload, child_end, b"mdhd")[0], seconds)
    return bytes(data)


# Matroska/WebM (EBML): an element is a variable-length id (its length marker kept), a variable-length
# size (marker dropped; all ones means unknown) and the data.
_EBML_SEGMENT = 0x18538067
_EBML_INFO = 0x1549A966
_EBML_TIMECODE_SCALE = 0x2AD7B1
_EBML_DURATION = 0x4489
_EBML_TAGS = 0x1254C367
_EBML_TAG = 0x7373
_EBML_SIMPLE_TAG = 0x67C8
_EBML_TAG_NAME = 0x45A3
_EBML_TAG_STRING = 0x4487


def _ebml_vint(data: bytes | bytearray, offset: int) -> tuple[int, int, int]:
    """The variable-length integer at ``offset``: (value with its marker, value without it, length)."""
    first = data[offset]
    if not first:
        raise ValueError(f"corrupt EBML number at byte {offset}")
    length = 9 - first.bit_length()
    raw = int.from_bytes(data[offset : offset + length], "big")
    return raw, raw & ((1 << (7 * length)) - 1), length


def _ebml_elements(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """The elements between ``start`` and ``end``: (id, data start, data end); an unknown size runs to ``end``."""
    offset = start
    while offset < end:
        element, _, id_length = _ebml_vint(data, offset)
        _, size, size_length = _ebml_vint(data, offset + id_length)
        begin = offset + id_length + size_length
        stop = end if size == (1 << (7 * size_length)) - 1 else begin + size
        if stop > end:
            raise ValueError(f"corrupt EBML element {element:#x} at byte {offset}")
        yield element, begin, stop
        offset = stop


def _webm_with_duration(sample: bytes, seconds: float) -> bytes:
    data = bytearray(sample)
    segment = next(
        ((begin, stop) for element, begin, stop in _ebml_elements(data, 0, len(data)) if element == _EBML_SEGMENT), None
    )
    if segment is None:
        raise ValueError("the WebM has no Segment")
    duration: tuple[int, int] | None = None
    for element, begin, stop in _ebml_elements(data, *segment):
        if element == _EBML_INFO:
            scale = 1_000_000  # TimecodeScale's default: nanoseconds a tick
            for child, child_begin, child_stop in _ebml_elements(data, begin, stop):
                if child == _EBML_TIMECODE_SCALE:
                    scale = int.from_bytes(data[child_begin:child_stop], "big") or scale
                elif child == _EBML_DURATION:
                    duration = child_begin, child_stop
            if duration is None or duration[1] - duration[0] not in (4, 8):
                raise ValueError("the WebM has no 4- or 8-byte Segment/Info/Duration to rewrite")
            struct.pack_into(">f" if duration[1] - duration[0] == 4 else ">d", data, duration[0], seconds * 1e9 / scale)
        elif element == _EBML_TAGS:
            _put_webm_duration_tags(data, begin, stop, seconds)
    if duration is None:
        raise ValueError("the WebM has no Segment/Info")
    return bytes(data)


def _put_webm_duration_tags(data: bytearray, start: int, end: int, seconds: float) -> None:
    """Overwrite the ``DURATION`` SimpleTags (ffmpeg's per-track ``HH:MM:SS.nnnnnnnnn``) that the new value fits."""
    nanos = round(seconds * 1e9)
    hours, rest = divmod(nanos, 3_600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    text = f"{hours:02d}:{minutes:02d}:{rest // 10**9:02d}.{rest % 10**9:09d}".encode()
    for tag, tag_begin, tag_stop in _ebml_elements(data, start, end):
        if tag != _EBML_TAG:
            continue
        for simple, simple_begin, simple_stop in _ebml_elements(data, tag_begin, tag_stop):
            if simple != _EBML_SIMPLE_TAG:
                continue
            fields = {field: (begin, stop) for field, begin, stop in _ebml_elements(data, simple_begin, simple_stop)}
            name, value = fields.get(_EBML_TAG_NAME), fields.get(_EBML_TAG_STRING)
            if name and value and data[name[0] : name[1]] == b"DURATION" and len(text) <= value[1] - value[0]:
                data[value[0] : value[1]] = text.ljust(value[1] - value[0], b"\0")  # strings may be NUL-padded


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
