"""Test-wide Airflow settings, set before anything imports airflow: a private AIRFLOW_HOME and sqlite DB."""

from __future__ import annotations

import os
import tempfile
from importlib.metadata import version
from pathlib import Path

_HOME = Path(tempfile.mkdtemp(prefix="heygen-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_HOME / 'airflow.db'}"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).parent / "dags")
os.environ.setdefault("AIRFLOW__CORE__TEST_CONNECTION", "Enabled")
# One Fernet key for this process and the Airflow processes the tests start (they inherit the environment): without
# it each process makes its own, and a child cannot read the trigger rows (kwargs are encrypted) that an asset
# watcher's test left in the shared DB, so its DAG sync fails with InvalidToken.
os.environ.setdefault("AIRFLOW__CORE__FERNET_KEY", "aGV5Z2VuLXByb3ZpZGVyLXRlc3RzLWZlcm5ldC1rZXk=")
if version("apache-airflow").startswith("2."):
    # Airflow 2 refuses sqlite with its LocalExecutor (a sensor's reschedule check loads the executor).
    os.environ["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"

# Imported only after the environment above is set.
import dataclasses  # noqa: E402
import json  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from airflow_provider.heygen.testing import FakeHeyGen  # noqa: E402
from tests.contract.schemas import ContractCheck  # noqa: E402


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A migrated metadata DB (sqlite in the private AIRFLOW_HOME), which dag.test() needs."""
    from airflow.utils import db

    db.initdb()


class _Relay:
    """The session server's hook, handing each answer to the current test's ``ContractCheck``."""

    target: ContractCheck | None = None

    def __call__(self, method: str, path: str, status: int, body: Any) -> None:
        if self.target is not None:
            self.target(method, path, status, body)


_RELAY = _Relay()


@pytest.fixture(scope="session")
def session_fake() -> Iterator[FakeHeyGen]:
    with FakeHeyGen(clock_speed=0.0, seed=7, on_response=_RELAY) as fake:
        yield fake


@pytest.fixture
def contract() -> ContractCheck:
    return ContractCheck()


@pytest.fixture
def make_fake(session_fake: FakeHeyGen, contract: ContractCheck) -> Iterator[Callable[..., FakeHeyGen]]:
    """Reset the session's fake with these config options (a frozen clock unless ``clock_speed`` is given);
    fails the test if an answer broke HeyGen's schemas."""
    pristine = dataclasses.replace(session_fake.state.config)

    def make(*, clock_speed: float = 0.0, **options: Any) -> FakeHeyGen:
        session_fake.state.config = dataclasses.replace(pristine, **options)
        session_fake.clock_speed = clock_speed
        session_fake.reset()
        return session_fake

    _RELAY.target = contract
    yield make
    _RELAY.target = None
    session_fake.state.config = pristine
    session_fake.clock_speed = 0.0
    assert not contract.violations, "answers that break HeyGen's schemas:\n" + "\n".join(contract.violations)


@pytest.fixture
def fake(make_fake: Callable[..., FakeHeyGen]) -> FakeHeyGen:
    return make_fake()


@pytest.fixture
def heygen(fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> FakeHeyGen:
    """The fake, with a running clock, as the ``heygen_default`` connection (one retry per call, short waits)."""
    fake.clock_speed = 50.0
    connection = {**json.loads(fake.airflow_conn_env()), "extra": {"max_retries": 1, "max_retry_wait": 0.2}}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))
    return fake
