"""Delivery: streamed, atomic, checked downloads of presigned URLs to local paths and ObjectStoragePaths."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3, ObjectStoragePath
from airflow_provider.heygen.api.errors import HeyGenConnectionError, NotFoundError, PermissionDeniedError, ServerError
from airflow_provider.heygen.api.media import AUDIO_TYPES, CAPTION_TYPES, VIDEO_TYPES
from airflow_provider.heygen.api.storage import CHUNK_BYTES
from airflow_provider.heygen.delivery import (
    DEFAULT_MAX_BYTES,
    MAX_REDIRECTS,
    DeliveredFile,
    DeliveryError,
    download,
    safe_part,
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


@pytest.fixture
def fetch(fake: FakeHeyGen) -> Callable[..., DeliveredFile]:
    """``download`` that may fetch from the fake's own http:// origin, as the operator allows."""
    return functools.partial(download, allowed_origins=[fake.url])


def test_download_streams_the_file_and_reports_size_and_type(url_of, fetch, tmp_path: Path) -> None:
    video = media.video_bytes("mp4")
    written = fetch(url_of("v.mp4", video), tmp_path / "out" / "video.mp4", accept=VIDEO_TYPES)
    assert (tmp_path / "out" / "video.mp4").read_bytes() == video
    assert (written.path, written.size_bytes, written.media_type) == (
        str(tmp_path / "out" / "video.mp4"),
        len(video),
        "video/mp4",
    )
    assert not leftovers(tmp_path / "out")


def test_the_extension_follows_the_bytes(url_of, fetch, tmp_path: Path) -> None:
    written = fetch(url_of("v.mp4", media.video_bytes("webm")), tmp_path / "video", add_extension=True)
    assert written.path == str(tmp_path / "video.webm") and written.media_type == "video/webm"
    captions = fetch(url_of("c.srt", SRT), f"file://{tmp_path}/captions", accept=CAPTION_TYPES, add_extension=True)
    assert Path(captions.path).read_text() == SRT and captions.path.endswith("captions.srt")


def test_an_expired_url_is_replaced_through_refresh(fake: FakeHeyGen, url_of, fetch, tmp_path: Path) -> None:
    audio = media.audio_bytes("mp3", 1.0)
    expired = url_of("a.mp3", audio, ttl=10)
    fake.advance(11)
    fresh: list[str] = []

    def refresh() -> str:
        fresh.append(url_of("a.mp3", audio))
        return fresh[-1]

    written = fetch(expired, tmp_path / "a.mp3", refresh=refresh, accept=AUDIO_TYPES)
    assert len(fresh) == 1 and Path(written.path).read_bytes() == audio
    downloads = fake.requests_to("GET", re.compile(r"/files/.+"))
    assert [r.status for r in downloads] == [403, 200]


def test_an_unknown_url_is_a_404_that_refresh_can_also_fix(fake: FakeHeyGen, url_of, fetch, tmp_path: Path) -> None:
    good = url_of("t.png", media.thumbnail_png())
    gone = good.replace("/files/", "/files/0").split("?")[0]
    written = fetch(gone, tmp_path / "t.png", refresh=lambda: good)
    assert written.media_type == "image/png"
    with pytest.raises(NotFoundError):
        fetch(gone, tmp_path / "u.png")
    assert not (tmp_path / "u.png").exists()


def test_refresh_gives_up_after_max_refreshes(fake: FakeHeyGen, url_of, fetch, tmp_path: Path) -> None:
    def always_expired() -> str:
        url = url_of("a.mp3", b"ID3", ttl=1)
        fake.advance(2)
        return url

    with pytest.raises(PermissionDeniedError, match="expired"):
        fetch(always_expired(), tmp_path / "a.mp3", refresh=always_expired, max_refreshes=2)
    assert len(fake.requests) == 3
    with pytest.raises(DeliveryError, match="no longer offers"):
        fetch(always_expired(), tmp_path / "a.mp3", refresh=lambda: None)
    assert not list(tmp_path.iterdir())


