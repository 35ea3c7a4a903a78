"""The job-kind registry: every kind's vocabulary, unknown statuses, bulk requests and their answers, result
fields and outputs, and the bounds of a wait."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_provider.heygen.api.jobs import (
    JOB_KINDS,
    MIN_POLL_INTERVAL,
    JobState,
    check_poll_interval,
    check_timeout,
    job_kind,
    known_kinds,
    status_requests,
    statuses_from_responses,
)
from tests.contract.schemas import find_operation


@pytest.mark.parametrize(
    ("kind", "status", "state"),
    [
        pytest.param("video", "waiting", JobState.RUNNING, id="video-waiting"),
        pytest.param("video", "pending", JobState.RUNNING, id="video-pending"),
        pytest.param("video", "processing", JobState.RUNNING, id="video-processing"),
        pytest.param("video", "completed", JobState.SUCCEEDED, id="video-completed"),
        pytest.param("video", "failed", JobState.FAILED, id="video-failed"),
        pytest.param("video_translation", "running", JobState.RUNNING, id="translation-running"),
        pytest.param("video_agent", "thinking", JobState.RUNNING, id="agent-thinking"),
        pytest.param("video_agent", "waiting_for_input", JobState.RUNNING, id="agent-waiting-for-input"),
        pytest.param("avatar", "pending_consent", JobState.RUNNING, id="avatar-consent"),
        pytest.param("voice_clone", "complete", JobState.SUCCEEDED, id="voice-clone-complete"),
        pytest.param("lipsync", "a_status_heygen_adds_later", JobState.RUNNING, id="unknown-is-running"),
        pytest.param("lipsync", None, JobState.RUNNING, id="missing-is-running"),
    ],
)
def test_status_vocabulary(kind: str, status: str | None, state: JobState) -> None:
    assert job_kind(kind).state(status) is state


def test_states_know_terminal_and_success() -> None:
    assert not JobState.RUNNING.is_terminal
    assert JobState.FAILED.is_terminal and not JobState.FAILED.is_success
    assert JobState.SUCCEEDED.is_terminal and JobState.SUCCEEDED.is_success


def test_unknown_kind_lists_known_ones() -> None:
    with pytest.raises(ValueError, match="video_translation"):
        job_kind("podcast")


def test_many_ids_use_bulk_endpoint_in_chunks_of_100() -> None:
    ids = [f"v{i}" for i in range(250)]
    calls = status_requests(JOB_KINDS["video"], ids)
    assert [path for path, _ in calls] == ["/v3/videos/statuses"] * 3
    assert [len(query["video_ids"].split(",")) for _, query in calls if query] == [100, 100, 50]


def test_kinds_without_bulk_endpoint_poll_each_id() -> None:
    assert status_requests(JOB_KINDS["video_agent"], ["s1", "s2"]) == [
        ("/v3/video-agents/s1", None),
        ("/v3/video-agents/s2", None),
    ]


def test_bulk_answer_is_read_back_per_id_and_not_found_stays_running() -> None:
    kind = JOB_KINDS["video_translation"]
    answer = {
        "data": [
            {"video_id": "t1", "status": "completed"},
            {
                "video_id": "t2",
                "status": "failed",
                "error": {"code": "download_failed", "message": "no source"},
            },
            {"video_id": "t3", "status": "not_found"},
        ]
    }
    statuses = statuses_from_responses(kind, ["t1", "t2", "t3", "t4"], [answer])
    assert statuses["t1"].state is JobState.SUCCEEDED
    assert (statuses["t2"].state, statuses["t2"].failure_code, statuses["t2"].failure_message) == (
        JobState.FAILED,
        "download_failed",
        "no source",
    )
    assert statuses["t3"].state is JobState.RUNNING and statuses["t4"].state is JobState.RUNNING


def test_single_resource_answer_carries_progress_and_failure() -> None:
    kind = JOB_KINDS["video_agent"]
    statuses = statuses_from_responses(
        kind, ["s1"], [{"data": {"session_id": "s1", "status": "generating", "progress": 40}}]
    )
    assert statuses["s1"].progress == 40.0 and statuses["s1"].state is JobState.RUNNING
    video = statuses_from_responses(
        JOB_KINDS["video"],
        ["v1"],
        [{"data": {"status": "failed", "failure_code": "rendering_failed", "failure_message": "x"}}],
    )["v1"]
    assert (video.state, video.failure_code) == (JobState.FAILED, "rendering_failed")


def test_every_kind_has_an_app_link_or_none() -> None:
    assert JOB_KINDS["video"].app_url("v1") == "https://app.heygen.com/videos/v1"
    assert JOB_KINDS["voice_clone"].app_url("x") is None


def test_describe_keeps_the_kinds_result_fields_under_its_id_name() -> None:
    resource = {"status": "completed", "video_url": "https://x/v.mp4", "duration": 12.5, "unrelated": 1}
    described = JOB_KINDS["video"].describe("v1", resource)
    assert described["video_id"] == "v1" and described["status"] == "completed"
    assert described["video_url"] == "https://x/v.mp4" and described["duration"] == 12.5
    assert "unrelated" not in described and described["failure_code"] is None


def test_describe_reads_failures_from_an_error_object_too() -> None:
    look = {"status": "failed", "error": {"code": "face_not_found", "message": "No face"}, "group_id": "g"}
    described = JOB_KINDS["avatar"].describe("look_1", look)
    assert (described["avatar_id"], described["group_id"]) == ("look_1", "g")
    assert (described["failure_code"], described["failure_message"]) == ("face_not_found", "No face")


def test_an_output_takes_the_first_url_that_is_set() -> None:
    captions = JOB_KINDS["video_translation"].outputs["captions"]
    assert captions.url({"srt_caption_url": None, "vtt_caption_url": "https://x/c.vtt"}) == "https://x/c.vtt"
    assert captions.url({}) is None


def test_a_video_agent_session_delivers_the_outputs_of_its_video() -> None:
    agent = JOB_KINDS["video_agent"]
    assert agent.outputs == JOB_KINDS["video"].outputs and agent.outputs_via == "video_id"


def test_an_unknown_kind_names_every_kind_of_the_registry() -> None:
    with pytest.raises(ValueError, match="Unknown HeyGen job kind 'render'") as info:
        job_kind("render")
    assert all(name in str(info.value) for name in JOB_KINDS)
    assert known_kinds(["video", "lipsync"]) == "lipsync, video"


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        pytest.param(0, False, id="zero"),
        pytest.param(-1, False, id="negative"),
        pytest.param(MIN_POLL_INTERVAL / 2, False, id="below-the-floor"),
        pytest.param(MIN_POLL_INTERVAL, True, id="the-floor"),
        pytest.param(30, True, id="heygen-advice"),
        pytest.param(float("nan"), False, id="nan"),
    ],
)
def test_poll_intervals_below_the_floor_are_refused(value: float, accepted: bool) -> None:
    if accepted:
        assert check_poll_interval(value) == value
        return
    with pytest.raises(ValueError, match=rf"poll_interval={value!r} is below the floor of {MIN_POLL_INTERVAL} s"):
        check_poll_interval(value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param(timedelta(minutes=2), 120.0, id="timedelta"),
        pytest.param(0.5, 0.5, id="seconds"),
        pytest.param(0, None, id="zero"),
        pytest.param(timedelta(seconds=-1), None, id="negative-timedelta"),
    ],
)
def test_timeouts_must_be_positive(value: timedelta | float, seconds: float | None) -> None:
    if seconds is not None:
        assert check_timeout(value) == seconds
        return
    with pytest.raises(ValueError, match=r"timeout=.* must be more than 0 seconds"):
        check_timeout(value)


@pytest.mark.parametrize("kind", sorted(JOB_KINDS))
def test_every_path_of_the_registry_is_an_operation_of_heygens_contract(kind: str) -> None:
    spec = JOB_KINDS[kind]
    find_operation("POST", spec.create_path)
    find_operation("GET", spec.status_url_path("x_1"))
    if spec.bulk_status_path:
        operation = find_operation("GET", spec.bulk_status_path)
        assert operation["path"] == spec.bulk_status_path  # not a templated GET that happens to match
    if (cancel := spec.cancel_url_path("x_1")) is not None:
        find_operation("POST", cancel)
