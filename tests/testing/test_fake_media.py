"""The fake's output files, checked with parsers rather than magic bytes alone."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import mutagen.mp3
import mutagen.mp4
import mutagen.wave
import pytest

from airflow_provider.heygen.testing.fake import media


def test_the_mp4_is_h264_and_aac_of_one_second() -> None:
    parsed = mutagen.mp4.MP4(io.BytesIO(media.video_bytes("mp4")))

    assert parsed.info.length == pytest.approx(1.0, abs=0.1)
    assert parsed.info.codec == "mp4a.40.2"
    assert b"avc1" in media.video_bytes("mp4")


def test_the_webm_has_an_ebml_header_with_the_webm_doctype() -> None:
    data = media.video_bytes("webm")

    assert data[:4] == b"\x1a\x45\xdf\xa3"
    doctype = data.index(b"\x42\x82")  # DocType element id, then a one-byte size marker
    assert data[doctype + 3 : doctype + 3 + (data[doctype + 2] & 0x7F)] == b"webm"


@pytest.mark.parametrize("seconds", [0.5, 3.0, 61.2])
def test_wav_audio_lasts_as_asked(seconds: float) -> None:
    parsed = mutagen.wave.WAVE(io.BytesIO(media.audio_bytes("wav", seconds)))

    assert parsed.info.length == pytest.approx(seconds, abs=0.05)
    assert (parsed.info.channels, parsed.info.sample_rate) == (1, 8000)


@pytest.mark.parametrize("seconds", [0.5, 3.0, 61.2])
def test_mp3_audio_lasts_as_asked(seconds: float) -> None:
    parsed = mutagen.mp3.MP3(io.BytesIO(media.audio_bytes("mp3", seconds)))

    assert parsed.info.length == pytest.approx(seconds, abs=0.05)
    assert parsed.info.sample_rate == 32000


def test_the_thumbnail_is_a_valid_png() -> None:
    data = media.thumbnail_png()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = {}, 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks[kind] = body
        offset += 12 + length

    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height, depth, color) == (160, 90, 8, 2)
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)


def test_srt_captions_spread_the_text_over_the_duration() -> None:
    text = " ".join(f"w{n}" for n in range(16))

    assert media.captions(text, 8, "srt") == (
        "1\n00:00:00,000 --> 00:00:04,000\nw0 w1 w2 w3 w4 w5 w6 w7\n\n"
        "2\n00:00:04,000 --> 00:00:08,000\nw8 w9 w10 w11 w12 w13 w14 w15\n"
    )


def test_vtt_captions_have_the_webvtt_header_and_dot_milliseconds() -> None:
    assert media.captions("hello there", 61.5, "vtt") == "WEBVTT\n\n00:00:00.000 --> 00:01:01.500\nhello there\n"


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (media.video_bytes, "avi"),
        (media.audio_bytes, "flac"),
        (lambda fmt: media.captions("x", 1, fmt), "ass"),
    ],
)
def test_unknown_formats_are_refused(call: Callable[[str], object], argument: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        call(argument)


def test_content_types_follow_the_extension() -> None:
    assert [media.content_type(n) for n in ("a.mp4", "a.webm", "a.MP3", "a.vtt", "a.bin")] == [
        "video/mp4",
        "video/webm",
        "audio/mpeg",
        "text/vtt",
        "application/octet-stream",
    ]
