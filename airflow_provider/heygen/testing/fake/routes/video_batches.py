"""Video batches: POST /v3/videos/batches, GET /v3/videos/batches/{batch_id}, and ``batch_ids`` in bulk statuses.

Each item is checked like a POST /v3/videos body (the same schema and limit checks, its errors naming
``videos[3].script``) and becomes an ordinary video job, so GET video, the statuses endpoint, webhooks and
billing treat it like any other video. Items beyond the concurrency cap do not 429 the batch: they wait
``queued`` with ``video_id: null`` and get their video, in order, as running jobs end (an item the wallet
cannot cover fails with ``insufficient_credit``). A batch is ``processing`` while an item is not terminal,
then ``completed`` when all completed, else ``failed``. ``FakeHeyGen(video_batches=False)`` is an account
without batches: both paths answer 404 and ``batch_ids`` expand to ``not_found``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from airflow_provider.heygen.testing.fake import pagination, validation
from airflow_provider.heygen.testing.fake.errors import ApiError, invalid_parameter, not_found
from airflow_provider.heygen.testing.fake.routes import BATCH_EXPANDERS, api_route, bulk_status, data
from airflow_provider.heygen.testing.fake.routes.videos import new_video
from airflow_provider.heygen.testing.fake.state import Job, State

__all__ = ["MAX_BATCH_VIDEOS", "routes"]

MAX_BATCH_VIDEOS = 100
_BUCKET = "video_batches"
_PATH = "/v3/videos/batches/{batch_id}"


@dataclass
class _Item:
    index: int
    body: dict[str, Any]
    video_id: str | None = None
    error: dict[str, Any] | None = None


@dataclass
class _Batch:
    batch_id: str
    created_at: float
    title: str | None
    items: list[_Item] = field(default_factory=list)


def _check_items(body: dict[str, Any]) -> None:
    """POST /v3/videos's own limit checks on every item, their ``param`` prefixed with ``videos[i]``."""
    videos = body["videos"]
    if not 1 <= len(videos) <= MAX_BATCH_VIDEOS:
        raise invalid_parameter("videos", f"videos must contain 1 to {MAX_BATCH_VIDEOS} video requests")
    for index, video in enumerate(videos):
        for check in validation.LIMIT_CHECKS.get(("POST", "/v3/videos"), []):
            try:
                check(video)
            except ApiError as error:
                param = f"videos[{index}]" + (f".{error.param}" if error.param else "")
                raise invalid_parameter(param, f"videos[{index}]: {error.message}") from None


validation.register_check("POST", "/v3/videos/batches", _check_items)


def _item_status(state: State, item: _Item) -> tuple[str, dict[str, Any] | None]:
    if item.error is not None:
        return "failed", item.error
    job = state.find_job(item.video_id) if item.video_id else None
    return ("queued", None) if job is None else bulk_status(state, job)


def _batches(state: State) -> dict[str, _Batch]:
    return state.bucket(_BUCKET)


def _dispatch(state: State) -> None:
    """Give queued items their videos, oldest batch first, while the cap and the wallet allow."""
    with state.lock:
        for batch in list(_batches(state).values()):
            for item in batch.items:
                if item.video_id is not None or item.error is not None:
                    continue
                try:
                    (job,) = state.create_jobs([new_video(state, item.body)])
                except ApiError as error:
                    if error.status == 429:
                        return  # the cap is full: the rest stay queued, in order
                    item.error = {"code": error.code, "message": error.message}
                    continue
                item.video_id = job.id


def _find(state: State, batch_id: str) -> _Batch:
    batch = _batches(state).get(batch_id) if state.config.video_batches else None
    if batch is None:
        raise not_found("Batch", batch_id)
    _dispatch(state)
    return batch


def _items(state: State, batch: _Batch) -> list[dict[str, Any]]:
    shown = []
    for item in batch.items:
        status, error = _item_status(state, item)
        shown.append({"item_index": item.index, "video_id": item.video_id, "status": status, "error": error})
    return shown


def _batch_status(shown: list[dict[str, Any]]) -> str:
    statuses = {item["status"] for item in shown}
    if statuses & {"queued", "processing"}:
        return "processing"
    return "failed" if "failed" in statuses else "completed"


def _expand(state: State, batch_id: str) -> list[dict[str, Any]] | None:
    """A batch's entries in GET /v3/videos/statuses?batch_ids= (None when unknown: ``not_found``)."""
    try:
        batch = _find(state, batch_id)
    except ApiError:
        return None
    return [{**item, "batch_id": batch_id} for item in _items(state, batch)]


BATCH_EXPANDERS["video_ids"] = _expand


def routes(state: State) -> list[BaseRoute]:
    def on_job_end(job: Job) -> None:
        if job.concurrent and _batches(state):
            _dispatch(state)

    state.subscribe(on_job_end)

    def create(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if not state.config.video_batches:
            raise ApiError(404, "not_found", "Video batches are not available for this account")
        batch = _Batch(state.new_id("batch"), state.now(), body.get("title"))
        batch.items = [_Item(index, video) for index, video in enumerate(body["videos"])]
        with state.lock:
            _batches(state)[batch.batch_id] = batch
        _dispatch(state)
        return data({"batch_id": batch.batch_id, "status": "processing", "total_items": len(batch.items)})

    def get(request: Request, body: None) -> dict[str, Any]:
        batch = _find(state, request.path_params["batch_id"])
        shown = _items(state, batch)
        page = pagination.page({"limit": "100", **request.query_params}, shown, _PATH)
        return data(
            {
                "batch_id": batch.batch_id,
                "title": batch.title,
                "created_at": int(batch.created_at),
                "status": _batch_status(shown),
                "total_items": len(shown),
                "counts_by_status": dict(Counter(item["status"] for item in shown)),
                "items": page["data"],
                "has_more": page["has_more"],
                "next_token": page["next_token"],
            }
        )

    return [
        api_route("POST", "/v3/videos/batches", create, status=202),
        api_route("GET", _PATH, get),
    ]
