"""HeyGenCreateAvatarOperator: create a photo, digital-twin or prompt avatar and wait until it is trained."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from airflow_provider.heygen._compat import Context
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.errors import MalformedResponseError
from airflow_provider.heygen.inputs import asset_input
from airflow_provider.heygen.lineage import sources_of
from airflow_provider.heygen.operators.base import HeyGenJobOperator

__all__ = ["HeyGenCreateAvatarOperator"]

_IMAGES = frozenset({"image/png", "image/jpeg"})
_VIDEOS = frozenset({"video/mp4", "video/webm"})
# What the ``file`` of each avatar type must be: (MIME types, as said in errors).
_FILE_TYPES = {"photo": (_IMAGES, "png or jpeg"), "digital_twin": (_VIDEOS, "mp4 or webm")}


class HeyGenCreateAvatarOperator(HeyGenJobOperator):
    """Create an avatar with ``POST /v3/avatars`` and (by default) wait until its look is trained.

    ``request`` is a ``PhotoAvatarRequest``, ``DigitalTwinAvatarRequest`` or ``PromptAvatarRequest``, or a dict
    with ``type`` = ``photo`` / ``digital_twin`` (``name``, ``file``) or ``prompt`` (``name``, ``prompt``, up to
    3 ``reference_images``); files go as AssetInputs (``url``, ``asset_id`` or ``base64``). The job is the new
    look: its id is pushed under ``heygen_job_ids`` right after submitting, and it is the ``avatar_id`` that
    ``HeyGenCreateVideoOperator`` takes. Creating costs 1 credit, even if training fails. A digital twin
    may need the subject's consent before HeyGen trains it: until then it stays pending and the wait times out.

    Returns (to XCom) ``{"avatar_id", "group_id", "status", "training_status", "name", "avatar_type",
    "preview_image_url", "preview_video_url", "image_width", "image_height", "preferred_orientation",
    "supported_api_engines", "credits", "kind", "job_ids", "jobs"}``; ``status`` is ``succeeded``, ``failed`` or
    ``running``. Failed training raises ``JobFailedError`` with HeyGen's code and message.

    :param file: the photo (``photo``, png or jpeg) or footage (``digital_twin``, mp4 or webm), templated; sets
        ``request["file"]``. An AssetInput dict, an ``https://`` URL, or a file sent inline as base64 (a local
        path, an ``ObjectStoragePath`` or an ``s3://``-style string, at most 32 MB).
    :param reference_images: for ``prompt`` avatars, up to 3 images given the same ways; appended to
        ``request["reference_images"]``.
    """

    job_kind = "avatar"
    template_fields: Sequence[str] = (*HeyGenJobOperator.template_fields, "file", "reference_images")

    def __init__(
        self,
        *,
        file: Any = None,
        reference_images: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file = file
        self.reference_images = reference_images

    def parse_request(self) -> m.RequestModel:
        data = dict(self.request)
        model = f"{str(data.get('type', '')).title().replace('_', '')}AvatarRequest"
        if self.file is not None:
            allowed, expected = _FILE_TYPES.get(data.get("type", ""), (m.ASSET_MIME_TYPES, "a supported type"))
            data["file"] = asset_input(self.file, field="file", allowed=allowed, expected=expected, model=model)
        if self.reference_images:
            given = list(data.get("reference_images") or [])
            data["reference_images"] = given + [
                asset_input(
                    image,
                    field=f"reference_images[{len(given) + index}]",
                    allowed=_IMAGES,
                    expected="png or jpeg",
                    model=model,
                )
                for index, image in enumerate(self.reference_images)
            ]
        return m.parse_avatar_request(data)

    def create(self, body: m.RequestModel, idempotency_key: str) -> list[str]:
        request = cast("m.PhotoAvatarRequest | m.DigitalTwinAvatarRequest | m.PromptAvatarRequest", body)
        created = self.hook.create_avatar(request, idempotency_key=idempotency_key)
        if created.avatar_item is None:
            raise MalformedResponseError(
                "answer has no avatar_item (the new look)", status_code=200, method="POST", path="/v3/avatars"
            )
        return [created.avatar_item.id]

    def get_job_result(self, external_id: Any, context: Context) -> dict[str, Any]:
        """Re-read the look (fresh preview URLs); built without the request, so local files are not read again."""
        if self._result is None:
            look_id = str(next(iter(external_id)))
            look = self.hook.get_job(self.job_kind, look_id)
            avatar = {**self.describe_job(look_id, look), "credits": self.spec.cost_of({}, None, self.hook.prices)}
            self._result = {
                **avatar,
                "kind": self.job_kind,
                "job_ids": [look_id],
                "status": self.spec.state(look.get("status")).value,
                "training_status": look.get("status"),
                "estimate": self.recorded_estimate(context),
                "jobs": [avatar],
            }
            self.log_cost(self.job_kind, self._result)
        return self._result

    def lineage_sources(self) -> list[tuple[str, str]]:
        """The request's files, and ``file`` and ``reference_images`` (URLs, assets or the paths read)."""
        return [*super().lineage_sources(), *sources_of(self.file), *sources_of(self.reference_images)]
