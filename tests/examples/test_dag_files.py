"""The example DAG files: they parse without errors on this Airflow, carry the fixed names and snippet markers
the docs include, and follow the rules they teach (every HeyGen job in the pool, waits deferred, no fixed ids)."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType

import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.base import HeyGenJobOperator
from airflow_provider.heygen.sensors.job import HeyGenJobSensor
from airflow_provider.heygen.testing.fake.routes.voices import CATALOGUE
from tests.examples.helpers import AIRFLOW_3_ONLY, EXAMPLES, NO_JOBS, SECTIONS

FAKE_VOICE_IDS = {voice.voice_id for voice in CATALOGUE}


def test_the_folder_holds_the_four_example_dags_and_their_data() -> None:
    assert sorted(path.stem for path in EXAMPLES.glob("*.py")) == sorted({*SECTIONS, *AIRFLOW_3_ONLY})
    assert {path.name for path in (EXAMPLES / "data").iterdir()} >= {
        "weekly_metrics.csv",
        "catalogue.csv",
        "presenter.png",
    }
    assert (EXAMPLES / "data" / "presenter.png").stat().st_size < 10_000


def test_every_file_parses_into_its_dag_without_import_errors(airflow_db: None) -> None:
    """What the dag-processor (Airflow 3) or the scheduler (Airflow 2) does with the folder."""
    if AIRFLOW_V_3:
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=EXAMPLES)
    else:
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

        bag = DagBag(dag_folder=EXAMPLES, include_examples=False)
    # Airflow 2: only the Airflow-3-only examples fail, each with an ImportError that says so
    assert {path: "needs Airflow 3" in error for path, error in bag.import_errors.items()} == {
        str(EXAMPLES / f"{name}.py"): True for name in AIRFLOW_3_ONLY if not AIRFLOW_V_3
    }
    assert sorted(bag.dag_ids) == sorted(SECTIONS)
    for dag_id, dag in bag.dags.items():
        assert dag.fileloc == str(EXAMPLES / f"{dag_id}.py")  # one DAG per file, named after it


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_each_dag_serializes_as_the_scheduler_stores_it(examples: Callable[[str], ModuleType], name: str) -> None:
    dag = examples(name).dag
    if AIRFLOW_V_3:
        from airflow.serialization.serialized_objects import DagSerialization

        restored = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    else:
        from airflow.serialization.serialized_objects import SerializedDAG

        restored = SerializedDAG.from_dict(SerializedDAG.to_dict(dag))
    assert restored.dag_id == name
    assert sorted(restored.task_ids) == sorted(dag.task_ids)


@pytest.mark.parametrize(("name", "sections"), sorted(SECTIONS.items()))
def test_snippet_sections_are_marked_once_each(name: str, sections: tuple[str, ...]) -> None:
    text = (EXAMPLES / f"{name}.py").read_text()
    starts = re.findall(r"^\s*# --8<-- \[start:(\w+)\]$", text, flags=re.MULTILINE)
    ends = re.findall(r"^\s*# --8<-- \[end:(\w+)\]$", text, flags=re.MULTILINE)
    assert starts == ends == list(sections)
    for section in sections:
        body = text.split(f"[start:{section}]")[1].split(f"# --8<-- [end:{section}]")[0]
        assert body.strip(), f"section {section} is empty"


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_every_heygen_job_runs_in_the_pool_and_waits_deferred(examples: Callable[[str], ModuleType], name: str) -> None:
    dag = examples(name).dag
    jobs = [task for task in dag.tasks if _is_job_task(task)]
    assert jobs or name in NO_JOBS
    for task in jobs:
        assert task.pool == "heygen", f"{name}.{task.task_id} is not in the heygen pool"
        if _partial(task, "wait_for_completion", True):
            assert _partial(task, "deferrable", False), f"{name}.{task.task_id} waits in a worker"


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_no_avatar_or_voice_id_is_hard_wired(examples: Callable[[str], ModuleType], name: str) -> None:
    """Ids come from Params, Variables or upstream tasks, so the DAG runs unchanged against HeyGen."""
    for task in examples(name).dag.tasks:
        request = _partial(task, "request", None)
        if not isinstance(request, dict):
            continue
        for field in ("avatar_id", "voice_id"):
            value = request.get(field)
            if isinstance(value, str):
                assert "{{" in value and value not in FAKE_VOICE_IDS, f"{name}.{task.task_id}.{field} = {value!r}"


def _is_job_task(task: object) -> bool:
    operator_class = getattr(task, "operator_class", type(task))  # a mapped task names its class
    return isinstance(operator_class, type) and issubclass(operator_class, HeyGenJobOperator | HeyGenJobSensor)


def _partial(task: object, name: str, default: object) -> object:
    """An operator's argument, also for a mapped task (whose arguments live in ``partial_kwargs``)."""
    partial = getattr(task, "partial_kwargs", None)
    if partial is not None:
        return partial.get(name, default)
    return getattr(task, name, default)
