"""HeyGenUploadAssetOperator: upload a file to HeyGen, then use its ``asset_id`` in requests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from airflow_provider.heygen._compat import Context
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.errors import InvalidRequestError
from airflow_provider.heygen.api.media import CAPTION_TYPES, SNIFF_BYTES, sniff_media_type
from airflow_provider.heygen.delivery import Destination, storage_path
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.lineage import Lineage, upload_lineage
from airflow_provider.heygen.operators.base import (
    HeyGenOperator,
    check_idempotency_key,
    fail_fast,
    idempotency_key_for,
)

__all__ = ["HeyGenUploadAssetOperator"]


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

    template_fields: Sequence[str] = ("source", "filename", "idempotency_key", "heygen_conn_id")

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
        with fail_fast():  # retrying cannot help
            check_idempotency_key(self.idempotency_key)
            try:
                with path.open("rb") as stream:
                    head = stream.read(SNIFF_BYTES)
            except (FileNotFoundError, IsADirectoryError):
                raise InvalidRequestError(
                    [f"source: no file at {str(self.source)!r} (a file of png, jpeg, mp4, webm, mp3, wav, pdf or srt)"],
                    model="AssetUpload",
                ) from None
            size = int(path.fs.size(path.path))
            content_type = self.content_type or sniff_media_type(head)
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
        return self.returned(
            {
                "asset_id": asset.asset_id,
                "url": asset.url,
                "mime_type": asset.mime_type,
                "size_bytes": asset.size_bytes,
            }
        )

    def heygen_lineage(self, task_instance: Any) -> Lineage:
        """The source file in, the HeyGen asset out."""
        return upload_lineage(self.lineage_namespace, self.source, self.finished_result(task_instance))
