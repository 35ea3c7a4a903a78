"""Delivery: streamed, atomic, checked downloads of presigned URLs to local paths and ObjectStoragePaths."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3, ObjectStoragePath
from airflow_provider.heygen.api.errors import HeyGenConnectionError, NotFoundError, PermissionDeniedError
from airflow_provider.heygen.delivery import (
    AUDIO_TYPES,
    CAPTION_TYPES,
    VIDEO_TYPES,
    DeliveryError,
    download,
    media_type_of,
    sniff_media_type,
    storage_path,
)
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media

SRT = "1\n00:00:00,000 --> 00:00:01,500\nHello there\n"


def no_sleep(seconds: float) -> None:
    pass


def leftovers(directory: Path) -> list[str]:
    """Temporary ``.part`` files a download left behind."""
    return [name for name in os.listdir(directory) if name.endswith(".part")]


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


def test_storage_path_takes_local_paths_file_urls_and_object_storage_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert str(storage_path("out/a.mp4")) == str(tmp_path / "out" / "a.mp4")
    assert str(storage_path(f"file://{tmp_path}/a.mp4")) == str(tmp_path / "a.mp4")
    assert str(storage_path(tmp_path / "a.mp4")) == str(tmp_path / "a.mp4")
    given = ObjectStoragePath(str(tmp_path / "a.mp4"))
    assert storage_path(given) is given


@pytest.fixture
def url_of(fake: FakeHeyGen):
    """Mint a presigned-looking URL on the fake for some bytes (``ttl`` in fake seconds)."""

    def mint(name: str, content: bytes, ttl: float | None = None) -> str:
        return fake.state.file_url(name, content, ttl=ttl)

    return mint


def test_download_streams_the_file_and_reports_size_and_type(url_of, tmp_path: Path) -> None:
    video = media.video_bytes("mp4")
    written = download(url_of("v.mp4", video), tmp_path / "out" / "video.mp4", accept=VIDEO_TYPES)
    assert (tmp_path / "out" / "video.mp4").read_bytes() == video
    assert (written.path, written.size_bytes, written.media_type) == (
        str(tmp_path / "out" / "video.mp4"),
        len(video),
        "video/mp4",
    )
    assert not leftovers(tmp_path / "out")


def test_the_extension_follows_the_bytes(url_of, tmp_path: Path) -> None:
    written = download(url_of("v.mp4", media.video_bytes("webm")), tmp_path / "video", add_extension=True)
    assert written.path == str(tmp_path / "video.webm") and written.media_type == "video/webm"
    captions = download(url_of("c.srt", SRT), f"file://{tmp_path}/captions", accept=CAPTION_TYPES, add_extension=True)
    assert Path(captions.path).read_text() == SRT and captions.path.endswith("captions.srt")


def test_an_expired_url_is_replaced_through_refresh(fake: FakeHeyGen, url_of, tmp_path: Path) -> None:
    audio = media.audio_bytes("mp3", 1.0)
    expired = url_of("a.mp3", audio, ttl=10)
    fake.advance(11)
    fresh: list[str] = []

    def refresh() -> str:
        fresh.append(url_of("a.mp3", audio))
        return fresh[-1]

    written = download(expired, tmp_path / "a.mp3", refresh=refresh, accept=AUDIO_TYPES)
    assert len(fresh) == 1 and Path(written.path).read_bytes() == audio
    downloads = fake.requests_to("GET", re.compile(r"/files/.+"))
    assert [r.status for r in downloads] == [403, 200]


def test_an_unknown_url_is_a_404_that_refresh_can_also_fix(fake: FakeHeyGen, url_of, tmp_path: Path) -> None:
    good = url_of("t.png", media.thumbnail_png())
    gone = good.replace("/files/", "/files/0").split("?")[0]
    written = download(gone, tmp_path / "t.png", refresh=lambda: good)
    assert written.media_type == "image/png"
    with pytest.raises(NotFoundError):
        download(gone, tmp_path / "u.png")
    assert not (tmp_path / "u.png").exists()


def test_refresh_gives_up_after_max_refreshes(fake: FakeHeyGen, url_of, tmp_path: Path) -> None:
    def always_expired() -> str:
        url = url_of("a.mp3", b"ID3", ttl=1)
        fake.advance(2)
        return url

    with pytest.raises(PermissionDeniedError, match="expired"):
        download(always_expired(), tmp_path / "a.mp3", refresh=always_expired, max_refreshes=2)
    assert len(fake.requests) == 3
    with pytest.raises(DeliveryError, match="no longer offers"):
        download(always_expired(), tmp_path / "a.mp3", refresh=lambda: None)
    assert not list(tmp_path.iterdir())


def test_a_file_of_the_wrong_type_is_refused_and_not_kept(url_of, tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match=r"the file is image/png; expected video/mp4, video/webm"):
        download(url_of("v.mp4", media.thumbnail_png()), tmp_path / "video.mp4", accept=VIDEO_TYPES)
    assert not list(tmp_path.iterdir())


def test_server_errors_are_retried(fake: FakeHeyGen, url_of, tmp_path: Path) -> None:
    fault = fake.inject("error", "/files/*", method="GET", status=503, times=2)
    written = download(url_of("t.png", media.thumbnail_png()), tmp_path / "t.png", sleep=no_sleep)
    assert fault.hits == 2 and written.size_bytes == len(media.thumbnail_png())


def _broken_stream(total: int, sent: int) -> httpx.Client:
    """A transport that promises ``total`` bytes of MP4 and breaks after ``sent``."""

    def body() -> Iterator[bytes]:
        yield (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * total)[:sent]
        raise httpx.ReadError("connection reset by peer")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-length": str(total)}, content=body())

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_a_failing_download_leaves_no_partial_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    final = tmp_path / "video.mp4"
    final.write_bytes(b"the previous, complete video")
    with _broken_stream(10_000, 5_000) as client, pytest.raises(HeyGenConnectionError, match="ReadError"):
        download("https://cdn.test/v.mp4?Signature=s", final, client=client, sleep=no_sleep)
    assert final.read_bytes() == b"the previous, complete video"
    assert not leftovers(tmp_path)


def test_a_short_body_is_caught_by_the_length_check(tmp_path: Path) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, headers={"content-length": "99999"}, content=media.video_bytes("mp4")[:5000])

    with httpx.Client(transport=httpx.MockTransport(handler)) as client, pytest.raises(HeyGenConnectionError) as info:
        download("https://cdn.test/v.mp4?Signature=s", tmp_path / "v.mp4", client=client, sleep=no_sleep)
    assert str(info.value) == "GET /v.mp4: got 5,000 of 99,999 bytes"  # no signature in messages
    assert len(calls) == 3  # retried, then given up
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(
    not AIRFLOW_V_3, reason="Airflow 2.10's ObjectStoragePath rejects memory:// with universal-pathlib 0.3"
)
def test_any_fsspec_scheme_works_through_object_storage_path(url_of) -> None:
    from airflow.sdk.io import attach
    from fsspec.implementations.memory import MemoryFileSystem

    attach(protocol="memory", fs=MemoryFileSystem())
    written = download(url_of("t.png", media.thumbnail_png()), "memory://bucket/heygen/t", add_extension=True)
    assert written.path == "memory://bucket/heygen/t.png"
    assert ObjectStoragePath(written.path).read_bytes() == media.thumbnail_png()
    assert [p.name for p in ObjectStoragePath("memory://bucket/heygen").iterdir()] == ["t.png"]
