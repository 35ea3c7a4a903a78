"""LocalExecutor, one triggerer, on PostgreSQL: the backfill at the cap, crashes of each component, the key."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.engine import scenarios
from tests.engine.engine import Engine

PROFILE = "local"


@pytest.mark.parametrize("pool", [True, False], ids=["pool_recipe", "pool_without_include_deferred"])
def test_backfill_at_the_cap(engine: Engine, report: list[dict[str, Any]], pool: bool) -> None:
    first_day = date(2026, 2, 2) if pool else date(2026, 3, 2)
    report.append(scenarios.backfill_at_cap(engine, first_day=first_day, pool=pool))


def test_worker_killed_after_submit(engine: Engine, report: list[dict[str, Any]]) -> None:
    report.append(scenarios.worker_killed(engine))


def test_triggerer_killed_mid_wait(engine: Engine, report: list[dict[str, Any]]) -> None:
    report.append(scenarios.triggerer_killed(engine, restart=True))


def test_scheduler_restarted_mid_run(engine: Engine, report: list[dict[str, Any]]) -> None:
    report.append(scenarios.scheduler_restarted(engine))


def test_no_key_in_the_homes(engine: Engine, report: list[dict[str, Any]]) -> None:
    report.append(scenarios.no_key_in_homes(engine))
