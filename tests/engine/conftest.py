"""The engine suite runs only under ``make engine`` (``HEYGEN_ENGINE=1``): it starts real servers for minutes.

Each scenario's numbers are collected, printed as one table at the end and, with ``ENGINE_REPORT`` set,
written there as JSON (and beside it as Markdown, for the docs). SIGTERM (a CI timeout) stops the session
like Ctrl-C, so every server is stopped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import pytest

from tests.tables import markdown_table, write_table

if TYPE_CHECKING:
    from tests.engine.engine import Engine

_ROWS: list[dict[str, Any]] = []
ENABLED = os.environ.get("HEYGEN_ENGINE") == "1"
#: The ``engine`` dependency group is in Airflow 3's lock only: under Airflow 2 there is nothing to collect.
INSTALLED = importlib.util.find_spec("psycopg2") is not None
if ENABLED and not INSTALLED:
    raise pytest.UsageError(
        "make engine runs on Airflow 3 only (its lock has the `engine` group): AIRFLOW_VERSION=3.3.2"
    )
collect_ignore_glob = [] if INSTALLED else ["*.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A timeout raises in the test (signal method), so the engine fixture still stops every server.
    timeout = pytest.mark.timeout(1500, method="signal")
    skip = pytest.mark.skip(reason="the real engine runs under `make engine` (HEYGEN_ENGINE=1)")
    for item in items:
        if "tests/engine/" in item.nodeid:
            item.add_marker(timeout if ENABLED else skip)


def pytest_sessionstart(session: pytest.Session) -> None:
    if ENABLED:

        def interrupt(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGTERM, interrupt)


@pytest.fixture(scope="module")
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """One engine per test module, of the module's ``PROFILE`` (``local`` or ``celery``)."""
    if not ENABLED:
        pytest.skip("the real engine runs under `make engine` (HEYGEN_ENGINE=1)")
    from tests.engine.engine import PROFILES, Engine

    with Engine(PROFILES[request.module.PROFILE]) as started:
        yield started


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Iterator[list[dict[str, Any]]]:
    """Where a scenario puts its row (collected for the table, headed by the module's profile)."""
    mine: list[dict[str, Any]] = []
    yield mine
    _ROWS.extend({"profile": request.module.PROFILE} | row for row in mine)


def _tables(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The backfills (with their numbers) apart from the crash and secret scenarios (with their evidence)."""
    tables = [
        ("backfills at the plan's cap", [row for row in rows if "ratio" in row]),
        ("crashes and secrets", [row for row in rows if "ratio" not in row]),
    ]
    return [(title, chosen) for title, chosen in tables if chosen]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _ROWS:
        return
    for title, rows in _tables(_ROWS):
        write_table(terminalreporter, f"engine: {title}", rows)
    if path := os.environ.get("ENGINE_REPORT"):
        Path(path).write_text(json.dumps(_ROWS, indent=2))
        markdown = "\n".join(f"**{title}**\n\n{markdown_table(rows)}" for title, rows in _tables(_ROWS))
        Path(path).with_suffix(".md").write_text(markdown)
        terminalreporter.write_line(f"written to {path} and its .md twin")
