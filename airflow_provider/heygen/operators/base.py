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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
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
from airflow_provider.heygen.api.errors import (
    BadRequestError,
    BudgetExceededError,
    ConcurrencyLimitError,
    HeyGenError,
    InvalidRequestError,
)
from airflow_provider.heygen.api.jobs import JobState, job_kind, overall_state
from airflow_provider.heygen.api.models import RequestModel
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.links import JOB_IDS_XCOM_KEY, HeyGenJobLink
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger, JobEvent

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "HeyGenJobOperator",
    "HeyGenOperator",
    "check_budget",
    "fail_fast",
    "idempotency_key_for",
]

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


@contextmanager
def fail_fast() -> Iterator[None]:
    """Turn errors that no retry can fix (bad input, over budget, HeyGen's 400) into a failure without retries."""
    try:
        yield
    except (InvalidRequestError, BudgetExceededError, BadRequestError) as exc:
        raise AirflowFailException(str(exc)) from exc


def check_budget(estimate: credits.CreditEstimate, max_credits: float | None) -> None:
    """Raise ``BudgetExceededError`` when the estimate is known and above ``max_credits``."""
    if estimate.exceeds(max_credits):
        assert estimate.credits is not None and max_credits is not None
        raise BudgetExceededError(estimate.credits, max_credits, detail=estimate.basis)


