"""HeyGenCreateVideoOperator: render an avatar, image, studio or cinematic-avatar video."""

from __future__ import annotations

from typing import cast

from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.operators.base import HeyGenJobOperator

__all__ = ["HeyGenCreateVideoOperator"]


class HeyGenCreateVideoOperator(HeyGenJobOperator):
    """Render a video with ``POST /v3/videos`` and (by default) wait for it.

    ``request`` is a ``VideoCreateRequest`` model or a dict with ``type`` = ``avatar``, ``image``, ``studio``
    or ``cinematic_avatar`` and that type's fields. Returns (to XCom) ``{"kind", "job_ids", "status",
    "credits", "jobs": [{"video_id", "status", "video_url", "thumbnail_url", "subtitle_url",
    "captioned_video_url", "duration", "failure_code", "failure_message", "credits"}]}`` (URLs are presigned
    and expire: download with ``HeyGenDownloadOperator``, which fetches fresh ones); the video id is pushed
    under ``heygen_job_ids`` right after submitting.
    """

    job_kind = "video"

    def parse_request(self) -> m.RequestModel:
        return m.parse_video_request(self.request)

    def create(self, body: m.RequestModel, idempotency_key: str) -> list[str]:
        request = cast("m.VideoCreateRequest", body)
        return [self.hook.create_video(request, idempotency_key=idempotency_key).video_id]
