"""Assets over real HTTP: multipart upload with type sniffing and the 32 MB limit, the direct-upload flow,
get, list, delete."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from tests.testing.helpers import error_of

MAX_BYTES = 32 * 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SRT = b"1\n00:00:00,000 --> 00:00:01,500\nHello there\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def _upload(client: httpx.Client, content: bytes, name: str = "file.bin") -> httpx.Response:
    return client.post("/v3/assets", files={"file": (name, content)})


@pytest.mark.parametrize(
    ("content", "mime", "asset_type"),
    [
        pytest.param(media.thumbnail_png(), "image/png", "image", id="png"),
        pytest.param(JPEG, "image/jpeg", "image", id="jpeg"),
        pytest.param(media.video_bytes("mp4"), "video/mp4", "video", id="mp4"),
        pytest.param(media.video_bytes("webm"), "video/webm", "video", id="webm"),
        pytest.param(media.audio_bytes("mp3", 1.0), "audio/mpeg", "audio", id="mp3"),
        pytest.param(media.audio_bytes("wav", 1.0), "audio/wav", "audio", id="wav"),
        pytest.param(PDF, "application/pdf", "document", id="pdf"),
        pytest.param(SRT, "application/x-subrip", "subtitle", id="srt"),
    ],
)
def test_upload_sniffs_the_type_from_the_bytes_and_serves_them_back(
    client: httpx.Client, content: bytes, mime: str, asset_type: str
) -> None:
    uploaded = _upload(client, content, name="misleading.txt").json()["data"]
    asset = client.get(f"/v3/assets/{uploaded['asset_id']}").json()["data"]

    assert (uploaded["mime_type"], uploaded["size_bytes"]) == (mime, len(content))
    assert client.get(uploaded["url"]).content == content
    assert (asset["id"], asset["type"], asset["name"]) == (uploaded["asset_id"], asset_type, "misleading.txt")
    assert client.get(asset["url"]).content == content


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"GIF89a" + b"\x00" * 32, id="gif"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 32, id="zip"),
        pytest.param(b"just some text", id="text"),
        pytest.param(b"", id="empty"),
    ],
)
def test_upload_of_an_unsupported_type_names_the_file(client: httpx.Client, content: bytes) -> None:
    response = _upload(client, content, name="photo.png")

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_parameter"
    assert error_of(response)["param"] == "file"


@pytest.mark.parametrize(
    "request_options",
    [
        pytest.param({"json": {"file": "abc"}}, id="json-body"),
        pytest.param({"files": {"other": ("a.png", media.thumbnail_png())}}, id="wrong-field"),
    ],
)
def test_upload_without_a_file_field_is_invalid(client: httpx.Client, request_options: dict[str, Any]) -> None:
    response = client.post("/v3/assets", **request_options)

    assert response.status_code == 400
    assert error_of(response)["param"] == "file"


def test_upload_of_exactly_32_mb_is_accepted(client: httpx.Client) -> None:
    png = media.thumbnail_png()
    response = _upload(client, png + b"\0" * (MAX_BYTES - len(png)))

    assert response.status_code == 200
    assert response.json()["data"]["size_bytes"] == MAX_BYTES


def test_upload_over_32_mb_is_413_payload_too_large(client: httpx.Client) -> None:
    png = media.thumbnail_png()
    response = _upload(client, png + b"\0" * (MAX_BYTES + 1 - len(png)))

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert error_of(response)["param"] == "file"


def _direct(client: httpx.Client, content: bytes, content_type: str, **extra: Any) -> dict[str, Any]:
    body = {"filename": "big.wav", "content_type": content_type, "size_bytes": len(content), **extra}
    response = client.post("/v3/assets/direct-uploads", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_direct_upload_put_then_complete_makes_a_ready_asset(fake: FakeHeyGen, client: httpx.Client) -> None:
    wav = media.audio_bytes("wav", 2.5)
    checksum = hashlib.sha256(wav).hexdigest()
    started = _direct(client, wav, "audio/wav", checksum_sha256=checksum)

    assert started["status"] == "pending_upload"
    assert started["upload_url"].startswith(fake.url)
    assert client.get(f"/v3/assets/{started['asset_id']}").status_code == 404  # not usable before complete
    put = httpx.put(started["upload_url"], content=wav, headers=started["upload_headers"])  # no API key
    assert put.status_code == 200 and put.headers["etag"]

    completed = client.post(f"/v3/assets/{started['asset_id']}/complete", json={"checksum_sha256": checksum})
    again = client.post(f"/v3/assets/{started['asset_id']}/complete", json={})

    assert completed.status_code == 200
    assert completed.json() == again.json()
    data = completed.json()["data"]
    assert (data["mime_type"], data["size_bytes"], data["status"]) == ("audio/wav", len(wav), "processing")
    assert client.get(data["url"]).content == wav
    assert client.get(f"/v3/assets/{started['asset_id']}").json()["data"]["type"] == "audio"
    assert fake.state.media_seconds({"type": "asset_id", "asset_id": started["asset_id"]}) == 2.5


@pytest.mark.parametrize(
    ("content", "mime", "seconds"),
    [
        pytest.param(media.audio_bytes("mp3", 3.0), "audio/mpeg", 3.0, id="mp3"),
        pytest.param(media.video_bytes("mp4"), "video/mp4", 1.0, id="mp4"),
    ],
)
def test_uploaded_media_length_is_known_to_jobs(
    fake: FakeHeyGen, client: httpx.Client, content: bytes, mime: str, seconds: float
) -> None:
    asset_id = _upload(client, content).json()["data"]["asset_id"]

    assert fake.state.media_seconds({"type": "asset_id", "asset_id": asset_id}) == pytest.approx(seconds, abs=0.05)


@pytest.mark.parametrize(
    ("put_options", "status", "code"),
    [
        pytest.param({"content": b"short"}, 400, b"InvalidRequest", id="wrong-size"),
        pytest.param({"headers": {"Content-Type": "image/png"}}, 403, b"SignatureDoesNotMatch", id="wrong-type"),
        pytest.param({"headers": {"x-amz-checksum-sha256": "AAAA"}}, 400, b"BadDigest", id="wrong-checksum"),
    ],
)
def test_put_that_breaks_the_signed_upload_is_refused_s3_style(
    client: httpx.Client, put_options: dict[str, Any], status: int, code: bytes
) -> None:
    wav = media.audio_bytes("wav", 1.0)
    started = _direct(client, wav, "audio/wav", checksum_sha256=hashlib.sha256(wav).hexdigest())
    headers = {**started["upload_headers"], **put_options.get("headers", {})}

    response = httpx.put(started["upload_url"], content=put_options.get("content", wav), headers=headers)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/xml"
    assert b"<Code>" + code + b"</Code>" in response.content


def test_upload_url_expires_after_fifteen_minutes(fake: FakeHeyGen, client: httpx.Client) -> None:
    wav = media.audio_bytes("wav", 1.0)
    started = _direct(client, wav, "audio/wav")
    fake.advance(901)

    response = httpx.put(started["upload_url"], content=wav, headers=started["upload_headers"])

    assert response.status_code == 403
    assert b"expired" in response.content


def test_complete_before_the_put_is_a_conflict(client: httpx.Client) -> None:
    started = _direct(client, media.audio_bytes("wav", 1.0), "audio/wav")

    response = client.post(f"/v3/assets/{started['asset_id']}/complete", json={})

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


@pytest.mark.parametrize(
    ("declared", "complete_body", "param"),
    [
        pytest.param("video/mp4", {}, "content_type", id="bytes-are-not-the-declared-type"),
        pytest.param("audio/wav", {"checksum_sha256": "0" * 64}, "checksum_sha256", id="checksum-mismatch"),
    ],
)
def test_complete_checks_the_bytes_against_the_declaration(
    client: httpx.Client, declared: str, complete_body: dict[str, Any], param: str
) -> None:
    wav = media.audio_bytes("wav", 1.0)
    started = _direct(client, wav, declared)
    httpx.put(started["upload_url"], content=wav, headers=started["upload_headers"]).raise_for_status()

    response = client.post(f"/v3/assets/{started['asset_id']}/complete", json=complete_body)

    assert response.status_code == 400
    assert error_of(response)["param"] == param


@pytest.mark.parametrize(
    ("change", "param"),
    [
        pytest.param({"size_bytes": 0}, "size_bytes", id="zero-size"),
        pytest.param({"content_type": "text/html"}, "content_type", id="unsupported-type"),
        pytest.param({"checksum_sha256": "abc"}, "checksum_sha256", id="short-checksum"),
        pytest.param({"filename": None}, "filename", id="no-filename"),
    ],
)
def test_invalid_direct_upload_requests_name_the_parameter(
    client: httpx.Client, change: dict[str, Any], param: str
) -> None:
    body = {"filename": "a.mp4", "content_type": "video/mp4", "size_bytes": 10, **change}
    response = client.post("/v3/assets/direct-uploads", json=body)

    assert response.status_code == 400
    assert error_of(response)["param"] == param


def test_complete_of_an_unknown_asset_is_404(client: httpx.Client) -> None:
    assert client.post("/v3/assets/ast_missing/complete", json={}).status_code == 404


def test_delete_removes_the_asset(client: httpx.Client) -> None:
    asset_id = _upload(client, PDF).json()["data"]["asset_id"]

    assert client.delete(f"/v3/assets/{asset_id}").json() == {"data": {"id": asset_id}}
    assert client.get(f"/v3/assets/{asset_id}").status_code == 404
    assert client.delete(f"/v3/assets/{asset_id}").status_code == 404


def test_list_needs_the_username_and_answers_newest_first(client: httpx.Client) -> None:
    first = _upload(client, PDF).json()["data"]["asset_id"]
    second = _upload(client, SRT).json()["data"]["asset_id"]
    username = client.get("/v3/users/me").json()["data"]["username"]

    listed = client.get("/v3/assets", params={"username": username, "limit": 1}).json()
    rest = client.get("/v3/assets", params={"username": username, "token": listed["next_token"]}).json()
    missing = client.get("/v3/assets")

    assert [a["id"] for a in listed["data"] + rest["data"]] == [second, first]
    assert {a["owner"] for a in listed["data"]} == {username}
    assert client.get("/v3/assets", params={"username": "someone-else"}).json()["data"] == []
    assert missing.status_code == 400
    assert error_of(missing)["param"] == "username"
