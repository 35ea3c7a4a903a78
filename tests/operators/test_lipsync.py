"""HeyGenLipsyncOperator: the submit, the deferral, completion, input checks and budget without a database;
then end to end with dag.test() against the fake in both waiting modes."""

from __future__ import annotations

import importlib
import json
import time
from typing import Any

import pytest

from airflow_provider.heygen._compat import AirflowFailException, TaskDeferred
from airflow_provider.heygen.api.errors import HeyGenError, JobFailedError, JobTimeoutError
from airflow_provider.heygen.links import JOB_IDS_XCOM_KEY
from airflow_provider.heygen.operators.base import idempotency_key_for
from airflow_provider.heygen.operators.lipsync import HeyGenLipsyncOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger
from tests.operators.support import (
    assert_retried_without_a_second_render,
    context,
    fail_polls_until_the_first_try_gives_up,
)

VIDEO = {"type": "url", "url": "https://cdn.example.com/keynote.mp4"}
AUDIO = {"type": "asset_id", "asset_id": "asset_dub_1"}
REQUEST = {"video": VIDEO, "audio": AUDIO}
CREATE = "/v3/lipsyncs"


def operator(**kwargs: Any) -> HeyGenLipsyncOperator:
    kwargs = {"request": REQUEST, "poll_interval": 0.1, "timeout": 30, **kwargs}
    return HeyGenLipsyncOperator(task_id="t", **kwargs)


def test_submit_sends_the_request_with_the_task_key(heygen: FakeHeyGen) -> None:
    ctx = context()
    request = {**REQUEST, "mode": "precision", "start_time": 2.0, "end_time": 12.0}
    result = operator(request=request, wait_for_completion=False).execute(ctx)
    (post,) = heygen.requests_to("POST", CREATE)
    assert post.body == request and post.headers["idempotency-key"] == idempotency_key_for(ctx, request)
    (job,) = heygen.jobs("lipsync")
    assert result["job_ids"] == ctx["ti"].xcoms[JOB_IDS_XCOM_KEY] == [job.id]
    assert result["jobs"][0]["lipsync_id"] == job.id


def test_deferrable_defers_to_the_job_trigger(heygen: FakeHeyGen) -> None:
    with pytest.raises(TaskDeferred) as info:
        operator(deferrable=True, timeout=600).execute(context())
    (job,) = heygen.jobs("lipsync")
    assert isinstance(info.value.trigger, HeyGenJobTrigger) and info.value.method_name == "execute_complete"
    _, kwargs = info.value.trigger.serialize()
    assert (kwargs["kind"], kwargs["job_ids"]) == ("lipsync", [job.id])
    assert time.time() + 590 < kwargs["deadline"] <= time.time() + 600
    assert heygen.api_key not in json.dumps(kwargs)


@pytest.mark.parametrize(("mode", "credits"), [("speed", 3.0), ("precision", 6.0)])
def test_worker_wait_returns_outputs_and_credits(heygen: FakeHeyGen, mode: str, credits: float) -> None:
    result = operator(request={**REQUEST, "mode": mode, "enable_caption": True}, deferrable=False).execute(context())
    assert result["status"] == "succeeded"
    (lipsync,) = result["jobs"]
    assert lipsync["status"] == "completed" and lipsync["video_url"] and lipsync["caption_url"]
    assert lipsync["duration"] == 60 and lipsync["failure_message"] is None
    assert lipsync["credits"] == pytest.approx(credits) == pytest.approx(heygen.credits_spent)


def lipsync_event(status: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, "kind": "lipsync", "job_ids": ["ls_1"], "message": "m", **extra}


def test_execute_complete_success_refetches_the_lipsync(heygen: FakeHeyGen) -> None:
    with pytest.raises(TaskDeferred):
        operator(deferrable=True).execute(context())
    (job,) = heygen.jobs("lipsync")
    heygen.advance(600)
    result = operator(deferrable=True).execute_complete(context(), {**lipsync_event("success"), "job_ids": [job.id]})
    assert result["status"] == "succeeded" and result["jobs"][0]["video_url"]


