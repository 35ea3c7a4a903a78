"""Helpers of the example DAG tests: import a DAG file, run it on a date, read results, list files, count overlap."""

from __future__ import annotations

import copy
import importlib.util
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from airflow_provider.heygen._compat import AIRFLOW_V_3

EXAMPLES = Path(__file__).resolve().parents[2] / "dags_examples"
#: The fixed names the docs and the demo rely on: file stem -> snippet sections marked in it.
SECTIONS = {
    "heygen_weekly_render": ("render", "download", "sensor"),
    "heygen_on_new_video": ("translate", "lipsync", "agent"),
    "heygen_localisation_backfill": ("pool", "mapped_translate", "summary"),
    "heygen_speech_and_assets": ("speech", "upload", "avatar"),
}
#: Examples that need Airflow 3 (an ``AssetWatcher``): on Airflow 2 their file stops with an ImportError.
AIRFLOW_3_ONLY = {"heygen_on_heygen_event": ("watch", "use")}
if AIRFLOW_V_3:
    SECTIONS.update(AIRFLOW_3_ONLY)
#: Examples that start no HeyGen job (they store what HeyGen made elsewhere).
NO_JOBS = ("heygen_on_heygen_event",)


def import_example(name: str) -> ModuleType:
    """Import ``dags_examples/<name>.py`` as the module ``heygen_examples.<name>`` (once per session).

    By path, as the dag-processor does: ``dags_examples/`` is not a package and ``DagBag(include_examples=...)``
    is gone in Airflow 3.3.
    """
    module_name = f"heygen_examples.{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    return sys.modules[module_name]


def run_on(dag: Any, when: str, conf: dict[str, Any] | None = None) -> Any:
    """``dag.test()`` for the logical date ``when`` (ISO, UTC), with a run id that depends on the date only.

    Both versions then name the run ``manual__<when>``: running the same date twice reuses the run id, so the
    operators derive the same idempotency keys (Airflow 3 otherwise names the run after ``now``).
    """
    moment = datetime.fromisoformat(when).replace(tzinfo=timezone.utc)
    # In-process task runs write the run's conf into the tasks' params (a worker parses the file afresh for
    # each task): put them back, or the conf would leak into later runs of the same DAG object.
    saved = {task.task_id: copy.deepcopy(task.params) for task in dag.tasks if not _is_mapped(task)}
    try:
        if AIRFLOW_V_3:
            return dag.test(logical_date=moment, run_after=moment, run_conf=conf)
        return dag.test(execution_date=moment, run_conf=conf)
    finally:
        for task_id, params in saved.items():
            dag.get_task(task_id).params = params


def _is_mapped(task: Any) -> bool:
    return hasattr(task, "partial_kwargs")


def task_instances(dagrun: Any, task_id: str) -> list[Any]:
    """A task's instances in a run, in map index order."""
    return sorted((ti for ti in dagrun.get_task_instances() if ti.task_id == task_id), key=lambda ti: ti.map_index)


def result(dagrun: Any, task_id: str) -> Any:
    """The return value of an unmapped task."""
    (ti,) = task_instances(dagrun, task_id)
    return ti.xcom_pull(task_ids=task_id)


def states(dagrun: Any) -> dict[str, str]:
    """Task id (with ``[map index]`` when mapped) -> state, to show in assertion messages."""
    return {
        ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): str(ti.state)
        for ti in dagrun.get_task_instances()
    }


def tree(root: Path) -> list[str]:
    """Every file under ``root``, relative, sorted."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def is_mp4(path: str | Path) -> bool:
    """Whether the file starts like an ISO media file (an ``ftyp`` box first)."""
    head = Path(path).read_bytes()[:12]
    return head[4:8] == b"ftyp"


def peak_overlap(intervals: Iterable[tuple[float, float]]) -> int:
    """The most intervals ``[start, end)`` that overlap at any moment."""
    spans = list(intervals)
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = peak = 0
    for _, step in edges:  # at equal times, ends (-1) sort before starts (+1)
        running += step
        peak = max(peak, running)
    return peak


def asset_events(uri: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The extras of the asset (Airflow 2: dataset) events of ``uri``, and the DAGs queued to run on it."""
    from airflow.utils.session import create_session

    if AIRFLOW_V_3:
        from airflow.models.asset import AssetDagRunQueue as Queue
        from airflow.models.asset import AssetEvent as Event
        from airflow.models.asset import AssetModel as Model

        event_asset, queue_asset = Event.asset_id, Queue.asset_id
    else:
        from airflow.models.dataset import DatasetDagRunQueue as Queue
        from airflow.models.dataset import DatasetEvent as Event
        from airflow.models.dataset import DatasetModel as Model

        event_asset, queue_asset = Event.dataset_id, Queue.dataset_id
    with create_session() as session:
        events = session.query(Event).join(Model, Model.id == event_asset).filter(Model.uri == uri).all()
        queued = session.query(Queue).join(Model, Model.id == queue_asset).filter(Model.uri == uri).all()
        return [dict(event.extra or {}) for event in events], [item.target_dag_id for item in queued]
