"""Downloads with HTTP byte ranges (as S3/CloudFront serve them), and video headers stating the job's length."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.heygen.api.media import sniff_media_type
from airflow_provider.heygen.testing import FakeHeyGen
from tests.testing.helpers import AVATAR_VIDEO, SOURCE_AUDIO, SOURCE_VIDEO, create_video

#: Thirty words: a 12 s video at 2.5 words a second.
LONG_SCRIPT = " ".join(f"word{n}" for n in range(30))


def _rendered(fake: FakeHeyGen, client: httpx.Client, **fields: Any) -> dict[str, Any]:
    video_id = create_video(client, {**AVATAR_VIDEO, "script": LONG_SCRIPT, **fields})
    fake.advance(12)
    video = client.get(f"/v3/videos/{video_id}").json()["data"]
    assert video["status"] == "completed"
    return video


@pytest.fixture
def video_url(fake: FakeHeyGen, client: httpx.Client) -> str:
    return _rendered(fake, client)["video_url"]


@pytest.fixture
def full_body(client: httpx.Client, video_url: str) -> bytes:
    whole = client.get(video_url)
    assert whole.status_code == 200
    assert whole.headers["accept-ranges"] == "bytes"
    assert "content-range" not in whole.headers
    return whole.content


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        pytest.param("bytes=0-15", 0, 15, id="start-end"),
        pytest.param("bytes=100-100", 100, 100, id="one-byte"),
        pytest.param("bytes=4000-", 4000, None, id="open-end"),
        pytest.param("bytes=-64", -64, None, id="suffix"),
        pytest.param("bytes=5000-99999999", 5000, None, id="end-past-the-file"),
        pytest.param("bytes=-99999999", 0, None, id="suffix-longer-than-the-file"),
    ],
)
def test_a_single_range_answers_206_with_the_exact_slice(
    client: httpx.Client, video_url: str, full_body: bytes, header: str, first: int, last: int | None
) -> None:
    total = len(full_body)
    start = first % total if first < 0 else first
    end = total - 1 if last is None else last

    response = client.get(video_url, headers={"Range": header})

    assert response.status_code == 206
    assert response.content == full_body[start : end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/{total}"
    assert response.headers["content-length"] == str(end + 1 - start)
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize("header", ["bytes=999999-", "bytes=999999-1000000", "bytes=-0"])
def test_an_unsatisfiable_range_answers_416_with_the_total(
    client: httpx.Client, video_url: str, full_body: bytes, header: str
) -> None:
    response = client.get(video_url, headers={"Range": header})

    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(full_body)}"
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Code>InvalidRange</Code>" in response.text


def test_a_range_starting_at_the_last_byte_plus_one_is_unsatisfiable(
    client: httpx.Client, video_url: str, full_body: bytes
) -> None:
    assert client.get(video_url, headers={"Range": f"bytes={len(full_body)}-"}).status_code == 416
    last = client.get(video_url, headers={"Range": f"bytes={len(full_body) - 1}-"})
    assert (last.status_code, last.content) == (206, full_body[-1:])


@pytest.mark.parametrize(
    "header",
    ["bytes=0-1,4-5", "bytes=10-5", "bytes=-", "bytes=abc", "items=0-10", "0-10", "bytes 0-10", ""],
)
def test_a_malformed_or_multi_range_header_is_ignored(
    client: httpx.Client, video_url: str, full_body: bytes, header: str
) -> None:
    response = client.get(video_url, headers={"Range": header})

    assert response.status_code == 200
    assert response.content == full_body
    assert "content-range" not in response.headers
    assert response.headers["accept-ranges"] == "bytes"


def test_head_with_a_range_answers_the_206_headers_without_a_body(
    client: httpx.Client, video_url: str, full_body: bytes
) -> None:
    ranged = client.head(video_url, headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206
    assert ranged.content == b""
    assert ranged.headers["content-range"] == f"bytes 10-19/{len(full_body)}"
    assert ranged.headers["content-length"] == "10"
    assert ranged.headers["accept-ranges"] == "bytes"

    whole = client.head(video_url)
    assert whole.status_code == 200
    assert whole.headers["content-length"] == str(len(full_body))
    assert whole.headers["accept-ranges"] == "bytes"

    unsatisfiable = client.head(video_url, headers={"Range": "bytes=999999-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["content-range"] == f"bytes */{len(full_body)}"


def test_ranges_of_other_outputs_keep_their_content_type(fake: FakeHeyGen, client: httpx.Client) -> None:
    thumbnail = _rendered(fake, client)["thumbnail_url"]

    response = client.get(thumbnail, headers={"Range": "bytes=0-7"})

    assert (response.status_code, response.content) == (206, b"\x89PNG\r\n\x1a\n")
    assert response.headers["content-type"] == "image/png"


def test_a_range_does_not_bypass_the_signature_or_a_missing_key(client: httpx.Client, video_url: str) -> None:
    forged = client.get(video_url.replace("Signature=", "Signature=0"), headers={"Range": "bytes=0-9"})
    assert forged.status_code == 403
    assert "<Code>AccessDenied</Code>" in forged.text
    assert "content-range" not in forged.headers

    path = httpx.URL(video_url).path
    missing = client.get(video_url.replace(path, path.replace("/files/", "/files/0")), headers={"Range": "bytes=0-9"})
    assert missing.status_code == 404
    assert "<Code>NoSuchKey</Code>" in missing.text


def _header_bytes(client: httpx.Client, url: str, size: int = 4096) -> bytes:
    """The first ``size`` bytes, fetched as a range request, the way a length probe reads a container header."""
    response = client.get(url, headers={"Range": f"bytes=0-{size - 1}"})
    assert response.status_code == 206
    return response.content


def test_the_mp4_header_states_the_jobs_duration(fake: FakeHeyGen, client: httpx.Client) -> None:
    mutagen = pytest.importorskip("mutagen")
    video = _rendered(fake, client)
    data = client.get(video["video_url"]).content

    assert video["duration"] == 12.0
    assert mutagen.File(io.BytesIO(data)).info.length == pytest.approx(video["duration"], abs=0.05)
    assert sniff_media_type(_header_bytes(client, video["video_url"])) == "video/mp4"


def test_the_webm_header_states_the_jobs_duration(fake: FakeHeyGen, client: httpx.Client) -> None:
    enzyme = pytest.importorskip("enzyme")
    video = _rendered(fake, client, output_format="webm")
    data = client.get(video["video_url"]).content

    assert video["duration"] == 12.0
    assert enzyme.MKV(io.BytesIO(data)).info.duration.total_seconds() == pytest.approx(video["duration"], abs=0.05)
    assert sniff_media_type(_header_bytes(client, video["video_url"])) == "video/webm"


def _lipsync(fake: FakeHeyGen, client: httpx.Client) -> tuple[str, float]:
    fake.state.remember_media_seconds(SOURCE_AUDIO["url"], 20.0)
    body = {"video": SOURCE_VIDEO, "audio": SOURCE_AUDIO}
    lipsync_id = client.post("/v3/lipsyncs", json=body).json()["data"]["lipsync_id"]
    fake.advance(20)
    lipsync = client.get(f"/v3/lipsyncs/{lipsync_id}").json()["data"]
    return lipsync["video_url"], lipsync["duration"]


def _translation(fake: FakeHeyGen, client: httpx.Client) -> tuple[str, float]:
    body = {"video": SOURCE_VIDEO, "output_languages": ["French"], "start_time": 5, "end_time": 37.5}
    (translation_id,) = client.post("/v3/video-translations", json=body).json()["data"]["video_translation_ids"]
    fake.advance(40)
    translation = client.get(f"/v3/video-translations/{translation_id}").json()["data"]
    return translation["video_url"], translation["duration"]


def _captioned(fake: FakeHeyGen, client: httpx.Client) -> tuple[str, float]:
    video = _rendered(fake, client, caption={"style": "default"})
    return video["captioned_video_url"], video["duration"]


@pytest.mark.parametrize("make", [_lipsync, _translation, _captioned], ids=["lipsync", "translation", "captioned"])
def test_other_mp4_outputs_state_their_jobs_duration(
    fake: FakeHeyGen, client: httpx.Client, make: Callable[[FakeHeyGen, httpx.Client], tuple[str, float]]
) -> None:
    mutagen = pytest.importorskip("mutagen")
    url, duration = make(fake, client)

    assert duration > 1.5
    assert mutagen.File(io.BytesIO(client.get(url).content)).info.length == pytest.approx(duration, abs=0.05)
