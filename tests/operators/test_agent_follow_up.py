"""HeyGenVideoAgentFollowUpOperator: one message per task instance, the wait for the revised video, questions."""

from __future__ import annotations

import importlib
import re
import time
from typing import Any

import pytest

from airflow_provider.heygen._compat import AirflowFailException, TaskDeferred, TimeDeltaTrigger
from airflow_provider.heygen.api.errors import JobTimeoutError
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.operators.agent import VIDEO_ID_XCOM_KEY, HeyGenVideoAgentFollowUpOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.routes import video_agents
from tests.operators import support

MESSAGE = "Make it warmer and end on the logo."


def follow_up(session_id: Any, **kwargs: Any) -> HeyGenVideoAgentFollowUpOperator:
    options = {"message": MESSAGE, "poll_interval": 0.1, "timeout": 60, **kwargs}
    return HeyGenVideoAgentFollowUpOperator(task_id="revise", session_id=session_id, **options)


@pytest.fixture
def context() -> dict[str, Any]:
    return support.context(task_id="revise")


def chat_session(heygen: FakeHeyGen, mode: str = "chat") -> tuple[str, str]:
    """A finished session: its id and its video's."""
    session = HeyGenHook().create_video_agent({"prompt": "A teaser for our release", "mode": mode})
    heygen.advance(3600)
    assert session.video_id is not None
    return session.session_id, session.video_id


def messages_sent(heygen: FakeHeyGen, session_id: str) -> list[Any]:
    return heygen.requests_to("POST", f"/v3/video-agents/{session_id}")


