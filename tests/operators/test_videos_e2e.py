"""HeyGenCreateVideosOperator end to end: dag.test() against the fake, one wait for every video, in both modes."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.operators.support import assert_retried_without_a_second_render, fail_polls_until_the_first_try_gives_up

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("airflow_db")]

MODES = ["heygen_videos_sync", "heygen_videos_deferrable"]


def run(dag_id: str):
    module = importlib.import_module("tests.dags.heygen_videos_dags")
    return {"heygen_videos_sync": module.videos_sync, "heygen_videos_deferrable": module.videos_deferrable}[
        dag_id
    ].test()


def result_of(dagrun):
    (ti,) = [ti for ti in dagrun.get_task_instances() if ti.task_id == "render_all"]
    return ti.xcom_pull(task_ids="render_all")


def polls(fake: FakeHeyGen, path: str) -> int:
    return len([request for request in fake.requests if request.method == "GET" and request.path.startswith(path)])


@pytest.mark.parametrize("dag_id", MODES)
def test_one_batch_renders_every_video_once(heygen: FakeHeyGen, dag_id: str) -> None:
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    jobs = heygen.jobs("video")
    (post,) = heygen.requests_to("POST", "/v3/videos/batches")
    assert len(jobs) == 3 and heygen.requests_to("POST", "/v3/videos") == []
    assert post.body["title"].startswith("Weekly updates 20")  # templated
    result = result_of(dagrun)
    assert result["status"] == "succeeded" and result["job_ids"] == [job.id for job in jobs]
    assert result["batch_ids"] and len(result["jobs"]) == 3
    assert all(video["video_url"] for video in result["jobs"])
    assert result["credits"] == pytest.approx(heygen.credits_spent)


@pytest.mark.parametrize("dag_id", MODES)
def test_queued_items_are_awaited_through_the_batch_without_a_second_wait(heygen: FakeHeyGen, dag_id: str) -> None:
    heygen.concurrency_limit = 2  # the third video waits, queued and without an id, for a free slot
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    posts = heygen.requests_to("POST", "/v3/videos/batches")  # back from the trigger, the task replays its key
    assert len(heygen.jobs("video")) == 3 and len(posts) == (2 if "deferrable" in dag_id else 1)
    assert len({post.headers["idempotency-key"] for post in posts}) == 1
    assert result_of(dagrun)["status"] == "succeeded"
    assert polls(heygen, "/v3/videos/statuses") == 1  # one look at the finished videos, not a second wait


@pytest.mark.parametrize("dag_id", MODES)
def test_an_account_without_batches_creates_the_videos_one_by_one(heygen: FakeHeyGen, dag_id: str) -> None:
    heygen.video_batches = False
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    creates = heygen.requests_to("POST", "/v3/videos")
    keys = [request.headers["idempotency-key"] for request in creates]
    assert len(heygen.jobs("video")) == 3 and len(creates) == 3
    assert [key.rsplit("-", 1)[1] for key in keys] == ["0", "1", "2"] and len({k.rsplit("-", 1)[0] for k in keys}) == 1
    assert result_of(dagrun)["batch_ids"] == []


@pytest.mark.parametrize("dag_id", MODES)
def test_a_try_that_fails_after_submitting_is_retried_without_a_second_render(
    heygen: FakeHeyGen, dag_id: str, make_fake: Callable[..., FakeHeyGen]
) -> None:
    fail_polls_until_the_first_try_gives_up(heygen, "/v3/videos/statuses", deferrable="deferrable" in dag_id)
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    assert_retried_without_a_second_render(heygen, "video", "/v3/videos/batches", jobs=3)
