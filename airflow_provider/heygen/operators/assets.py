"""HeyGen inputs from files: ``HeyGenUploadAssetOperator`` (upload, then use the ``asset_id``) and ``asset_input``."""

from __future__ import annotations

import base64
import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from airflow_provider.heygen._compat import Context, ObjectStoragePath
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.errors import InvalidRequestError
from airflow_provider.heygen.delivery import CAPTION_TYPES, Destination, sniff_media_type, storage_path
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.operators.base import HeyGenOperator, fail_fast, idempotency_key_for

__all__ = ["HeyGenUploadAssetOperator", "asset_input"]

_SNIFF_BYTES = 4096


def asset_input(source: Any, *, field: str, allowed: Collection[str], expected: str, model: str) -> dict[str, Any]:
    """One file of a request as HeyGen's AssetInput (``{"type": "url" | "asset_id" | "base64", ...}``).

    An AssetInput model or dict is kept as given (the request model validates it); an ``http(s)://`` string
    becomes ``{"type": "url"}``; anything else is a file to read and send inline as base64: a local path, an
    ``ObjectStoragePath``, or a ``scheme://`` string such as ``s3://bucket/deck.pdf``. Its media type is sniffed
    from the content (else the extension) and must be in ``allowed``; files above 32 MB are refused (upload
    them as assets and pass the asset id). Problems raise ``InvalidRequestError`` naming ``field``.
    """
    if isinstance(source, m.RequestModel):
        return source.to_body()
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, str) and urlsplit(source).scheme in ("http", "https"):
        return {"type": "url", "url": source}
    if not isinstance(source, str | os.PathLike | ObjectStoragePath):
        raise InvalidRequestError([f"{field}: {source!r} is not an AssetInput dict, a URL or a path"], model=model)
    try:
        path = storage_path(source)
    except (ValueError, ImportError) as exc:  # an unknown protocol, or its fsspec package missing
        raise InvalidRequestError([f"{field}: cannot open {str(source)!r}: {exc}"], model=model) from None
    try:
        with path.open("rb") as handle:
            content = handle.read(m.ASSET_MAX_BYTES + 1)
    except (FileNotFoundError, IsADirectoryError):
        raise InvalidRequestError([f"{field}: no file at {source}"], model=model) from None
    name = path.name
    problems = []
    if len(content) > m.ASSET_MAX_BYTES:
        problems.append(
            f"{field}: {name!r} is larger than {m.ASSET_MAX_BYTES:,} bytes (32 MB); "
            "upload it as an asset and pass {'type': 'asset_id', ...}"
        )
    media_type = sniff_media_type(content) or m.ASSET_EXTENSION_TYPES.get(PurePath(name).suffix.lower())
    if media_type not in allowed:
        what = f"type {media_type!r}" if media_type else "type"
        problems.append(f"{field}: {what} of {name!r} is not allowed, expected {expected}")
    if problems:
        raise InvalidRequestError(problems, model=model)
    assert media_type is not None
    return {"type": "base64", "media_type": media_type, "data": base64.b64encode(content).decode("ascii")}


class HeyGenUploadAssetOperator(HeyGenOperator):
    """Upload a local file or ``ObjectStoragePath`` to HeyGen and return its asset.

    Files up to 32 MB go as one multipart ``POST /v3/assets``; larger ones through a direct upload (create,
    a streamed PUT to HeyGen's storage, complete). The type is read from the file's first bytes (png, jpeg,
    mp4, webm, mp3, wav, pdf; srt by its name) and checked, with emptiness, before any request: those
    failures and HeyGen's 400s fail the task without retries. A retried try sends the same
    ``Idempotency-Key`` and gets the asset of the first try instead of a second copy.

    Returns (to XCom) ``{"asset_id", "url", "mime_type", "size_bytes"}``; use it downstream as
    ``{"type": "asset_id", "asset_id": ...}``.

    :param source: the file (templated): a local path, a ``file://`` URL, any fsspec URL or an
        ``ObjectStoragePath``.
    :param filename: the name HeyGen keeps (templated); default the source's name.
    :param content_type: the MIME type to declare instead of the one read from the bytes.
    :param heygen_conn_id: the ``heygen`` connection.
    :param idempotency_key: templated; by default derived from dag, task, run, map index, the source and size.
    """

    template_fields: Sequence[str] = ("source", "filename", "idempotency_key")

    def __init__(
        self,
        *,
        source: Destination,
        filename: str | None = None,
        content_type: str | None = None,
        heygen_conn_id: str = HeyGenHook.default_conn_name,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(heygen_conn_id=heygen_conn_id, **kwargs)
        self.source = source
        self.filename = filename
        self.content_type = content_type
        self.idempotency_key = idempotency_key

    def execute(self, context: Context) -> dict[str, Any]:
        path = storage_path(self.source)
        name = self.filename or path.name
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
        size = int(path.fs.size(path.path))
        content_type = self.content_type or sniff_media_type(head)
        with fail_fast():  # retrying cannot help
            if content_type is None and m.ASSET_EXTENSION_TYPES.get(PurePath(name).suffix.lower()) not in CAPTION_TYPES:
                raise InvalidRequestError(
                    [f"source: the bytes of {name!r} are not png, jpeg, mp4, webm, mp3, wav or pdf (nor is it .srt)"],
                    model="AssetUpload",
                )
            key = self.idempotency_key or idempotency_key_for(
                context, {"source": str(path), "filename": name, "size_bytes": size, "content_type": content_type}
            )
            self.log.info("Uploading %s (%s bytes, %s) to HeyGen", path, f"{size:,}", content_type or "srt")
            asset = self.hook.upload_asset_file(path, filename=name, content_type=content_type, idempotency_key=key)
        self.log.info("Uploaded %s as HeyGen asset %s", name, asset.asset_id)
        return {
            "asset_id": asset.asset_id,
            "url": asset.url,
            "mime_type": asset.mime_type,
            "size_bytes": asset.size_bytes,
        }
