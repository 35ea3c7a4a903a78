"""Media types: told from a file's first bytes, the declared type trusted only for text formats."""

from __future__ import annotations

import pytest

from airflow_provider.heygen.api.media import media_type_of, sniff_media_type
from airflow_provider.heygen.testing.fake import media

SRT = "1\n00:00:00,000 --> 00:00:01,500\nHello there\n"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(media.thumbnail_png(), "image/png", id="png"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg", id="jpeg"),
        pytest.param(b"GIF89a\x01\x00", "image/gif", id="gif"),
        pytest.param(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", id="webp"),
        pytest.param(media.audio_bytes("wav", 0.1), "audio/wav", id="wav"),
        pytest.param(media.audio_bytes("mp3", 0.1), "audio/mpeg", id="mp3-frame"),
        pytest.param(b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg", id="mp3-id3"),
        pytest.param(b"\xff\xf1\x50\x80", None, id="aac-adts-is-not-mp3"),
        pytest.param(media.video_bytes("mp4"), "video/mp4", id="mp4"),
        pytest.param(b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4", id="m4a"),
        pytest.param(media.video_bytes("webm")[:4096], "video/webm", id="webm"),
        pytest.param(b"%PDF-1.7\n", "application/pdf", id="pdf"),
        pytest.param(b"\xef\xbb\xbf" + SRT.encode(), "application/x-subrip", id="srt-with-bom"),
        pytest.param(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n", "text/vtt", id="vtt"),
        pytest.param(b"<!DOCTYPE html><html>Access denied</html>", None, id="html"),
        pytest.param(b"", None, id="empty"),
    ],
)
def test_sniff_media_type(head: bytes, expected: str | None) -> None:
    assert sniff_media_type(head) == expected


def test_content_type_is_trusted_only_for_text_formats() -> None:
    assert media_type_of(b"1\nnot quite srt", "text/srt; charset=utf-8") == "application/x-subrip"
    assert media_type_of(b"<html>oops</html>", "video/mp4") is None
    assert media_type_of(media.thumbnail_png(), "video/mp4") == "image/png"  # the bytes win
