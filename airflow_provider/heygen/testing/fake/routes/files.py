"""Downloads behind the presigned-looking URLs that ``State.file_url`` mints (no API key, like S3/CloudFront).

A wrong signature or an expired URL answers 403 and an unknown one 404, with S3's XML error body.

Byte ranges work as on S3: one range in ``Range`` (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) answers 206
with ``Content-Range: bytes a-b/total``; a range starting past the end (or an empty suffix) answers 416 with
``Content-Range: bytes */total``; a malformed header, another unit or several ranges are ignored (the whole
file, 200). Every 200/206 says ``Accept-Ranges: bytes``; HEAD answers the same headers without a body.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from airflow_provider.heygen.testing.fake.errors import ApiError
from airflow_provider.heygen.testing.fake.media import content_type
from airflow_provider.heygen.testing.fake.state import State

_S3_CODES = {403: "AccessDenied", 404: "NoSuchKey"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.IGNORECASE)
_UNSATISFIABLE = "unsatisfiable"


def _xml_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    xml = f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    return Response(xml, status, headers=headers, media_type="application/xml")


def _byte_range(header: str | None, total: int) -> tuple[int, int] | str | None:
    """The inclusive (first, last) bytes a ``Range`` header asks of ``total`` bytes; ``"unsatisfiable"``
    when none of them exists; None to ignore the header (absent, malformed, another unit, several ranges)."""
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # a suffix: the last n bytes
        suffix = int(last)
        return (max(total - suffix, 0), total - 1) if suffix and total else _UNSATISFIABLE
    start, end = int(first), total - 1 if last == "" else int(last)
    if last != "" and end < start:
        return None  # bytes=5-2 is invalid, so ignored
    return (start, min(end, total - 1)) if start < total else _UNSATISFIABLE


def routes(state: State) -> list[BaseRoute]:
    async def download(request: Request) -> Response:
        query = request.query_params
        try:
            name, content = state.open_file(
                request.path_params["token"],
                request.path_params["name"],
                query.get("Expires", ""),
                query.get("Signature", ""),
            )
        except ApiError as error:
            return _xml_error(error.status, _S3_CODES.get(error.status, "Error"), error.message)
        total = len(content)
        wanted = _byte_range(request.headers.get("range"), total)
        if wanted == _UNSATISFIABLE:
            return _xml_error(
                416, "InvalidRange", "The requested range is not satisfiable", {"content-range": f"bytes */{total}"}
            )
        headers = {
            "content-disposition": f'inline; filename="{name}"',
            "cache-control": "private, max-age=0",
            "accept-ranges": "bytes",
        }
        status = 200
        if isinstance(wanted, tuple):
            start, end = wanted
            content, status = content[start : end + 1], 206
            headers["content-range"] = f"bytes {start}-{end}/{total}"
        headers["content-length"] = str(len(content))
        body = b"" if request.method == "HEAD" else content
        return Response(body, status, headers=headers, media_type=content_type(name))

    return [Route("/files/{token}/{name:path}", download, methods=["GET", "HEAD"])]
