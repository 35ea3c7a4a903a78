"""HeyGenUploadAssetOperator without a database: sources, the type read from the bytes, checks before any
request, multipart versus direct upload, and idempotent retries."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3, AirflowFailException, ObjectStoragePath
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.operators.assets import HeyGenUploadAssetOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from tests.operators.support import context

SRT = b"1\n00:00:00,000 --> 00:00:01,500\nHello there\n"


def upload(source: Any, **kwargs: Any) -> HeyGenUploadAssetOperator:
    return HeyGenUploadAssetOperator(task_id="upload", source=source, **kwargs)


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "frame.png"
    path.write_bytes(media.thumbnail_png())
    return path


def test_a_local_file_becomes_an_asset(heygen: FakeHeyGen, png: Path) -> None:
    result = upload(str(png)).execute(context())
    assert set(result) == {"asset_id", "url", "mime_type", "size_bytes"}
    assert (result["mime_type"], result["size_bytes"]) == ("image/png", png.stat().st_size)
    (sent,) = heygen.requests_to("POST", "/v3/assets")
    assert sent.headers["idempotency-key"].startswith("airflow-")


@pytest.mark.parametrize("form", ["file-url", "object-storage-path", "pathlib"])
def test_every_form_of_local_source_works(heygen: FakeHeyGen, png: Path, form: str) -> None:
    source = {"file-url": f"file://{png}", "object-storage-path": ObjectStoragePath(str(png)), "pathlib": png}[form]
    assert upload(source).execute(context())["mime_type"] == "image/png"


def test_the_type_comes_from_the_bytes_not_the_name(heygen: FakeHeyGen, tmp_path: Path) -> None:
    misnamed = tmp_path / "voice.png"
    misnamed.write_bytes(media.audio_bytes("wav", 0.5))
    assert upload(misnamed, filename="voice-over.wav").execute(context())["mime_type"] == "audio/wav"
    (sent,) = heygen.requests_to("POST", "/v3/assets")
    assert sent.body is None  # multipart, not JSON


def test_a_file_above_the_multipart_limit_goes_through_a_direct_upload(
    heygen: FakeHeyGen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(m, "ASSET_MAX_BYTES", 1024)  # stands for 32 MB
    video = tmp_path / "talk.mp4"
    video.write_bytes(media.video_bytes("mp4"))
    result = upload(video).execute(context())
    assert (result["mime_type"], result["size_bytes"]) == ("video/mp4", video.stat().st_size)
    assert not heygen.requests_to("POST", "/v3/assets")
    (create,) = heygen.requests_to("POST", "/v3/assets/direct-uploads")
    assert create.body["content_type"] == "video/mp4"
    assert len(heygen.requests_to("PUT", re.compile(r"/uploads/.+"))) == 1


def test_a_retried_try_gets_the_same_asset(heygen: FakeHeyGen, png: Path) -> None:
    first = upload(png).execute(context(try_number=1))
    again = upload(png).execute(context(try_number=2))
    assert again["asset_id"] == first["asset_id"]
    keys = {r.headers["idempotency-key"] for r in heygen.requests_to("POST", "/v3/assets")}
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        pytest.param("notes.png", b"just some text", "the bytes of 'notes.png' are not png", id="text-as-png"),
        pytest.param("anim.gif", b"GIF89a" + b"\0" * 64, "type 'image/gif' of 'anim.gif' is not allowed", id="gif"),
        pytest.param("empty.srt", b"", "'empty.srt' is empty", id="empty"),
    ],
)
def test_a_bad_file_fails_before_any_request(
    heygen: FakeHeyGen, tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(AirflowFailException, match=re.escape(problem)):
        upload(tmp_path / name).execute(context())
    assert not heygen.requests


def test_subtitles_are_known_by_their_name_and_heygen_has_the_last_word(heygen: FakeHeyGen, tmp_path: Path) -> None:
    (tmp_path / "captions.srt").write_bytes(SRT)
    assert upload(tmp_path / "captions.srt").execute(context())["mime_type"] == "application/x-subrip"
    (tmp_path / "broken.srt").write_bytes(b"not subtitles at all")
    with pytest.raises(AirflowFailException, match=r"HTTP 400 invalid_parameter.*param: file"):
        upload(tmp_path / "broken.srt").execute(context())


@pytest.mark.skipif(
    not AIRFLOW_V_3, reason="Airflow 2.10's ObjectStoragePath rejects memory:// with universal-pathlib 0.3"
)
def test_a_file_in_any_fsspec_storage_can_be_uploaded(heygen: FakeHeyGen) -> None:
    from airflow.sdk.io import attach
    from fsspec.implementations.memory import MemoryFileSystem

    attach(protocol="memory", fs=MemoryFileSystem())
    ObjectStoragePath("memory://media/frame.png").write_bytes(media.thumbnail_png())
    result = upload("memory://media/frame.png").execute(context())
    assert (result["mime_type"], result["size_bytes"]) == ("image/png", len(media.thumbnail_png()))
