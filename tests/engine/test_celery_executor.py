"""CeleryExecutor on Redis with two workers and two triggerers, on PostgreSQL: the same proofs across machines'
worth of components, and a killed triggerer's triggers taken over by the other one."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.engine import scenarios
from tests.engine.engine import Engine

PROFILE = "celery"


def test_backfill_at_the_cap(engine: Engine, report: list[dict[str, Any]]) -> None:
    report.append(scenarios.backfill_at_cap(engine, first_day=date(2026, 4, 6), pool=True))


def test_worker_killed_after_submit(engine: Engine, report: list[dict[str, Any]]) -> None:
    report.append(scenarios.worker_killed(engine))


def test_triggerer_killed_the_other_takes_over(engine: Engine, report: list[dict[str, Any]]) -> None:
    report.append(scenarios.triggerer_killed(engine, restart=False))


def test_no_key_in_the_homes(engine: Engine, report: list[dict[str, Any]]) -> None:
    report.append(scenarios.no_key_in_homes(engine))
