"""Video Agent: create a session from a prompt, read it, stop it, list its videos and resources; the styles.

A session makes one video at once: a job of kind ``video`` created with the session, so its id is in the
create answer and it can be polled at GET /v3/videos/{video_id}. Both share one timeline: the session is
``thinking`` for the first 30% of the run (its video ``pending``), then ``generating`` (``processing``), then
``completed``. The video lasts as long as the prompt spoken at 2.5 words a second, clamped to 15-180 s, and
the session is charged 0.0667 credits a second of it (the video itself costs nothing more and does not
count toward the concurrency cap a second time). ``chat`` mode is accepted but runs like ``generate``.
Stopping a running session fails it and its video with ``failure_code`` ``stopped``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from airflow_provider.heygen.testing.fake import pagination
from airflow_provider.heygen.testing.fake.errors import not_found
from airflow_provider.heygen.testing.fake.routes import api_route, callback_fields, data, job_listing
from airflow_provider.heygen.testing.fake.routes.videos import VIDEO, speech_seconds, video_extra
from airflow_provider.heygen.testing.fake.state import Job, JobKind, NewJob, State

__all__ = ["STYLES", "VIDEO_AGENT", "routes"]

VIDEO_AGENT = "video_agent"
PRICE_PER_SECOND = 0.0667
AGENT_SECONDS = (15.0, 180.0)
_SESSION_PHASES = (("thinking", 0.3), ("generating", 0.7))
#: The session's video is ``pending`` while the session thinks and ``processing`` while it generates.
_VIDEO_PHASES = (("pending", 0.3), ("processing", 0.7))
_STYLE_TAGS = ("cinematic", "retro-tech", "iconic-artist", "pop-culture", "handmade", "print")
#: The style catalogue: 24 styles, four per tag.
STYLES: list[dict[str, Any]] = [
    {
        "style_id": f"style_{tag.replace('-', '_')}_{number}",
        "name": f"{tag.replace('-', ' ').title()} {number}",
        "tags": [tag],
        "thumbnail_url": None,
        "preview_video_url": None,
        "aspect_ratio": "16:9" if number % 2 else "9:16",
    }
    for tag in _STYLE_TAGS
    for number in range(1, 5)
]


def _messages(state: State, session: Job) -> list[dict[str, Any]]:
    """Newest first, like HeyGen: the prompt, then what the agent says at each stage reached."""
    created = int(session.created_at)
    said = [{"role": "user", "type": "text", "content": session.request["prompt"], "created_at": created}]
    said.append({"role": "model", "type": "text", "content": "Planning the storyboard.", "created_at": created})
    if session.status in ("generating", "completed"):
        said.append({"role": "model", "type": "text", "content": "Generating the video.", "created_at": created})
    if session.status == "completed":
        said.append(
            {
                "role": "model",
                "type": "resource",
                "content": "Your video is ready.",
                "resource_ids": [session.extra["video_id"]],
                "created_at": int(session.completed_at or created),
            }
        )
    elif session.status == "failed":
        said.append({"role": "model", "type": "error", "content": session.failure_message or "Generation failed."})
    return said[::-1]


def render_session(state: State, session: Job) -> dict[str, Any]:
    return {
        "session_id": session.id,
        "status": session.status,
        "progress": round(100 * state.progress(session)),
        "title": session.title,
        "video_id": session.extra["video_id"],
        "created_at": int(session.created_at),
        "messages": _messages(state, session),
    }


def routes(state: State) -> list[BaseRoute]:
    state.register_kind(
        JobKind(
            name=VIDEO_AGENT,
            id_prefix="sess",
            phases=_SESSION_PHASES,
            price_per_second=PRICE_PER_SECOND,
            render=render_session,
        )
    )

    def session_of(request: Request) -> Job:
        return state.get_job(VIDEO_AGENT, request.path_params["session_id"], "Session")

    def create(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        prompt = body["prompt"]
        seconds = min(max(speech_seconds(prompt), AGENT_SECONDS[0]), AGENT_SECONDS[1])
        fields = callback_fields(body)
        fields["title"] = fields["title"] or prompt[:60]
        session, video = state.create_jobs(
            [
                NewJob(VIDEO_AGENT, body, seconds, **fields),
                NewJob(
                    VIDEO,
                    body,
                    seconds,
                    title=fields["title"],
                    extra=video_extra("mp4", prompt),
                    price_per_second=0.0,
                    concurrent=False,
                    phases=_VIDEO_PHASES,
                ),
            ]
        )
        with state.lock:  # the video shares the session's fate (an injected fault hits the session)
            session.extra["video_id"], video.extra["session_id"] = video.id, session.id
            video.outcome, video.failure_code, video.failure_message = (
                session.outcome,
                session.failure_code,
                session.failure_message,
            )
        return data(
            {
                "session_id": session.id,
                "status": session.status,
                "video_id": video.id,
                "created_at": int(session.created_at),
            }
        )

    def get(request: Request, body: None) -> dict[str, Any]:
        return data(state.render(session_of(request)))

    def listing(request: Request, body: None) -> dict[str, Any]:
        def summary(job: Job) -> dict[str, Any]:
            return {"session_id": job.id, "created_at": int(job.created_at), "title": job.title}

        return job_listing(state, request, VIDEO_AGENT, "/v3/video-agents", render=summary)

    def stop(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        session = session_of(request)
        video = state.find_job(session.extra["video_id"])
        for job in (session, video):
            if job is not None:
                state.finish(job, failed=True, code="stopped", message="The session was stopped before it finished.")
        return data({"session_id": session.id})

    def videos(request: Request, body: None) -> dict[str, Any]:
        video = state.find_job(session_of(request).extra["video_id"])
        found = [state.render(video)] if video is not None and not video.deleted else []
        return {"data": found, "has_more": False, "next_token": None}

    def resource(request: Request, body: None) -> dict[str, Any]:
        session = session_of(request)
        resource_id = request.path_params["resource_id"]
        if resource_id != session.extra["video_id"] or session.status != "completed":
            raise not_found("Resource", resource_id)
        video = state.render(state.get_job(VIDEO, resource_id, "Resource"))
        return data(
            {
                "resource_id": resource_id,
                "resource_type": "video",
                "source_type": "generated",
                "url": video["video_url"],
                "preview_url": video["video_url"],
                "thumbnail_url": video["thumbnail_url"],
                "metadata": {"duration": video["duration"]},
                "created_at": video["completed_at"],
            }
        )

    def styles(request: Request, body: None) -> dict[str, Any]:
        tag = request.query_params.get("tag")
        matching = [style for style in STYLES if not tag or tag in style["tags"]]
        return pagination.page(request.query_params, matching, "/v3/video-agents/styles")

    return [
        api_route("POST", "/v3/video-agents", create),
        api_route("GET", "/v3/video-agents", listing),
        api_route("GET", "/v3/video-agents/styles", styles),
        api_route("GET", "/v3/video-agents/{session_id}", get),
        api_route("POST", "/v3/video-agents/{session_id}/stop", stop),
        api_route("GET", "/v3/video-agents/{session_id}/videos", videos),
        api_route("GET", "/v3/video-agents/{session_id}/resources/{resource_id}", resource),
    ]