def test_the_message_is_sent_once_and_the_result_is_the_new_video(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    session_id, first_video = chat_session(heygen)
    result = follow_up(session_id, deferrable=False, request={"voice_id": "voice_1"}).execute(context)

    (sent,) = messages_sent(heygen, session_id)
    assert sent.body == {"message": MESSAGE, "voice_id": "voice_1"} and sent.headers["idempotency-key"]
    revision = heygen.job(session_id).extra["video_id"]
    assert result["session_id"] == session_id and result["video_id"] == revision != first_video
    assert result["previous_video_id"] == first_video and result["status"] == "succeeded"
    assert result["video_url"] and result["duration"] and result["job_ids"] == [session_id]
    assert result["credits"] == pytest.approx(heygen.credits_spent / 2)  # the revision's run only
    assert context["ti"].xcoms["heygen_job_ids"] == [session_id]
    assert context["ti"].xcoms[VIDEO_ID_XCOM_KEY] == revision


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(lambda sid: {"session_id": sid, "video_id": "v_x"}, id="agent-result"),
        pytest.param(lambda sid: [sid], id="job-ids-xcom"),
    ],
)
def test_the_session_can_come_from_the_agent_tasks_xcom(
    heygen: FakeHeyGen, context: dict[str, Any], given: Any
) -> None:
    session_id, _ = chat_session(heygen)
    follow_up(given(session_id), wait_for_completion=False).execute(context)
    assert len(messages_sent(heygen, session_id)) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"session_id": ""}, "session_id: '' is not a session id", id="empty-session"),
        pytest.param({"session_id": ["s_1", "s_2"]}, "session_id: ['s_1', 's_2'] is not", id="two-sessions"),
        pytest.param({"message": ""}, "message: 0 characters, must be 1-10,000", id="empty-message"),
        pytest.param({"message": None}, "message: required", id="no-message"),
        pytest.param({"files": ["https://example.com/a.png"] * 21}, "files: 21 items", id="21-files"),
    ],
)
def test_bad_input_fails_before_any_request(
    heygen: FakeHeyGen, context: dict[str, Any], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(AirflowFailException, match=re.escape(message)):
        follow_up(**{"session_id": "sess_1", **kwargs}).execute(context)
    assert not heygen.requests


def test_a_generate_session_is_refused_without_retrying(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    session_id, _ = chat_session(heygen, mode="generate")
    with pytest.raises(AirflowFailException, match="generate mode"):
        follow_up(session_id, deferrable=False).execute(context)
    assert len(heygen.jobs("video")) == 1


def test_a_retry_gets_the_replay_and_still_knows_the_video_before(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    session_id, first_video = chat_session(heygen)
    heygen.clock_speed = 0.0
    follow_up(session_id).submit_job(context)  # the first try sends, then dies
    retry = support.context(task_id="revise", try_number=2)
    heygen.clock_speed = 50.0
    result = follow_up(session_id, deferrable=False).execute(retry)

    sent = messages_sent(heygen, session_id)
    assert len(sent) == 2 and len({request.headers["idempotency-key"] for request in sent}) == 1
    assert len(heygen.jobs("video")) == 2  # one revision: the second send was a replay
    assert result["previous_video_id"] == first_video and result["video_id"] != first_video


def test_deferrable_carries_the_previous_video_through_both_deferrals(
    heygen: FakeHeyGen, context: dict[str, Any]
) -> None:
    session_id, first_video = chat_session(heygen)
    heygen.clock_speed = 0.0
    op = follow_up(session_id, deferrable=True)
    with pytest.raises(TaskDeferred) as first:
        op.execute(context)
    assert first.value.method_name == "execute_session_complete"
    assert first.value.kwargs["previous_video_id"] == first_video and first.value.kwargs["job_ids"] == [session_id]
    assert first.value.trigger.serialize()[1]["kind"] == "video_agent"

    heygen.advance(3600)
    done = {"status": "success", "kind": "video_agent", "job_ids": [session_id], "message": "done"}
    resumed = follow_up(session_id, deferrable=True)
    with pytest.raises(TaskDeferred) as second:
        resumed.execute_session_complete(context, done, **first.value.kwargs)
    revision = heygen.job(session_id).extra["video_id"]
    assert second.value.kwargs == {"session_id": session_id, "previous_video_id": first_video, "job_ids": [revision]}

    video_done = {"status": "success", "kind": "video", "job_ids": [revision], "message": "done"}
    result = follow_up(session_id, deferrable=True).execute_complete(context, video_done, **second.value.kwargs)
    assert (result["video_id"], result["previous_video_id"]) == (revision, first_video)


def test_a_session_still_showing_the_old_video_is_waited_for_again(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    # HeyGen may answer a read right after the message with the finished previous run: not the revision yet.
    session_id, first_video = chat_session(heygen)
    stale = {"status": "success", "kind": "video_agent", "job_ids": [session_id], "message": "done"}
    deadline = time.time() + 60
    op = follow_up(session_id, deferrable=True, poll_interval=5)
    with pytest.raises(TaskDeferred) as pause:  # not straight back to a wait that would answer at once
        op.execute_session_complete(context, stale, deadline=deadline, previous_video_id=first_video)
    assert pause.value.method_name == "resume_revision_wait" and isinstance(pause.value.trigger, TimeDeltaTrigger)
    assert pause.value.kwargs == {"deadline": deadline, "previous_video_id": first_video, "job_ids": [session_id]}
    with pytest.raises(TaskDeferred) as again:
        follow_up(session_id, deferrable=True).resume_revision_wait(context, None, **pause.value.kwargs)
    assert again.value.method_name == "execute_session_complete" and again.value.trigger.kind == "video_agent"
    assert again.value.kwargs["previous_video_id"] == first_video


def test_a_question_fails_the_task_with_it_and_leaves_the_session(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    session_id, _ = chat_session(heygen)
    video_agents.ask_next(heygen.state, "Which logo: the round one or the wordmark?")
    op = follow_up(session_id, deferrable=False, input_check_interval=0.3)
    with pytest.raises(AirflowFailException, match=r"waiting_for_input: the agent asks: Which logo: the round one"):
        op.execute(context)
    assert heygen.job(session_id).status == "waiting_for_input"
    assert not heygen.requests_to("POST", f"/v3/video-agents/{session_id}/stop")
    assert len(heygen.jobs("video")) == 1  # no revision rendered


def test_a_deferred_check_in_finds_the_question(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    session_id, _ = chat_session(heygen)
    video_agents.ask_next(heygen.state, "Which logo?")
    with pytest.raises(TaskDeferred) as first:
        follow_up(session_id, deferrable=True, input_check_interval=30).execute(context)
    assert first.value.trigger.deadline <= time.time() + 30 < first.value.kwargs["deadline"]
    heygen.advance(3600)
    check_in = {"status": "timeout", "kind": "video_agent", "job_ids": [session_id], "message": "still running"}
    with pytest.raises(AirflowFailException, match=re.escape("Which logo?")):
        follow_up(session_id, deferrable=True).execute_session_complete(context, check_in, **first.value.kwargs)


def test_a_stuck_revision_times_out_and_is_stopped(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    session_id, _ = chat_session(heygen)
    heygen.inject("job_stuck", f"/v3/video-agents/{session_id}", method="POST")
    with pytest.raises(JobTimeoutError):
        follow_up(session_id, deferrable=False, timeout=0.5, input_check_interval=0.2).execute(context)
    assert len(heygen.requests_to("POST", f"/v3/video-agents/{session_id}/stop")) == 1
    assert heygen.job(session_id).failure_code == "stopped"


def test_without_cancel_on_kill_a_timeout_stops_nothing(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    session_id, _ = chat_session(heygen)
    heygen.inject("job_stuck", f"/v3/video-agents/{session_id}", method="POST")
    with pytest.raises(JobTimeoutError):
        follow_up(session_id, deferrable=False, timeout=0.3, cancel_on_kill=False).execute(context)
    assert not heygen.requests_to("POST", f"/v3/video-agents/{session_id}/stop")


def test_the_estimate_uses_max_duration(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    with pytest.raises(AirflowFailException, match="max_duration="):
        follow_up("sess_1", max_credits=5).execute(context)
    result = follow_up("sess_1", max_credits=5, max_duration=60, dry_run=True).execute(context)
    assert result["estimate"]["credits"] == 4.002 and not heygen.requests


# --- end to end ----------------------------------------------------------------------------------------------

DAGS = {"heygen_agent_revision_sync": "revision_sync", "heygen_agent_revision_deferrable": "revision_deferrable"}


def run(dag_id: str) -> Any:
    return getattr(importlib.import_module("tests.dags.heygen_agent_dags"), DAGS[dag_id]).test()


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("dag_id", list(DAGS))
def test_a_chat_session_then_a_revision(heygen: FakeHeyGen, dag_id: str) -> None:
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    (session,) = heygen.jobs("video_agent")
    first, revision = heygen.jobs("video")
    (sent,) = messages_sent(heygen, session.id)
    assert sent.body == {"message": "Make it warmer and end on the Airflow logo."}  # templated
    draft, revised = support.xcom(dagrun, "draft"), support.xcom(dagrun, "revise")
    assert draft["video_id"] == first.id and revised["session_id"] == session.id
    assert (revised["video_id"], revised["previous_video_id"]) == (revision.id, first.id)
    assert revised["status"] == "succeeded" and revised["video_url"]


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("dag_id", list(DAGS))
def test_a_retried_revision_sends_the_message_once(heygen: FakeHeyGen, dag_id: str) -> None:
    # The reads after the message fail until the first try gives up; the retry must not render a second revision.
    original = HeyGenVideoAgentFollowUpOperator.create

    def then_fail_reads(self: HeyGenVideoAgentFollowUpOperator, body: Any, key: str) -> list[str]:
        ids = original(self, body, key)
        if not messages_sent(heygen, ids[0])[1:]:  # after the first send only
            path, deferrable = f"/v3/video-agents/{ids[0]}", "deferrable" in dag_id
            support.fail_polls_until_the_first_try_gives_up(heygen, path, deferrable=deferrable)
        return ids

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(HeyGenVideoAgentFollowUpOperator, "create", then_fail_reads)
        dagrun = run(dag_id)
    assert dagrun.state == "success"
    (session,) = heygen.jobs("video_agent")
    assert len(heygen.jobs("video")) == 2  # the draft and ONE revision
    sent = messages_sent(heygen, session.id)
    assert len({request.headers["idempotency-key"] for request in sent}) == 1
    assert len(sent) == (1 if support.AIRFLOW_V_3_3 else 2)
