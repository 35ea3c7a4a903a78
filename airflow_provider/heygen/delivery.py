"""Deliver HeyGen files to storage: stream a presigned URL to any ``ObjectStoragePath``, atomically and checked.

HeyGen's file URLs are presigned and expire, so the caller hands over a ``refresh`` callable that asks HeyGen
for a fresh one (a new GET of the job); it is called when storage answers 403 or 404. Each download:

- streams into a hidden temporary sibling (``.<name>.<random>.part``) and moves it to the final path only once
  it is complete and checked, so nobody ever sees a partial file there (on object stores the move is a copy:
  the object appears whole or not at all); a failed download removes its temporary file;
- checks the byte count against ``Content-Length`` and the type by the file's magic bytes (the
  ``Content-Type`` header is trusted only for text formats such as SRT and VTT);
- retries connection errors and 5xx with a short backoff, each time from the first byte;
- fetches only ``https://`` URLs or URLs of an allowed origin (the API's own, for a local fake), follows at
  most ``MAX_REDIRECTS`` redirects and none to a URL it would refuse, and stops at ``max_bytes``.

Path parts made of job ids or output names go through ``safe_part`` first, so none can leave its folder.

Local paths and ``file://`` URLs always work; other schemes (``s3://``, ``gs://``, ...) go through Airflow's
``ObjectStoragePath`` and its connections.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import httpx
import tenacity

from airflow_provider.heygen._compat import ObjectStoragePath
from airflow_provider.heygen.api.errors import HeyGenConnectionError, HeyGenError, NotFoundError, PermissionDeniedError
from airflow_provider.heygen.api.media import MEDIA_EXTENSIONS, SNIFF_BYTES, media_type_of
from airflow_provider.heygen.api.retries import RetryPolicy, retry_options
from airflow_provider.heygen.api.storage import (
    CHUNK_BYTES,
    STORAGE_RETRY,
    STORAGE_TIMEOUT,
    shown_url,
    storage_connection_error,
    storage_error,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_REDIRECTS",
    "DeliveredFile",
    "DeliveryError",
    "DeliveryRefused",
    "Destination",
    "download",
    "origin_of",
    "safe_part",
    "storage_path",
]

log = logging.getLogger(__name__)

#: The largest file ``download`` writes unless told otherwise. HeyGen renders up to hour-long videos in 4K,
#: which run to a few GiB; 5 GiB leaves room for those but stops a runaway or hostile stream filling the disk.
DEFAULT_MAX_BYTES = 5 * 1024**3
#: Presigned URLs may bounce through a CDN once or twice; more hops than this is a loop or a misconfiguration.
MAX_REDIRECTS = 5

_DEFAULT_PORTS = {"http": 80, "https": 443}

#: Where a file goes: a local path, a ``file://`` or any fsspec URL, or an ``ObjectStoragePath``.
Destination: TypeAlias = "str | os.PathLike[str] | ObjectStoragePath"


class DeliveryError(HeyGenError):
    """A download could not be delivered as asked: wrong type, empty, or the file is no longer offered."""


class DeliveryRefused(DeliveryError):
    """A download that breaks a rule (origin, redirect, size, name, media type): no retry can change that."""


@dataclass(frozen=True)
class DeliveredFile:
    """A file written to storage: where (``str`` of its ObjectStoragePath), how big, and its media type."""

    path: str
    size_bytes: int
    media_type: str | None


def storage_path(location: Destination) -> ObjectStoragePath:
    """An ``ObjectStoragePath`` for a local path, a ``file://`` URL or any fsspec URL (``s3://bucket/key``)."""
    if isinstance(location, ObjectStoragePath):
        return location
    text = os.fspath(location)
    scheme = urlsplit(text).scheme
    if scheme in ("", "file") or len(scheme) == 1:  # a one-letter scheme is a Windows drive
        # Plain local paths work on every Airflow version; ObjectStoragePath("file://...") does not on 2.10.
        return ObjectStoragePath(os.path.abspath(urlsplit(text).path if scheme == "file" else text))
    try:
        return ObjectStoragePath(text)
    except TypeError as exc:  # Airflow 2.10's ObjectStoragePath with universal-pathlib >= 0.3
        raise ValueError(
            f"{text!r}: this Airflow's ObjectStoragePath cannot open {scheme}:// paths ({exc}); "
            "Airflow 2.10 needs universal-pathlib < 0.3 for them"
        ) from exc


