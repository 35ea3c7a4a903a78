"""HeyGenJobSensor: wait for HeyGen jobs that something else started (poke, reschedule or deferrable)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from typing import Any

from airflow_provider.heygen._compat import AirflowFailException, BaseSensorOperator, Context, default_deferrable
from airflow_provider.heygen.api.errors import InvalidRequestError
from airflow_provider.heygen.api.jobs import check_poll_interval, check_timeout, job_kind
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.inputs import parse_job_ids
from airflow_provider.heygen.links import HeyGenJobLink
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger, JobEvent, deferral_timeout

__all__ = ["HeyGenJobSensor"]


class HeyGenJobSensor(BaseSensorOperator):
    """Wait until HeyGen jobs of one kind are all finished; fail if any failed.

    :param kind: a job kind of the registry (``JOB_KINDS`` in ``airflow_provider.heygen.api.jobs``, e.g.
        ``video``); checked when the DAG is parsed, the error lists the known kinds.
    :param job_ids: one id, a list, or a job operator's result (templated; e.g.
        ``"{{ ti.xcom_pull('render', key='heygen_job_ids') }}"``).
    :param heygen_conn_id: the ``heygen`` connection (templated).
    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``); otherwise ``mode``
        (``poke`` or ``reschedule``) decides. ``poke_interval`` (at least 0.1 s) and ``timeout`` (> 0) apply
        in every mode.
    Returns ``{"kind", "job_ids", "statuses"}``. Uses the same status table as the operators and the trigger.
    """

    template_fields: Sequence[str] = ("job_ids", "heygen_conn_id")
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
        check_poll_interval(poke_interval, "poke_interval")
        super().__init__(poke_interval=poke_interval, timeout=check_timeout(timeout), **kwargs)
        self.job_kind = kind
        self.job_ids = job_ids
        self.heygen_conn_id = heygen_conn_id
        self.deferrable = default_deferrable() if deferrable is None else deferrable

    @cached_property
    def hook(self) -> HeyGenHook:
        return HeyGenHook(self.heygen_conn_id)

    def _ids(self) -> list[str]:
        try:
            job_ids, _ = parse_job_ids(self.job_ids)
        except InvalidRequestError as exc:
            raise AirflowFailException(str(exc)) from exc
        return job_ids

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            super().execute(context)
            return self._result(self.hook.get_job_statuses(self.job_kind, self._ids()))
        job_ids, deadline = self._ids(), time.time() + self.timeout
        self.defer(
            trigger=HeyGenJobTrigger(
                conn_id=self.heygen_conn_id,
                kind=self.job_kind,
                job_ids=job_ids,
                poll_interval=self.poke_interval,
                deadline=deadline,
                cancel_on_kill=False,  # the sensor did not start these jobs
            ),
            method_name="execute_complete",
            kwargs={"job_ids": job_ids},
            timeout=deferral_timeout(deadline),
        )

    def poke(self, context: Context) -> bool:
        statuses = self.hook.get_job_statuses(self.job_kind, self._ids())
        if not all(status.state.is_terminal for status in statuses.values()):
            return False
        JobEvent.from_statuses(self.job_kind, statuses).raise_for_status()
        return True

    def execute_complete(self, context: Context, event: Any, job_ids: list[str] | None = None) -> dict[str, Any]:
        """Back from the trigger: the event must be about the jobs the sensor deferred on."""
        job_event = JobEvent.from_payload(event, job_ids=job_ids)
        job_event.raise_for_status()
        return {"kind": job_event.kind, "job_ids": job_event.job_ids, "statuses": job_event.statuses}

    def _result(self, statuses: Any) -> dict[str, Any]:
        return {
            "kind": self.job_kind,
            "job_ids": list(statuses),
            "statuses": {job_id: status.status for job_id, status in statuses.items()},
        }
