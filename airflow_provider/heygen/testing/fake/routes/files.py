"""Downloads behind the presigned-looking URLs that ``State.file_url`` mints (no API key, like S3/CloudFront).

A wrong signature or an expired URL answers 403 and an unknown one 404, with S3's XML error body.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from airflow_provider.heygen.testing.fake.errors import ApiError
from airflow_provider.heygen.testing.fake.media import content_type
from airflow_provider.heygen.testing.fake.state import State

_S3_CODES = {403: "AccessDenied", 404: "NoSuchKey"}


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
            code = _S3_CODES.get(error.status, "Error")
            xml = f"<Error><Code>{code}</Code><Message>{escape(error.message)}</Message></Error>"
            return Response(xml, error.status, media_type="application/xml")
        headers = {"content-disposition": f'inline; filename="{name}"', "cache-control": "private, max-age=0"}
        body = b"" if request.method == "HEAD" else content
        headers["content-length"] = str(len(content))
        return Response(body, 200, headers=headers, media_type=content_type(name))

    return [Route("/files/{token}/{name:path}", download, methods=["GET", "HEAD"])]
