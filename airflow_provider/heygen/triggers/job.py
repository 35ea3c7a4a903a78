"""HeyGenJobTrigger: wait in the triggerer until N jobs of one kind are terminal or a deadline passes.

The trigger carries only plain values (conn id, kind, ids, poll interval, absolute deadline, cancel flag),
never a key: its kwargs are stored in the metadata database. It polls through the loop's shared
``StatusPoller`` (bulk endpoints, one HTTP pool), never blocks the loop, never raises out of ``run()`` and
yields exactly one ``JobEvent``: success, failed, timeout or error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, Literal

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider.heygen._compat import AirflowNotFoundException
from airflow_provider.heygen.api.errors import (
    APIStatusError,
    HeyGenError,
    InvalidTriggerEventError,
    JobFailedError,
    JobTimeoutError,
    PollerStoppedError,
    RateLimitError,
)
from airflow_provider.heygen.api.jobs import JobState, JobStatus, check_poll_interval, describe_changes, job_kind
from airflow_provider.heygen.triggers.poller import StatusPoller

__all__ = ["DEFERRAL_MARGIN", "MAX_CONSECUTIVE_POLL_FAILURES", "HeyGenJobTrigger", "JobEvent", "deferral_timeout"]

MAX_CONSECUTIVE_POLL_FAILURES = 5
#: A deferral times out this long after its wait's deadline: the trigger's own timeout event comes first, and a
#: full or stalled triggerer cannot keep the task deferred past its timeout for more than this.
DEFERRAL_MARGIN = timedelta(minutes=2)
EventStatus = Literal["success", "failed", "timeout", "error"]
_EVENT_STATUSES = ("success", "failed", "timeout", "error")


@dataclass(frozen=True)
class JobEvent:
    """The one event a wait ends with; ``statuses`` are HeyGen's raw statuses, ``failures`` id -> reason."""

    status: EventStatus
    kind: str
    job_ids: list[str]
    message: str
    statuses: dict[str, str | None] = field(default_factory=dict)
    failures: dict[str, dict[str, str | None]] = field(default_factory=dict)

    @classmethod
    def from_statuses(cls, kind: str, statuses: Mapping[str, JobStatus], *, timed_out: bool = False) -> JobEvent:
        """The event for a set of observed statuses: all succeeded, some failed, or still running at timeout."""
        failed = {
            job_id: {"failure_code": s.failure_code, "failure_message": s.failure_message}
            for job_id, s in statuses.items()
            if s.state is JobState.FAILED
        }
        raw = {job_id: s.status for job_id, s in statuses.items()}
        running = [job_id for job_id, s in statuses.items() if not s.state.is_terminal]
        status: EventStatus
        if timed_out and running:
            status, message = "timeout", f"{len(running)} of {len(statuses)} {kind} job(s) still running"
        elif failed:
            status, message = "failed", f"{len(failed)} of {len(statuses)} {kind} job(s) failed"
        else:
            status, message = "success", f"{len(statuses)} {kind} job(s) completed"
        return cls(status, kind, list(statuses), message, raw, failed)

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: Any, *, job_ids: Sequence[str] | None = None) -> JobEvent:
        """Validate a trigger event payload (the one check every operator and sensor uses).

        ``job_ids``, when given, are the ids the task deferred on: an event about other jobs is refused.
        """
        if not isinstance(payload, Mapping):
            raise InvalidTriggerEventError(f"HeyGen trigger event must be a mapping, got {type(payload).__name__}")
        status = payload.get("status")
        if status not in _EVENT_STATUSES:
            raise InvalidTriggerEventError(f"HeyGen trigger event has unknown status {status!r}: {dict(payload)}")
        if not isinstance(payload.get("job_ids"), list) or not isinstance(payload.get("kind"), str):
            raise InvalidTriggerEventError(f"HeyGen trigger event lacks kind or job_ids: {dict(payload)}")
        event_ids = [str(job_id) for job_id in payload["job_ids"]]
        if job_ids is not None and sorted(event_ids) != sorted(map(str, job_ids)):
            raise InvalidTriggerEventError(
                f"HeyGen trigger event is about {payload['kind']} job(s) {', '.join(event_ids)}, "
                f"but the task deferred on {', '.join(map(str, job_ids))}"
            )
        return cls(
            status=status,
            kind=payload["kind"],
            job_ids=event_ids,
            message=str(payload.get("message", "")),
            statuses=dict(payload.get("statuses") or {}),
            failures=dict(payload.get("failures") or {}),
        )

    def raise_for_status(self) -> None:
        """Raise the typed error of a failed, timed-out or broken wait; return quietly on success."""
        if self.status == "failed":
            job_id, reason = next(iter(self.failures.items()))
            raise JobFailedError(
                self.kind,
                job_id if len(self.failures) == 1 else ", ".join(self.failures),
                failure_code=reason.get("failure_code"),
                failure_message=reason.get("failure_message"),
            )
        if self.status == "timeout":
            kind = job_kind(self.kind)
            running = [job_id for job_id in self.job_ids if not kind.state(self.statuses.get(job_id)).is_terminal]
            raise JobTimeoutError(self.kind, running or self.job_ids)
        if self.status == "error":
            raise HeyGenError(f"Waiting for HeyGen {self.kind} job(s) {', '.join(self.job_ids)} failed: {self.message}")


