"""Videos: create (avatar, image, studio, cinematic_avatar), get, list, delete, bulk statuses.

Output length (what the job renders, and what it is charged for): a script speaks at 2.5 words a second
(at least 1 s); an audio source lasts what ``State.media_seconds`` knows (the fake's own files) or
``default_source_seconds``; a studio video is the sum of its scenes (silent image scenes their ``duration``,
video scenes their source); a cinematic video its ``duration`` (default 10 s). Price per output second:
Avatar IV (the default engine, also image, studio and cinematic) 0.1 credits, ``engine: avatar_iii`` 0.0033.
Statuses: ``waiting`` in the create answer, then ``pending`` (first 20% of the run), ``processing``,
``completed`` | ``failed``.
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
)
from airflow_provider.heygen.testing.fake.state import Job, JobKind, NewJob, State

__all__ = ["VIDEO", "WORDS_PER_SECOND", "new_video", "routes", "speech_seconds", "video_extra"]

VIDEO = "video"
WORDS_PER_SECOND = 2.5
CINEMATIC_DEFAULT_SECONDS = 10
PRICE_AVATAR_IV = 0.1
PRICE_AVATAR_III = 0.0033


def speech_seconds(text: str) -> float:
    """How long a script takes to speak: 2.5 words a second, at least one second."""
    return max(1.0, round(len(text.split()) / WORDS_PER_SECOND, 2))


def video_extra(output_format: str, caption_text: str, *, burn_captions: bool = False) -> dict[str, Any]:
    """What ``render_video`` needs beyond the job record; for jobs of kind ``video`` made by other routes."""
    return {"output_format": output_format, "caption_text": caption_text, "burn_captions": burn_captions}


def render_video(state: State, job: Job) -> dict[str, Any]:
    """The video resource of GET /v3/videos/{video_id}; URLs are minted afresh on every call."""
    extra = job.extra
    fmt = extra.get("output_format", "mp4")
    seconds = job.output_seconds
    failed = job.status == state.kind(VIDEO).failure
    return {
        "id": job.id,
        "status": job.status,
        "title": job.title,
        "created_at": int(job.created_at),
        "completed_at": int(job.completed_at) if job.completed_at is not None else None,
        "duration": seconds if job.status == "completed" else None,
        "video_url": output_url(state, job, f".{fmt}", lambda: media.video_bytes(fmt, seconds), seconds=seconds),
        "thumbnail_url": output_url(state, job, ".png", media.thumbnail_png),
        "gif_url": None,
        "captioned_video_url": (
            output_url(state, job, "-captioned.mp4", lambda: media.video_bytes("mp4", seconds), seconds=seconds)
            if extra.get("burn_captions")
            else None
        ),
        "subtitle_url": output_url(
            state, job, ".srt", lambda: media.captions(extra.get("caption_text", ""), seconds, "srt")
        ),
        "folder_id": job.request.get("folder_id"),
        "output_language": extra.get("output_language"),
        "failure_code": job.failure_code if failed else None,
        "failure_message": job.failure_message if failed else None,
        "video_page_url": f"https://app.heygen.com/videos/{job.id}",
    }


def _speech_source_seconds(state: State, source: dict[str, Any]) -> float:
    if source.get("script"):
        return speech_seconds(source["script"])
    audio = source.get("audio_url") or (f"asset:{source['audio_asset_id']}" if source.get("audio_asset_id") else None)
    return state.media_seconds(audio)


def _scene_seconds(state: State, scene: dict[str, Any]) -> float:
    if scene["type"] == "avatar_video":
        return _speech_source_seconds(state, scene["input"])
    if scene["type"] == "image":
        return scene["duration"] if scene.get("duration") is not None else _speech_source_seconds(state, scene)
    return state.media_seconds(scene["source"])


def _output_seconds(state: State, body: dict[str, Any]) -> float:
    kind = body["type"]
    if kind == "studio":
        return round(sum(_scene_seconds(state, scene) for scene in body["scenes"]), 2)
    if kind == "cinematic_avatar":
        return float(body.get("duration") or CINEMATIC_DEFAULT_SECONDS)
    return _speech_source_seconds(state, body)


def _caption_text(body: dict[str, Any]) -> str:
    if body["type"] == "studio":
        scripts = [(scene.get("input") or scene).get("script") for scene in body["scenes"]]
        return " ".join(script for script in scripts if script)
    return body.get("script") or body.get("prompt") or ""


def new_video(state: State, body: dict[str, Any]) -> NewJob:
    """The video job a validated POST /v3/videos body makes (a batch item makes the same one)."""
    engine = (body.get("engine") or {}).get("type")
    return NewJob(
        VIDEO,
        body,
        _output_seconds(state, body),
        price_per_second=PRICE_AVATAR_III if engine == "avatar_iii" else PRICE_AVATAR_IV,
        extra=video_extra(
            body.get("output_format") or "mp4",
            _caption_text(body),
            burn_captions=bool((body.get("caption") or {}).get("style")),
        ),
        **callback_fields(body),
    )


def routes(state: State) -> list[BaseRoute]:
    state.register_kind(
        JobKind(
            name=VIDEO,
            id_prefix="v",
            phases=(("pending", 0.2), ("processing", 0.8)),
            price_per_second=PRICE_AVATAR_IV,
            initial_status="waiting",
            render=render_video,
        )
    )

    def create(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        (job,) = state.create_jobs([new_video(state, body)])
        fmt = job.extra["output_format"]
        return data({"video_id": job.id, "status": state.kind(VIDEO).initial_status, "output_format": fmt})

    def get(request: Request, body: None) -> dict[str, Any]:
        return data(state.render(state.get_job(VIDEO, request.path_params["video_id"], "Video")))

    def listing(request: Request, body: None) -> dict[str, Any]:
        folder = request.query_params.get("folder_id")
        title = (request.query_params.get("title") or "").lower()

        def keep(job: Job) -> bool:
            in_folder = not folder or job.request.get("folder_id") == folder
            return in_folder and title in (job.title or "").lower()

        return job_listing(state, request, VIDEO, "/v3/videos", keep=keep)

    def delete(request: Request, body: None) -> dict[str, Any]:
        job = state.delete_job(VIDEO, request.path_params["video_id"], "Video")
        return data({"id": job.id, "deleted": True})

    def statuses(request: Request, body: None) -> dict[str, Any]:
        return bulk_statuses(state, request, [VIDEO], "video_ids")

    return [
        api_route("POST", "/v3/videos", create),
        api_route("GET", "/v3/videos", listing),
        api_route("GET", "/v3/videos/statuses", statuses),
        api_route("GET", "/v3/videos/{video_id}", get),
        api_route("DELETE", "/v3/videos/{video_id}", delete),
    ]
