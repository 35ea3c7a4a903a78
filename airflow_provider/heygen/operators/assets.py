"""HeyGenUploadAssetOperator: upload a file from any storage to HeyGen, to use it as an ``asset_id`` input."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import PurePath
from typing import Any

from airflow_provider.heygen._compat import AirflowFailException, BaseOperator, Context
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.errors import BadRequestError, InvalidRequestError
from airflow_provider.heygen.delivery import CAPTION_TYPES, Destination, sniff_media_type, storage_path
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.operators.base import idempotency_key_for

__all__ = ["HeyGenUploadAssetOperator"]

_SNIFF_BYTES = 4096


class HeyGenUploadAssetOperator(BaseOperator):
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
    ui_color = "#e8e0ff"

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
        super().__init__(**kwargs)
        self.source = source
        self.filename = filename
        self.content_type = content_type
        self.heygen_conn_id = heygen_conn_id
        self.idempotency_key = idempotency_key

    @cached_property
    def hook(self) -> HeyGenHook:
        return HeyGenHook(self.heygen_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        path = storage_path(self.source)
        name = self.filename or path.name
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
        size = int(path.fs.size(path.path))
        content_type = self.content_type or sniff_media_type(head)
        try:
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
        except (InvalidRequestError, BadRequestError) as exc:
            raise AirflowFailException(str(exc)) from exc  # retrying cannot help
        self.log.info("Uploaded %s as HeyGen asset %s", name, asset.asset_id)
        return {
            "asset_id": asset.asset_id,
            "url": asset.url,
            "mime_type": asset.mime_type,
            "size_bytes": asset.size_bytes,
        }
