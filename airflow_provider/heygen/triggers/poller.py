"""One status poller per event loop, connection and job kind, shared by every trigger waiting there.

Measured in the triggerer (DESIGN.md): what costs is a poll per job, an HTTP client per trigger, and requests
queueing inside httpx's pool. So each event loop holds one ``httpx.AsyncClient`` with a semaphore keeping
requests in flight at the pool's size, and one poller per (connection, kind) that asks HeyGen about every id
its triggers wait on, through the bulk status endpoint (100 ids a request) where the kind has one. A trigger
hands its ids in with ``watch`` and takes them back with ``release`` (also when it is cancelled).
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from airflow_provider.heygen.api.client import AsyncHeyGenClient
from airflow_provider.heygen.api.errors import RateLimitError
from airflow_provider.heygen.api.jobs import JobStatus

__all__ = ["MAX_IN_FLIGHT", "StatusPoller", "Watch"]

MAX_IN_FLIGHT = 10


@dataclass(eq=False)
class Watch:
    """One trigger's ids and the queue its poller answers into (a status map, or the poll's exception).

    The poller answers the first round, every change and every failure, and the first round after a failure:
    a round that changes nothing wakes nobody, so thousands of waiting triggers cost one bulk read per round.
    """

    job_ids: tuple[str, ...]
    interval: float
    updates: asyncio.Queue[dict[str, JobStatus] | BaseException] = field(default_factory=asyncio.Queue)
    #: What the watch was last told, per job; None before its first answer and after a failed round.
    told: dict[str, tuple[Any, ...]] | None = None

    def tell(self, statuses: Mapping[str, JobStatus]) -> None:
        """Answer this round's statuses of the watch's ids, unless they are what it was last told."""
        news = {job_id: _signature(statuses[job_id]) for job_id in self.job_ids}
        if news != self.told:
            self.told = news
            self.updates.put_nowait({job_id: statuses[job_id] for job_id in self.job_ids})

    def fail(self, error: BaseException) -> None:
        self.told = None
        self.updates.put_nowait(error)


def _signature(status: JobStatus) -> tuple[Any, ...]:
    """What a trigger reacts to (and logs) in a status: a change in any of it is news."""
    return (status.status, status.progress, status.failure_code, status.failure_message)


@dataclass(eq=False)
class _LoopResources:
    """What one event loop shares: the HTTP pool, its in-flight bound, and the running pollers."""

    http: httpx.AsyncClient
    in_flight: asyncio.Semaphore
    pollers: dict[tuple[str, str], StatusPoller] = field(default_factory=dict)


_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopResources] = weakref.WeakKeyDictionary()


class StatusPoller:
    """Polls the jobs of one kind, on one connection, for all triggers of the running event loop."""

    def __init__(self, conn_id: str, kind: str, resources: _LoopResources) -> None:
        self.conn_id = conn_id
        self.kind = kind
        self._resources = resources
        self._watches: set[Watch] = set()
        self._fresh: set[Watch] = set()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.polls = 0

    @classmethod
    def for_running_loop(cls, conn_id: str, kind: str) -> StatusPoller:
        """The poller of (conn_id, kind) in the running loop, created on first use."""
        loop = asyncio.get_running_loop()
        resources = _BY_LOOP.get(loop)
        if resources is None:
            limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
            resources = _LoopResources(httpx.AsyncClient(limits=limits), asyncio.Semaphore(MAX_IN_FLIGHT))
            _BY_LOOP[loop] = resources
        poller = resources.pollers.get((conn_id, kind))
        if poller is None:
            poller = resources.pollers[(conn_id, kind)] = cls(conn_id, kind, resources)
        return poller

    def watch(self, job_ids: Sequence[str], interval: float) -> Watch:
        """Start answering ``job_ids``' statuses into the returned watch's queue (the first answer at once)."""
        watch = Watch(tuple(job_ids), interval)
        self._watches.add(watch)
        self._fresh.add(watch)
        self._wakeup.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"heygen-poller-{self.kind}")
        return watch

    def release(self, watch: Watch) -> None:
        """Stop polling a watch's ids (idempotent); the poller stops when no watch is left, mid-round too."""
        self._watches.discard(watch)
        self._fresh.discard(watch)
        if not self._watches:
            self._wakeup.set()
            if self._task is not None and not self._task.done():
                # A round in flight (its retries included) would go on for nobody, holding the loop's client
                # open. Cancelled, the task still leaves the registry; a watch arriving first starts a new task.
                self._task.cancel()
                self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        client: AsyncHeyGenClient | None = None
        next_round = loop.time()
        try:
            # A task replaced after its cancel was swallowed (``wait_for`` on 3.10/3.11) stops, leaving one poller.
            while self._watches and self._task is asyncio.current_task():
                # A full round when due; in between, only first answers for triggers that just arrived.
                full_round = loop.time() >= next_round
                watches = list(self._watches if full_round else self._fresh)
                self._fresh.difference_update(watches)
                if full_round:
                    next_round = loop.time() + min(watch.interval for watch in self._watches)
                if watches:
                    try:
                        client = client or await self._client()
                        ids = sorted({job_id for watch in watches for job_id in watch.job_ids})
                        statuses = await client.get_job_statuses(self.kind, ids)
                    except Exception as exc:  # each trigger decides how often to tolerate it
                        for watch in watches:
                            watch.fail(exc)
                        if isinstance(exc, RateLimitError) and exc.retry_after:  # asking sooner would be refused
                            next_round = max(next_round, loop.time() + exc.retry_after)
                    else:
                        for watch in watches:
                            watch.tell(statuses)
                    self.polls += 1
                await self._sleep(next_round - loop.time())
        finally:
            await self._stop()

    async def _client(self) -> AsyncHeyGenClient:
        from airflow_provider.heygen.hooks.heygen import HeyGenHook

        hook = HeyGenHook(self.conn_id)
        return await hook.get_async_conn(http_client=self._resources.http, in_flight=self._resources.in_flight)

    async def _sleep(self, seconds: float) -> None:
        """Sleep until the next round, or until a trigger arrives or the last one leaves."""
        self._wakeup.clear()
        if self._fresh or not self._watches:
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=max(seconds, 0.0))

    async def _stop(self) -> None:
        """Leave the loop's registry; the last poller of a loop closes the shared HTTP client."""
        resources = self._resources
        if resources.pollers.get((self.conn_id, self.kind)) is self and not self._watches:
            del resources.pollers[(self.conn_id, self.kind)]
        if not resources.pollers:
            loop = asyncio.get_running_loop()
            if _BY_LOOP.get(loop) is resources:  # a newer pool may already serve the loop
                del _BY_LOOP[loop]
            await resources.http.aclose()
