"""The shared job lifecycle (through the video operator) without a database: validate, budget, submit,
record, defer, complete; plus the idempotency key and reconnection after a worker crash."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3_3, AirflowFailException, TaskDeferred, TimeDeltaTrigger
from airflow_provider.heygen.api.errors import (
    HeyGenError,
    InvalidTriggerEventError,
    JobFailedError,
    JobTimeoutError,
    RateLimitError,
)
from airflow_provider.heygen.links import JOB_IDS_XCOM_KEY
from airflow_provider.heygen.operators import base
from airflow_provider.heygen.operators.base import idempotency_key_for
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.triggers.job import DEFERRAL_MARGIN, HeyGenJobTrigger
from tests.operators.support import context

REQUEST = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "one two three four five"}


def operator(**kwargs: Any) -> HeyGenCreateVideoOperator:
    kwargs = {"request": REQUEST, "poll_interval": 0.1, "timeout": 30, **kwargs}
    return HeyGenCreateVideoOperator(task_id="t", **kwargs)


def test_bad_input_fails_without_retry_and_without_any_request(heygen: FakeHeyGen) -> None:
    op = operator(request={**REQUEST, "script": "x" * 5001})
    with pytest.raises(AirflowFailException, match="script: 5,001 characters, the limit is 5,000"):
        op.execute(context())
    assert not heygen.requests


def test_budget_guard_refuses_before_submitting(heygen: FakeHeyGen) -> None:
    op = operator(request={**REQUEST, "script": " ".join(["word"] * 250)}, max_credits=5)  # ~100 s = 10 credits
    with pytest.raises(AirflowFailException, match="exceeds max_credits=5"):
        op.execute(context())
    assert not heygen.requests


def test_deferrable_submit_records_ids_then_defers_to_the_trigger(heygen: FakeHeyGen) -> None:
    ctx = context()
    with pytest.raises(TaskDeferred) as info:
        operator(deferrable=True, timeout=600).execute(ctx)
    (job,) = heygen.jobs("video")
    assert ctx["ti"].xcoms[JOB_IDS_XCOM_KEY] == [job.id]  # recorded before the wait
    trigger = info.value.trigger
    assert isinstance(trigger, HeyGenJobTrigger)
    _, kwargs = trigger.serialize()
    assert (kwargs["kind"], kwargs["job_ids"], kwargs["cancel_on_kill"]) == ("video", [job.id], True)
    assert time.time() + 590 < kwargs["deadline"] <= time.time() + 600
    assert heygen.api_key not in json.dumps(kwargs)
    assert info.value.method_name == "execute_complete"


def test_no_wait_returns_right_after_submit(heygen: FakeHeyGen) -> None:
    heygen.clock_speed = 0
    result = operator(wait_for_completion=False).execute(context())
    assert result["status"] == "running" and result["jobs"][0]["status"] in ("pending", "processing")


def test_worker_wait_returns_outputs_and_credits(heygen: FakeHeyGen) -> None:
    result = operator(deferrable=False).execute(context())
    assert result["status"] == "succeeded"
    (video,) = result["jobs"]
    assert video["video_url"] and video["credits"] == pytest.approx(0.2) == result["credits"]


def test_worker_wait_times_out_with_a_distinct_error(fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", fake.airflow_conn_env())  # frozen clock: never finishes
    with pytest.raises(JobTimeoutError):
        operator(deferrable=False, timeout=0.3).execute(context())


def event(status: str, job_id: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, "kind": "video", "job_ids": [job_id], "message": "m", **extra}


def test_execute_complete_success_refetches_the_job(heygen: FakeHeyGen) -> None:
    with pytest.raises(TaskDeferred):
        operator(deferrable=True).execute(context())
    (job,) = heygen.jobs("video")
    heygen.advance(600)
    result = operator(deferrable=True).execute_complete(context(), event("success", job.id))
    assert result["jobs"][0]["video_url"] and result["status"] == "succeeded"


@pytest.mark.parametrize(
    ("status", "extra", "error"),
    [
        pytest.param(
            "failed",
            {"failures": {"v_1": {"failure_code": "rendering_failed", "failure_message": "GPU on fire"}}},
            JobFailedError,
            id="failed",
        ),
        pytest.param("timeout", {"statuses": {"v_1": "processing"}}, JobTimeoutError, id="timeout"),
        pytest.param("error", {}, HeyGenError, id="error"),
    ],
)
def test_execute_complete_raises_typed_errors(status: str, extra: dict, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        operator(deferrable=True).execute_complete(context(), event(status, "v_1", **extra))
    if status == "failed":
        assert info.value.failure_code == "rendering_failed" and "GPU on fire" in str(info.value)


def test_execute_complete_rejects_a_malformed_event() -> None:
    with pytest.raises(InvalidTriggerEventError):
        operator(deferrable=True).execute_complete(context(), {"status": "weird"})


def test_a_full_account_defers_at_once_instead_of_sleeping_in_the_worker(
    fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", fake.airflow_conn_env())  # default retries: 60 s in place
    fake.clock_speed, fake.concurrency_limit = 1.0, 1
    with pytest.raises(TaskDeferred):
        operator(deferrable=True, request={**REQUEST, "script": " ".join(["word"] * 50)}).execute(context())  # 20 s
    with pytest.raises(TaskDeferred) as info:
        operator(deferrable=True, timeout=3600).execute(context())
    assert isinstance(info.value.trigger, TimeDeltaTrigger)  # waiting ~20 s for the slot, but not in the worker
    assert [request.status for request in fake.requests_to("POST", "/v3/videos")] == [200, 429]


def test_concurrency_429_defers_on_a_timer_and_resubmits(heygen: FakeHeyGen) -> None:
    heygen.concurrency_limit = 0
    with pytest.raises(TaskDeferred) as info:
        operator(deferrable=True, timeout=3600).execute(context())
    assert isinstance(info.value.trigger, TimeDeltaTrigger)
    assert info.value.method_name == "resume_after_limit"
    assert not heygen.jobs("video")
    heygen.concurrency_limit = 10
    with pytest.raises(TaskDeferred) as resumed:
        operator(deferrable=True).resume_after_limit(context(), None)
    assert isinstance(resumed.value.trigger, HeyGenJobTrigger)
    assert len(heygen.jobs("video")) == 1


def test_idempotency_key_is_stable_per_task_instance_and_payload() -> None:
    key = idempotency_key_for(context(), REQUEST)
    assert key == idempotency_key_for(context(try_number=3), REQUEST)  # every try of the instance
    assert key != idempotency_key_for(context(), {**REQUEST, "script": "changed"})
    assert key != idempotency_key_for(context(map_index=1), REQUEST)
    assert key != idempotency_key_for(context(run_id="r2"), REQUEST)


def test_retry_after_a_failed_render_submits_anew(heygen: FakeHeyGen) -> None:
    heygen.inject("job_failure", "/v3/videos", method="POST", times=1)
    with pytest.raises(JobFailedError):
        operator(deferrable=False).execute(context())
    result = operator(deferrable=False).execute(context(try_number=2))
    assert result["status"] == "succeeded"
    first, second = heygen.jobs("video")
    assert first.status == "failed" and result["job_ids"] == [second.id]


@pytest.mark.skipif(not AIRFLOW_V_3_3, reason="ResumableJobMixin is Airflow 3.3+")
def test_a_retry_after_a_worker_crash_reconnects_through_the_task_state_store(heygen: FakeHeyGen) -> None:
    class Store(dict):
        def set(self, key: str, value: Any) -> None:
            self[key] = value

    store = Store()
    heygen.clock_speed = 0  # still rendering when the next try starts
    with pytest.raises(TaskDeferred):
        operator(deferrable=True).execute({**context(), "task_state_store": store})
    (job,) = heygen.jobs("video")
    assert store[JOB_IDS_XCOM_KEY] == [job.id]
    # The next try uses another payload (so another key): only the stored id can prevent a second render.
    with pytest.raises(TaskDeferred) as info:
        operator(deferrable=True, request={**REQUEST, "title": "edited"}).execute(
            {**context(try_number=2), "task_state_store": store}
        )
    assert len(heygen.jobs("video")) == 1
    assert info.value.trigger.serialize()[1]["job_ids"] == [job.id]


def test_on_kill_in_the_worker_stops_cancellable_jobs_only(heygen: FakeHeyGen) -> None:
    op = operator(wait_for_completion=False)
    op.execute(context())
    op.on_kill()  # videos cannot be stopped: nothing is sent
    assert not [r for r in heygen.requests if r.path.endswith("/stop")]


# --- a server wait longer than the cap: no retries in place ------------------------------------------------


def test_refusals_are_waited_out_for_the_timeout_at_most_across_deferrals(heygen: FakeHeyGen) -> None:
    """A plan that never frees a slot (or a request over its cap) fails the task instead of deferring forever."""
    heygen.concurrency_limit = 0
    with pytest.raises(TaskDeferred) as info:
        operator(deferrable=True, timeout=120).execute(context())
    refused_since = info.value.kwargs["refused_since"]
    assert abs(refused_since - time.time()) < 5
    with pytest.raises(TaskDeferred) as again:  # still within the timeout: deferred again, the start kept
        operator(deferrable=True, timeout=120).resume_after_limit(context(), None, refused_since=refused_since)
    assert again.value.kwargs == {"refused_since": refused_since}
    with pytest.raises(RateLimitError, match="Too many concurrent jobs"):  # refused for longer than the timeout
        operator(deferrable=True, timeout=120).resume_after_limit(context(), None, refused_since=time.time() - 100)
    assert not heygen.jobs("video")


def posts(fake: FakeHeyGen) -> list[Any]:
    return fake.requests_to("POST", "/v3/videos")


def test_a_long_retry_after_defers_for_the_whole_wait_then_resubmits_with_the_same_key(heygen: FakeHeyGen) -> None:
    heygen.inject("rate_limit", "/v3/videos", method="POST", retry_after=600, times=1)
    with pytest.raises(TaskDeferred) as info:
        operator(deferrable=True, timeout=3600).execute(context())
    assert len(posts(heygen)) == 1  # refused once, not retried inside the server's window
    trigger = info.value.trigger
    assert isinstance(trigger, TimeDeltaTrigger) and info.value.method_name == "resume_after_limit"
    wakes = trigger.serialize()[1]["moment"].timestamp() - time.time()
    assert 590 < wakes <= 600
    assert timedelta(seconds=590) + DEFERRAL_MARGIN < info.value.timeout <= timedelta(seconds=600) + DEFERRAL_MARGIN
    with pytest.raises(TaskDeferred) as resumed:
        operator(deferrable=True, timeout=3600).resume_after_limit(context(), None, **info.value.kwargs)
    assert isinstance(resumed.value.trigger, HeyGenJobTrigger)
    first, second = posts(heygen)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] and len(heygen.jobs("video")) == 1


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The worker's sleeps, recorded instead of slept."""
    sleeps: list[float] = []
    monkeypatch.setattr(base.time, "sleep", sleeps.append)
    return sleeps


