"""How long a media file plays, read from its container header with HTTP range requests (never a download).

Cost estimates need a source's length before HeyGen renders it: the video a translation dubs, the audio a
lipsync or an avatar speaks. ``url_seconds`` reads just enough of the file (``Range`` requests of
``BLOCK_BYTES``, ``MAX_PROBE_BYTES`` at most) for mutagen (MP4, MP3, WAV) or enzyme (WebM) to find the duration.
Sources are public files, so no request carries the API key. A probe is best effort: anything that stops it
(no range support on a large file, a timeout, an unknown format) gives None, never an error.
"""

from __future__ import annotations

import io
import logging
import struct
from typing import IO

import httpx

from .storage import shown_url

__all__ = [
    "BLOCK_BYTES",
    "MAX_PROBE_BYTES",
    "PROBE_TIMEOUT",
    "RangeFile",
    "bytes_seconds",
    "file_seconds",
    "url_seconds",
]

log = logging.getLogger(__name__)

#: Bytes fetched per range request, and the most one probe reads in all.
BLOCK_BYTES = 64 * 1024
MAX_PROBE_BYTES = 2 * 1024 * 1024
#: Seconds per probe request: a source that does not answer this fast leaves the estimate unknown.
PROBE_TIMEOUT = 5.0
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


class _Unreadable(Exception):
    """The probe cannot go on (no ranges on a large file, the byte budget spent, an error answer)."""


class RangeFile(io.RawIOBase):
    """A seekable, read-only view of a remote file that fetches the blocks it is asked for with ``Range``."""

    def __init__(self, client: httpx.Client, url: str, *, max_bytes: int = MAX_PROBE_BYTES) -> None:
        super().__init__()
        self._client, self._url, self._budget = client, url, max_bytes
        self._blocks: dict[int, bytes] = {}
        self._size: int | None = None
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(base + offset, 0)
        return self._pos

    @property
    def size(self) -> int:
        """The file's length in bytes (from the first answer's ``Content-Range``)."""
        if self._size is None:
            self._block(0)
        assert self._size is not None
        return self._size

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), max(self.size - self._pos, 0))
        done = 0
        while done < wanted:
            index, offset = divmod(self._pos + done, BLOCK_BYTES)
            chunk = self._block(index)[offset : offset + wanted - done]
            if not chunk:
                break
            buffer[done : done + len(chunk)] = chunk
            done += len(chunk)
        self._pos += done
        return done

    def _block(self, index: int) -> bytes:
        if index not in self._blocks:
            start = index * BLOCK_BYTES
            if self._budget < BLOCK_BYTES:
                raise _Unreadable(f"read {MAX_PROBE_BYTES:,} bytes without finding the duration")
            self._budget -= BLOCK_BYTES
            headers = {"Range": f"bytes={start}-{start + BLOCK_BYTES - 1}"}
            with self._client.stream("GET", self._url, headers=headers) as response:
                if response.status_code == 206:
                    total = response.headers.get("content-range", "").rpartition("/")[2]
                    self._size = int(total) if total.isdigit() else None
                    self._blocks[index] = response.read()
                elif response.status_code == 200:
                    self._whole(response)  # no range support: fine for a small file only
                else:
                    raise _Unreadable(f"answered {response.status_code}")
            if self._size is None:
                raise _Unreadable("no Content-Range total in the answer")
        return self._blocks.get(index, b"")

    def _whole(self, response: httpx.Response) -> None:
        content = bytearray()
        for chunk in response.iter_bytes():
            content += chunk
            if len(content) > self._budget + BLOCK_BYTES:
                raise _Unreadable("no range support, and the file is larger than the probe reads")
        self._size = len(content)
        self._blocks = {
            i // BLOCK_BYTES: bytes(content[i : i + BLOCK_BYTES]) for i in range(0, len(content), BLOCK_BYTES)
        }


def _stopping_errors() -> tuple[type[Exception], ...]:
    """What ends a probe without a length: transport, answers, and what the parsers raise on a broken file."""
    import enzyme.exceptions
    import mutagen

    errors = (mutagen.MutagenError, enzyme.exceptions.Error, OSError, ValueError, LookupError, struct.error)
    return (_Unreadable, httpx.HTTPError, *errors)


def file_seconds(stream: IO[bytes]) -> float | None:
    """The duration in seconds a seekable media file declares in its header (None: not a format read here)."""
    import enzyme  # imported here: only cost estimates that need a length pay for these parsers
    import mutagen

    head = stream.read(4)
    stream.seek(0)
    if head == _EBML_MAGIC:
        duration = enzyme.MKV(stream).info.duration
        return duration.total_seconds() if duration is not None else None
    found = mutagen.File(stream)
    length = getattr(getattr(found, "info", None), "length", None)
    return float(length) if length else None


def bytes_seconds(content: bytes) -> float | None:
    """The duration a media file in memory (an inline base64 attachment) declares; None when unreadable."""
    try:
        return file_seconds(io.BytesIO(content))
    except _stopping_errors() as exc:
        log.info("Could not read the length of an inline file: %s", exc)
        return None


def url_seconds(url: str, *, client: httpx.Client | None = None, timeout: float = PROBE_TIMEOUT) -> float | None:
    """The duration of the media file at ``url`` (http or https), read from its header; None when unreadable."""
    if httpx.URL(url).scheme not in ("http", "https"):
        return None
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        seconds = file_seconds(io.BufferedReader(RangeFile(http, url), buffer_size=BLOCK_BYTES))
    except _stopping_errors() as exc:
        log.info("Could not read the length of %s: %s", shown_url(url), exc)
        return None
    finally:
        if own:
            http.close()
    log.info("Read the length of %s from its header: %.3fs", shown_url(url), seconds or 0.0)
    return seconds
