"""HeyGen's presigned storage: the upload and download URLs, which are storage, not the API.

A presigned URL carries its own signature in its query, so requests to it carry no API key and messages name
only its path; storage answers errors in S3's XML (``<Code>``, ``<Message>``), not in HeyGen's JSON envelope.
It gets its own timeouts and a short retry policy, run by the same retry loop as the API (``retries``).
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

import httpx
import tenacity

from .errors import APIStatusError, HeyGenConnectionError, error_from_response
from .retries import RetryPolicy, parse_retry_after, retry_options

__all__ = [
    "CHUNK_BYTES",
    "STORAGE_RETRY",
    "STORAGE_TIMEOUT",
    "SupportsOpen",
    "iter_chunks",
    "put_file",
    "shown_url",
    "storage_connection_error",
    "storage_error",
]

#: Large files take minutes to move, but a connection that does not open within seconds will not open.
STORAGE_TIMEOUT = httpx.Timeout(600.0, connect=10.0)
STORAGE_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.5, max_backoff=5.0, max_wait=10.0)
CHUNK_BYTES = 1024 * 1024


class SupportsOpen(Protocol):
    """A file that can be opened for reading: ``pathlib.Path`` or Airflow's ``ObjectStoragePath``."""

    @property
    def name(self) -> str: ...

    def open(self, mode: str = ...) -> Any: ...


def storage_error(response: httpx.Response) -> APIStatusError:
    """The typed error of a non-2xx answer from presigned storage (S3-style XML ``<Code>``/``<Message>``).

    The response must have been read. Only the URL's path is kept: its query carries the signature.
    """
    error = error_from_response(response, retry_after=parse_retry_after(response.headers))
    found = {
        tag: html.unescape(match.group(1))
        for tag in ("Code", "Message")
        if (match := re.search(rf"<{tag}>([^<]*)</{tag}>", response.text))
    }
    return type(error)(
        found.get("Message") or error.message,
        status_code=error.status_code,
        code=found.get("Code") or error.code,
        request_id=response.headers.get("x-amz-request-id") or error.request_id,
        method=error.method,
        path=error.path,
        retry_after=error.retry_after,
    )


def shown_url(url: str) -> str:
    """A URL without credentials, query or fragment (a presigned URL's signature), for messages."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else parts.path


def storage_connection_error(method: str, url: str, exc: httpx.TransportError) -> HeyGenConnectionError:
    """A transport failure talking to presigned storage, naming the URL's path but not its signature."""
    path = httpx.URL(url).path
    return HeyGenConnectionError(f"{method} {path}: {type(exc).__name__}: {exc}")


def iter_chunks(stream: IO[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The rest of a binary stream in chunks of at most ``size`` bytes."""
    while chunk := stream.read(size):
        yield chunk


def put_file(
    url: str,
    file: SupportsOpen,
    size_bytes: int,
    *,
    headers: Mapping[str, str] | None = None,
    retry: RetryPolicy = STORAGE_RETRY,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """PUT a file's bytes to a presigned URL, streamed, with ``headers`` verbatim and no API key.

    ``Content-Length`` is ``size_bytes``: S3-style storage refuses a chunked body. Connection errors and 5xx are
    retried (a PUT is idempotent), each try reading the file again from its first byte; any other answer is
    final (a 403 means the URL expired or was used up).
    """
    sent_headers = {**(headers or {}), "content-length": str(size_bytes)}
    http = client or httpx.Client(timeout=STORAGE_TIMEOUT)

    def put_once() -> None:
        try:
            with file.open("rb") as stream:
                response = http.put(url, content=iter_chunks(stream), headers=sent_headers)
        except httpx.TransportError as exc:
            raise storage_connection_error("PUT", url, exc) from exc
        if not response.is_success:
            raise storage_error(response)

    options = retry_options(retry, method="PUT", label=f"Storage PUT {httpx.URL(url).path}", clock=clock)
    try:
        tenacity.Retrying(sleep=sleep, **options)(put_once)
    finally:
        if client is None:
            http.close()
