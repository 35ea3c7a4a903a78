"""Direct uploads (create, presigned PUT, complete) and ``upload_asset_file``'s choice of flow, against the fake
and, for what the fake cannot show (headers it strips from its log), a mocked transport."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.client import HeyGenClient
from airflow_provider.heygen.api.errors import InvalidRequestError, PermissionDeniedError
from airflow_provider.heygen.api.retries import RetryPolicy
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media

UPLOAD_PUTS = re.compile(r"/uploads/.+")
#: Bytes the fake sniffs as MP4 (an ``ftyp`` box first), padded to any size.
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def mp4_file(path: Path, size: int) -> Path:
    path.write_bytes(MP4_HEAD + b"\x00" * (size - len(MP4_HEAD)))
    return path


@pytest.fixture
def client(fake: FakeHeyGen) -> Iterator[HeyGenClient]:
    with HeyGenClient(fake.api_key, base_url=fake.url, retry=RetryPolicy(max_attempts=2, max_wait=0.2)) as client:
        yield client


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> int:
    """Files above 1 KB take the direct flow, so its tests need no 32 MB files (one test keeps the real limit)."""
    monkeypatch.setattr(m, "ASSET_MAX_BYTES", 1024)
    return 1024


def test_a_small_file_goes_as_one_multipart_upload(fake: FakeHeyGen, client: HeyGenClient, tmp_path: Path) -> None:
    png = tmp_path / "frame.png"
    png.write_bytes(media.thumbnail_png())
    asset = client.upload_asset_file(png, idempotency_key="k-small")
    assert (asset.mime_type, asset.size_bytes) == ("image/png", png.stat().st_size)
    assert len(fake.requests_to("POST", "/v3/assets")) == 1
    assert not fake.requests_to("POST", "/v3/assets/direct-uploads")


def test_a_file_above_32_mb_goes_through_a_direct_upload_with_its_checksum(
    fake: FakeHeyGen, client: HeyGenClient, tmp_path: Path
) -> None:
    big = mp4_file(tmp_path / "talk.mp4", m.ASSET_MAX_BYTES + 1)
    asset = client.upload_asset_file(big)
    assert (asset.mime_type, asset.size_bytes) == ("video/mp4", m.ASSET_MAX_BYTES + 1)
    assert not fake.requests_to("POST", "/v3/assets")
    (create,) = fake.requests_to("POST", "/v3/assets/direct-uploads")
    assert create.body == {
        "filename": "talk.mp4",
        "content_type": "video/mp4",
        "size_bytes": m.ASSET_MAX_BYTES + 1,
        "checksum_sha256": hashlib.sha256(big.read_bytes()).hexdigest(),
    }
    assert len(fake.requests_to("PUT", UPLOAD_PUTS)) == 1
    assert len(fake.requests_to("POST", f"/v3/assets/{asset.asset_id}/complete")) == 1
    assert client.get_asset(asset.asset_id).type == "video"


@respx.mock
def test_the_put_streams_the_bytes_with_the_upload_headers_and_no_api_key(tmp_path: Path) -> None:
    file = mp4_file(tmp_path / "clip.mp4", 5000)
    route = respx.put("https://storage.test/bucket/ast_1").respond(200)
    upload = m.DirectUpload(
        asset_id="ast_1",
        upload_url="https://storage.test/bucket/ast_1?X-Amz-Signature=abc",
        upload_headers={"Content-Type": "video/mp4", "x-amz-checksum-sha256": "c2hh"},
    )
    with HeyGenClient("sk-secret", base_url="https://api.test") as client:
        client.put_direct_upload(upload, file, 5000)
    sent = route.calls.last.request
    assert sent.url.params["X-Amz-Signature"] == "abc"  # the presigned URL is used verbatim
    assert (sent.headers["content-type"], sent.headers["x-amz-checksum-sha256"]) == ("video/mp4", "c2hh")
    assert sent.headers["content-length"] == "5000" and "transfer-encoding" not in sent.headers
    assert "x-api-key" not in sent.headers and "sk-secret" not in str(sent.headers)
    assert sent.content == file.read_bytes()


def test_a_put_that_hits_a_server_error_is_sent_again(fake: FakeHeyGen, client: HeyGenClient, tmp_path: Path) -> None:
    file = mp4_file(tmp_path / "clip.mp4", 3000)
    fault = fake.inject("error", UPLOAD_PUTS, method="PUT", status=503, times=1)
    upload = client.create_direct_upload({"filename": "clip.mp4", "content_type": "video/mp4", "size_bytes": 3000})
    client.put_direct_upload(upload, file, 3000)
    asset = client.complete_direct_upload(upload.asset_id)
    assert fault.hits == 1 and len(fake.requests_to("PUT", UPLOAD_PUTS)) == 2
    assert (asset.asset_id, asset.size_bytes, asset.status) == (upload.asset_id, 3000, "processing")


def test_a_refused_put_is_a_typed_error_with_storage_code(
    fake: FakeHeyGen, client: HeyGenClient, tmp_path: Path
) -> None:
    file = mp4_file(tmp_path / "clip.mp4", 3000)
    upload = client.create_direct_upload({"filename": "clip.mp4", "content_type": "video/mp4", "size_bytes": 3000})
    fake.advance(16 * 60)  # the upload URL lives 15 minutes
    with pytest.raises(PermissionDeniedError, match="Request has expired") as info:
        client.put_direct_upload(upload, file, 3000)
    assert info.value.code == "AccessDenied"
    assert len(fake.requests_to("PUT", UPLOAD_PUTS)) == 1  # a 403 is final


@pytest.mark.usefixtures("small_threshold")
def test_the_same_key_again_returns_the_completed_asset(fake: FakeHeyGen, client: HeyGenClient, tmp_path: Path) -> None:
    file = mp4_file(tmp_path / "talk.mp4", 4000)
    first = client.upload_asset_file(file, idempotency_key="upload-1")
    fake.advance(3600)  # long after: the replayed upload URL is used up and expired
    again = client.upload_asset_file(file, idempotency_key="upload-1")
    assert again.asset_id == first.asset_id
    assert len(list(client.paginate("/v3/assets", {"username": "fake-user"}))) == 1


@pytest.mark.usefixtures("small_threshold")
def test_an_upload_url_that_expired_unused_is_started_afresh(
    fake: FakeHeyGen, client: HeyGenClient, tmp_path: Path
) -> None:
    file = mp4_file(tmp_path / "talk.mp4", 4000)
    request = {"filename": "talk.mp4", "content_type": "video/mp4", "size_bytes": 4000}
    request["checksum_sha256"] = hashlib.sha256(file.read_bytes()).hexdigest()
    abandoned = client.create_direct_upload(request, idempotency_key="upload-2")  # a try that died before its PUT
    fake.advance(16 * 60)
    asset = client.upload_asset_file(file, idempotency_key="upload-2")
    assert asset.asset_id != abandoned.asset_id and asset.size_bytes == 4000
    creates = fake.requests_to("POST", "/v3/assets/direct-uploads")
    assert [r.headers["idempotency-key"] for r in creates] == ["upload-2", "upload-2", f"upload-2-{abandoned.asset_id}"]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        pytest.param("notes.txt", b"hello", "type of 'notes.txt' is not allowed", id="small-wrong-type"),
        pytest.param("big.gif", b"GIF89a" + b"\0" * 2000, "type of 'big.gif' is not allowed", id="large-wrong-type"),
        pytest.param("empty.png", b"", "'empty.png' is empty", id="empty"),
    ],
)
@pytest.mark.usefixtures("small_threshold")
def test_a_bad_file_fails_before_any_request(
    fake: FakeHeyGen, client: HeyGenClient, tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InvalidRequestError, match=re.escape(problem)):
        client.upload_asset_file(str(tmp_path / name))
    assert not fake.requests
