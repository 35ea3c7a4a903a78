"""Video Agent operators: turn a prompt (and attached files) into a video, then revise it with follow-up messages.

``HeyGenVideoAgentOperator`` starts a session; ``HeyGenVideoAgentFollowUpOperator`` sends a ``chat`` session
a message (a revision, an answer) and waits for the video that run makes. Both wait the same two steps.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, cast

from airflow_provider.heygen._compat import AirflowFailException, Context, TimeDeltaTrigger
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.credits import CreditEstimate
from airflow_provider.heygen.api.errors import HeyGenError, InvalidRequestError, JobFailedError
from airflow_provider.heygen.api.jobs import JobState, job_kind
from airflow_provider.heygen.inputs import asset_input
from airflow_provider.heygen.lineage import sources_of
from airflow_provider.heygen.links import JOB_IDS_XCOM_KEY
from airflow_provider.heygen.operators.base import HeyGenJobOperator
from airflow_provider.heygen.triggers.job import JobEvent, deferral_timeout

__all__ = ["VIDEO_ID_XCOM_KEY", "HeyGenVideoAgentFollowUpOperator", "HeyGenVideoAgentOperator"]

#: XCom key of the agent's video id, pushed as soon as HeyGen names it (often in the create answer).
VIDEO_ID_XCOM_KEY = "heygen_video_id"


class HeyGenVideoAgentOperator(HeyGenJobOperator):
    """Make a video from a prompt with ``POST /v3/video-agents`` and (by default) wait until it is rendered.

    ``request`` is a ``VideoAgentRequest`` or a dict with its fields (``prompt``, 1-10,000 characters, and
    optionally ``files``, ``avatar_id``, ``voice_id``, ``style_id``, ``orientation``, ...). The wait has two
    steps, each polled in the worker or deferred to ``HeyGenJobTrigger``: the agent session (``thinking``,
    ``generating``, ``completed``), then the video it made. ``timeout`` bounds both together. Use the default
    ``mode="generate"``: a ``chat`` session may stop to wait for input, and then the task times out.

    XCom: the session id under ``heygen_job_ids`` right after submitting, the video id under
    ``heygen_video_id`` as soon as HeyGen names it, and as the return value ``{"session_id", "video_id",
    "title", "status", "session_status", "video_status", "video_url", "thumbnail_url", "subtitle_url",
    "captioned_video_url", "duration", "credits", "kind", "job_ids", "jobs"}``; ``status`` is ``succeeded``,
    ``failed`` or ``running``, the URLs are presigned and expire. A failed session raises ``JobFailedError``
    with HeyGen's reason; a killed task stops the session (``cancel_on_kill``). Once the session is done
    there is nothing left to stop, so killing the task while it waits for the video stops nothing.

    ``max_credits``: the agent decides how long the video is, and HeyGen charges per second of it; the request
    has no length field and HeyGen documents no maximum. So a budget needs ``max_duration`` (the longest video
    you expect, say the length your prompt asks for): the estimate is that many seconds at the agent rate, a
    ceiling checked against ``max_credits`` before submitting. Without it the task refuses to submit, unless
    ``allow_unknown_cost=True``. Either way the spend is checked again once the video is done, from its real
    duration: above ``max_credits`` the task fails without retrying. HeyGen has charged by then; that check keeps
    an over-budget video from going downstream and makes it visible. To know the cost up front, render a script
    with ``HeyGenCreateVideoOperator``.

    :param max_duration: the longest video you expect, in seconds: the ceiling of the estimate (not sent to
        HeyGen, which takes no length for the agent).
    :param files: attachments appended to ``request["files"]`` (templated; at most 20 in all): AssetInput
        dicts, ``https://`` URLs, or files sent inline as base64 (local paths, ``ObjectStoragePath`` or
        ``s3://``-style strings; png, jpeg, mp4, webm, mp3, wav or pdf, at most 32 MB each).
    """

    job_kind = "video_agent"
    template_fields: Sequence[str] = (*HeyGenJobOperator.template_fields, "files")

    def __init__(
        self, *, files: Sequence[Any] | str | None = None, max_duration: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if max_duration is not None and not max_duration > 0:
            raise ValueError(f"max_duration={max_duration!r} must be a number of seconds above 0 (or None)")
        self.files = files
        self.max_duration = max_duration
        self._video_id: str | None = None

    def parse_request(self) -> m.RequestModel:
        return m.VideoAgentRequest.parse(self.with_files(dict(self.request), "VideoAgentRequest"))

    def with_files(self, data: dict[str, Any], model: str) -> dict[str, Any]:
        """``data`` with ``files`` appended to its own, each turned into an AssetInput dict."""
        if self.files:
            files = [self.files] if isinstance(self.files, str) else list(self.files)
            given = list(data.get("files") or [])
            data["files"] = given + [
                asset_input(
                    item,
                    field=f"files[{len(given) + index}]",
                    allowed=m.AGENT_FILE_MIME_TYPES,
                    expected="png, jpeg, mp4, webm, mp3, wav or pdf",
                    model=model,
                )
                for index, item in enumerate(files)
            ]
        return data

    def estimate(self, body: m.RequestModel) -> CreditEstimate:
        return self.estimate_with(self.spec, body.to_body(), self.max_duration)

    def create(self, body: m.RequestModel, idempotency_key: str) -> list[str]:
        session = self.hook.create_video_agent(cast("m.VideoAgentRequest", body), idempotency_key=idempotency_key)
        self._video_id = session.video_id
        return [session.session_id]

    def submit_job(self, context: Context) -> Any:
        session_ids = super().submit_job(context)
        if self._video_id:
            self._record_video(context, self._video_id)
        return session_ids

    # --- waiting: the session, then its video ------------------------------------------------------------

    def poll_until_complete(self, external_id: Any, context: Context) -> Any:
        """Wait for the session, then for its video; in deferrable mode these are two deferrals."""
        session_ids = [str(job_id) for job_id in external_id]
        self._job_ids = session_ids
        if not self.wait_for_completion:
            return self.get_job_result(session_ids, context)
        deadline = time.time() + self.timeout
        event = self.wait_for("video_agent", session_ids, deadline, "execute_session_complete", {"deadline": deadline})
        return self._after_session(event, deadline, context)

    # Airflow 2.10's dag.test() resumes without the deferral's kwargs (a real triggerer keeps them): then the
    # video gets a fresh timeout and the session id comes back from XCom.

    def execute_session_complete(
        self, context: Context, event: Any, deadline: float | None = None, job_ids: list[str] | None = None
    ) -> Any:
        """Back from the session's deferral: on success, wait for its video until the same deadline."""
        session_event = self.resumed_event(event, job_ids)
        return self._after_session(session_event, deadline or time.time() + self.timeout, context)

    def execute_complete(
        self, context: Context, event: Any, job_ids: list[str] | None = None, session_id: str | None = None
    ) -> Any:
        """Back from the video's deferral: check its event, then build the result from the session."""
        self.settle(self.resumed_event(event, job_ids))
        if session_id is None:
            ti = context["ti"]
            session_id = ti.xcom_pull(task_ids=ti.task_id, key=JOB_IDS_XCOM_KEY, map_indexes=ti.map_index)[0]
        return self.get_job_result([session_id], context)

    def _after_session(self, event: JobEvent, deadline: float, context: Context) -> Any:
        session_id = event.job_ids[0]
        self._job_ids = event.job_ids
        if event.status == "failed":
            raise self._session_failure(session_id)
        self.settle(event)
        video_id = self.hook.get_video_agent(session_id).video_id
        if not video_id:
            raise HeyGenError(f"HeyGen video_agent session {session_id} completed without a video")
        self._record_video(context, video_id)
        resume = self.video_resume(session_id)
        video_event = self.wait_for("video", [video_id], deadline, "execute_complete", resume)
        return self.execute_complete(context, video_event.to_payload(), job_ids=[video_id], **resume)

    def video_resume(self, session_id: str) -> dict[str, Any]:
        """What the video's deferral carries to ``execute_complete``."""
        return {"session_id": session_id}

    def _session_failure(self, session_id: str) -> JobFailedError:
        """The error of a failed session: HeyGen's code from its video, its message from the agent's chat."""
        session = self.hook.get_video_agent(session_id)
        said = next((msg.content for msg in session.messages or [] if msg.type == "error" and msg.content), None)
        video = self.hook.get_job("video", session.video_id) if session.video_id else {}
        return JobFailedError(
            "video_agent",
            session_id,
            status=session.status,
            failure_code=video.get("failure_code"),
            failure_message=said or video.get("failure_message"),
        )

    def _record_video(self, context: Context, video_id: str) -> None:
        context["ti"].xcom_push(key=VIDEO_ID_XCOM_KEY, value=video_id)
        self.log.info("HeyGen Video Agent video: %s", video_id)

    # --- status and result -----------------------------------------------------------------------------

    def get_job_status(self, external_id: Any, context: Context) -> str:
        """The session's state, or its video's once the session is done (a reconnecting retry waits for both)."""
        return _agent_state(*self._read(str(next(iter(external_id))))).value

    def get_job_result(self, external_id: Any, context: Context) -> dict[str, Any]:
        """Re-read the session and its video (fresh URLs); the cost is the video's duration at the agent rate."""
        if self._result is None:
            session_id = str(next(iter(external_id)))
            session, video = self._read(session_id)
            video_id = session.get("video_id")
            cost = self.spec.cost_of({}, video.get("duration"), self.hook.prices)
            job = {**job_kind("video").describe(video_id or "", video), "video_id": video_id, "session_id": session_id}
            job.update(title=session.get("title"), credits=cost)
            self._result = {
                **job,
                "kind": self.job_kind,
                "job_ids": [session_id],
                "status": _agent_state(session, video).value,
                "session_status": session.get("status"),
                "video_status": video.get("status"),
                "estimate": self.recorded_estimate(context),
                "jobs": [job],
            }
            self.log_cost(self.job_kind, self._result)
        self._check_spend(self._result)
        return self._result

    def _read(self, session_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The session's resource and its video's (empty while the session has no video)."""
        session = self.hook.get_job("video_agent", session_id)
        video_id = session.get("video_id") or self._video_id
        session["video_id"] = video_id
        return session, self.hook.get_job("video", video_id) if video_id else {}

    def _check_spend(self, result: Mapping[str, Any]) -> None:
        spent = result.get("credits")
        if self.max_credits is None or spent is None or spent <= self.max_credits:
            return
        raise AirflowFailException(
            f"HeyGen video_agent {result['session_id']} made a {result['duration']:.0f}s video that cost "
            f"{spent:.4g} credits, above max_credits={self.max_credits:.4g}. HeyGen has charged it already; "
            "the task fails so that the video does not go downstream unnoticed"
        )

    def lineage_sources(self) -> list[tuple[str, str]]:
        """The request's files and avatar, and ``files`` (URLs, assets or the paths read)."""
        return [*super().lineage_sources(), *sources_of(self.files)]


class HeyGenVideoAgentFollowUpOperator(HeyGenVideoAgentOperator):
    """Send a follow-up message to a ``chat`` Video Agent session and (by default) wait for the revised video.

    ``POST /v3/video-agents/{session_id}`` starts a new run of the session: it thinks again and renders a new
    video. The task records the session's video before sending (``previous_video_id``), sends the message once
    per task instance (the ``Idempotency-Key`` is derived as for every create, so a retry gets HeyGen's replay),
    then waits like ``HeyGenVideoAgentOperator``: the session until it is ``completed`` with a video other than
    the previous one (while it still shows the previous one as done, the task asks again a ``poll_interval``
    later, on a timer when deferrable), then that video. Only sessions created with ``mode="chat"`` take
    messages: HeyGen refuses others (400), and the task fails without retrying. The result is the agent
    operator's, for the new video, plus ``previous_video_id``; ``max_duration`` bounds the estimate the same way.

    A session that stops to ask something (``waiting_for_input``) cannot go on unattended: the task fails
    without retrying, the agent's question in the error, and leaves the session as it is, so that someone can
    answer it (in HeyGen's app, or with another follow-up task whose message is the answer). The task looks for
    a question every ``input_check_interval`` seconds while it waits (the wait itself knows only done or not).
    A retry after the revision failed sends the message again, once per try (``resubmit_failed``'s key chain).

    :param session_id: the session (templated): its id, the agent task's result (``agent.output``) or its
        ``heygen_job_ids`` XCom.
    :param message: what to tell the agent (templated, 1-10,000 characters); it sets ``request["message"]``,
        where ``request`` may give ``avatar_id``, ``voice_id``, ``brand_kit_id`` and ``files`` for this run
        (``files=`` appends attachments as for ``HeyGenVideoAgentOperator``).
    :param input_check_interval: seconds between checks for a question while the session runs (default 300).
    """

    template_fields: Sequence[str] = (*HeyGenVideoAgentOperator.template_fields, "session_id", "message")

    def __init__(
        self,
        *,
        session_id: Any,
        message: str | None = None,
        input_check_interval: float = 300.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not input_check_interval > 0:
            raise ValueError(f"input_check_interval={input_check_interval!r} must be a number of seconds above 0")
        self.session_id = session_id
        self.message = message
        self.input_check_interval = float(input_check_interval)
        self._previous_video_id: str | None = None
        self._retried = False

    def parse_request(self) -> m.RequestModel:
        self._target()
        data = dict(self.request)
        if self.message is not None:
            data["message"] = self.message
        return m.VideoAgentMessageRequest.parse(self.with_files(data, "VideoAgentMessageRequest"))

    def _target(self) -> str:
        """The session id out of ``session_id``: a string, the agent's result, or its one-item job-id list."""
        value = self.session_id
        if isinstance(value, Mapping):
            value = value.get("session_id")
        if isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str) or not value.strip():
            raise InvalidRequestError(
                [f"session_id: {self.session_id!r} is not a session id, expected a string such as 'sess_...'"]
            )
        return value.strip()

    def submit_job(self, context: Context) -> Any:
        self._retried = context["ti"].try_number > 1
        return super().submit_job(context)

    def create(self, body: m.RequestModel, idempotency_key: str) -> list[str]:
        """Record the session's current video, then send the message (a retry gets HeyGen's replay)."""
        session_id = self._target()
        request = cast("m.VideoAgentMessageRequest", body)
        self._previous_video_id = self._video_before(session_id, request.message, sent=self._retried)
        self.hook.send_video_agent_message(session_id, request, idempotency_key=idempotency_key)
        self.log.info(
            "Sent the message to HeyGen Video Agent session %s (video before: %s)", session_id, self._previous_video_id
        )
        return [session_id]

    def _video_before(self, session_id: str, message: str | None = None, *, sent: bool = True) -> str | None:
        """The session's video before this task's message: its current one, unless the message may have gone
        already (a retry, a resume without kwargs); then the last video the agent made before the message."""
        session = self.hook.get_video_agent(session_id)
        message = message if message is not None else self.message or self.request.get("message")
        said = session.messages or []  # newest first
        ours = next((i for i, msg in enumerate(said) if msg.role == "user" and msg.content == message), None)
        if not sent or ours is None:
            return session.video_id
        made = (msg.resource_ids[-1] for msg in said[ours + 1 :] if msg.type == "resource" and msg.resource_ids)
        return next(made, None)

    # --- waiting: the session (until it made a new video, or asks), then the video ----------------------

    def poll_until_complete(self, external_id: Any, context: Context) -> Any:
        session_ids = [str(job_id) for job_id in external_id]
        self._job_ids = session_ids
        if self._previous_video_id is None:  # reconnected (Airflow 3.3+) without submitting in this try
            self._previous_video_id = self._video_before(session_ids[0])
        if not self.wait_for_completion:
            return self.get_job_result(session_ids, context)
        return self._wait_for_revision(session_ids, time.time() + self.timeout, context)

    def execute_session_complete(
        self,
        context: Context,
        event: Any,
        deadline: float | None = None,
        job_ids: list[str] | None = None,
        previous_video_id: str | None = None,
    ) -> Any:
        """Back from the session's deferral: wait again, or on to the video once the revision is made."""
        session_event = self.resumed_event(event, job_ids)
        self._job_ids = session_event.job_ids
        self._previous_video_id = previous_video_id or self._video_before(session_event.job_ids[0])
        deadline = deadline or time.time() + self.timeout
        if self._keep_waiting(session_event, deadline):
            if session_event.status == "success":
                self._pause(session_event.job_ids, deadline)
            return self._wait_for_revision(session_event.job_ids, deadline, context)
        return self._after_session(session_event, deadline, context)

    def resume_revision_wait(
        self,
        context: Context,
        event: Any = None,
        deadline: float | None = None,
        previous_video_id: str | None = None,
        job_ids: list[str] | None = None,
    ) -> Any:
        """Back from ``_pause``: wait on the session again (Airflow 2.10's ``dag.test()`` gives no kwargs)."""
        if job_ids is None:
            ti = context["ti"]
            job_ids = ti.xcom_pull(task_ids=ti.task_id, key=JOB_IDS_XCOM_KEY, map_indexes=ti.map_index)
        session_ids = [str(job_id) for job_id in job_ids or []]
        self._job_ids = session_ids
        self._previous_video_id = previous_video_id or self._video_before(session_ids[0])
        return self._wait_for_revision(session_ids, deadline or time.time() + self.timeout, context)

    def _pause(self, session_ids: list[str], deadline: float) -> None:
        """Give HeyGen a poll interval to start the run: a session still done with the old video answers a wait at
        once, so waiting again straight away would cost a deferral round trip (or a request) per answer."""
        if self.deferrable:
            self.defer(
                trigger=TimeDeltaTrigger(timedelta(seconds=self.poll_interval)),
                method_name="resume_revision_wait",
                kwargs={"deadline": deadline, "previous_video_id": self._previous_video_id, "job_ids": session_ids},
                timeout=deferral_timeout(time.time() + self.poll_interval),
            )
        time.sleep(self.poll_interval)

    def _wait_for_revision(self, session_ids: list[str], deadline: float, context: Context) -> Any:
        """Wait on the session, in spans of ``input_check_interval``, until it is done with a new video."""
        while True:
            resume = {"deadline": deadline, "previous_video_id": self._previous_video_id}
            check_at = min(deadline, time.time() + self.input_check_interval)
            event = self.wait_for("video_agent", session_ids, check_at, "execute_session_complete", resume)
            if not self._keep_waiting(event, deadline):
                return self._after_session(event, deadline, context)
            if event.status == "success":  # done, but with the old video: HeyGen has not started the run yet
                self._pause(session_ids, deadline)

    def _keep_waiting(self, event: JobEvent, deadline: float) -> bool:
        """Whether the session's wait goes on; raise when the agent asks something."""
        if event.status not in ("timeout", "success"):
            return False
        session = self.hook.get_video_agent(event.job_ids[0])
        if session.status == "waiting_for_input":
            raise self._question(session)
        if event.status == "timeout":
            return time.time() < deadline
        return session.video_id is not None and session.video_id == self._previous_video_id

    def _question(self, session: m.VideoAgentSession) -> AirflowFailException:
        """The failure of a session that waits for input: the agent's question (its newest message)."""
        asked = next((msg.content for msg in session.messages or [] if msg.role == "model" and msg.content), None)
        error = JobFailedError(
            "video_agent",
            session.session_id,
            status="waiting_for_input",
            failure_message=f"the agent asks: {asked or 'no question given'} (answer it with a follow-up message)",
        )
        self.log.error("%s", error)
        return AirflowFailException(str(error))

    def video_resume(self, session_id: str) -> dict[str, Any]:
        return {"session_id": session_id, "previous_video_id": self._previous_video_id}

    def execute_complete(
        self,
        context: Context,
        event: Any,
        job_ids: list[str] | None = None,
        session_id: str | None = None,
        previous_video_id: str | None = None,
    ) -> Any:
        """Back from the video's deferral: the agent operator's result, with the video before the message."""
        if previous_video_id is not None:
            self._previous_video_id = previous_video_id
        return super().execute_complete(context, event, job_ids=job_ids, session_id=session_id)

    def lineage_sources(self) -> list[tuple[str, str]]:
        """The session it continues and the video it revises, besides the message's files."""
        revised = [("video", self._previous_video_id)] if self._previous_video_id else []
        return [("video_agent", self._target()), *revised, *super().lineage_sources()]

    # --- status and result -----------------------------------------------------------------------------

    def get_job_status(self, external_id: Any, context: Context) -> str:
        """Running while the session still shows the video from before the message (a reconnecting retry)."""
        session_id = str(next(iter(external_id)))
        session, video = self._read(session_id)
        if session.get("video_id") == (self._previous_video_id or self._video_before(session_id)):
            return JobState.RUNNING.value
        return _agent_state(session, video).value

    def get_job_result(self, external_id: Any, context: Context) -> dict[str, Any]:
        if self._result is None:
            session_id = str(next(iter(external_id)))
            previous = self._previous_video_id or self._video_before(session_id)
            result = super().get_job_result(external_id, context)
            result["previous_video_id"] = previous
            return result
        return super().get_job_result(external_id, context)


def _agent_state(session: Mapping[str, Any], video: Mapping[str, Any]) -> JobState:
    """The session's state until it is done, then its video's (it may still be rendering)."""
    state = job_kind("video_agent").state(session.get("status"))
    return job_kind("video").state(video.get("status")) if state is JobState.SUCCEEDED and video else state
