"""The triggers that ``benchmarks/triggerer.py`` runs beside ``HeyGenJobTrigger`` in the real triggerer.

- ``SleepTrigger``: the floor. It wakes every ``interval`` until its job would be done, and asks nothing.
- ``SharedClientTrigger``: one GET per job per poll through one httpx client per event loop, with in-flight
  requests held to the pool size by a semaphore (without it, the pool's queue collapses at 3,000 triggers).
- ``LagProbeTrigger``: sleeps 100 ms at a time until ``stop_file`` exists and reports how late it woke.

The triggerer imports them by classpath, with ``benchmarks/`` on its ``PYTHONPATH``. The fake's URL and key
come from the ``heygen_default`` connection's environment variable, never from the kwargs stored in the
database.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from airflow.triggers.base import BaseTrigger, TriggerEvent

POOL_SIZE = 20
_TERMINAL = {"completed", "failed"}
_clients: dict[asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, asyncio.Semaphore]] = {}


def _shared_client() -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
    """This loop's client and the semaphore that bounds its in-flight requests."""
    loop = asyncio.get_running_loop()
    if loop not in _clients:
        connection = json.loads(os.environ["AIRFLOW_CONN_HEYGEN_DEFAULT"])
        client = httpx.AsyncClient(
            base_url=connection["host"],
            headers={"x-api-key": connection["password"]},
            limits=httpx.Limits(max_connections=POOL_SIZE),
            timeout=30,
        )
        _clients[loop] = client, asyncio.Semaphore(POOL_SIZE)
    return _clients[loop]


class _Trigger(BaseTrigger):
    """Serializes its constructor's keyword arguments as they were given."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.kwargs = kwargs

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", self.kwargs


class SleepTrigger(_Trigger):
    """Wakes every ``interval`` seconds, at a random phase, and fires at the first wake-up after ``until``
    (epoch seconds): like a poll, it sees its end up to one interval late, since a job ends between polls."""

    async def run(self) -> AsyncIterator[TriggerEvent]:
        interval = self.kwargs["interval"]
        await asyncio.sleep(random.uniform(0, interval))
        while time.time() < self.kwargs["until"]:
            await asyncio.sleep(interval)
        yield TriggerEvent({"status": "success"})


class SharedClientTrigger(_Trigger):
    """GETs ``/v3/videos/{video_id}`` every ``interval`` seconds until the video is terminal."""

    async def run(self) -> AsyncIterator[TriggerEvent]:
        client, in_flight = _shared_client()
        while True:
            async with in_flight:
                response = await client.get(f"/v3/videos/{self.kwargs['video_id']}")
            status = response.json()["data"]["status"] if response.is_success else None
            if status in _TERMINAL:
                yield TriggerEvent({"status": status})
                return
            await asyncio.sleep(self.kwargs["interval"])


class LagProbeTrigger(_Trigger):
    """Sleeps 100 ms at a time until ``stop_file`` exists, then fires with the lateness of its wake-ups (ms)."""

    async def run(self) -> AsyncIterator[TriggerEvent]:
        late: list[float] = []
        slow: list[tuple[float, float]] = []  # (epoch, ms) of the 100 latest wake-ups more than 20 ms late
        while not os.path.exists(self.kwargs["stop_file"]):
            asked = time.perf_counter()
            await asyncio.sleep(0.1)
            late.append((time.perf_counter() - asked - 0.1) * 1000)
            if late[-1] > 20:
                slow = [*slow[-99:], (round(time.time(), 2), round(late[-1], 1))]
        cuts = statistics.quantiles(late, n=100) if len(late) > 1 else late * 99
        yield TriggerEvent(
            {"samples": len(late), "p50_ms": cuts[49], "p99_ms": cuts[98], "max_ms": max(late), "slow": slow}
        )
