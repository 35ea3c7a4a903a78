"""The job lifecycle every asynchronous HeyGen operator follows, written once.

1. validate the request (a bad input fails the task at once, without retries, and costs nothing);
2. estimate its credits and refuse it above ``max_credits``;
3. submit it with an ``Idempotency-Key`` derived from the task instance and the payload, so a retried try
   gets HeyGen's replay of the first answer instead of a second render;
4. record the job ids at once: XCom (links, downstream tasks) and, on Airflow 3.3+, the task state store
   (``ResumableJobMixin``), so a retry after a worker crash reconnects to the running jobs;
5. wait in the worker or defer to ``HeyGenJobTrigger``;
6. complete: check the outcome with the same status table, re-fetch the jobs, return a small JSON result.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import cached_property
from typing import Any, ClassVar

from airflow_provider.heygen._compat import (
    AirflowFailException,
    BaseOperator,
    Context,
    ResumableJobMixin,
    TimeDeltaTrigger,
    default_deferrable,
)
from airflow_provider.heygen.api import credits
from airflow_provider.heygen.api.errors import BudgetExceededError, ConcurrencyLimitError, InvalidRequestError
from airflow_provider.heygen.api.jobs import JobState, JobStatus, job_kind
from airflow_provider.heygen.api.models import RequestModel
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.links import JOB_IDS_XCOM_KEY, HeyGenJobLink
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger, JobEvent

__all__ = ["DEFAULT_POLL_INTERVAL", "DEFAULT_TIMEOUT", "HeyGenJobOperator", "idempotency_key_for"]

#: HeyGen's own advice: renders take minutes; poll every 30 s and allow well over 30 minutes.
DEFAULT_POLL_INTERVAL = 30.0
DEFAULT_TIMEOUT = timedelta(hours=2)
#: How long one HeyGen call of a deferrable operator may retry in the worker before the error surfaces.
DEFERRABLE_RETRY_DEADLINE = 30.0
_KEY_NAMESPACE = uuid.UUID("6f1c2b8e-3d4a-5b6c-8d7e-9f0a1b2c3d4e")


def idempotency_key_for(context: Context, payload: Mapping[str, Any]) -> str:
    """The same key on every try of a task instance with the same payload; a changed payload gets a new one."""
    ti = context["ti"]
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    identity = "|".join(str(part) for part in (ti.dag_id, ti.task_id, ti.run_id, getattr(ti, "map_index", -1), digest))
    return f"airflow-{uuid.uuid5(_KEY_NAMESPACE, identity)}"


class HeyGenJobOperator(ResumableJobMixin, BaseOperator):
    """Base of the operators that start HeyGen jobs and (optionally) wait for them.

    :param request: the API request: a model from ``airflow_provider.heygen.api.models`` or a plain dict
        with the API's field names (templated, shown as JSON in the UI).
    :param heygen_conn_id: the ``heygen`` connection.
    :param wait_for_completion: wait until the jobs are terminal (else return right after submitting).
    :param deferrable: wait in the triggerer without a worker slot; default ``[operators] default_deferrable``.
    :param poll_interval: seconds between status checks (jittered by 10% in the worker).
    :param timeout: how long to wait for the jobs (a ``timedelta`` or seconds); then ``JobTimeoutError``.
    :param idempotency_key: templated; by default derived from dag, task, run, map index and the payload.
    :param max_credits: refuse to submit when the credit estimate is above this budget.
    :param cancel_on_kill: stop the jobs where HeyGen can (Video Agent) when the task is killed.
    """

    job_kind: ClassVar[str]
    template_fields: Sequence[str] = ("request", "idempotency_key")
    template_fields_renderers: ClassVar[dict[str, str]] = {"request": "json"}
    operator_extra_links = (HeyGenJobLink(),)
    external_id_key = JOB_IDS_XCOM_KEY
    ui_color = "#e8e0ff"

    def __init__(
        self,
        *,
        request: RequestModel | Mapping[str, Any] | None = None,
        heygen_conn_id: str = HeyGenHook.default_conn_name,
        wait_for_completion: bool = True,
        deferrable: bool | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: timedelta | float = DEFAULT_TIMEOUT,
        idempotency_key: str | None = None,
        max_credits: float | None = None,
        cancel_on_kill: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.request = request.to_body() if isinstance(request, RequestModel) else dict(request or {})
        self.heygen_conn_id = heygen_conn_id
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.poll_interval = float(poll_interval)
        self.timeout = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        self.idempotency_key = idempotency_key
        self.max_credits = max_credits
        self.cancel_on_kill = cancel_on_kill
        self._job_ids: list[str] = []
        self._result: dict[str, Any] | None = None

    @cached_property
    def hook(self) -> HeyGenHook:
        # Deferrable tasks should not hold a worker through long Retry-After waits: they defer instead.
        return HeyGenHook(self.heygen_conn_id, retry_deadline=DEFERRABLE_RETRY_DEADLINE if self.deferrable else None)

    # --- what each operator defines --------------------------------------------------------------------

    def parse_request(self) -> RequestModel:
        """Validate ``self.request`` into its request model (raises ``InvalidRequestError``)."""
        raise NotImplementedError

    def create(self, body: RequestModel, idempotency_key: str) -> list[str]:
        """Submit the request; return the ids of the jobs it started."""
        raise NotImplementedError

    def estimate(self, body: RequestModel) -> credits.CreditEstimate:
        """The credit estimate checked against ``max_credits``."""
        return credits.estimate(self.job_kind, body.to_body())

    def describe_job(self, job_id: str, resource: Mapping[str, Any], body: RequestModel) -> dict[str, Any]:
        """The part of the result for one finished job (override to pick the kind's output fields)."""
        return {"id": job_id, "status": resource.get("status")}

    # --- the lifecycle --------------------------------------------------------------------------------

    def execute(self, context: Context) -> Any:
        self._result = None
        return self.execute_resumable(context)

    def submit_job(self, context: Context) -> Any:
        """Validate, estimate, submit idempotently and record the job ids (ResumableJobMixin's first step)."""
        try:
            body = self.parse_request()
            estimate = self.estimate(body)
            if estimate.exceeds(self.max_credits):
                assert estimate.credits is not None and self.max_credits is not None
                raise BudgetExceededError(estimate.credits, self.max_credits, detail=estimate.basis)
        except (InvalidRequestError, BudgetExceededError) as exc:
            raise AirflowFailException(str(exc)) from exc  # retrying cannot help; nothing was sent
        self.log.info("HeyGen %s credit estimate: %s", self.job_kind, estimate.credits or estimate.basis)
        key = self.idempotency_key or idempotency_key_for(context, body.to_body())
        job_ids = self._create_within_concurrency_limit(body, key)
        # A replayed key hands back the first try's jobs; if those already failed, this try renders anew.
        if any(s.state is JobState.FAILED for s in self.hook.get_job_statuses(self.job_kind, job_ids).values()):
            retry_key = f"{key}-try{context['ti'].try_number}"
            self.log.info("The jobs of key %s failed before; submitting again with key %s", key, retry_key)
            job_ids = self._create_within_concurrency_limit(body, retry_key)
        self._job_ids = job_ids
        context["ti"].xcom_push(key=JOB_IDS_XCOM_KEY, value=job_ids)
        self.log.info("Submitted HeyGen %s job(s) %s", self.job_kind, ", ".join(job_ids))
        return job_ids

    def _create_within_concurrency_limit(self, body: RequestModel, key: str) -> list[str]:
        """Create, waiting out HeyGen's concurrent-job cap: on a timer when deferrable, else in the worker."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return self.create(body, key)
            except ConcurrencyLimitError as exc:
                wait = exc.retry_after or self.poll_interval
                if self.deferrable:
                    self.log.info("HeyGen's concurrent-job limit is reached; deferring %.0fs, then resubmitting", wait)
                    self.defer(trigger=TimeDeltaTrigger(timedelta(seconds=wait)), method_name="resume_after_limit")
                if time.monotonic() + wait > deadline:
                    raise
                self.log.info("HeyGen's concurrent-job limit is reached; waiting %.0fs to resubmit", wait)
                time.sleep(wait)

    def resume_after_limit(self, context: Context, event: Any = None) -> Any:
        """Back from a concurrency-limit deferral: start the lifecycle again (same key, so no duplicate)."""
        return self.execute(context)

    def poll_until_complete(self, external_id: Any, context: Context) -> Any:
        """Wait for the jobs (or defer to the trigger) and return the task's result."""
        job_ids = [str(job_id) for job_id in external_id]
        self._job_ids = job_ids
        if not self.wait_for_completion:
            return self.get_job_result(job_ids, context)
        deadline = time.time() + self.timeout
        if self.deferrable:
            self.defer(
                trigger=HeyGenJobTrigger(
                    conn_id=self.heygen_conn_id,
                    kind=self.job_kind,
                    job_ids=job_ids,
                    poll_interval=self.poll_interval,
                    deadline=deadline,
                    cancel_on_kill=self.cancel_on_kill,
                ),
                method_name="execute_complete",
            )
        statuses = self.hook.wait_for_jobs(self.job_kind, job_ids, poll_interval=self.poll_interval, deadline=deadline)
        JobEvent.from_statuses(self.job_kind, statuses, timed_out=True).raise_for_status()
        return self.get_job_result(job_ids, context)

    def execute_complete(self, context: Context, event: Any) -> Any:
        """Back from the trigger: check its event with the shared validator, then build the result."""
        job_event = JobEvent.from_payload(event)
        self._job_ids = job_event.job_ids
        job_event.raise_for_status()
        return self.get_job_result(job_event.job_ids, context)

    def get_job_status(self, external_id: Any, context: Context) -> str:
        """One state for all jobs (ResumableJobMixin): running while any runs, failed if any failed."""
        statuses = self.hook.get_job_statuses(self.job_kind, [str(job_id) for job_id in external_id])
        return _overall(statuses.values()).value

    def is_job_active(self, status: str) -> bool:
        return status == JobState.RUNNING.value

    def is_job_succeeded(self, status: str) -> bool:
        return status == JobState.SUCCEEDED.value

    def get_job_result(self, external_id: Any, context: Context) -> dict[str, Any]:
        """Re-fetch every job and return the small JSON result that goes to XCom (built once per try)."""
        if self._result is None:
            body = self.parse_request()
            payload = body.to_body()
            described, costs = [], []
            for job_id in (str(job_id) for job_id in external_id):
                resource = self.hook.get_job(self.job_kind, job_id)
                cost = credits.cost_of(self.job_kind, payload, resource.get("duration"))
                costs.append(cost)
                described.append({**self.describe_job(job_id, resource, body), "credits": cost})
            self._result = {
                "kind": self.job_kind,
                "job_ids": [str(job_id) for job_id in external_id],
                "status": _overall(job_kind(self.job_kind).state(job.get("status")) for job in described).value,
                "credits": None if None in costs else round(sum(c for c in costs if c is not None), 4),
                "jobs": described,
            }
        return self._result

    def on_kill(self) -> None:
        """Stop the jobs where HeyGen can, when the task is killed while waiting in the worker."""
        if not self.cancel_on_kill or job_kind(self.job_kind).cancel_path is None:
            return
        for job_id in self._job_ids:
            self.hook.cancel_job(self.job_kind, job_id)
            self.log.info("Stopped HeyGen %s %s", self.job_kind, job_id)


def _overall(states: Any) -> JobState:
    """Running while any job runs; failed if any failed; else succeeded."""
    seen = {state.state if isinstance(state, JobStatus) else state for state in states}
    if JobState.RUNNING in seen:
        return JobState.RUNNING
    return JobState.FAILED if JobState.FAILED in seen else JobState.SUCCEEDED
