"""Reading a media file's length from its header over range requests: what is read, and when it gives up."""

from __future__ import annotations

import re

import httpx
import pytest

from airflow_provider.heygen.api import probe
from airflow_provider.heygen.testing.fake import media

URL = "https://cdn.example.com/talk.mp4?X-Amz-Signature=secret"


def storage(content: bytes, *, ranges: bool = True, status: int = 200) -> tuple[httpx.Client, list[httpx.Request]]:
    """A client whose every request is answered from ``content``, as S3 would (or a server without ranges)."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if status != 200:
            return httpx.Response(status)
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", request.headers.get("range", ""))
        if not ranges or match is None:
            return httpx.Response(200, content=content)
        start, end = int(match[1]), min(int(match[2]), len(content) - 1)
        headers = {"content-range": f"bytes {start}-{end}/{len(content)}"}
        return httpx.Response(206, content=content[start : end + 1], headers=headers)

    return httpx.Client(transport=httpx.MockTransport(answer)), seen


@pytest.mark.parametrize(
    ("content", "seconds"),
    [
        pytest.param(media.video_bytes("mp4", 42.0), 42.0, id="mp4"),
        pytest.param(media.video_bytes("webm", 42.0), 42.0, id="webm"),
        pytest.param(media.audio_bytes("wav", 12.5), 12.5, id="wav"),
        pytest.param(media.audio_bytes("mp3", 12.5), 12.5, id="mp3"),
    ],
)
def test_the_length_is_read_from_the_header_by_ranges(content: bytes, seconds: float) -> None:
    client, seen = storage(content)
    assert probe.url_seconds(URL, client=client) == pytest.approx(seconds, abs=0.05)
    assert all(request.headers["range"].startswith("bytes=") for request in seen)
    assert all("x-api-key" not in request.headers and "authorization" not in request.headers for request in seen)


def test_a_long_file_is_read_in_a_few_blocks_not_downloaded() -> None:
    content = media.audio_bytes("wav", 300.0)  # 4.8 MB
    client, seen = storage(content)
    assert probe.url_seconds(URL, client=client) == pytest.approx(300.0)
    assert len(seen) * probe.BLOCK_BYTES < len(content) / 10


def test_a_small_file_from_a_server_without_ranges_is_read_whole() -> None:
    client, _ = storage(media.audio_bytes("wav", 2.0), ranges=False)
    assert probe.url_seconds(URL, client=client) == pytest.approx(2.0)


def test_a_large_file_from_a_server_without_ranges_is_given_up_on() -> None:
    client, _ = storage(media.audio_bytes("wav", 300.0), ranges=False)
    assert probe.url_seconds(URL, client=client) is None


@pytest.mark.parametrize("status", [403, 404, 500])
def test_an_error_answer_leaves_the_length_unknown(status: int, caplog: pytest.LogCaptureFixture) -> None:
    client, _ = storage(b"", status=status)
    with caplog.at_level("INFO", logger=probe.__name__):
        assert probe.url_seconds(URL, client=client) is None
    said = " ".join(record.getMessage() for record in caplog.records if record.name == probe.__name__)
    assert "https://cdn.example.com/talk.mp4" in said and "secret" not in said  # the path, not the signature


def test_a_file_that_is_no_media_leaves_the_length_unknown() -> None:
    client, _ = storage(b"<html>not a video</html>" * 100)
    assert probe.url_seconds(URL, client=client) is None
    assert probe.bytes_seconds(b"%PDF-1.7 not audio") is None


def test_only_http_urls_are_read() -> None:
    client, seen = storage(media.audio_bytes("wav", 2.0))
    assert probe.url_seconds("file:///etc/passwd", client=client) is None
    assert probe.url_seconds("ftp://host/a.wav", client=client) is None
    assert seen == []


def test_the_probe_stops_at_its_byte_budget() -> None:
    content = media.audio_bytes("wav", 60.0)  # 960 KB: many blocks
    client, seen = storage(content)
    reader = probe.RangeFile(client, URL, max_bytes=probe.BLOCK_BYTES)
    reader.read(10)
    reader.seek(probe.BLOCK_BYTES * 3)
    with pytest.raises(probe._Unreadable, match="without finding the duration"):
        reader.read(10)
    assert len(seen) == 1
