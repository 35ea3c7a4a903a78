"""Helpers shared by the operator tests: a stand-in task instance and the "no second render" check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider.heygen._compat import AIRFLOW_V_3_3
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.triggers.job import MAX_CONSECUTIVE_POLL_FAILURES


@dataclass
class FakeTI:
    """What the operators read of a task instance."""

    dag_id: str = "d"
    task_id: str = "t"
    run_id: str = "r1"
    map_index: int = -1
    try_number: int = 1
    stats_tags: dict[str, str] = field(default_factory=dict)
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value

    def xcom_pull(self, task_ids: str, key: str, map_indexes: int = -1) -> Any:
        """This task instance's own pushes (the only ones the operators read back)."""
        assert (task_ids, map_indexes) == (self.task_id, self.map_index)
        return self.xcoms.get(key)


def context(**ti_fields: Any) -> dict[str, Any]:
    """A minimal task context around a ``FakeTI``."""
    return {"ti": FakeTI(**ti_fields)}


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
