"""One status poller per event loop, connection and job kind, shared by every trigger waiting there.

Measured in the triggerer (DESIGN.md): what costs is a poll per job, an HTTP client per trigger, and requests
queueing inside httpx's pool. So each event loop holds one ``httpx.AsyncClient`` with a semaphore keeping
requests in flight at the pool's size, and one poller per (connection, kind) that asks HeyGen about every id
its triggers wait on, through the bulk status endpoint (100 ids a request) where the kind has one. A trigger
hands its ids in with ``watch`` and takes them back with ``release`` (also when it is cancelled).

Measured in Airflow 3's real triggerer (docs/performance.md): the ids are read in slices spread over the
interval, and a trigger is woken only by news, a hundred at a time, because a thousand triggers firing in one
loop step queue their log lines and events behind the supervisor and stall the loop for seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from airflow_provider.heygen.api.client import AsyncHeyGenClient
from airflow_provider.heygen.api.errors import PollerStoppedError, RateLimitError
from airflow_provider.heygen.api.jobs import BULK_MAX_IDS, JobStatus

__all__ = ["MAX_IN_FLIGHT", "TELL_BATCH", "StatusPoller", "Watch"]

MAX_IN_FLIGHT = 10
TELL_BATCH = 100
log = logging.getLogger(__name__)


@dataclass(eq=False)
class Watch:
    """One trigger's ids and the queue its poller answers into: a status map, the poll's exception, or None
    once the watch's deadline has passed (one timer for the whole wait, not one per answer).

    The poller answers the first read, every change and every failure, and the first read after a failure: a
    read that changes nothing wakes nobody, so thousands of waiting triggers cost one bulk read per 100 ids.
    """

    job_ids: tuple[str, ...]
    interval: float
    updates: asyncio.Queue[dict[str, JobStatus] | BaseException | None] = field(default_factory=asyncio.Queue)
    #: What the watch was last told, per job; None before its first answer and after a failed round.
    told: dict[str, JobStatus] | None = None
    expiry: asyncio.TimerHandle | None = None

    def tell(self, statuses: Mapping[str, JobStatus]) -> None:
        """Answer the watch's statuses, unless they are what it was last told or some are not read yet (a
        watch whose first read failed, and whose ids the cycle reads in different slices)."""
        if any(job_id not in statuses for job_id in self.job_ids):
            return
        news = {job_id: statuses[job_id] for job_id in self.job_ids}
        if self.told is None or any(_changed(self.told[job_id], status) for job_id, status in news.items()):
            self.told = news
            self.updates.put_nowait(news)

    def fail(self, error: BaseException) -> None:
        self.told = None
        self.updates.put_nowait(error)


def _changed(before: JobStatus, now: JobStatus) -> bool:
    """Whether a status is news to a trigger; an unchanged answer is the same object (``statuses_from_responses``
    keeps it), so most checks stop at ``is``."""
    return now is not before and _signature(now) != _signature(before)


def _signature(status: JobStatus) -> tuple[object, ...]:
    """What a trigger reacts to (and logs) in a status: a change in any of it is news."""
    return (status.status, status.progress, status.failure_code, status.failure_message)


@dataclass(eq=False)
class _LoopResources:
    """What one event loop shares: the HTTP pool, its in-flight bound, and the running pollers."""

    http: httpx.AsyncClient
    in_flight: asyncio.Semaphore
    pollers: dict[tuple[str, str], StatusPoller] = field(default_factory=dict)


@dataclass
class _Cycle:
    """One poll interval of a poller: the slices of ids still to read, one every ``interval / len(slices)``."""

    started: float
    interval: float
    slices: list[list[str]]
    read: int = 0

    def __post_init__(self) -> None:
        self.count = max(len(self.slices), 1)

    @property
    def next_read(self) -> float:
        """When the next slice is due; after the last one, when the next cycle starts."""
        return self.started + self.read * self.interval / self.count


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
        self._by_id: dict[str, set[Watch]] = {}  # the watches of each id
        self._last: dict[str, JobStatus] = {}  # the latest answer per id, reused where HeyGen's did not change
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

    def watch(self, job_ids: Sequence[str], interval: float, deadline: float | None = None) -> Watch:
        """Start answering ``job_ids``' statuses into the returned watch's queue (the first answer at once);
        at ``deadline`` (epoch seconds) the queue gets None."""
        watch = Watch(tuple(job_ids), interval)
        if deadline is not None:
            delay = max(deadline - time.time(), 0.0)
            watch.expiry = asyncio.get_running_loop().call_later(delay, watch.updates.put_nowait, None)
        self._watches.add(watch)
        self._fresh.add(watch)
        for job_id in watch.job_ids:
            self._by_id.setdefault(job_id, set()).add(watch)
        self._wakeup.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"heygen-poller-{self.kind}")
        return watch

    def release(self, watch: Watch) -> None:
        """Stop polling a watch's ids (idempotent); the poller stops when no watch is left, mid-round too."""
        self._watches.discard(watch)
        self._fresh.discard(watch)
        for job_id in watch.job_ids:
            watchers = self._by_id.get(job_id)
            if watchers is not None:
                watchers.discard(watch)
                if not watchers:
                    del self._by_id[job_id]
        if watch.expiry is not None:
            watch.expiry.cancel()
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
        cycle: _Cycle | None = None
        paused_until = 0.0  # a 429's Retry-After: asking sooner would be refused
        try:
            # A task replaced after its cancel was swallowed (``wait_for`` on 3.10/3.11) stops, leaving one poller.
            while self._watches and self._task is asyncio.current_task():
                if self._fresh:  # first answers for the triggers that just arrived, at once
                    watches = list(self._fresh)
                    self._fresh.clear()
                    ids = sorted({job_id for watch in watches for job_id in watch.job_ids})
                    if cycle is None:  # they are the first cycle's reads: the next cycle is an interval away
                        cycle = _Cycle(loop.time(), self._interval(), [], read=1)
                elif cycle is None or loop.time() >= max(cycle.next_read, paused_until):
                    if cycle is None or not cycle.slices:
                        cycle = self._new_cycle(loop.time())
                    ids = [job_id for job_id in cycle.slices.pop(0) if job_id in self._by_id]
                    cycle.read += 1
                    watches = list({watch for job_id in ids for watch in self._by_id[job_id]})
                else:
                    watches, ids = [], []
                if watches:
                    try:
                        client = client or await self._client()
                        statuses = await client.get_job_statuses(self.kind, ids, previous=self._last)
                    except Exception as exc:  # each trigger decides how often to tolerate it
                        for watch in watches:
                            watch.fail(exc)
                        if isinstance(exc, RateLimitError) and exc.retry_after:
                            paused_until = loop.time() + exc.retry_after
                    else:
                        self._last.update(statuses)
                        await self._tell(watches, self._last)
                    self.polls += 1
                due = max(cycle.next_read, paused_until) if cycle is not None else loop.time()
                await self._sleep(due - loop.time())
        except Exception as exc:  # a bug here must not leave every trigger waiting in silence until its deadline
            log.exception("HeyGen %s status poller stopped", self.kind)
            stopped = PollerStoppedError(f"the HeyGen {self.kind} status poller stopped: {type(exc).__name__}: {exc}")
            for watch in list(self._watches):
                watch.fail(stopped)
        finally:
            await self._stop()

    def _interval(self) -> float:
        return min(watch.interval for watch in self._watches)

    def _new_cycle(self, now: float) -> _Cycle:
        """One interval's reads: every watched id once, in bulk-sized slices spread evenly over the interval,
        so that a thousand jobs finishing together are found (and wake their triggers) a slice at a time."""
        self._last = {job_id: status for job_id, status in self._last.items() if job_id in self._by_id}
        ids = sorted(self._by_id)
        slices = [ids[start : start + BULK_MAX_IDS] for start in range(0, len(ids), BULK_MAX_IDS)]
        return _Cycle(now, self._interval(), slices)

    async def _tell(self, watches: list[Watch], statuses: Mapping[str, JobStatus]) -> None:
        """Answer the watches, letting the loop run the woken triggers every ``TELL_BATCH`` of them: a round
        that finishes thousands of jobs must not hold the loop for all of their wake-ups at once."""
        for count, watch in enumerate(watches, 1):
            watch.tell(statuses)
            if count % TELL_BATCH == 0:
                await asyncio.sleep(0)

    async def _client(self) -> AsyncHeyGenClient:
        from airflow_provider.heygen.hooks.heygen import HeyGenHook

        hook = HeyGenHook(self.conn_id)
        return await hook.get_async_conn(http_client=self._resources.http, in_flight=self._resources.in_flight)

    async def _sleep(self, seconds: float) -> None:
        """Sleep until the next read, or until a trigger arrives or the last one leaves."""
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
