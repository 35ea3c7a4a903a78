"""The one status table: every kind's vocabulary, unknown statuses, bulk requests and their answers."""

from __future__ import annotations

import pytest

from airflow_provider.heygen.api.jobs import (
    JOB_KINDS,
    JobState,
    job_ids_from,
    job_kind,
    status_requests,
    statuses_from_responses,
)


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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["a", "b"], ["a", "b"], id="list"),
        pytest.param("a", ["a"], id="one-id"),
        pytest.param("a, b", ["a", "b"], id="comma-separated"),
        pytest.param("['a', 'b']", ["a", "b"], id="rendered-list"),
        pytest.param({"kind": "video", "job_ids": ["a"]}, ["a"], id="operator-result"),
        pytest.param("", [], id="empty"),
    ],
)
def test_job_ids_from_template_and_xcom_values(value: object, expected: list[str]) -> None:
    assert job_ids_from(value) == expected