def test_in_the_worker_a_retry_after_that_fits_the_timeout_is_waited_once(
    heygen: FakeHeyGen, slept: list[float]
) -> None:
    heygen.inject("rate_limit", "/v3/videos", method="POST", retry_after=20, times=1)
    op = operator(deferrable=False, wait_for_completion=False, timeout=30)
    assert op.execute(context())["job_ids"] == [job.id for job in heygen.jobs("video")]
    assert slept == [20] and len(posts(heygen)) == 2


def test_in_the_worker_a_retry_after_longer_than_the_timeout_fails_naming_the_wait(
    heygen: FakeHeyGen, slept: list[float]
) -> None:
    heygen.inject("rate_limit", "/v3/videos", method="POST", retry_after=600, times=1)
    with pytest.raises(RateLimitError, match=r"HeyGen asks to wait 600s") as info:
        operator(deferrable=False, timeout=300).execute(context())
    assert info.value.retry_after == 600 and not slept and len(posts(heygen)) == 1 and not heygen.jobs("video")


# --- nonsense refused when the DAG is parsed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"poll_interval": 0}, r"poll_interval=0 is below the floor of 0.1 s", id="poll-zero"),
        pytest.param({"poll_interval": 0.01}, r"poll_interval=0.01 is below the floor", id="poll-tiny"),
        pytest.param({"timeout": 0}, r"timeout=0 must be more than 0 seconds", id="timeout-zero"),
        pytest.param(
            {"timeout": timedelta(minutes=-5)}, r"timeout=.*must be more than 0 seconds", id="timeout-negative"
        ),
    ],
)
def test_nonsense_waits_are_refused_at_construction(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        operator(**kwargs)


# --- the deferral's backstop and the jobs it stops ----------------------------------------------------------


def test_every_deferral_has_a_timeout_just_past_the_waits_deadline(heygen: FakeHeyGen) -> None:
    with pytest.raises(TaskDeferred) as info:
        operator(deferrable=True, timeout=600).execute(context())
    deadline = info.value.trigger.serialize()[1]["deadline"]
    expected = timedelta(seconds=deadline - time.time()) + DEFERRAL_MARGIN
    assert abs(info.value.timeout - expected) < timedelta(seconds=5)
    assert info.value.kwargs == {"job_ids": info.value.trigger.job_ids}


def test_an_event_about_other_jobs_is_refused(heygen: FakeHeyGen) -> None:
    with pytest.raises(InvalidTriggerEventError, match="deferred on v_1"):
        operator(deferrable=True).execute_complete(context(), event("success", "v_2"), job_ids=["v_1"])
    assert not heygen.requests