@pytest.mark.parametrize(
    ("status", "extra", "error"),
    [
        pytest.param(
            "failed",
            {"failures": {"ls_1": {"failure_code": "download_failed", "failure_message": "audio not reachable"}}},
            JobFailedError,
            id="failed",
        ),
        pytest.param("timeout", {"statuses": {"ls_1": "running"}}, JobTimeoutError, id="timeout"),
        pytest.param("error", {}, HeyGenError, id="error"),
    ],
)
def test_execute_complete_raises_typed_errors(status: str, extra: dict, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        operator(deferrable=True).execute_complete(context(), lipsync_event(status, **extra))
    if status == "failed":
        assert info.value.failure_code == "download_failed" and "audio not reachable" in str(info.value)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        pytest.param({"video": VIDEO}, "audio", id="no-audio"),
        pytest.param(
            {**REQUEST, "audio": {"type": "base64", "media_type": "audio/mpeg", "data": "AA=="}}, "audio", id="base64"
        ),
        pytest.param({**REQUEST, "mode": "turbo"}, "mode", id="bad-mode"),
        pytest.param({**REQUEST, "start_time": 10, "end_time": 10}, "end_time", id="bad-window"),
        pytest.param({**REQUEST, "fps_mode": "60fps"}, "fps_mode", id="bad-fps"),
        pytest.param({**REQUEST, "voice_id": "v"}, "voice_id", id="unknown-field"),
    ],
)
def test_bad_input_fails_before_any_request(heygen: FakeHeyGen, request_: dict[str, Any], message: str) -> None:
    with pytest.raises(AirflowFailException, match=message):
        operator(request=request_).execute(context())
    assert not heygen.requests


@pytest.mark.parametrize(
    ("request_", "kwargs"),
    [
        pytest.param({**REQUEST, "mode": "precision"}, {"source_duration": 100}, id="source-duration"),  # 10 credits
        pytest.param({**REQUEST, "start_time": 100, "end_time": 300}, {}, id="trim-window"),  # 200 s x 0.05 = 10
    ],
)
def test_budget_guard_refuses_before_submitting(heygen: FakeHeyGen, request_: dict, kwargs: dict) -> None:
    with pytest.raises(AirflowFailException, match="exceeds max_credits=5"):
        operator(request=request_, max_credits=5, **kwargs).execute(context())
    assert not heygen.requests


def test_negative_source_duration_fails_when_the_dag_is_parsed() -> None:
    with pytest.raises(ValueError, match="source_duration"):
        operator(source_duration=-5)


# --- end to end: dag.test() against the fake ------------------------------------------------------------


def run(mode: str) -> Any:
    return getattr(importlib.import_module("tests.dags.heygen_lipsync_dags"), f"lipsync_{mode}").test()


def returned(dagrun: Any) -> Any:
    (ti,) = dagrun.get_task_instances()
    return ti.xcom_pull(task_ids="lipsync")


WAITING_MODES = pytest.mark.parametrize("mode", ["sync", "deferrable"])


class TestEndToEnd:
    """dag.test() of the DAGs in tests/dags against the fake: the run, the XCom result and the fake's record."""

    pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("airflow_db")]

    @WAITING_MODES
    def test_lipsyncs_once_and_returns_outputs(self, heygen: FakeHeyGen, mode: str) -> None:
        dagrun = run(mode)
        assert dagrun.state == "success"
        (job,) = heygen.jobs("lipsync")
        assert job.request["audio"]["url"] == "https://cdn.example.com/keynote-dub.mp3"  # the request was templated
        result = returned(dagrun)
        assert result["status"] == "succeeded" and result["job_ids"] == [job.id]
        (lipsync,) = result["jobs"]
        assert lipsync["lipsync_id"] == job.id and lipsync["video_url"] and lipsync["caption_url"]
        assert lipsync["credits"] == pytest.approx(heygen.credits_spent)

    @WAITING_MODES
    def test_a_try_that_fails_after_submitting_is_retried_without_a_second_lipsync(
        self, heygen: FakeHeyGen, mode: str
    ) -> None:
        fail_polls_until_the_first_try_gives_up(heygen, "/v3/lipsyncs/*", deferrable=mode == "deferrable")
        dagrun = run(mode)
        assert dagrun.state == "success"
        assert_retried_without_a_second_render(heygen, "lipsync", CREATE)
