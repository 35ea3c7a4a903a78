"""Video Agent: create a session from a prompt, send it follow-up messages, read it, stop it, list its videos
and resources; the styles.

A session makes one video at once: a job of kind ``video`` created with the session, so its id is in the
create answer and it can be polled at GET /v3/videos/{video_id}. Both share one timeline: the session is
``thinking`` for the first 30% of the run (its video ``pending``), then ``generating`` (``processing``), then
``completed``. The video lasts as long as the prompt spoken at 2.5 words a second, clamped to 15-180 s, and
the session is charged 0.0667 credits a second of it (the video itself costs nothing more and does not
count toward the concurrency cap a second time). Stopping a running session fails it and its video with
``failure_code`` ``stopped``.

A ``chat`` session (``mode: chat``) takes follow-up messages (POST /v3/video-agents/{session_id}) once it is
``completed``, ``failed`` or ``waiting_for_input``; a ``generate`` session answers 400 ``invalid_parameter``
(``param`` ``session_id``) and a running one 409 ``conflict``. A message starts a new run of the same session:
the same timeline from ``thinking`` again, a NEW video as long as the last one (the session's ``video_id``
then names it, ``/videos`` lists every video, newest first), charged again on completion; the user's message
and the agent's replies join ``messages``. Job faults aimed at the message's path hit the new run. The run is
not refused for the concurrency cap or the wallet. ``ask_next(state, question)`` makes the next chat run stop
at ``waiting_for_input`` after thinking, the question as the agent's newest message and no video made; a
message answers it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from airflow_provider.heygen.testing.fake import pagination
from airflow_provider.heygen.testing.fake.errors import conflict, invalid_parameter, not_found
from airflow_provider.heygen.testing.fake.routes import api_route, callback_fields, data, job_listing
from airflow_provider.heygen.testing.fake.routes.videos import VIDEO, speech_seconds, video_extra
from airflow_provider.heygen.testing.fake.state import Job, JobKind, NewJob, State

__all__ = ["STYLES", "VIDEO_AGENT", "ask_next", "routes"]

VIDEO_AGENT = "video_agent"
PRICE_PER_SECOND = 0.0667
AGENT_SECONDS = (15.0, 180.0)
_SESSION_PHASES = (("thinking", 0.3), ("generating", 0.7))
#: The session's video is ``pending`` while the session thinks and ``processing`` while it generates.
_VIDEO_PHASES = (("pending", 0.3), ("processing", 0.7))
#: A run that asks a question thinks, then waits for input (it never ends by itself: the run is stuck).
_ASKING_PHASES = (("thinking", 0.3), ("waiting_for_input", 0.7))
#: Session states that take a follow-up message.
_IDLE = ("completed", "failed", "waiting_for_input")
_MAX_MESSAGES = 40
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


def ask_next(state: State, question: str) -> None:
    """Make the next ``chat`` run (a create or a message) stop at ``waiting_for_input``, asking ``question``."""
    state.bucket(VIDEO_AGENT).setdefault("questions", []).append(question)


def _next_question(state: State, body: dict[str, Any], session: Job | None = None) -> str | None:
    mode = (session.request if session is not None else body).get("mode")
    questions = state.bucket(VIDEO_AGENT).get("questions") or []
    return questions.pop(0) if mode == "chat" and questions else None


def _turn(state: State, session: Job) -> list[dict[str, Any]]:
    """The messages of the session's current run, oldest first: what the user said, then the agent."""
    turn = session.extra["turn"]
    created = int(session.created_at)
    said = [{"role": "user", "type": "text", "content": turn["content"], "created_at": turn["created_at"]}]
    plan = "Planning the revision." if turn["follow_up"] else "Planning the storyboard."
    said.append({"role": "model", "type": "text", "content": plan, "created_at": created})
    if session.status == "waiting_for_input":
        said.append({"role": "model", "type": "text", "content": session.extra["question"], "created_at": created})
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
    return said


def _messages(state: State, session: Job) -> list[dict[str, Any]]:
    """Newest first and at most 40, like HeyGen: the earlier runs' messages, then the current run's."""
    return [*session.extra["history"], *_turn(state, session)][::-1][:_MAX_MESSAGES]


