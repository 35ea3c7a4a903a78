"""HeyGenCreateVideoOperator end to end: dag.test() against the fake, in both waiting modes."""

from __future__ import annotations

import importlib

import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.operators.support import (
    assert_retried_without_a_second_render,
    fail_polls_until_the_first_try_gives_up,
    xcom,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("airflow_db")]


def run(dag_id: str):
    module = importlib.import_module("tests.dags.heygen_video_dags")
    dag = {"heygen_video_sync": module.video_sync, "heygen_video_deferrable": module.video_deferrable}[dag_id]
    return dag.test()


@pytest.mark.parametrize("dag_id", ["heygen_video_sync", "heygen_video_deferrable"])
def test_video_dag_renders_once_and_returns_outputs(heygen: FakeHeyGen, dag_id: str) -> None:
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    (job,) = heygen.jobs("video")
    assert "Airflow shipped" in job.request["script"]  # the request was templated
    result = xcom(dagrun, "render")
    assert result["status"] == "succeeded" and result["job_ids"] == [job.id]
    (video,) = result["jobs"]
    assert video["video_id"] == job.id and video["video_url"] and video["duration"]
    assert video["credits"] == pytest.approx(heygen.credits_spent)


@pytest.mark.parametrize("dag_id", ["heygen_video_sync", "heygen_video_deferrable"])
def test_a_try_that_fails_after_submitting_is_retried_without_a_second_render(heygen: FakeHeyGen, dag_id: str) -> None:
    fail_polls_until_the_first_try_gives_up(heygen, "/v3/videos/*", deferrable="deferrable" in dag_id)
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    assert_retried_without_a_second_render(heygen, "video", "/v3/videos")
