"""The chaos suite's settings and its table.

``make test`` runs each fault once, seeded, waiting in the triggerer. ``make chaos`` sets ``CHAOS_RUNS``
(seeds 0..N-1), ``CHAOS_MODES`` (``deferred,in_worker``) and ``CHAOS_REPORT`` (where the JSON table goes).
Every run's verdict is collected; the table is printed at the end of the session.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.chaos import Verdict
from tests.tables import write_table

_VERDICTS: list[Verdict] = []
COLUMNS = ("fault", "mode", "runs", "successes", "clear failures", "duplicates", "lost or partial", "faults hit")


def chaos_runs() -> int:
    return int(os.environ.get("CHAOS_RUNS", "1"))


def chaos_modes() -> list[str]:
    return os.environ.get("CHAOS_MODES", "deferred").split(",")


@pytest.fixture
def verdicts() -> Iterator[list[Verdict]]:
    """Where a chaos test puts the verdict of each of its runs (collected for the table)."""
    mine: list[Verdict] = []
    yield mine
    _VERDICTS.extend(mine)


def table(verdicts: list[Verdict]) -> list[dict[str, Any]]:
    """One row per fault and mode, summing its runs."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for verdict in verdicts:
        row = rows.setdefault(
            (verdict.fault, verdict.mode), dict.fromkeys(COLUMNS, 0) | {"fault": verdict.fault, "mode": verdict.mode}
        )
        row["runs"] += 1
        row["successes"] += verdict.succeeded
        row["clear failures"] += verdict.clear_failure
        row["duplicates"] += verdict.duplicates
        row["lost or partial"] += verdict.lost_or_partial
        row["faults hit"] += verdict.faults_hit
    return list(rows.values())


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _VERDICTS:
        return
    rows = table(_VERDICTS)
    write_table(terminalreporter, "chaos: every fault, its runs and what they lost", rows, COLUMNS)
    if report := os.environ.get("CHAOS_REPORT"):
        Path(report).write_text(json.dumps({"table": rows, "runs": [v.as_row() for v in _VERDICTS]}, indent=2))
        terminalreporter.write_line(f"written to {report}")