def safe_part(name: str) -> str:
    """``name`` if it is safe as one path part (a job id, an output name), else a ``DeliveryError`` naming it.

    Refused: empty, ``.``/``..``, any ``/``, ``\\`` or NUL, and anything absolute or with a drive (``C:``).
    """
    if (
        not isinstance(name, str)
        or name in ("", ".", "..")
        or any(char in name for char in ("/", "\\", "\x00"))
        or PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).drive
    ):
        raise DeliveryRefused(f"{name!r} cannot be a file or folder name: it must be one plain path part")
    return name


def origin_of(url: str) -> tuple[str, str, int | None]:
    """A URL's origin: its scheme, host (lower case) and port (the scheme's default if not given)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _check_url(url: str, allowed: Collection[tuple[str, str, int | None]], *, what: str = "download") -> None:
    """Refuse ``url`` unless it is ``https://`` with a host, or its origin is one of ``allowed``."""
    scheme, host, _ = origin = origin_of(url)
    if (scheme == "https" and host) or origin in allowed:
        return
    raise DeliveryRefused(f"Refusing to {what} {shown_url(url)}: only https:// URLs or allowed origins are fetched")


def download(
    url: str,
    target: Destination,
    *,
    refresh: Callable[[], str | None] | None = None,
    accept: Collection[str] | None = None,
    add_extension: bool = False,
    allowed_origins: Collection[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_refreshes: int = 1,
    retry: RetryPolicy = STORAGE_RETRY,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveredFile:
    """Stream ``url`` to ``target`` atomically and return what was written.

    :param refresh: returns a fresh URL of the same file (None if HeyGen no longer offers it); called when
        storage answers 403 or 404 (an expired URL), at most ``max_refreshes`` times.
    :param accept: media types the file may have (e.g. ``VIDEO_TYPES``); anything else is a ``DeliveryError``.
    :param add_extension: ``target`` is a name without extension: append the one of the detected type (else
        the URL's).
    :param allowed_origins: URLs (only their scheme, host and port count) whose origin may be fetched besides
        ``https://`` ones, e.g. the API's own ``http://127.0.0.1:<port>`` for a local fake. This holds for the
        URL, for every fresh one from ``refresh`` and for every redirect (at most ``MAX_REDIRECTS``).
    :param max_bytes: the largest file accepted, checked against ``Content-Length`` and while streaming.
    :param retry: how often and how long to retry connection errors and 5xx.
    """
    if max_bytes <= 0:
        raise ValueError(f"max_bytes {max_bytes!r} must be > 0")
    allowed = frozenset(origin_of(item) for item in allowed_origins)
    _check_url(url, allowed)
    final = storage_path(target)
    part = final.parent / f".{final.name}.{uuid.uuid4().hex[:12]}.part"
    http = client or httpx.Client(timeout=STORAGE_TIMEOUT, follow_redirects=False)
    retrying = tenacity.Retrying(sleep=sleep, **retry_options(retry, method="GET", label=f"Download to {final}"))
    refreshes = 0
    try:
        while True:
            try:
                media_type, size = retrying(_stream, http, url, part, accept, allowed, max_bytes)
                break
            except (PermissionDeniedError, NotFoundError) as exc:
                if refresh is None or refreshes >= max_refreshes:
                    raise
                refreshes += 1
                log.info("Storage answered %s (the URL expired?); asking HeyGen for a fresh URL", exc.status_code)
                fresh = refresh()
                if not fresh:
                    raise DeliveryError(f"HeyGen no longer offers {final.name}") from exc
                _check_url(fresh, allowed)
                url = fresh
        if add_extension:
            final = final.parent / f"{final.name}.{_extension(media_type, url)}"
        part.fs.mv(part.path, final.path)
    except BaseException:
        with contextlib.suppress(Exception):
            part.unlink(missing_ok=True)
        raise
    finally:
        if client is None:
            http.close()
    log.info("Wrote %s (%s bytes, %s)", final, f"{size:,}", media_type or "unknown type")
    return DeliveredFile(path=str(final), size_bytes=size, media_type=media_type)


def _stream(
    http: httpx.Client,
    url: str,
    part: ObjectStoragePath,
    accept: Collection[str] | None,
    allowed: Collection[tuple[str, str, int | None]],
    max_bytes: int,
) -> tuple[str | None, int]:
    """Write the body of ``url`` to ``part``; return its media type and size; raise a typed error otherwise."""
    try:
        with contextlib.closing(_open(http, url, allowed)) as response:
            if not response.is_success:
                response.read()
                raise storage_error(response)
            length = response.headers.get("content-length")
            if length and length.strip().isdigit() and int(length) > max_bytes:
                raise DeliveryRefused(
                    f"{_where(url)}: the file has {int(length):,} bytes, over max_bytes {max_bytes:,}"
                )
            head, size, media_type, checked = b"", 0, None, False
            with _create(part) as out:
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    if size + len(chunk) > max_bytes:
                        raise DeliveryRefused(f"{_where(url)}: the file is over max_bytes {max_bytes:,} bytes")
                    if not checked and len(head) < SNIFF_BYTES:
                        head += chunk[: SNIFF_BYTES - len(head)]
                    if not checked and len(head) >= SNIFF_BYTES:  # check before writing a wrong file further
                        media_type, checked = _check_type(head, response, accept), True
                    out.write(chunk)
                    size += len(chunk)
            if not checked:
                media_type = _check_type(head, response, accept)
    except httpx.TransportError as exc:
        raise storage_connection_error("GET", url, exc) from exc
    if not size:
        raise DeliveryError(f"{_where(url)}: storage sent an empty file")
    if length and not response.headers.get("content-encoding") and int(length) != size:
        raise HeyGenConnectionError(f"GET {_where(url)}: got {size:,} of {int(length):,} bytes")
    return media_type, size


def _open(http: httpx.Client, url: str, allowed: Collection[tuple[str, str, int | None]]) -> httpx.Response:
    """The streamed answer to GET ``url`` (the caller closes it), after at most ``MAX_REDIRECTS`` redirects,
    each checked like ``url`` before it is followed."""
    request = http.build_request("GET", url, headers={"accept-encoding": "identity"})
    for _ in range(MAX_REDIRECTS + 1):
        response = http.send(request, stream=True, follow_redirects=False)
        if response.next_request is None:
            return response
        response.close()
        request = response.next_request
        _check_url(str(request.url), allowed, what="follow a redirect to")
    raise DeliveryRefused(f"{_where(url)}: storage redirected more than {MAX_REDIRECTS} times")


def _create(path: ObjectStoragePath) -> Any:
    """Open ``path`` for writing, making its local folder first if needed (object stores have no folders, and
    asking s3fs or gcsfs for one could create a bucket)."""
    try:
        return path.open("wb")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("wb")


def _check_type(head: bytes, response: httpx.Response, accept: Collection[str] | None) -> str | None:
    media_type = media_type_of(head, response.headers.get("content-type"))
    if accept is not None and media_type not in accept:
        found = media_type or f"not a known media type (Content-Type {response.headers.get('content-type')!r})"
        raise DeliveryRefused(f"{_where(str(response.url))}: the file is {found}; expected {', '.join(sorted(accept))}")
    return media_type


def _extension(media_type: str | None, url: str) -> str:
    if media_type in MEDIA_EXTENSIONS:
        return MEDIA_EXTENSIONS[media_type]
    suffix = os.path.splitext(urlsplit(url).path)[1].lstrip(".").lower()
    return suffix if suffix.isalnum() else "bin"


def _where(url: str) -> str:
    """A URL without its query (which holds the signature), for messages."""
    return urlsplit(url).path
