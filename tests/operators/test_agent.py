"""HeyGenVideoAgentOperator: its request, the two waits (worker and deferred), its result, kill and budget."""

from __future__ import annotations

import base64
import importlib
import json
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from airflow_provider.heygen._compat import TRIGGER_FAIL, AirflowFailException, ObjectStoragePath, TaskDeferred
from airflow_provider.heygen.api.errors import HeyGenError, JobFailedError, JobTimeoutError
from airflow_provider.heygen.api.models import AGENT_FILE_MIME_TYPES
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.inputs import asset_input
from airflow_provider.heygen.operators.agent import VIDEO_ID_XCOM_KEY, HeyGenVideoAgentOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from airflow_provider.heygen.triggers.job import DEFERRAL_MARGIN, HeyGenJobTrigger
from tests.operators import support

PROMPT = "A short video about our new release"
MEDIA = Path(media.__file__).parent / "media"


def agent(**kwargs: Any) -> HeyGenVideoAgentOperator:
    return HeyGenVideoAgentOperator(task_id="agent", **{"request": {"prompt": PROMPT}, "poll_interval": 0.1, **kwargs})


@pytest.fixture
def context() -> dict[str, Any]:
    return support.context(task_id="agent")


def pushed(context: dict[str, Any], key: str) -> Any:
    return context["ti"].xcoms[key]


def deferral(op: HeyGenVideoAgentOperator, call: Any, *args: Any, **kwargs: Any) -> TaskDeferred:
    with pytest.raises(TaskDeferred) as info:
        call(*args, **kwargs)
    return info.value


# --- the request ---------------------------------------------------------------------------------------