def deferral_timeout(deadline: float) -> timedelta:
    """The ``timeout`` to give ``defer()`` for a wait until ``deadline`` (epoch seconds): the backstop."""
    return timedelta(seconds=max(deadline - time.time(), 0.0)) + DEFERRAL_MARGIN


def is_permanent(error: BaseException) -> bool:
    """Whether a poll error will not go away by asking again (a 4xx other than 429, a missing connection, a
    stopped poller)."""
    if isinstance(error, PollerStoppedError):
        return True
    if isinstance(error, RateLimitError):
        return False
    if isinstance(error, APIStatusError):
        return 400 <= error.status_code < 500
    return isinstance(error, AirflowNotFoundException | ValueError)


class HeyGenJobTrigger(BaseTrigger):
    """Wait until every job in ``job_ids`` (all of one ``kind``) is terminal, or ``deadline`` passes.

    :param conn_id: the ``heygen`` connection id.
    :param kind: a job kind of ``airflow_provider.heygen.api.jobs`` (``video``, ``video_translation``, ...).
    :param job_ids: the jobs to wait for.
    :param poll_interval: seconds between polls.
    :param deadline: wall-clock epoch seconds (it survives serialization and a move to another triggerer).
    :param cancel_on_kill: on Airflow 3.3+, stop the jobs (where HeyGen can) when the task is killed.
    """

    def __init__(
        self,
        conn_id: str,
        kind: str,
        job_ids: Sequence[str],
        poll_interval: float,
        deadline: float,
        cancel_on_kill: bool = True,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.kind = kind
        self.job_ids = list(job_ids)
        self.poll_interval = check_poll_interval(poll_interval)
        self.deadline = float(deadline)
        self.cancel_on_kill = cancel_on_kill

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "kind": self.kind,
                "job_ids": self.job_ids,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "cancel_on_kill": self.cancel_on_kill,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Yield exactly one event; every failure becomes an ``error`` event instead of an exception."""
        try:
            event = await self._wait()
        except Exception as exc:
            event = JobEvent("error", self.kind, self.job_ids, f"{type(exc).__name__}: {exc}")
        yield TriggerEvent(event.to_payload())

    async def _wait(self) -> JobEvent:
        started = time.monotonic()
        poller = StatusPoller.for_running_loop(self.conn_id, self.kind)
        watch = poller.watch(self.job_ids, self.poll_interval, deadline=self.deadline)
        seen: dict[str, JobStatus] = {}
        failures = 0
        try:
            while (update := await watch.updates.get()) is not None:  # None: the deadline passed
                if isinstance(update, BaseException):
                    failures += 1
                    if is_permanent(update) or failures >= MAX_CONSECUTIVE_POLL_FAILURES:
                        return JobEvent("error", self.kind, self.job_ids, str(update))
                    self.log.warning("Polling HeyGen %s jobs failed (%d in a row): %s", self.kind, failures, update)
                    continue
                failures = 0
                await self._log_news(seen, update, time.monotonic() - started)
                seen = dict(update)
                if all(status.state.is_terminal for status in update.values()):
                    return JobEvent.from_statuses(self.kind, update)
        finally:
            poller.release(watch)
        if not seen:
            return JobEvent("timeout", self.kind, self.job_ids, "deadline passed before any status was read")
        return JobEvent.from_statuses(self.kind, seen, timed_out=True)

    async def _log_news(self, seen: Mapping[str, JobStatus], update: Mapping[str, JobStatus], elapsed: float) -> None:
        """Log each job that ended, when the wait has several (the event itself reports a single job's end);
        other changes only at DEBUG. In Airflow 3's triggerer a line costs the supervisor about 1 ms and, sent
        while its log socket is full, stalls the whole event loop: a poll logs nothing (docs/performance.md)."""
        if len(self.job_ids) > 1:
            ended = {
                job_id: status
                for job_id, status in update.items()
                if status.state.is_terminal and not (job_id in seen and seen[job_id].state.is_terminal)
            }
            for line in describe_changes(seen, ended, elapsed):
                await self._log_info(line)
        if self.log.isEnabledFor(logging.DEBUG):
            for line in describe_changes(seen, update, elapsed):
                self.log.debug("%s", line)

    async def _log_info(self, line: str) -> None:
        """An INFO line that never blocks the loop: Airflow 3's structlog writes it from a thread (``ainfo``);
        Airflow 2's logging hands the record to its triggerer's queue."""
        ainfo = getattr(self.log, "ainfo", None)
        if ainfo is None:
            self.log.info("%s", line)
        else:
            await ainfo(line)

    async def on_kill(self) -> None:
        """Stop the jobs where HeyGen can (Video Agent sessions) when the task is killed (Airflow 3.3+).

        It may run more than once (a trigger can move between triggerers): stopping twice is harmless.
        """
        kind = job_kind(self.kind)
        if not self.cancel_on_kill or kind.cancel_path is None:
            return
        from airflow_provider.heygen.hooks.heygen import HeyGenHook

        async with await HeyGenHook(self.conn_id).get_async_conn() as client:
            for job_id in self.job_ids:
                try:
                    await client.cancel_job(self.kind, job_id)
                    self.log.info("Stopped HeyGen %s %s", self.kind, job_id)
                except HeyGenError as exc:
                    self.log.warning("Could not stop HeyGen %s %s: %s", self.kind, job_id, exc)
