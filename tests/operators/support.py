"""Helpers shared by the operator tests: the stand-in task instance (``context``), the "no second render" check and
a finished DAG run's XCom (``xcom``)."""

from __future__ import annotations

from typing import Any

from airflow_provider.heygen._compat import AIRFLOW_V_3_3
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.task import StandInTaskInstance as FakeTI
from airflow_provider.heygen.testing.task import task_context as context
from airflow_provider.heygen.triggers.job import MAX_CONSECUTIVE_POLL_FAILURES

__all__ = [
    "FakeTI",
    "assert_retried_without_a_second_render",
    "context",
    "fail_polls_until_the_first_try_gives_up",
    "xcom",
]


def fail_polls_until_the_first_try_gives_up(fake: FakeHeyGen, path: str, *, deferrable: bool) -> None:
    """Make the status reads after a submit fail until the first try fails (then they work again).

    Every call makes 2 attempts (the ``heygen`` fixture's connection retries once); the worker gives up after
    one failed call, the trigger after ``MAX_CONSECUTIVE_POLL_FAILURES`` failed polls in a row.
    """
    times = 2 * (MAX_CONSECUTIVE_POLL_FAILURES if deferrable else 1)
    fake.inject("error", path, method="GET", status=500, times=times)


def assert_retried_without_a_second_render(fake: FakeHeyGen, kind: str, create_path: str, *, jobs: int = 1) -> None:
    """A first try failed after submitting; the retry must have reattached to the same job.

    On Airflow 3.3+ the retry reconnects through the task state store and does not submit again; before 3.3 it
    submits again with the same Idempotency-Key and gets HeyGen's replay.
    """
    assert len(fake.jobs(kind)) == jobs
    creates = fake.requests_to("POST", create_path)
    assert len({request.headers.get("idempotency-key") for request in creates}) == 1
    assert len(creates) == (1 if AIRFLOW_V_3_3 else 2)


def xcom(dagrun: Any, task_id: str, key: str = "return_value") -> Any:
    """What task ``task_id`` of a finished ``dag.test()`` run pushed under ``key``."""
    (ti,) = [ti for ti in dagrun.get_task_instances() if ti.task_id == task_id]
    return ti.xcom_pull(task_ids=task_id, key=key)