def render_session(state: State, session: Job) -> dict[str, Any]:
    return {
        "session_id": session.id,
        "status": session.status,
        "progress": round(100 * state.progress(session)),
        "title": session.title,
        "video_id": session.extra["video_id"],
        "created_at": int(session.extra["created_at"]),
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
        question = _next_question(state, body)
        new_session = NewJob(VIDEO_AGENT, body, seconds, **fields, phases=_ASKING_PHASES if question else None)
        session, *made = state.create_jobs([new_session] + ([] if question else [_new_video(body, seconds, prompt)]))
        video = made[0] if made else None
        with state.lock:  # the video shares the session's fate (an injected fault hits the session)
            session.extra.update(created_at=session.created_at, history=[], video_ids=[], video_id=None)
            session.extra["turn"] = {"content": prompt, "created_at": int(session.created_at), "follow_up": False}
            _start_run(session, video, question)
        return data(
            {
                "session_id": session.id,
                "status": session.status,
                "video_id": session.extra["video_id"],
                "created_at": int(session.created_at),
            }
        )

    def send(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        session = session_of(request)
        if session.request.get("mode") != "chat":
            raise invalid_parameter(
                "session_id",
                f"Session {session.id} was created in generate mode; only sessions created with mode 'chat' "
                "take follow-up messages",
            )
        if session.status not in _IDLE:
            raise conflict(f"Session {session.id} is {session.status}; send a message once the run is done")
        question = _next_question(state, body, session)
        with state.lock:
            history = [*session.extra["history"], *_turn(state, session)]
            state.restart_job(session, _ASKING_PHASES if question else None)  # its fault drawn before the video's
            made = [] if question else state.create_jobs([_new_video(body, session.output_seconds, body["message"])])
            turn = {"content": body["message"], "created_at": int(session.created_at), "follow_up": True}
            session.extra.update(history=history, turn=turn)
            _start_run(session, made[0] if made else None, question)
        return data({"session_id": session.id, "run_id": state.new_id("run"), "title": session.title})

    def get(request: Request, body: None) -> dict[str, Any]:
        return data(state.render(session_of(request)))

    def listing(request: Request, body: None) -> dict[str, Any]:
        def summary(job: Job) -> dict[str, Any]:
            return {"session_id": job.id, "created_at": int(job.extra["created_at"]), "title": job.title}

        return job_listing(state, request, VIDEO_AGENT, "/v3/video-agents", render=summary)

    def stop(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        session = session_of(request)
        video = state.find_job(session.extra["video_id"]) if session.extra["video_id"] else None
        for job in (session, video):
            if job is not None:
                state.finish(job, failed=True, code="stopped", message="The session was stopped before it finished.")
        return data({"session_id": session.id})

    def videos(request: Request, body: None) -> dict[str, Any]:
        made = [state.find_job(video_id) for video_id in reversed(session_of(request).extra["video_ids"])]
        found = [state.render(video) for video in made if video is not None and not video.deleted]
        return {"data": found, "has_more": False, "next_token": None}

    def resource(request: Request, body: None) -> dict[str, Any]:
        session = session_of(request)
        resource_id = request.path_params["resource_id"]
        video_job = state.find_job(resource_id) if resource_id in session.extra["video_ids"] else None
        if video_job is None or video_job.deleted or video_job.status != "completed":
            raise not_found("Resource", resource_id)
        video = state.render(video_job)
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
        api_route("POST", "/v3/video-agents/{session_id}", send),
        api_route("POST", "/v3/video-agents/{session_id}/stop", stop),
        api_route("GET", "/v3/video-agents/{session_id}/videos", videos),
        api_route("GET", "/v3/video-agents/{session_id}/resources/{resource_id}", resource),
    ]


def _new_video(body: dict[str, Any], seconds: float, text: str) -> NewJob:
    """The video a run makes: free (the session pays) and outside the concurrency cap (the session counts)."""
    return NewJob(
        VIDEO,
        body,
        seconds,
        title=body.get("title") or text[:60],
        extra=video_extra("mp4", text),
        price_per_second=0.0,
        concurrent=False,
        phases=_VIDEO_PHASES,
    )


def _start_run(session: Job, video: Job | None, question: str | None) -> None:
    """Tie a new run's video to its session (same fate as the session); an asking run is stuck, without video."""
    session.extra["question"] = question
    if question:
        session.outcome, session.failure_code, session.failure_message = "stuck", None, None
    if video is None:
        return
    session.extra["video_id"], video.extra["session_id"] = video.id, session.id
    session.extra["video_ids"].append(video.id)
    video.outcome, video.failure_code, video.failure_message = (
        session.outcome,
        session.failure_code,
        session.failure_message,
    )
