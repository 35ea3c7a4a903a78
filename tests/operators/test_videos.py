"""HeyGenCreateVideosOperator without a database: batches of 100, one trigger for every video, the wait on a
batch whose items have no id yet, the fallback to single creates, cost guards over the whole list, a failed
item and its resubmission on retry."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider.heygen._compat import AirflowFailException, TaskDeferred
from airflow_provider.heygen.api.errors import JobFailedError, JobTimeoutError, NotFoundError
from airflow_provider.heygen.links import JOB_IDS_XCOM_KEY
from airflow_provider.heygen.operators.base import idempotency_key_for, retry_key
from airflow_provider.heygen.operators.video import BATCH_IDS_XCOM_KEY, HeyGenCreateVideosOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger
from tests.operators.support import context

VIDEO = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "Five words are spoken here."}
BATCHES = "/v3/videos/batches"


def operator(requests: Any = (VIDEO, VIDEO, VIDEO), **kwargs: Any) -> HeyGenCreateVideosOperator:
    kwargs = {"poll_interval": 0.1, "timeout": 30, "deferrable": False, **kwargs}
    return HeyGenCreateVideosOperator(task_id="t", requests=list(requests), **kwargs)


def deferred(call: Callable[..., Any], *args: Any) -> TaskDeferred:
    with pytest.raises(TaskDeferred) as info:
        call(*args)
    return info.value


def task_key(ctx: dict[str, Any], count: int = 3) -> str:
    return idempotency_key_for(ctx, {"videos": [VIDEO] * count})


def test_one_batch_carries_every_video_and_the_result_lists_them_in_order(heygen: FakeHeyGen) -> None:
    ctx = context()
    result = operator(batch_title="Weekly").execute(ctx)
    (post,) = heygen.requests_to("POST", BATCHES)
    assert post.body == {"videos": [VIDEO] * 3, "title": "Weekly"}
    assert post.headers["idempotency-key"] == f"{task_key(ctx)}-batch0"
    jobs = heygen.jobs("video")
    assert result["job_ids"] == ctx["ti"].xcoms[JOB_IDS_XCOM_KEY] == [job.id for job in jobs]
    assert result["batch_ids"] == ctx["ti"].xcoms[BATCH_IDS_XCOM_KEY] and len(result["batch_ids"]) == 1
    assert result["kind"] == "video" and result["status"] == "succeeded"
    assert [job["video_id"] for job in result["jobs"]] == result["job_ids"]
    assert result["credits"] == pytest.approx(heygen.credits_spent) == pytest.approx(3 * 2 * 0.1)
    assert heygen.requests_to("POST", "/v3/videos") == []


def test_every_video_is_awaited_in_one_trigger(heygen: FakeHeyGen) -> None:
    deferral = deferred(operator(deferrable=True).execute, context())
    assert isinstance(deferral.trigger, HeyGenJobTrigger) and deferral.method_name == "execute_complete"
    _, kwargs = deferral.trigger.serialize()
    assert kwargs["kind"] == "video" and kwargs["job_ids"] == [job.id for job in heygen.jobs("video")]
    assert heygen.api_key not in str(kwargs)


def test_items_without_a_video_id_are_awaited_through_their_batch_then_settled_without_a_second_trigger(
    heygen: FakeHeyGen,
) -> None:
    heygen.concurrency_limit = 2
    ctx = context()
    task = operator(deferrable=True)
    deferral = deferred(task.execute, ctx)
    _, kwargs = deferral.trigger.serialize()
    assert kwargs["kind"] == "video_batch" and kwargs["job_ids"] == ctx["ti"].xcoms[BATCH_IDS_XCOM_KEY]
    assert deferral.method_name == "resume_after_batches"
    heygen.advance(60)
    heygen.advance(60)  # the queued third video got its slot, then ended
    event = {"status": "success", "kind": "video_batch", "job_ids": kwargs["job_ids"], "message": "m"}
    result = operator(deferrable=True).resume_after_batches(ctx, event, job_ids=kwargs["job_ids"])
    assert result["status"] == "succeeded" and len(result["job_ids"]) == len(heygen.jobs("video")) == 3
    assert len(heygen.requests_to("POST", BATCHES)) == 2  # the same key, replayed


def test_more_than_100_videos_go_in_several_batches(heygen: FakeHeyGen) -> None:
    fake, fake.concurrency_limit = heygen, None
    ctx = context()
    result = operator([VIDEO] * 150, wait_for_completion=False).execute(ctx)
    posts = fake.requests_to("POST", BATCHES)
    assert [len(post.body["videos"]) for post in posts] == [100, 50]
    key = task_key(ctx, 150)
    assert [post.headers["idempotency-key"] for post in posts] == [f"{key}-batch0", f"{key}-batch1"]
    assert result["job_ids"] == [job.id for job in fake.jobs("video")] and len(result["batch_ids"]) == 2


def test_an_account_without_batches_gets_one_create_per_video(heygen: FakeHeyGen) -> None:
    fake, fake.video_batches = heygen, False
    ctx = context()
    result = operator(wait_for_completion=False).execute(ctx)
    creates = fake.requests_to("POST", "/v3/videos")
    assert [post.headers["idempotency-key"] for post in creates] == [f"{task_key(ctx)}-{i}" for i in range(3)]
    assert len(fake.requests_to("POST", BATCHES)) == 1 and result["batch_ids"] == []


def test_batch_true_insists_on_batches_and_batch_false_never_asks(heygen: FakeHeyGen) -> None:
    fake, fake.video_batches = heygen, False
    with pytest.raises(NotFoundError):
        operator(batch=True, wait_for_completion=False).execute(context())
    assert fake.jobs("video") == []
    operator(batch=False, wait_for_completion=False).execute(context())
    assert len(fake.requests_to("POST", BATCHES)) == 1 and len(fake.jobs("video")) == 3


def test_a_bad_item_or_a_budget_below_the_sum_fails_before_any_request(heygen: FakeHeyGen) -> None:
    fake = heygen
    with pytest.raises(AirflowFailException, match=r"videos\[1\]\.script"):
        operator([VIDEO, {**VIDEO, "script": " "}]).execute(context())
    with pytest.raises(AirflowFailException, match=r"Estimated 0.6 credits exceeds max_credits=0.5"):
        operator(max_credits=0.5).execute(context())  # 3 videos of ~2 s at 0.1/s: ~0.6 credits
    assert fake.requests_to("POST", BATCHES) == []
    with pytest.raises(ValueError, match="batch="):
        operator(batch="sometimes")
    with pytest.raises(ValueError, match="requests="):
        HeyGenCreateVideosOperator(task_id="t", requests=[VIDEO], request=VIDEO)


def test_a_json_string_of_requests_is_taken(heygen: FakeHeyGen) -> None:
    result = HeyGenCreateVideosOperator(
        task_id="t", requests=json.dumps([VIDEO]), wait_for_completion=False, deferrable=False
    ).execute(context())
    assert len(result["job_ids"]) == 1


def test_a_failed_video_fails_the_task_and_the_retry_renders_only_it_again(heygen: FakeHeyGen) -> None:
    heygen.inject("job_failure", BATCHES, method="POST", times=1, failure_code="avatar_not_found")
    first = context()
    with pytest.raises(JobFailedError, match="avatar_not_found") as info:
        operator().execute(first)
    failed = heygen.jobs("video")[0]
    assert failed.id in str(info.value)
    retry = context(try_number=2)
    result = operator().execute(retry)
    assert result["status"] == "succeeded" and len(heygen.jobs("video")) == 4
    (again,) = heygen.requests_to("POST", "/v3/videos")
    assert again.headers["idempotency-key"] == retry_key(f"{task_key(retry)}", 1, 0, 3)
    assert result["job_ids"][1:] == first["ti"].xcoms[JOB_IDS_XCOM_KEY][1:] and result["job_ids"][0] != failed.id


def test_an_item_never_created_fails_the_first_try_naming_it_and_is_created_alone_on_retry(heygen: FakeHeyGen) -> None:
    fake, fake.wallet_balance = heygen, 0.3  # the first video (~2 s at 0.1/s) fits, the second does not
    with pytest.raises(JobFailedError, match=r"videos\[1\].*insufficient_credit"):
        operator([VIDEO, VIDEO]).execute(context())
    fake.wallet_balance = 100
    retry = context(try_number=2)
    result = operator([VIDEO, VIDEO], wait_for_completion=False).execute(retry)
    (alone,) = fake.requests_to("POST", "/v3/videos")
    assert alone.headers["idempotency-key"] == f"{task_key(retry, 2)}-1" and alone.body == VIDEO
    assert len(result["job_ids"]) == len(fake.jobs("video")) == 2


def test_a_batch_wait_that_times_out_fails_and_a_retry_never_creates_a_queued_video_alone(heygen: FakeHeyGen) -> None:
    heygen.concurrency_limit, heygen.clock_speed = 1, 0.0  # one video runs and never ends, two stay queued, no id
    with pytest.raises(JobTimeoutError):
        operator(timeout=0.5).execute(context())
    with pytest.raises(JobTimeoutError):
        operator(timeout=0.5).execute(context(try_number=2))
    assert heygen.requests_to("POST", "/v3/videos") == []  # HeyGen still holds them: created alone, they'd render twice
    assert len(heygen.requests_to("POST", BATCHES)) == 2  # the same key, replayed


def test_the_pass_after_a_batch_wait_does_not_count_the_estimate_against_the_floor_again(heygen: FakeHeyGen) -> None:
    heygen.concurrency_limit, heygen.wallet_balance = 2, 10.0  # 0.6 credits estimated; 9.4 left once they render
    ctx = context()
    deferral = deferred(operator(deferrable=True, min_remaining_credits=9.0).execute, ctx)
    job_ids = deferral.trigger.serialize()[1]["job_ids"]
    heygen.advance(60)
    heygen.advance(60)
    event = {"status": "success", "kind": "video_batch", "job_ids": job_ids, "message": "m"}
    result = operator(deferrable=True, min_remaining_credits=9.0).resume_after_batches(ctx, event, job_ids=job_ids)
    assert result["status"] == "succeeded" and heygen.wallet_balance == pytest.approx(9.4)
