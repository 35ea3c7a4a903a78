"""HeyGenVideoAgentOperator: turn a prompt (and attached files) into a video with HeyGen's Video Agent."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

from airflow_provider.heygen._compat import AirflowFailException, Context
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.credits import CreditEstimate
from airflow_provider.heygen.api.errors import HeyGenError, JobFailedError
from airflow_provider.heygen.api.jobs import JobState, job_kind
from airflow_provider.heygen.inputs import asset_input
from airflow_provider.heygen.links import JOB_IDS_XCOM_KEY
from airflow_provider.heygen.operators.base import HeyGenJobOperator
from airflow_provider.heygen.triggers.job import JobEvent

__all__ = ["VIDEO_ID_XCOM_KEY", "HeyGenVideoAgentOperator"]

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
        data = dict(self.request)
        if self.files:
            files = [self.files] if isinstance(self.files, str) else list(self.files)
            given = list(data.get("files") or [])
            data["files"] = given + [
                asset_input(
                    item,
                    field=f"files[{len(given) + index}]",
                    allowed=m.AGENT_FILE_MIME_TYPES,
                    expected="png, jpeg, mp4, webm, mp3, wav or pdf",
                    model="VideoAgentRequest",
                )
                for index, item in enumerate(files)
            ]
        return m.VideoAgentRequest.parse(data)

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
        video_event = self.wait_for("video", [video_id], deadline, "execute_complete", {"session_id": session_id})
        return self.execute_complete(context, video_event.to_payload(), job_ids=[video_id], session_id=session_id)

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


def _agent_state(session: Mapping[str, Any], video: Mapping[str, Any]) -> JobState:
    """The session's state until it is done, then its video's (it may still be rendering)."""
    state = job_kind("video_agent").state(session.get("status"))
    return job_kind("video").state(video.get("status")) if state is JobState.SUCCEEDED and video else state
