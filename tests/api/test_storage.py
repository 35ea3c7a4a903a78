"""Presigned storage: S3-style errors, chunked reads, and the streamed PUT run by the shared retry loop."""

from __future__ import annotations

import io
from contextlib import AbstractContextManager as ContextManager
from contextlib import nullcontext as stored
from pathlib import Path

import httpx
import pytest

from airflow_provider.heygen.api import errors
from airflow_provider.heygen.api.storage import STORAGE_RETRY, iter_chunks, put_file, storage_error

URL = "https://storage.test/bucket/ast_1?X-Amz-Signature=secretsig"
OK = httpx.Response(200)


def s3_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        text=f"<Error><Code>{code}</Code><Message>{message}</Message></Error>",
        headers={"content-type": "application/xml", "x-amz-request-id": "s3req1", **headers},
    )


SLOW_DOWN = s3_error(503, "SlowDown", "Reduce your request rate")


def storage(answers: list[httpx.Response | Exception]) -> tuple[httpx.Client, list[httpx.Request]]:
    """A client whose storage gives ``answers`` in turn, and the requests it received."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers[len(sent)]
        sent.append(request)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return httpx.Client(transport=httpx.MockTransport(handler)), sent


def test_storage_errors_read_the_s3_xml_and_leave_the_signature_out() -> None:
    response = s3_error(403, "AccessDenied", "Request has expired")
    response.request = httpx.Request("PUT", "https://storage.test/bucket/key.mp4?X-Amz-Signature=secretsig")
    error = storage_error(response)
    assert isinstance(error, errors.PermissionDeniedError)
    assert (error.code, error.message, error.request_id) == ("AccessDenied", "Request has expired", "s3req1")
    assert "secretsig" not in str(error) and "/bucket/key.mp4" in str(error)


def test_storage_errors_keep_the_servers_retry_after() -> None:
    response = s3_error(503, "SlowDown", "Reduce your request rate", **{"Retry-After": "30"})
    response.request = httpx.Request("GET", URL)
    error = storage_error(response)
    assert isinstance(error, errors.ServerError)
    assert (error.code, error.retry_after) == ("SlowDown", 30.0)


def test_iter_chunks_reads_the_rest_of_a_stream_in_bounded_chunks() -> None:
    stream = io.BytesIO(b"abcdefghij")
    stream.read(1)
    assert list(iter_chunks(stream, 4)) == [b"bcde", b"fghi", b"j"]
    assert list(iter_chunks(io.BytesIO(b""), 4)) == []


@pytest.mark.parametrize(
    ("answers", "waits", "outcome"),
    [
        pytest.param([OK], 0, stored(), id="stored"),
        pytest.param([SLOW_DOWN, OK], 1, stored(), id="5xx-is-sent-again"),
        pytest.param([httpx.ConnectError("refused"), OK], 1, stored(), id="connect-error-is-sent-again"),
        pytest.param([httpx.ReadError("reset"), OK], 1, stored(), id="dropped-put-is-sent-again"),
        pytest.param([SLOW_DOWN] * 3, 2, pytest.raises(errors.ServerError), id="5xx-until-the-tries-run-out"),
        pytest.param(
            [s3_error(403, "AccessDenied", "Request has expired")],
            0,
            pytest.raises(errors.PermissionDeniedError, match="expired"),
            id="403-is-final",
        ),
        pytest.param(
            [s3_error(503, "SlowDown", "later", **{"Retry-After": "30"}), OK],
            0,
            pytest.raises(errors.ServerError, match="later"),
            id="server-wait-over-the-cap-raises-at-once",
        ),
    ],
)
def test_put_file_retries_what_the_shared_policy_retries(
    tmp_path: Path, answers: list[httpx.Response | Exception], waits: int, outcome: ContextManager[object]
) -> None:
    file = tmp_path / "clip.mp4"
    file.write_bytes(b"\x00\x01" * 3000)
    slept: list[float] = []
    http, sent = storage(answers)
    with http:
        with outcome:
            put_file(URL, file, 6000, client=http, sleep=slept.append)
        assert not http.is_closed  # a client passed in belongs to its owner
    assert len(sent) == waits + 1 and len(slept) == waits
    assert all(0 <= wait <= STORAGE_RETRY.max_wait for wait in slept)
    assert all(request.content == file.read_bytes() for request in sent)  # every try from the first byte
    assert all(request.headers["content-length"] == "6000" for request in sent)


def test_put_file_waits_a_retry_after_within_the_cap(tmp_path: Path) -> None:
    file = tmp_path / "clip.mp4"
    file.write_bytes(b"bytes")
    slept: list[float] = []
    http, sent = storage([s3_error(503, "SlowDown", "later", **{"Retry-After": "2"}), OK])
    with http:
        put_file(URL, file, 5, client=http, sleep=slept.append)
    assert slept == [2.0] and len(sent) == 2
