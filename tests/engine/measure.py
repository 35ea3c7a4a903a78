"""What a scenario measures: task states sampled from the metadata DB, and the jobs the fake ran."""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["StateSampler", "job_seconds", "makespan", "peak_in_flight"]

TaskKey = tuple[str, str, int]  # run_id, task_id, map_index


@dataclass
class StateSampler:
    """Every ``every`` seconds, the state of each task instance of ``dag_id``: when it changed, how many ran.

    Polling the DB is coarse (``every`` seconds) but sees what the scheduler sees, whichever executor runs.
    """

    connect: Callable[[], Any]
    dag_id: str
    every: float = 0.25
    #: ``(run_id, task_id, map_index) -> [(unix time, state), ...]``, one entry per change seen.
    changes: dict[TaskKey, list[tuple[float, str | None]]] = field(default_factory=dict)
    #: Seconds a task instance of each ``task_id`` spent running (holding an executor slot), summed.
    running_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> StateSampler:
        self._thread = threading.Thread(target=self._run, name=f"sampler-{self.dag_id}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=30)

    def _run(self) -> None:
        connection = self.connect()
        try:
            last = time.time()
            while not self._stop.is_set():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT run_id, task_id, map_index, state FROM task_instance WHERE dag_id = %s", (self.dag_id,)
                    )
                    rows = cursor.fetchall()
                now = time.time()
                for run_id, task_id, map_index, state in rows:
                    seen = self.changes.setdefault((run_id, task_id, map_index), [])
                    if not seen or seen[-1][1] != state:
                        seen.append((now, state))
                    if state == "running":
                        self.running_seconds[task_id] += now - last
                last = now
                self._stop.wait(self.every)
        finally:
            connection.close()

    def left(self, key: TaskKey, state: str) -> list[float]:
        """When the task instance left ``state``, each time it did."""
        seen = self.changes.get(key, [])
        return [later[0] for earlier, later in itertools.pairwise(seen) if earlier[1] == state]


def peak_in_flight(jobs: list[dict[str, Any]]) -> int:
    """The most jobs running at once at the fake (a job runs from ``created_at`` until ``completed_at``)."""
    events = [(job["created_at"], 1) for job in jobs]
    events += [(job["completed_at"], -1) for job in jobs if job["completed_at"] is not None]
    peak = running = 0
    for _, step in sorted(events):  # at a tie, -1 sorts first: a job that ends frees its slot for one that starts
        running += step
        peak = max(peak, running)
    return peak


def makespan(jobs: list[dict[str, Any]]) -> float:
    """From the first job's start to the last one's end."""
    return max(job["completed_at"] for job in jobs) - min(job["created_at"] for job in jobs)


def job_seconds(jobs: list[dict[str, Any]]) -> float:
    """Seconds of work the jobs did at the fake, summed."""
    return sum(job["completed_at"] - job["created_at"] for job in jobs)
