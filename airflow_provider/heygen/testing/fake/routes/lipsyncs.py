"""Lipsyncs: re-animate a video's speaker to new audio; create, get, list, rename, delete, bulk statuses.

Output length: the new audio's when the fake knows it, else the video's (see ``source_seconds``). Price per
second: ``speed`` (default) 0.05 credits, ``precision`` 0.1. Statuses ``pending`` (first 20%), ``running``,
``completed`` | ``failed``. A completed lipsync has an MP4 ``video_url`` and, with ``enable_caption``, an SRT
``caption_url``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from airflow_provider.heygen.testing.fake import media
from airflow_provider.heygen.testing.fake.routes import (
    api_route,
    bulk_statuses,
    callback_fields,
    data,
    job_listing,
    output_url,
    retitle,
    source_seconds,
)
from airflow_provider.heygen.testing.fake.state import Job, JobKind, State

__all__ = ["LIPSYNC", "routes"]

LIPSYNC = "lipsync"
PRICE_SPEED = 0.05
PRICE_PRECISION = 0.1


def render_lipsync(state: State, job: Job) -> dict[str, Any]:
    seconds = job.output_seconds
    caption_text = f"Lip-synced speech of {job.title or 'the source video'}."
    return {
        "id": job.id,
        "status": job.status,
        "title": job.title,
        "duration": seconds if job.status == "completed" else None,
        "created_at": int(job.created_at),
        "callback_id": job.callback_id,
        "video_url": output_url(state, job, ".mp4", lambda: media.video_bytes("mp4", seconds), seconds=seconds),
        "caption_url": (
            output_url(state, job, ".srt", lambda: media.captions(caption_text, seconds, "srt"))
            if job.request.get("enable_caption")
            else None
        ),
        "failure_message": job.failure_message if job.status == "failed" else None,
    }


def routes(state: State) -> list[BaseRoute]:
    state.register_kind(
        JobKind(
            name=LIPSYNC,
            id_prefix="ls",
            phases=(("pending", 0.2), ("running", 0.8)),
            price_per_second=PRICE_SPEED,
            render=render_lipsync,
        )
    )

    def create(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        job = state.create_job(
            LIPSYNC,
            body,
            source_seconds(state, body, body["audio"], body["video"]),
            price_per_second=PRICE_PRECISION if body.get("mode") == "precision" else PRICE_SPEED,
            **callback_fields(body),
        )
        return data({"lipsync_id": job.id})

    def get(request: Request, body: None) -> dict[str, Any]:
        return data(state.render(state.get_job(LIPSYNC, request.path_params["lipsync_id"], "Lipsync")))

    def listing(request: Request, body: None) -> dict[str, Any]:
        return job_listing(state, request, LIPSYNC, "/v3/lipsyncs")

    def update(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return retitle(state, request, LIPSYNC, "lipsync_id", body["title"], "Lipsync")

    def delete(request: Request, body: None) -> dict[str, Any]:
        return data({"id": state.delete_job(LIPSYNC, request.path_params["lipsync_id"], "Lipsync").id})

    def statuses(request: Request, body: None) -> dict[str, Any]:
        return bulk_statuses(state, request, [LIPSYNC], "lipsync_ids")

    return [
        api_route("POST", "/v3/lipsyncs", create),
        api_route("GET", "/v3/lipsyncs", listing),
        api_route("GET", "/v3/lipsyncs/statuses", statuses),
        api_route("GET", "/v3/lipsyncs/{lipsync_id}", get),
        api_route("PATCH", "/v3/lipsyncs/{lipsync_id}", update),
        api_route("DELETE", "/v3/lipsyncs/{lipsync_id}", delete),
    ]
