"""Routes of the fake, one module per API family, plus the helpers they share.

Each module exposes ``routes(state) -> list[BaseRoute]``; ``app.py`` mounts every module of this package that
has one. Build endpoints with ``api_route``: it parses the JSON body, checks the query and body against the
operation (``validation``), and turns an ``ApiError`` into HeyGen's error envelope, so a handler only reads
``state`` and returns the JSON document.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from airflow_provider.heygen.testing.fake import pagination, validation
from airflow_provider.heygen.testing.fake.errors import ApiError, invalid_parameter
from airflow_provider.heygen.testing.fake.state import Job, State

__all__ = [
    "BATCH_EXPANDERS",
    "Handler",
    "api_route",
    "bulk_status",
    "bulk_statuses",
    "callback_fields",
    "data",
    "error_response",
    "job_listing",
    "json_response",
    "output_url",
    "retitle",
    "source_seconds",
]

Result = dict[str, Any] | Response
Handler = Callable[[Request, Any], Result | Awaitable[Result]]

MAX_BULK_IDS = 100
#: ids_param -> ``expand(state, batch_id)``: a batch's bulk-status entries, or None for an unknown batch.
BATCH_EXPANDERS: dict[str, Callable[[State, str], list[dict[str, Any]] | None]] = {}


def data(obj: Any) -> dict[str, Any]:
    """HeyGen's success envelope."""
    return {"data": obj}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def api_route(method: str, path: str, handler: Handler, *, status: int = 200) -> Route:
    """A route for the operation ``method path`` (HeyGen's template, e.g. ``/v3/videos/{video_id}``).

    The handler gets the request and the parsed, validated JSON body (None for GET/DELETE and non-JSON bodies)
    and returns the JSON document (answered with ``status``) or a ready ``Response``.
    """
    method = method.upper()
    op = validation.operation(method, path)
    takes_json = method in ("POST", "PUT", "PATCH") and (op is None or op.get("body_encoding") in ("json", None))

    async def endpoint(request: Request) -> Response:
        try:
            body = _parse(await request.body()) if takes_json else None
            validation.check_query(method, path, request.query_params)
            if takes_json:
                validation.check_request(method, path, body)
            result = handler(request, body)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            return error_response(error)
        return result if isinstance(result, Response) else json_response(result, status)

    return Route(path, endpoint, methods=[method])


def _parse(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid_parameter(None, "request body is not valid JSON") from None


def callback_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The per-job callback settings and title of a create body, as ``NewJob`` fields."""
    return {
        "callback_url": body.get("callback_url"),
        "callback_id": body.get("callback_id"),
        "title": body.get("title"),
    }


def output_url(state: State, job: Job, suffix: str, content: Any, *, seconds: float | None = None) -> str | None:
    """A fresh presigned URL for one output of a completed job (None before completion or after a failure)."""
    if job.status != state.kind(job.kind).success:
        return None
    return state.file_url(f"{job.id}{suffix}", content, seconds=seconds)


def source_seconds(state: State, body: dict[str, Any], *sources: Any) -> float:
    """Length of what a translation or lipsync renders: the first source whose length the fake knows (else
    ``default_source_seconds``), cut to ``start_time``..``end_time`` when given; at least one second."""
    known = next((seconds for seconds in map(state.known_media_seconds, sources) if seconds is not None), None)
    total = state.config.default_source_seconds if known is None else known
    start: float = body.get("start_time") or 0.0
    end: float = body["end_time"] if body.get("end_time") is not None else max(total, start)
    return max(round(end - start, 3), 1.0)


def retitle(state: State, request: Request, kind: str, id_param: str, title: str, what: str) -> dict[str, Any]:
    """PATCH {title}: rename a job and answer its resource."""
    job = state.get_job(kind, request.path_params[id_param], what)
    with state.lock:
        job.title = title
    return data(state.render(job))


def job_listing(
    state: State,
    request: Request,
    kind: str,
    path: str,
    render: Callable[[Job], dict[str, Any]] | None = None,
    keep: Callable[[Job], bool] | None = None,
) -> dict[str, Any]:
    """One page of a kind's jobs, newest first, rendered like their GET (or with ``render``)."""
    jobs = [job for job in reversed(state.jobs(kind)) if keep is None or keep(job)]
    envelope = pagination.page(request.query_params, jobs, path)
    envelope["data"] = [(render or state.render)(job) for job in envelope["data"]]
    return envelope


def bulk_statuses(state: State, request: Request, kinds: Iterable[str], ids_param: str) -> dict[str, Any]:
    """The bulk status list: ``queued|processing|completed|failed|not_found`` per id, in the order asked.

    ``batch_ids`` expand into their items through the expander registered for ``ids_param`` in
    ``BATCH_EXPANDERS`` (``video_batches`` registers videos'); a batch it does not know answers ``not_found``.
    """
    kinds = set(kinds)
    ids = _split(request.query_params.get(ids_param))
    batch_ids = _split(request.query_params.get("batch_ids"))
    if not ids and not batch_ids:
        raise invalid_parameter(ids_param, f"pass {ids_param} or batch_ids")
    if len(ids) + len(batch_ids) > MAX_BULK_IDS:
        raise invalid_parameter(ids_param, f"at most {MAX_BULK_IDS} ids per request")
    entries: list[dict[str, Any]] = []
    for job_id in ids:
        job = state.find_job(job_id)
        if job is None or job.deleted or job.kind not in kinds:
            entries.append({"video_id": job_id, "status": "not_found", "error": None})
            continue
        status, error = bulk_status(state, job)
        entries.append({"video_id": job.id, "status": status, "error": error})
    expand = BATCH_EXPANDERS.get(ids_param)
    for batch in batch_ids:
        items = expand(state, batch) if expand is not None else None
        missing = {"video_id": None, "batch_id": batch, "status": "not_found", "error": None}
        entries += items if items is not None else [missing]
    return {"data": entries, "has_more": False, "next_token": None}


def bulk_status(state: State, job: Job) -> tuple[str, dict[str, Any] | None]:
    """A job in the bulk vocabulary (``queued|processing|completed|failed``), with its error when failed."""
    kind = state.kind(job.kind)
    if job.status == kind.success:
        return "completed", None
    if job.status == kind.failure:
        return "failed", {"code": job.failure_code, "message": job.failure_message}
    return ("queued" if job.status == (job.phases or kind.phases)[0][0] else "processing"), None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]
