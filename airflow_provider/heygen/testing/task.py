"""A stand-in task instance, to run an operator's ``execute`` outside a DAG run (unit tests, scripts).

``task_context(try_number=2)`` is the smallest context the provider's operators read: its ``ti`` keeps the
XComs pushed to it and hands them back. For a whole DAG against the fake, use ``dag.test()`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["StandInTaskInstance", "task_context"]


@dataclass
class StandInTaskInstance:
    """What the operators read of a task instance: ids, try number and this task's own XComs."""

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


def task_context(**ti_fields: Any) -> dict[str, Any]:
    """A minimal task context around a ``StandInTaskInstance``."""
    return {"ti": StandInTaskInstance(**ti_fields)}
