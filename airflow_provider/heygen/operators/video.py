"""HeyGenCreateVideoOperator renders one avatar, image, studio or cinematic-avatar video;
HeyGenCreateVideosOperator renders many, through HeyGen's video batches where the account has them."""

from __future__ import annotations

import functools
import json
import operator
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, cast

from airflow_provider.heygen._compat import Context
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.credits import CreditEstimate
from airflow_provider.heygen.api.errors import (
    InvalidRequestError,
    JobFailedError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
)
from airflow_provider.heygen.api.jobs import JobStatus
from airflow_provider.heygen.operators.base import HeyGenJobOperator
from airflow_provider.heygen.triggers.job import JobEvent

__all__ = ["BATCH_IDS_XCOM_KEY", "HeyGenCreateVideoOperator", "HeyGenCreateVideosOperator"]

#: XCom key under which the batch ids are pushed as soon as HeyGen returns them.
BATCH_IDS_XCOM_KEY = "heygen_batch_ids"


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


class HeyGenCreateVideosOperator(HeyGenJobOperator):
    """Render many videos in one task, through ``POST /v3/videos/batches`` where the account has it.

    ``requests`` is a list (templated: an upstream task's output, or a JSON string) of ``POST /v3/videos``
    bodies or ``VideoCreateRequest`` models; every one is validated before anything is sent (errors name
    ``videos[3].script``). The cost guards apply to the whole list: the estimate is the sum of the videos'.

    ``batch``: ``"auto"`` (default) submits batches of up to 100 videos and, when the account has no batches
    (HeyGen answers 404 or 403 to the first one), creates the videos one by one instead; ``True`` insists on
    batches (the 404 fails the task); ``False`` always creates them one by one. Keys: ``<key>-batch<n>`` per
    batch, ``<key>-<index>`` per video created alone, so a retried try gets HeyGen's replay of every one.

    A batch's items may have no video id yet (HeyGen queues them, e.g. behind the account's concurrency cap):
    then the task waits on the batches themselves (one trigger, kind ``video_batch``), else on the videos (one
    trigger over all of them, read through the bulk status endpoint, 100 ids a request). A failed video fails
    the task with ``JobFailedError`` naming it; a retry renders only the failed videos again, one request each
    (like ``HeyGenTranslateVideoOperator``). Returns (to XCom) ``{"kind": "video", "job_ids", "status",
    "credits", "estimate", "jobs": [...], "batch_ids"}`` with ``jobs`` in the order of ``requests``; the video
    ids go to ``heygen_job_ids`` and the batch ids to ``heygen_batch_ids`` as soon as they are known.

    :param requests: the videos (templated).
    :param batch: ``"auto"``, ``True`` or ``False`` (above).
    :param batch_title: the batches' name in the HeyGen app (templated; ``(n/N)`` is added when there are several).
    """

    job_kind = "video"
    template_fields: Sequence[str] = (*HeyGenJobOperator.template_fields, "requests", "batch_title")
    template_fields_renderers: ClassVar[dict[str, str]] = {
        **HeyGenJobOperator.template_fields_renderers,
        "requests": "json",
    }

    def __init__(
        self,
        *,
        requests: Sequence[m.RequestModel | Mapping[str, Any]] | str,
        batch: bool | str = "auto",
        batch_title: str | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("request") is not None:
            raise ValueError("HeyGenCreateVideosOperator takes requests=[...]; request= is HeyGenCreateVideoOperator's")
        if batch not in (True, False, "auto"):
            raise ValueError(f"batch={batch!r} must be True, False or 'auto'")
        super().__init__(**kwargs)
        # A list is kept as JSON bodies; anything else (a template string, an XComArg) is rendered first.
        self.requests: Any = [_body(item) for item in requests] if isinstance(requests, (list, tuple)) else requests
        self.batch = batch
        self.batch_title = batch_title
        self._context: Context | None = None
        self._batch_ids: list[str] = []
        self._waited_on_batches = False

    # --- the lifecycle's hook points -------------------------------------------------------------------

    def parse_request(self) -> m.RequestModel:
        requests = self.requests
        if isinstance(requests, str):
            try:
                requests = json.loads(requests)
            except ValueError:
                raise InvalidRequestError(["requests: a string that is not a JSON list"]) from None
        return m.parse_video_requests(requests)

    def estimate(self, body: m.RequestModel) -> CreditEstimate:
        videos = cast("m.VideoRequests", body).videos
        return functools.reduce(operator.add, (self.estimate_with(self.spec, video.to_body()) for video in videos))

    def create(self, body: m.RequestModel, idempotency_key: str) -> list[str]:
        videos = cast("m.VideoRequests", body)
        if self.batch is not False:
            video_ids = self._create_in_batches(videos, idempotency_key)
            if video_ids is not None:
                return video_ids
        return [self._create_alone(videos, index, idempotency_key) for index in range(len(videos.videos))]

    def resubmit(self, body: m.RequestModel, index: int, idempotency_key: str) -> str:
        """Render the failed video ``index`` again, alone."""
        video = cast("m.VideoRequests", body).videos[index]
        return self.hook.create_video(video, idempotency_key=idempotency_key).video_id

    def job_costs(self, jobs: Sequence[dict[str, Any]]) -> list[float | None]:
        """Each video's cost at its own request's price (its engine), not the first one's."""
        bodies = self.requests if isinstance(self.requests, list) else []
        for index, job in enumerate(jobs):
            if index < len(bodies):
                job["credits"] = self.spec.cost_of(bodies[index], job.get("duration"), self.hook.prices)
        return super().job_costs(jobs)

    def get_job_result(self, external_id: Any, context: Context) -> dict[str, Any]:
        """The base result plus ``batch_ids`` (empty when the videos were created one by one)."""
        result = super().get_job_result(external_id, context)
        if "batch_ids" not in result:
            ti = context["ti"]
            recorded = self._batch_ids or ti.xcom_pull(
                task_ids=ti.task_id, key=BATCH_IDS_XCOM_KEY, map_indexes=ti.map_index
            )
            result["batch_ids"] = list(recorded or [])
        return result

    def poll_until_complete(self, external_id: Any, context: Context) -> Any:
        """After a wait on the batches, the videos are already terminal: settle them without a second trigger."""
        if self._waited_on_batches and self.wait_for_completion:
            job_ids = [str(job_id) for job_id in external_id]
            statuses = self.hook.get_job_statuses(self.job_kind, job_ids)
            if all(status.state.is_terminal for status in statuses.values()):
                self._job_ids = job_ids
                self.settle(JobEvent.from_statuses(self.job_kind, statuses))
                return self.get_job_result(job_ids, context)
        return super().poll_until_complete(external_id, context)

    # --- entry points ----------------------------------------------------------------------------------

    def execute(self, context: Context) -> Any:
        self._context = context
        return super().execute(context)

    def resume_after_batches(self, context: Context, event: Any = None, job_ids: list[str] | None = None) -> Any:
        """Back from the batch trigger: raise if the wait timed out or broke, else run the task again.

        The second run replays the batch keys (same batches, now with every video id) and goes on from there.
        """
        job_event = self.resumed_event(event, job_ids)
        if job_event.status in ("timeout", "error"):
            self.settle(job_event)
        self._waited_on_batches = True
        return self.run_again(context)

    # --- helpers ---------------------------------------------------------------------------------------

    def _create_alone(self, videos: m.VideoRequests, index: int, key: str) -> str:
        return self.hook.create_video(videos.videos[index], idempotency_key=f"{key}-{index}").video_id

    def _create_in_batches(self, videos: m.VideoRequests, key: str) -> list[str] | None:
        """Submit the batches and return the video ids in order; None when the account has no batches."""
        assert self._context is not None, "create() runs inside execute()"
        batch_ids: list[str] = []
        for n, request in enumerate(videos.batches(self.batch_title)):
            try:
                batch_ids.append(self.hook.create_video_batch(request, idempotency_key=f"{key}-batch{n}").batch_id)
            except (NotFoundError, PermissionDeniedError) as exc:
                if self.batch is True or batch_ids:
                    raise
                self.log.info(
                    "HeyGen video batches are not available to this account (%s); creating the %d videos one by one",
                    exc.status_code,
                    len(videos.videos),
                )
                return None
        self._batch_ids = batch_ids
        self._context["ti"].xcom_push(key=BATCH_IDS_XCOM_KEY, value=batch_ids)
        self.log.info("Submitted HeyGen video batch(es) %s (%d videos)", ", ".join(batch_ids), len(videos.videos))
        batches = [self.hook.get_video_batch(batch_id) for batch_id in batch_ids]
        if any(item.video_id is None and item.status != "failed" for batch in batches for item in batch.items):
            self.log.info("HeyGen has queued videos without an id yet; waiting on the batch(es)")
            event = self.wait_for("video_batch", batch_ids, time.time() + self.timeout, "resume_after_batches")
            if event.status in ("timeout", "error"):  # items may still be queued: never create them alone
                self.settle(event)
            self._waited_on_batches = True
            batches = [self.hook.get_video_batch(batch_id) for batch_id in batch_ids]
        return self._video_ids(videos, batches, key)

    def _video_ids(self, videos: m.VideoRequests, batches: Sequence[m.VideoBatch], key: str) -> list[str]:
        """Each item's video id; an item HeyGen could not create fails the first try and is created alone on
        a retry (key ``<key>-<index>``)."""
        assert self._context is not None
        video_ids: list[str] = []
        for n, batch in enumerate(batches):
            by_index = {item.item_index: item for item in batch.items}
            for offset in range(len(batch.items) if batch.items else batch.total_items):
                index = n * m.BATCH_MAX_VIDEOS + offset
                item = by_index.get(offset)
                if item is not None and item.video_id:
                    video_ids.append(item.video_id)
                elif item is not None and item.status != "failed":  # HeyGen may still create it: never twice
                    raise MalformedResponseError.of_answer(
                        f"item {offset} of batch {batch.batch_id} is {item.status!r} without a video id after the wait",
                        method="GET",
                        path=f"/v3/videos/batches/{batch.batch_id}",
                    )
                elif self._context["ti"].try_number > 1:
                    video_ids.append(self._create_alone(videos, index, key))
                else:
                    label = f"videos[{index}] (item {offset} of batch {batch.batch_id}, never created)"
                    failure = JobStatus.from_resource(self.spec, label, {"error": item.error if item else None})
                    raise JobFailedError(
                        "video", label, failure_code=failure.failure_code, failure_message=failure.failure_message
                    )
        if len(video_ids) != len(videos.videos):
            raise MalformedResponseError.of_answer(
                f"the batches hold {len(video_ids)} videos, {len(videos.videos)} were sent",
                method="GET",
                path="/v3/videos/batches",
            )
        return video_ids


def _body(item: m.RequestModel | Mapping[str, Any]) -> Any:
    return item.to_body() if isinstance(item, m.RequestModel) else item
