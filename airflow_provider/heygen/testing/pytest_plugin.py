"""The ``heygen_fake`` pytest fixture (registered through the ``pytest11`` entry point).

Nothing heavy is imported when pytest starts: the fake's server (Starlette, uvicorn) loads when a test first
asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .fake.server import FakeHeyGen


@pytest.fixture
def heygen_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHeyGen]:
    """A running fake HeyGen API for one test, with a fast clock (60 fake seconds per second).

    ``AIRFLOW_CONN_HEYGEN_DEFAULT`` points at it for the test's duration, so hooks and operators using
    ``heygen_default`` talk to the fake.
    """
    from . import FakeHeyGen

    with FakeHeyGen(clock_speed=60.0, seed=0) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", fake.airflow_conn_env())
        yield fake