class HeyGenOperator(BaseOperator):
    """What every HeyGen operator shares: the connection and its hook.

    :param heygen_conn_id: the ``heygen`` connection.
    """

    ui_color = "#e8e0ff"
    #: Seconds one HeyGen call may spend retrying in the worker (None: the connection's policy alone).
    retry_deadline: float | None = None

    def __init__(self, *, heygen_conn_id: str = HeyGenHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heygen_conn_id = heygen_conn_id

    @cached_property
    def hook(self) -> HeyGenHook:
        return HeyGenHook(self.heygen_conn_id, retry_deadline=self.retry_deadline)


class HeyGenJobOperator(ResumableJobMixin, HeyGenOperator):
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
        super().__init__(heygen_conn_id=heygen_conn_id, **kwargs)
        self.request = request.to_body() if isinstance(request, RequestModel) else dict(request or {})
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        # Deferrable tasks should not hold a worker through long Retry-After waits: they defer instead.
        self.retry_deadline = DEFERRABLE_RETRY_DEADLINE if self.deferrable else None
        self.poll_interval = float(poll_interval)
        self.timeout = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        self.idempotency_key = idempotency_key
        self.max_credits = max_credits
        self.cancel_on_kill = cancel_on_kill
        self._job_ids: list[str] = []
        self._result: dict[str, Any] | None = None

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

    def describe_job(self, job_id: str, resource: Mapping[str, Any]) -> dict[str, Any]:
        """The part of the result for one finished job (override to pick the kind's output fields)."""
        return {"id": job_id, "status": resource.get("status")}

    # --- the lifecycle --------------------------------------------------------------------------------

    def execute(self, context: Context) -> Any:
        self._result = None
        return self.execute_resumable(context)

    def submit_job(self, context: Context) -> Any:
        """Validate, estimate, submit idempotently and record the job ids (ResumableJobMixin's first step)."""
        with fail_fast():  # nothing was sent yet
            body = self.parse_request()
            estimate = self.estimate(body)
            check_budget(estimate, self.max_credits)
        self.log.info("HeyGen %s credit estimate: %s", self.job_kind, estimate.credits or estimate.basis)
        key = self.idempotency_key or idempotency_key_for(context, body.to_body())
        job_ids = self._create_within_concurrency_limit(body, key)
        # A replayed key hands back an earlier try's jobs. If they failed, this try renders anew under the next
        # key of a fixed chain (key, key:retry1, ...): a later try replays that chain instead of adding renders,
        # and try N resubmits at most N-1 times.
        for generation in range(1, context["ti"].try_number):
            statuses = self.hook.get_job_statuses(self.job_kind, job_ids)
            if not any(status.state is JobState.FAILED for status in statuses.values()):
                break
            self.log.info("The jobs of key %s failed; submitting again with key %s:retry%d", key, key, generation)
            job_ids = self._create_within_concurrency_limit(body, f"{key}:retry{generation}")
        self._job_ids = job_ids
        context["ti"].xcom_push(key=JOB_IDS_XCOM_KEY, value=job_ids)
        self.log.info("Submitted HeyGen %s job(s) %s", self.job_kind, ", ".join(job_ids))
        return job_ids

    def _create_within_concurrency_limit(self, body: RequestModel, key: str) -> list[str]:
        """Create, waiting out HeyGen's concurrent-job cap: on a timer when deferrable, else in the worker."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                with fail_fast():
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
        self.wait_for(self.job_kind, job_ids, time.time() + self.timeout, "execute_complete").raise_for_status()
        return self.get_job_result(job_ids, context)

    def wait_for(
        self, kind: str, job_ids: list[str], deadline: float, method_name: str, resume: dict[str, Any] | None = None
    ) -> JobEvent:
        """Wait for jobs of one kind until ``deadline`` (epoch seconds): poll here, or defer to
        ``HeyGenJobTrigger`` and resume in ``method_name`` (with ``resume`` as its keyword arguments)."""
        if self.deferrable:
            trigger = HeyGenJobTrigger(
                conn_id=self.heygen_conn_id,
                kind=kind,
                job_ids=job_ids,
                poll_interval=self.poll_interval,
                deadline=deadline,
                cancel_on_kill=self.cancel_on_kill,
            )
            self.defer(trigger=trigger, method_name=method_name, kwargs=resume)
        statuses = self.hook.wait_for_jobs(kind, job_ids, poll_interval=self.poll_interval, deadline=deadline)
        return JobEvent.from_statuses(kind, statuses, timed_out=True)

    def execute_complete(self, context: Context, event: Any) -> Any:
        """Back from the trigger: check its event with the shared validator, then build the result."""
        job_event = JobEvent.from_payload(event)
        self._job_ids = job_event.job_ids
        job_event.raise_for_status()
        return self.get_job_result(job_event.job_ids, context)

    def get_job_status(self, external_id: Any, context: Context) -> str:
        """One state for all jobs (ResumableJobMixin): running while any runs, failed if any failed."""
        statuses = self.hook.get_job_statuses(self.job_kind, [str(job_id) for job_id in external_id])
        return overall_state(status.state for status in statuses.values()).value

    def is_job_active(self, status: str) -> bool:
        return status == JobState.RUNNING.value

    def is_job_succeeded(self, status: str) -> bool:
        return status == JobState.SUCCEEDED.value

    def get_job_result(self, external_id: Any, context: Context) -> dict[str, Any]:
        """Re-fetch every job and return the small JSON result that goes to XCom (built once per try)."""
        if self._result is None:
            # Costs come from the rendered request as is: re-validating it could read local files again.
            described, costs = [], []
            for job_id in (str(job_id) for job_id in external_id):
                resource = self.hook.get_job(self.job_kind, job_id)
                cost = credits.cost_of(self.job_kind, self.request, resource.get("duration"))
                costs.append(cost)
                described.append({**self.describe_job(job_id, resource), "credits": cost})
            self._result = {
                "kind": self.job_kind,
                "job_ids": [str(job_id) for job_id in external_id],
                "status": overall_state(job_kind(self.job_kind).state(job.get("status")) for job in described).value,
                "credits": None if None in costs else round(sum(c for c in costs if c is not None), 4),
                "jobs": described,
            }
        return self._result

    def on_kill(self) -> None:
        """Stop the jobs where HeyGen can, when the task is killed while waiting in the worker."""
        if not self.cancel_on_kill or job_kind(self.job_kind).cancel_path is None:
            return
        for job_id in self._job_ids:
            try:
                self.hook.cancel_job(self.job_kind, job_id)
                self.log.info("Stopped HeyGen %s %s", self.job_kind, job_id)
            except HeyGenError as exc:
                self.log.warning("Could not stop HeyGen %s %s: %s", self.job_kind, job_id, exc)
