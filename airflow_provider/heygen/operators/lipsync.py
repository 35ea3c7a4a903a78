"""HeyGenLipsyncOperator: put new audio on a video and re-animate the speaker's lips."""

from __future__ import annotations

from typing import Any, cast

from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.credits import CreditEstimate
from airflow_provider.heygen.operators.base import HeyGenJobOperator

__all__ = ["HeyGenLipsyncOperator"]


class HeyGenLipsyncOperator(HeyGenJobOperator):
    """Lip-sync a video to new audio with ``POST /v3/lipsyncs`` and (by default) wait for it.

    ``request`` is a ``LipsyncRequest`` or a dict with its fields: ``video`` and ``audio`` (each
    ``{"type": "url", "url"}`` or ``{"type": "asset_id", "asset_id"}``), ``mode`` (``speed``/``precision``),
    ``start_time``/``end_time``, ``enable_caption``, ... Returns (to XCom) ``{"kind", "job_ids", "status",
    "credits", "jobs": [{"lipsync_id", "status", "video_url", "caption_url", "duration", "credits",
    "failure_code", "failure_message"}]}``; the id goes to ``heygen_job_ids`` right after submitting. A retried
    try sends the same ``Idempotency-Key`` and gets the first try's lipsync back; if that one failed, it
    submits anew.

    :param source_duration: the length in seconds of what is lip-synced (the audio's, else the video's).
        HeyGen prices lipsyncs per second; without it (or an ``end_time``), the estimate reads the audio's,
        else the video's length from its file when a cost guard or dry run needs it, and a length still
        unknown makes ``max_credits`` refuse (unless ``allow_unknown_cost``).
    """

    job_kind = "lipsync"

    def __init__(self, *, source_duration: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if source_duration is not None and source_duration < 0:
            raise ValueError(f"source_duration must be >= 0 seconds, got {source_duration}")
        self.source_duration = source_duration

    def parse_request(self) -> m.RequestModel:
        return m.LipsyncRequest.parse(self.request)

    def estimate(self, body: m.RequestModel) -> CreditEstimate:
        return self.estimate_with(self.spec, body.to_body(), self.source_duration)

    def create(self, body: m.RequestModel, idempotency_key: str) -> list[str]:
        request = cast("m.LipsyncRequest", body)
        return [self.hook.create_lipsync(request, idempotency_key=idempotency_key).lipsync_id]
