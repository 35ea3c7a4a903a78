"""HeyGenCreateVideoOperator: render an avatar, image, studio or cinematic-avatar video."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.operators.base import HeyGenJobOperator

__all__ = ["VIDEO_OUTPUT_FIELDS", "HeyGenCreateVideoOperator"]

#: What a finished video's result keeps (URLs are presigned and expire: download with a fresh GET).
VIDEO_OUTPUT_FIELDS = ("video_url", "thumbnail_url", "subtitle_url", "captioned_video_url", "duration")


class HeyGenCreateVideoOperator(HeyGenJobOperator):
    """Render a video with ``POST /v3/videos`` and (by default) wait for it.

    ``request`` is a ``VideoCreateRequest`` model or a dict with ``type`` = ``avatar``, ``image``, ``studio``
    or ``cinematic_avatar`` and that type's fields. Returns (to XCom) ``{"kind", "job_ids", "status",
    "credits", "jobs": [{"video_id", "status", "video_url", "thumbnail_url", "subtitle_url", "duration",
    "credits", ...}]}``; the video id is pushed under ``heygen_job_ids`` right after submitting.
    """

    job_kind = "video"

    def parse_request(self) -> m.RequestModel:
        return m.parse_video_request(self.request)

    def create(self, body: m.RequestModel, idempotency_key: str) -> list[str]:
        request = cast("m.VideoCreateRequest", body)
        return [self.hook.create_video(request, idempotency_key=idempotency_key).video_id]

    def describe_job(self, job_id: str, resource: Mapping[str, Any]) -> dict[str, Any]:
        return video_outputs(job_id, resource)


def video_outputs(job_id: str, resource: Mapping[str, Any]) -> dict[str, Any]:
    """A finished video's result: id, status, output URLs and duration (the base adds its credits)."""
    return {
        "video_id": job_id,
        "status": resource.get("status"),
        **{field: resource.get(field) for field in VIDEO_OUTPUT_FIELDS},
        "failure_code": resource.get("failure_code"),
        "failure_message": resource.get("failure_message"),
    }
