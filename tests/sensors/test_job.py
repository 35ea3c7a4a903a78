"""HeyGenJobSensor: poke answers, the deferral it makes, its completion, and end to end with dag.test()."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from typing import Any

import pytest

from airflow_provider.heygen._compat import TaskDeferred
from airflow_provider.heygen.api.errors import HeyGenError, InvalidTriggerEventError, JobFailedError, JobTimeoutError
from airflow_provider.heygen.sensors.job import HeyGenJobSensor
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.triggers.job import DEFERRAL_MARGIN, HeyGenJobTrigger

AVATAR = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "one two three"}


@pytest.fixture
def video_id(fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> str:
    import httpx

    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", fake.airflow_conn_env())
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as http:
        return http.post("/v3/videos", json=AVATAR).json()["data"]["video_id"]


def test_unknown_kind_fails_at_parse_time() -> None:
    with pytest.raises(ValueError, match="Unknown HeyGen job kind"):
        HeyGenJobSensor(task_id="s", kind="podcast", job_ids=["x"])


def test_poke_is_false_while_running_and_true_once_done(fake: FakeHeyGen, video_id: str) -> None:
    sensor = HeyGenJobSensor(task_id="s", kind="video", job_ids=[video_id], deferrable=False)
    assert sensor.poke({}) is False
    fake.advance(600)
    assert sensor.poke({}) is True


def test_poke_raises_heygens_failure(fake: FakeHeyGen, video_id: str) -> None:
    fake.inject("job_failure", "/v3/videos", method="POST", failure_code="rendering_failed")
    import httpx

    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as http:
        failing = http.post("/v3/videos", json=AVATAR).json()["data"]["video_id"]
    fake.advance(600)
    sensor = HeyGenJobSensor(task_id="s", kind="video", job_ids=f"{video_id}, {failing}", deferrable=False)
    with pytest.raises(JobFailedError, match="rendering_failed"):
        sensor.poke({})


def test_deferrable_sensor_defers_to_the_job_trigger_without_cancelling(video_id: str) -> None:
    sensor = HeyGenJobSensor(task_id="s", kind="video", job_ids=[video_id], deferrable=True, timeout=120)
    with pytest.raises(TaskDeferred) as info:
        sensor.execute({})
    trigger = info.value.trigger
    assert isinstance(trigger, HeyGenJobTrigger)
    _, kwargs = trigger.serialize()
    assert kwargs["job_ids"] == [video_id] and kwargs["kind"] == "video"
    assert kwargs["cancel_on_kill"] is False  # the sensor did not start the job
    assert "fake-heygen" not in json.dumps(kwargs)
    assert info.value.kwargs == {"job_ids": [video_id]}
    assert timedelta(seconds=110) + DEFERRAL_MARGIN < info.value.timeout <= timedelta(seconds=120) + DEFERRAL_MARGIN


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"poke_interval": 0}, r"poke_interval=0 is below the floor of 0.1 s", id="poke-zero"),
        pytest.param({"timeout": 0}, r"timeout=0 must be more than 0 seconds", id="timeout-zero"),
        pytest.param({"timeout": -60}, r"timeout=-60 must be more than 0 seconds", id="timeout-negative"),
    ],
)
def test_nonsense_waits_are_refused_when_the_dag_is_parsed(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HeyGenJobSensor(task_id="s", kind="video", job_ids=["v"], **kwargs)


def test_an_event_about_other_jobs_is_refused() -> None:
    sensor = HeyGenJobSensor(task_id="s", kind="video", job_ids=["v"], deferrable=True)
    event = {"status": "success", "kind": "video", "job_ids": ["w"], "message": "", "statuses": {"w": "completed"}}
    with pytest.raises(InvalidTriggerEventError, match="deferred on v"):
        sensor.execute_complete({}, event, job_ids=["v"])


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param("failed", JobFailedError, id="failed"),
        pytest.param("timeout", JobTimeoutError, id="timeout"),
        pytest.param("error", HeyGenError, id="error"),
    ],
)
def test_execute_complete_raises_for_unsuccessful_events(status: str, error: type[Exception]) -> None:
    sensor = HeyGenJobSensor(task_id="s", kind="video", job_ids=["v"], deferrable=True)
    event = {"status": status, "kind": "video", "job_ids": ["v"], "message": "m", "statuses": {"v": "processing"}}
    if status == "failed":
        event["failures"] = {"v": {"failure_code": "rendering_failed", "failure_message": "x"}}
    with pytest.raises(error):
        sensor.execute_complete({}, event)


def test_execute_complete_returns_statuses_on_success() -> None:
    sensor = HeyGenJobSensor(task_id="s", kind="video", job_ids=["v"], deferrable=True)
    event = {"status": "success", "kind": "video", "job_ids": ["v"], "message": "", "statuses": {"v": "completed"}}
    assert sensor.execute_complete({}, event) == {"kind": "video", "job_ids": ["v"], "statuses": {"v": "completed"}}


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("dag_name", ["sensor_poke", "sensor_deferrable"])
def test_sensor_waits_for_a_render_started_elsewhere(heygen: FakeHeyGen, dag_name: str) -> None:
    dag = getattr(importlib.import_module("tests.dags.heygen_sensor_dags"), dag_name)
    dagrun = dag.test()
    assert dagrun.state == "success"
    (job,) = heygen.jobs("video")
    (ti,) = [ti for ti in dagrun.get_task_instances() if ti.task_id == "wait"]
    assert ti.xcom_pull(task_ids="wait") == {"kind": "video", "job_ids": [job.id], "statuses": {job.id: "completed"}}