def test_submit_sends_the_prompt_and_files_and_pushes_both_ids(
    heygen: FakeHeyGen, context: dict[str, Any], tmp_path: Path
) -> None:
    deck = tmp_path / "deck.pdf"
    deck.write_bytes(b"%PDF-1.4 slides")
    files = [
        {"type": "asset_id", "asset_id": "ast_1"},
        "https://example.com/logo.png",
        str(deck),
        ObjectStoragePath(str(MEDIA / "sample.webm")),
    ]
    op = agent(request={"prompt": PROMPT, "files": [{"type": "url", "url": "https://example.com/a.mp3"}]}, files=files)
    (session_id,) = op.submit_job(context)

    (session,) = heygen.jobs("video_agent")
    assert session.id == session_id and session.request["prompt"] == PROMPT
    sent = session.request["files"]
    assert [item["type"] for item in sent] == ["url", "asset_id", "url", "base64", "base64"]
    assert sent[3]["media_type"] == "application/pdf" and base64.b64decode(sent[3]["data"]) == deck.read_bytes()
    assert sent[4]["media_type"] == "video/webm"
    assert pushed(context, "heygen_job_ids") == [session_id]
    assert pushed(context, VIDEO_ID_XCOM_KEY) == session.extra["video_id"]
    assert op.request == {"prompt": PROMPT, "files": [{"type": "url", "url": "https://example.com/a.mp3"}]}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("logo.bin", media.thumbnail_png(4, 4), "image/png", id="png-sniffed"),
        pytest.param("photo.png", b"\xff\xd8\xff\xe0 jfif", "image/jpeg", id="content-beats-extension"),
        pytest.param("clip", (MEDIA / "sample.mp4").read_bytes(), "video/mp4", id="mp4-sniffed"),
        pytest.param("voice.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav", id="wav"),
        pytest.param("song.mp3", b"ID3\x04 tags", "audio/mpeg", id="mp3"),
        pytest.param("slides.pdf", b"no magic here", "application/pdf", id="extension-when-content-unknown"),
    ],
)
def test_a_files_media_type_comes_from_its_content_then_its_extension(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    sent = asset_input(
        file_at(tmp_path, name, content), field="f", allowed=AGENT_FILE_MIME_TYPES, expected="x", model="M"
    )
    assert sent == {"type": "base64", "media_type": expected, "data": base64.b64encode(content).decode()}


def file_at(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"request": {"prompt": ""}}, "prompt: 0 characters, must be 1-10,000", id="empty-prompt"),
        pytest.param({"request": {"prompt": "x" * 10_001}}, "prompt: 10,001 characters", id="long-prompt"),
        pytest.param({"files": ["https://example.com/a.png"] * 21}, "files: 21 items", id="21-files"),
        pytest.param(
            {"files": [{"type": "base64", "media_type": "text/plain", "data": "aGk="}]},
            "files[0].media_type: 'text/plain' is not allowed",
            id="base64-dict-type",
        ),
        pytest.param({"files": ["/nowhere/deck.pdf"]}, "files[0]: no file at /nowhere/deck.pdf", id="missing-file"),
        pytest.param({"files": [42]}, "files[0]: 42 is not an AssetInput dict", id="not-a-file"),
        pytest.param({"request": {"prompt": PROMPT, "mode": "batch"}}, "mode: 'batch' is not allowed", id="mode"),
    ],
)
def test_bad_input_fails_before_any_request(
    heygen: FakeHeyGen, context: dict[str, Any], kwargs: Any, message: str
) -> None:
    with pytest.raises(AirflowFailException, match=re.escape(message)):
        agent(**kwargs).execute(context)
    assert not heygen.requests


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("subs.srt", b"1\n00:00:00,000 --> 00:00:01,000\nhi\n", "type 'application/x-subrip'", id="srt"),
        pytest.param("notes.txt", b"plain text", "type of 'notes.txt' is not allowed", id="text"),
    ],
)
def test_local_files_of_other_types_are_refused(
    heygen: FakeHeyGen, context: dict[str, Any], tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(AirflowFailException, match=re.escape(message)) as info:
        agent(files=[file_at(tmp_path, name, content)]).execute(context)
    assert "files[0]" in str(info.value) and "expected png, jpeg, mp4, webm, mp3, wav or pdf" in str(info.value)
    assert not heygen.requests


def test_a_file_url_is_read_through_object_storage(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    agent(files=[f"file://{MEDIA / 'sample.mp4'}"]).submit_job(context)
    (session,) = heygen.jobs("video_agent")
    assert session.request["files"][0]["media_type"] == "video/mp4"


def test_a_storage_url_that_cannot_be_opened_fails_before_any_request(
    heygen: FakeHeyGen, context: dict[str, Any]
) -> None:
    with pytest.raises(AirflowFailException, match=r"files\[0\]: cannot open 'nosuchfs://bucket/deck.pdf'"):
        agent(files=["nosuchfs://bucket/deck.pdf"]).execute(context)
    assert not heygen.requests


def test_files_above_32_mb_are_refused(heygen: FakeHeyGen, context: dict[str, Any], tmp_path: Path) -> None:
    big = tmp_path / "big.mp4"
    with big.open("wb") as handle:
        handle.truncate(32 * 1024 * 1024 + 1)
    with pytest.raises(AirflowFailException, match=r"files\[0\]: 'big.mp4' is larger than 33,554,432 bytes"):
        agent(files=[str(big)]).execute(context)
    assert not heygen.requests


# --- deferrable: two deferrals ---------------------------------------------------------------------------


def test_deferrable_waits_on_the_session_then_on_its_video(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.clock_speed = 0.0
    op = agent(deferrable=True, timeout=600)
    started = time.time()
    first = deferral(op, op.execute, context)
    (session,) = heygen.jobs("video_agent")
    _, kwargs = first.trigger.serialize()
    assert isinstance(first.trigger, HeyGenJobTrigger) and first.method_name == "execute_session_complete"
    assert kwargs["kind"] == "video_agent" and kwargs["job_ids"] == [session.id] and kwargs["cancel_on_kill"]
    assert started + 600 <= kwargs["deadline"] <= time.time() + 600
    assert first.kwargs == {"deadline": kwargs["deadline"], "job_ids": [session.id]}
    assert heygen.api_key not in json.dumps(kwargs)
    assert timedelta(seconds=590) + DEFERRAL_MARGIN < first.timeout <= timedelta(seconds=600) + DEFERRAL_MARGIN

    heygen.advance(3600)
    resumed = agent(deferrable=True, timeout=600)  # a resumed task is a fresh operator
    session_event = {"status": "success", "kind": "video_agent", "job_ids": [session.id], "message": "done"}
    second = deferral(resumed, resumed.execute_session_complete, context, session_event, **first.kwargs)
    video_id = session.extra["video_id"]
    _, kwargs = second.trigger.serialize()
    assert kwargs["kind"] == "video" and kwargs["job_ids"] == [video_id]
    assert kwargs["deadline"] == first.kwargs["deadline"]  # one timeout for both waits
    assert second.method_name == "execute_complete" and second.kwargs == {
        "session_id": session.id,
        "job_ids": [video_id],
    }
    assert pushed(context, VIDEO_ID_XCOM_KEY) == video_id

    last = agent(deferrable=True)
    video_event = {"status": "success", "kind": "video", "job_ids": [video_id], "message": "done"}
    result = last.execute_complete(context, video_event, **second.kwargs)
    assert result["session_id"] == session.id and result["video_id"] == video_id
    assert result["status"] == "succeeded" and result["job_ids"] == [session.id]
    assert result["video_url"] and result["thumbnail_url"] and result["subtitle_url"] and result["duration"]
    assert result["title"] == PROMPT[:60] and result["session_status"] == result["video_status"] == "completed"
    assert result["credits"] == pytest.approx(heygen.credits_spent) and result["credits"] > 0
    (job,) = result["jobs"]
    assert job["video_url"] == result["video_url"] and job["status"] == "completed"


def test_a_resume_without_the_deferral_kwargs_still_completes(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    # Airflow 2.10's dag.test() resumes without them: a fresh timeout for the video, the session id from XCom.
    heygen.clock_speed = 0.0
    (session_id,) = agent().submit_job(context)
    heygen.advance(3600)
    op = agent(deferrable=True, timeout=300)
    second = deferral(op, op.execute_session_complete, context, event("success", "video_agent", session_id))
    assert time.time() + 290 < second.trigger.deadline <= time.time() + 300
    context["ti"].xcom_pull = mock.Mock(return_value=[session_id])
    video_id = heygen.job(session_id).extra["video_id"]
    result = agent().execute_complete(context, event("success", "video", video_id))
    assert result["session_id"] == session_id and result["video_id"] == video_id
    context["ti"].xcom_pull.assert_any_call(task_ids="agent", key="heygen_job_ids", map_indexes=-1)


def event(status: str, kind: str, job_id: str, failures: dict[str, Any] | None = None) -> dict[str, Any]:
    payload = {"status": status, "kind": kind, "job_ids": [job_id], "message": status, "statuses": {job_id: "x"}}
    return {**payload, "failures": failures or {}}


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param("timeout", JobTimeoutError, id="timeout"),
        pytest.param("error", HeyGenError, id="error"),
    ],
)
@pytest.mark.parametrize("phase", ["session", "video"])
def test_unsuccessful_events_raise_typed_errors(status: str, error: type[Exception], phase: str) -> None:
    op = agent(deferrable=True)
    if phase == "session":
        resume, payload, kwargs = op.execute_session_complete, event(status, "video_agent", "s_1"), {"deadline": None}
    else:
        resume, payload, kwargs = op.execute_complete, event(status, "video", "v_1"), {"session_id": "s_1"}
    with pytest.raises(error):
        resume({}, payload, **kwargs)


def test_failed_video_event_raises_heygens_reason() -> None:
    failure = {"v_1": {"failure_code": "rendering_failed", "failure_message": "The avatar is gone"}}
    with pytest.raises(JobFailedError, match="rendering_failed: The avatar is gone"):
        agent().execute_complete({}, event("failed", "video", "v_1", failure), session_id="sess_1")


def test_failed_session_event_raises_heygens_code_and_message(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.clock_speed = 0.0
    heygen.inject("job_failure", "/v3/video-agents", method="POST", failure_code="prompt_rejected",
                  failure_message="The prompt breaks the content policy")  # fmt: skip
    (session_id,) = agent().submit_job(context)
    heygen.advance(3600)
    failed = event("failed", "video_agent", session_id, {session_id: {"failure_code": None, "failure_message": None}})
    with pytest.raises(JobFailedError) as info:
        agent().execute_session_complete(context, failed, deadline=time.time() + 60)
    assert info.value.failure_code == "prompt_rejected"
    assert info.value.failure_message == "The prompt breaks the content policy"


# --- waiting in the worker ----------------------------------------------------------------------------------


def test_worker_mode_waits_twice_and_returns_the_video(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    waits: list[tuple[str, list[str]]] = []
    original = HeyGenHook.wait_for_jobs

    def spy(self: HeyGenHook, kind: str, job_ids: list[str], **kwargs: Any) -> Any:
        waits.append((kind, list(job_ids)))
        return original(self, kind, job_ids, **kwargs)

    with mock.patch.object(HeyGenHook, "wait_for_jobs", spy):
        result = agent(deferrable=False, timeout=60).execute(context)
    (session,) = heygen.jobs("video_agent")
    assert waits == [("video_agent", [session.id]), ("video", [session.extra["video_id"]])]
    assert result["status"] == "succeeded" and result["video_id"] == session.extra["video_id"]
    assert result["credits"] == pytest.approx(heygen.credits_spent)
    assert len(heygen.jobs("video")) == 1


def test_worker_mode_raises_a_failed_sessions_reason(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.inject("job_failure", "/v3/video-agents", method="POST", failure_code="generation_failed",
                  failure_message="The agent could not storyboard the prompt")  # fmt: skip
    with pytest.raises(JobFailedError, match="generation_failed: The agent could not storyboard the prompt"):
        agent(deferrable=False, timeout=60).execute(context)


def test_worker_mode_times_out_with_a_distinct_error(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.inject("job_stuck", "/v3/video-agents", method="POST")
    with pytest.raises(JobTimeoutError, match="video_agent"):
        agent(deferrable=False, timeout=0.5).execute(context)


def test_without_waiting_the_result_comes_right_after_submitting(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.clock_speed = 0.0
    result = agent(wait_for_completion=False).execute(context)
    (session,) = heygen.jobs("video_agent")
    assert result["session_id"] == session.id and result["status"] == "running"
    assert result["video_id"] == session.extra["video_id"] and result["credits"] is None


def test_reconnect_status_waits_for_the_video_too(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.clock_speed = 0.0
    op = agent()
    session_ids = op.submit_job(context)
    assert op.get_job_status(session_ids, context) == "running"
    heygen.advance(3600)
    assert op.get_job_status(session_ids, context) == "succeeded"


@pytest.mark.usefixtures("heygen")  # the connection (its prices); the answers are mocked
def test_a_done_session_whose_video_still_renders_counts_as_running(context: dict[str, Any]) -> None:
    resources = {
        "/v3/video-agents/s_1": {"session_id": "s_1", "status": "completed", "video_id": "v_1", "title": "T"},
        "/v3/videos/v_1": {"id": "v_1", "status": "processing", "duration": None},
    }
    with mock.patch.object(HeyGenHook, "request", lambda self, method, path, **kw: {"data": resources[path]}):
        op = agent(wait_for_completion=False)
        assert op.get_job_status(["s_1"], context) == "running"
        result = op.get_job_result(["s_1"], context)
    assert result["status"] == "running" and result["session_status"] == "completed"
    assert result["video_status"] == "processing" and result["credits"] is None and result["title"] == "T"


# --- kill and budget -------------------------------------------------------------------------------------


def test_on_kill_in_the_worker_stops_the_session(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.clock_speed = 0.0
    op = agent(deferrable=False)
    (session_id,) = op.submit_job(context)
    op.on_kill()
    op.on_kill()
    assert len(heygen.requests_to("POST", f"/v3/video-agents/{session_id}/stop")) == 2
    session = heygen.job(session_id)
    assert session.status == "failed" and session.failure_code == "stopped"
    assert heygen.job(session.extra["video_id"]).status == "failed"


def test_on_kill_does_nothing_when_disabled(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    op = agent(cancel_on_kill=False)
    op.submit_job(context)
    op.on_kill()
    assert not [r for r in heygen.requests if r.path.endswith("/stop")]


async def test_the_session_trigger_stops_the_session_on_kill(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.clock_speed = 0.0
    op = agent(deferrable=True)
    trigger = deferral(op, op.execute, context).trigger
    (session,) = heygen.jobs("video_agent")
    rebuilt = HeyGenJobTrigger(**trigger.serialize()[1])  # the triggerer runs it from its serialized kwargs
    await rebuilt.on_kill()
    await rebuilt.on_kill()  # it may run twice (a trigger moved between triggerers): harmless
    assert len(heygen.requests_to("POST", f"/v3/video-agents/{session.id}/stop")) == 2
    assert heygen.job(session.id).status == "failed"


def test_a_video_longer_than_max_duration_passes_the_estimate_but_fails_an_over_budget_spend(
    heygen: FakeHeyGen, context: dict[str, Any]
) -> None:
    # 5 s at the agent rate is within 0.5 credits, so it is submitted; the agent makes a longer video.
    with pytest.raises(AirflowFailException, match=r"cost [\d.]+ credits, above max_credits=0\.5.*charged"):
        agent(deferrable=False, max_credits=0.5, max_duration=5, timeout=60).execute(context)
    assert len(heygen.jobs("video_agent")) == 1 and heygen.credits_spent > 0.5  # submitted and charged anyway


def test_a_budget_without_max_duration_is_refused_unless_the_unknown_cost_is_allowed(
    heygen: FakeHeyGen, context: dict[str, Any]
) -> None:
    with pytest.raises(AirflowFailException, match="max_duration="):
        agent(deferrable=False, max_credits=5, timeout=60).execute(context)
    assert heygen.jobs() == []
    result = agent(deferrable=False, max_credits=5, allow_unknown_cost=True, timeout=60).execute(context)
    assert result["status"] == "succeeded" and result["credits"] <= 5 and result["estimate"]["credits"] is None


def test_max_credits_above_the_ceiling_passes(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    result = agent(deferrable=False, max_credits=5, max_duration=60, timeout=60).execute(context)
    assert result["status"] == "succeeded" and result["credits"] <= 5
    assert result["estimate"] == {"credits": 4.002, "upper_bound": True, "basis": result["estimate"]["basis"]}


# --- end to end ----------------------------------------------------------------------------------------------

DAGS = {"heygen_agent_sync": "agent_sync", "heygen_agent_deferrable": "agent_deferrable"}


def run(dag_id: str) -> Any:
    module = importlib.import_module("tests.dags.heygen_agent_dags")
    return getattr(module, DAGS[dag_id]).test()


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("dag_id", list(DAGS))
def test_agent_dag_makes_one_video_and_returns_it(heygen: FakeHeyGen, dag_id: str) -> None:
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    (session,) = heygen.jobs("video_agent")
    assert session.request["prompt"].startswith("A 30-second launch video for Airflow")  # templated
    logo, clip = session.request["files"]
    assert logo == {"type": "url", "url": "https://example.com/Airflow/logo.png"}
    assert clip["type"] == "base64" and clip["media_type"] == "video/mp4"
    (video,) = heygen.jobs("video")
    result = support.xcom(dagrun, "agent")
    assert result["status"] == "succeeded" and result["session_id"] == session.id and result["video_id"] == video.id
    assert result["video_url"] and result["credits"] == pytest.approx(heygen.credits_spent)
    assert support.xcom(dagrun, "agent", VIDEO_ID_XCOM_KEY) == video.id
    assert support.xcom(dagrun, "agent", "heygen_job_ids") == [session.id]


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("dag_id", list(DAGS))
def test_a_try_that_fails_after_submitting_gets_the_same_session_back(heygen: FakeHeyGen, dag_id: str) -> None:
    # The status reads right after the submit fail until the first try gives up (2 attempts a call);
    # the second try submits with the same key and must get the same session back.
    support.fail_polls_until_the_first_try_gives_up(heygen, "/v3/video-agents/*", deferrable="deferrable" in dag_id)
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    assert len(heygen.jobs("video")) == 1
    support.assert_retried_without_a_second_render(heygen, "video_agent", "/v3/video-agents")


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("dag_id", list(DAGS))
def test_a_failed_session_fails_the_run(heygen: FakeHeyGen, dag_id: str) -> None:
    heygen.inject("job_failure", "/v3/video-agents", method="POST", failure_code="generation_failed")
    dagrun = run(dag_id)
    assert dagrun.state == "failed"
    assert {job.status for job in heygen.jobs("video_agent")} == {"failed"}


# --- the timeout and error paths stop the session ------------------------------------------------------------


def stops(fake: FakeHeyGen) -> list[str]:
    return [r.path for r in fake.requests if r.method == "POST" and r.path.endswith("/stop")]


def test_a_worker_wait_that_times_out_stops_the_session(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.clock_speed = 0  # the session never finishes
    with pytest.raises(JobTimeoutError):
        agent(deferrable=False, timeout=0.3).execute(context)
    (session,) = heygen.jobs("video_agent")
    assert stops(heygen) == [f"/v3/video-agents/{session.id}/stop"]


@pytest.mark.parametrize(
    ("status", "error"),
    [pytest.param("timeout", JobTimeoutError, id="timeout"), pytest.param("error", HeyGenError, id="error")],
)
def test_a_deferred_wait_that_ends_badly_stops_the_session(
    heygen: FakeHeyGen, context: dict[str, Any], status: str, error: type[Exception]
) -> None:
    heygen.clock_speed = 0
    first = deferral(agent(deferrable=True), agent(deferrable=True).execute, context)
    (session,) = heygen.jobs("video_agent")
    with pytest.raises(error):
        agent(deferrable=True).execute_session_complete(
            context, event(status, "video_agent", session.id), **first.kwargs
        )
    assert stops(heygen) == [f"/v3/video-agents/{session.id}/stop"]


def test_a_deferral_that_timed_out_in_airflow_stops_the_session_then_fails(
    heygen: FakeHeyGen, context: dict[str, Any]
) -> None:
    heygen.clock_speed = 0
    deferral(agent(deferrable=True), agent(deferrable=True).execute, context)
    (session,) = heygen.jobs("video_agent")
    with pytest.raises(Exception, match="Trigger timeout") as info:  # the triggerer never answered
        agent(deferrable=True).resume_execution(TRIGGER_FAIL, {"error": "Trigger timeout"}, context)
    assert "Deferral" in type(info.value).__name__
    assert stops(heygen) == [f"/v3/video-agents/{session.id}/stop"]


def test_without_cancel_on_kill_nothing_is_stopped(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.clock_speed = 0
    with pytest.raises(JobTimeoutError):
        agent(deferrable=False, timeout=0.3, cancel_on_kill=False).execute(context)
    assert not stops(heygen)
