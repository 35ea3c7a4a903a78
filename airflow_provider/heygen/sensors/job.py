"""HeyGenJobSensor: wait for HeyGen jobs that something else started (poke, reschedule or deferrable)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from typing import Any

from airflow_provider.heygen._compat import BaseSensorOperator, Context, default_deferrable
from airflow_provider.heygen.api.jobs import job_ids_from, job_kind
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.links import HeyGenJobLink
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger, JobEvent

__all__ = ["HeyGenJobSensor"]


class HeyGenJobSensor(BaseSensorOperator):
    """Wait until HeyGen jobs of one kind are all finished; fail if any failed.

    :param kind: ``video``, ``video_agent``, ``video_translation``, ``proofread``, ``lipsync``, ``avatar`` or
        ``voice_clone``.
    :param job_ids: one id, a list, or a job operator's result (templated; e.g.
        ``"{{ ti.xcom_pull('render', key='heygen_job_ids') }}"``).
    :param heygen_conn_id: the ``heygen`` connection.
    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``); otherwise ``mode``
        (``poke`` or ``reschedule``) decides. ``poke_interval`` and ``timeout`` apply in every mode.
    Returns ``{"kind", "job_ids", "statuses"}``. Uses the same status table as the operators and the trigger.
    """

    template_fields: Sequence[str] = ("job_ids",)
    operator_extra_links = (HeyGenJobLink(),)

    def __init__(
        self,
        *,
        kind: str,
        job_ids: str | Sequence[str],
        heygen_conn_id: str = HeyGenHook.default_conn_name,
        deferrable: bool | None = None,
        poke_interval: float = 30.0,
        timeout: float | timedelta = timedelta(hours=2),
        **kwargs: Any,
    ) -> None:
        job_kind(kind)  # an unknown kind fails when the DAG is parsed, not hours later
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        super().__init__(poke_interval=poke_interval, timeout=seconds, **kwargs)
        self.job_kind = kind
        self.job_ids = job_ids
        self.heygen_conn_id = heygen_conn_id
        self.deferrable = default_deferrable() if deferrable is None else deferrable

    @cached_property
    def hook(self) -> HeyGenHook:
        return HeyGenHook(self.heygen_conn_id)

    def _ids(self) -> list[str]:
        return job_ids_from(self.job_ids)

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            super().execute(context)
            return self._result(self.hook.get_job_statuses(self.job_kind, self._ids()))
        self.defer(
            trigger=HeyGenJobTrigger(
                conn_id=self.heygen_conn_id,
                kind=self.job_kind,
                job_ids=self._ids(),
                poll_interval=self.poke_interval,
                deadline=time.time() + self.timeout,
                cancel_on_kill=False,  # the sensor did not start these jobs
            ),
            method_name="execute_complete",
        )

    def poke(self, context: Context) -> bool:
        statuses = self.hook.get_job_statuses(self.job_kind, self._ids())
        if not all(status.state.is_terminal for status in statuses.values()):
            return False
        JobEvent.from_statuses(self.job_kind, statuses).raise_for_status()
        return True

    def execute_complete(self, context: Context, event: Any) -> dict[str, Any]:
        job_event = JobEvent.from_payload(event)
        job_event.raise_for_status()
        return {"kind": job_event.kind, "job_ids": job_event.job_ids, "statuses": job_event.statuses}

    def _result(self, statuses: Any) -> dict[str, Any]:
        return {
            "kind": self.job_kind,
            "job_ids": list(statuses),
            "statuses": {job_id: status.status for job_id, status in statuses.items()},
        }