def test_a_file_of_the_wrong_type_is_refused_and_not_kept(url_of, fetch, tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match=r"the file is image/png; expected video/mp4, video/webm"):
        fetch(url_of("v.mp4", media.thumbnail_png()), tmp_path / "video.mp4", accept=VIDEO_TYPES)
    assert not list(tmp_path.iterdir())


def test_server_errors_are_retried(fake: FakeHeyGen, url_of, fetch, tmp_path: Path) -> None:
    fault = fake.inject("error", "/files/*", method="GET", status=503, times=2)
    written = fetch(url_of("t.png", media.thumbnail_png()), tmp_path / "t.png", sleep=no_sleep)
    assert fault.hits == 2 and written.size_bytes == len(media.thumbnail_png())


def _scripted(answers: dict[str, list[httpx.Response]]) -> tuple[httpx.Client, list[str]]:
    """A client whose storage answers each URL path with its list of responses in turn; and the paths asked."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return answers[request.url.path].pop(0)

    return httpx.Client(transport=httpx.MockTransport(handler)), asked


def _busy_then_png(retry_after: str) -> tuple[httpx.Client, list[str]]:
    busy = httpx.Response(503, text="<Error><Code>SlowDown</Code></Error>", headers={"Retry-After": retry_after})
    return _scripted({"/t.png": [busy, httpx.Response(200, content=media.thumbnail_png())]})


@pytest.mark.parametrize("retry_after", [pytest.param("2", id="within-the-cap"), pytest.param("10", id="at-the-cap")])
def test_a_storage_retry_after_within_the_policys_cap_is_waited(tmp_path: Path, retry_after: str) -> None:
    slept: list[float] = []
    client, asked = _busy_then_png(retry_after)
    with client:
        download("https://cdn.test/t.png", tmp_path / "t.png", client=client, sleep=slept.append)
    assert slept == [float(retry_after)] and len(asked) == 2


def test_a_storage_retry_after_over_the_policys_cap_raises_at_once(tmp_path: Path) -> None:
    slept: list[float] = []
    client, asked = _busy_then_png("30")  # STORAGE_RETRY waits at most 10 s
    with client, pytest.raises(ServerError) as info:
        download("https://cdn.test/t.png", tmp_path / "t.png", client=client, sleep=slept.append)
    assert (info.value.code, info.value.retry_after) == ("SlowDown", 30.0)
    assert slept == [] and len(asked) == 1


def test_a_url_that_expires_between_retries_is_refreshed_and_retried_afresh(tmp_path: Path) -> None:
    expired = httpx.Response(403, text="<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
    client, asked = _scripted(
        {
            "/old.png": [httpx.Response(502), expired],
            "/new.png": [httpx.Response(503), httpx.Response(200, content=media.thumbnail_png())],
        }
    )
    slept: list[float] = []
    with client:
        written = download(
            "https://cdn.test/old.png",
            tmp_path / "t.png",
            refresh=lambda: "https://cdn.test/new.png",
            client=client,
            sleep=slept.append,
        )
    assert written.media_type == "image/png"
    assert asked == ["/old.png", "/old.png", "/new.png", "/new.png"] and len(slept) == 2


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
def test_any_fsspec_scheme_works_through_object_storage_path(url_of, fetch) -> None:
    from airflow.sdk.io import attach
    from fsspec.implementations.memory import MemoryFileSystem

    attach(protocol="memory", fs=MemoryFileSystem())
    written = fetch(url_of("t.png", media.thumbnail_png()), "memory://bucket/heygen/t", add_extension=True)
    assert written.path == "memory://bucket/heygen/t.png"
    assert ObjectStoragePath(written.path).read_bytes() == media.thumbnail_png()
    assert [p.name for p in ObjectStoragePath("memory://bucket/heygen").iterdir()] == ["t.png"]


# --- hardening: origins, redirects, size cap, path parts, refreshes ----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://cdn.test/v.mp4?Signature=s3cr3t", id="plain-http"),
        pytest.param("ftp://cdn.test/v.mp4?Signature=s3cr3t", id="ftp"),
        pytest.param("file:///etc/v.mp4?Signature=s3cr3t", id="file"),
        pytest.param("https:///v.mp4?Signature=s3cr3t", id="https-without-host"),
    ],
)
def test_only_https_urls_are_fetched(tmp_path: Path, url: str) -> None:
    client, asked = _scripted({})
    with client, pytest.raises(DeliveryError, match="only https:// URLs or allowed origins") as info:
        download(url, tmp_path / "v.mp4", client=client)
    assert f"Refusing to download {url.split('?')[0]}:" in str(info.value)
    assert "s3cr3t" not in str(info.value) and "Signature" not in str(info.value)
    assert asked == [] and not list(tmp_path.iterdir())


def test_an_allowed_origin_must_match_scheme_host_and_port(fake: FakeHeyGen, url_of, tmp_path: Path) -> None:
    url = url_of("t.png", media.thumbnail_png())
    assert download(url, tmp_path / "t.png", allowed_origins=[fake.url + "/v3/"]).media_type == "image/png"
    port = int(fake.url.rsplit(":", 1)[1])
    for other in (f"http://127.0.0.1:{port + 1}", f"https://127.0.0.1:{port}", f"http://localhost:{port}"):
        with pytest.raises(DeliveryError, match=re.escape(url.split("?")[0])) as info:
            download(url, tmp_path / "u.png", allowed_origins=[other])
        assert "Signature" not in str(info.value)
    with pytest.raises(DeliveryError, match="only https://"):
        download(url, tmp_path / "u.png")
    assert len(fake.requests_to("GET", re.compile(r"/files/.+"))) == 1  # refusals ask nothing
    assert sorted(os.listdir(tmp_path)) == ["t.png"]


def test_a_fresh_url_is_checked_like_the_first(tmp_path: Path) -> None:
    client, asked = _scripted({"/old.png": [httpx.Response(403)]})
    with client, pytest.raises(DeliveryError, match=r"Refusing to download http://cdn\.test/new\.png:"):
        download(
            "https://cdn.test/old.png", tmp_path / "t.png", refresh=lambda: "http://cdn.test/new.png?s=1", client=client
        )
    assert asked == ["/old.png"] and not list(tmp_path.iterdir())


def _redirect(location: str) -> httpx.Response:
    return httpx.Response(302, headers={"location": location})


def test_redirects_to_https_are_followed(tmp_path: Path) -> None:
    client, asked = _scripted(
        {
            "/a.png": [_redirect("https://other-cdn.test/b.png?Signature=x")],
            "/b.png": [_redirect("/c.png")],
            "/c.png": [httpx.Response(200, content=media.thumbnail_png())],
        }
    )
    with client:
        written = download("https://cdn.test/a.png", tmp_path / "t.png", client=client)
    assert written.media_type == "image/png" and asked == ["/a.png", "/b.png", "/c.png"]


@pytest.mark.parametrize(
    "location", ["http://evil.test/x.png?Signature=s3cr3t", "file:///etc/x.png?Signature=s3cr3t"], ids=["http", "file"]
)
def test_a_redirect_to_a_refused_url_is_not_followed(tmp_path: Path, location: str) -> None:
    client, asked = _scripted({"/a.png": [_redirect(location)]})
    with (
        client,
        pytest.raises(
            DeliveryError, match=r"Refusing to follow a redirect to (http|file)://\S*/x\.png: only https://"
        ) as info,
    ):
        download("https://cdn.test/a.png", tmp_path / "t.png", client=client, sleep=no_sleep)
    assert "s3cr3t" not in str(info.value)
    assert asked == ["/a.png"] and not list(tmp_path.iterdir())


def test_a_redirect_loop_stops_after_a_few_hops(tmp_path: Path) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return _redirect(f"/hop{len(asked)}.png")

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(DeliveryError, match=f"redirected more than {MAX_REDIRECTS} times"),
    ):
        download("https://cdn.test/a.png", tmp_path / "t.png", client=client, sleep=no_sleep)
    assert len(asked) == MAX_REDIRECTS + 1 and not list(tmp_path.iterdir())


def test_a_content_length_over_max_bytes_is_refused_before_writing(tmp_path: Path) -> None:
    big = httpx.Response(200, headers={"content-length": str(10**12)}, content=b"")
    client, asked = _scripted({"/v.mp4": [big]})
    with client, pytest.raises(DeliveryError, match=r"/v\.mp4: the file has 1,000,000,000,000 bytes, over max_bytes"):
        download("https://cdn.test/v.mp4?Signature=s", tmp_path / "v.mp4", client=client, sleep=no_sleep)
    assert asked == ["/v.mp4"] and not list(tmp_path.iterdir())  # not retried, nothing written
    assert DEFAULT_MAX_BYTES == 5 * 1024**3


def test_a_stream_over_max_bytes_is_stopped_and_removed(tmp_path: Path) -> None:
    sent: list[int] = []

    def body() -> Iterator[bytes]:  # endless, without Content-Length: only counting the stream stops it
        yield b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 1000
        while True:
            sent.append(64 * 1024)
            yield b"\x00" * sent[-1]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(DeliveryError, match="the file is over max_bytes 1,500 bytes"),
    ):
        download("https://cdn.test/v.mp4", tmp_path / "v.mp4", client=client, max_bytes=1500, sleep=no_sleep)
    assert sum(sent) <= 2 * CHUNK_BYTES  # stopped within a chunk or so, not at the end of the stream
    assert not list(tmp_path.iterdir())


def test_max_bytes_counts_the_fakes_files_too(url_of, fetch, tmp_path: Path) -> None:
    video = media.video_bytes("mp4")
    with pytest.raises(DeliveryError, match="over max_bytes"):
        fetch(url_of("v.mp4", video), tmp_path / "v.mp4", max_bytes=len(video) - 1)
    assert not list(tmp_path.iterdir())
    assert fetch(url_of("v.mp4", video), tmp_path / "v.mp4", max_bytes=len(video)).size_bytes == len(video)
    with pytest.raises(ValueError, match="max_bytes 0 must be > 0"):
        fetch(url_of("v.mp4", video), tmp_path / "w.mp4", max_bytes=0)


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "../x", "/etc", "a\\b", "..\\x", "a\x00b", "C:x", "C:\\x"])
def test_safe_part_refuses_anything_but_one_plain_path_part(name: str) -> None:
    with pytest.raises(DeliveryError, match=re.escape(repr(name))):
        safe_part(name)


@pytest.mark.parametrize("name", ["v_1a2b3c", "video", "captions", "e3f1-42.ab", "..hidden", "a..b"])
def test_safe_part_keeps_plain_names(name: str) -> None:
    assert safe_part(name) == name


def test_an_expired_url_is_refreshed_once_by_default(fake: FakeHeyGen, url_of, fetch, tmp_path: Path) -> None:
    refreshed: list[str] = []

    def always_expired() -> str:
        url = url_of("a.mp3", b"ID3", ttl=1)
        fake.advance(2)
        refreshed.append(url)
        return url

    first = always_expired()
    with pytest.raises(PermissionDeniedError, match="expired"):
        fetch(first, tmp_path / "a.mp3", refresh=always_expired)
    assert len(refreshed) == 2  # the first URL, and one refresh
    assert [r.status for r in fake.requests_to("GET", re.compile(r"/files/.+"))] == [403, 403]
    assert not list(tmp_path.iterdir())
