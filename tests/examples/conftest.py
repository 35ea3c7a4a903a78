"""Fixtures for the example DAGs of ``dags_examples/``: their modules, the ``heygen`` pool, an output root."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.testing import FakeHeyGen
from tests.examples.helpers import EXAMPLES, SECTIONS, import_example

#: Seconds between status checks in the example DAGs against the fake (read when a module is imported).
POLL_INTERVAL = "0.2"
_LOCAL_BUNDLE = "airflow.dag_processing.bundles.local.LocalDagBundle"


@pytest.fixture(scope="session")
def examples_bundle() -> Iterator[None]:
    """On Airflow 3, ``dag.test()`` writes the DAG's bundle to the database and must find the DAG in one:
    ``dags_examples/`` becomes a second bundle beside the tests' DAGs folder. Airflow 2 needs nothing."""
    if not AIRFLOW_V_3:
        yield
        return
    bundles = [
        {"name": "dags-folder", "classpath": _LOCAL_BUNDLE, "kwargs": {}},
        {"name": "heygen-examples", "classpath": _LOCAL_BUNDLE, "kwargs": {"path": str(EXAMPLES)}},
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps(bundles))
        yield


@pytest.fixture(scope="session")
def examples(airflow_db: None, examples_bundle: None) -> Callable[[str], ModuleType]:
    """The example DAG modules, imported once with a short poll interval, and known to the database."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEYGEN_POLL_INTERVAL", POLL_INTERVAL)
        modules = [import_example(name) for name in SECTIONS]
    if not AIRFLOW_V_3:  # 3.x's dag.test() writes the bundle's DAGs; 2.x records asset events only for known DAGs
        for module in modules:
            module.dag.sync_to_db()
    return import_example


@pytest.fixture(scope="session")
def heygen_pool(airflow_db: None) -> str:
    """The pool every HeyGen task of the examples runs in: 10 slots (the fake's cap), counting deferred tasks."""
    from airflow.models.pool import Pool

    Pool.create_or_update_pool("heygen", 10, "HeyGen concurrent jobs", include_deferred=True)
    return "heygen"


@pytest.fixture
def output_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the example DAGs store their files during a test (``HEYGEN_OUTPUT_ROOT``, read at run time)."""
    root = tmp_path / "output"
    monkeypatch.setenv("HEYGEN_OUTPUT_ROOT", str(root))
    return root


@pytest.fixture
def example_env(
    heygen: FakeHeyGen, examples: Callable[[str], ModuleType], heygen_pool: str, output_root: Path
) -> FakeHeyGen:
    """What a run of an example DAG needs: the fake as ``heygen_default``, the DAG modules, the pool, the root."""
    return heygen
