"""The "HeyGen video" extra link: computed for a finished task from the job id it pushed to XCom."""

from __future__ import annotations

import importlib

import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.links import HeyGenJobLink
from airflow_provider.heygen.testing import FakeHeyGen

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("airflow_db")]


def test_link_points_at_the_jobs_app_page(heygen: FakeHeyGen) -> None:
    dag = importlib.import_module("tests.dags.heygen_video_dags").video_sync
    dagrun = dag.test()
    assert dagrun.state == "success"
    (job,) = heygen.jobs("video")
    (ti,) = dagrun.get_task_instances()
    expected = f"https://app.heygen.com/videos/{job.id}"
    if AIRFLOW_V_3:
        # Airflow 3 computes the link in the worker when the task ends and stores it for the UI.
        assert ti.xcom_pull(task_ids="render", key=HeyGenJobLink().xcom_key) == expected
    else:
        assert HeyGenJobLink().get_link(dag.get_task("render"), ti_key=ti.key) == expected
