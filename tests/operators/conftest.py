"""Fixtures for operator tests: the fake, wired to heygen_default with fast retries."""

from __future__ import annotations

import json

import pytest

from airflow_provider.heygen.testing import FakeHeyGen


@pytest.fixture
def heygen(fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> FakeHeyGen:
    """The fake, with a running clock, as the ``heygen_default`` connection (one retry per call, short waits)."""
    fake.clock_speed = 50.0
    connection = {**json.loads(fake.airflow_conn_env()), "extra": {"max_retries": 1, "max_retry_wait": 0.2}}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))
    return fake
