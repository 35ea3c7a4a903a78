"""The job lifecycle every asynchronous HeyGen operator follows, written once.

1. validate the request (a bad input fails the task at once, without retries, and costs nothing);
2. estimate its credits and apply the cost guards (``max_credits``, ``min_remaining_credits``); a dry run
   stops here and returns the estimate (``HeyGenBilledOperator``);
3. submit it with an ``Idempotency-Key`` derived from the task instance and the payload, so a retried try
   gets HeyGen's replay of the first answer instead of a second render; a job that failed is submitted again,
   alone, along a fixed chain of keys (``resubmit_failed``: the only place that resubmits);
4. record the job ids at once: XCom (links, downstream tasks) and, on Airflow 3.3+, the task state store
   (``ResumableJobMixin``), so a retry after a worker crash reconnects to the running jobs;
5. wait in the worker or defer to ``HeyGenJobTrigger`` (with a deferral timeout as a backstop);
6. complete: check the outcome with the same status table, re-fetch the jobs, return a small JSON result.

A refusal for HeyGen's rate or concurrency limits (429) waits out the server's ``Retry-After``: deferred on a
timer (no worker held), or in the worker when the task's timeout leaves room; then the same key is sent again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property
from typing import Any, ClassVar, TypeVar, cast

from airflow_provider.heygen._compat import (
    TRIGGER_FAIL,
    AirflowFailException,
    BaseOperator,
    Context,
    ResumableJobMixin,
    TimeDeltaTrigger,
    default_deferrable,
)
from airflow_provider.heygen.api import credits
from airflow_provider.heygen.api.budget import check_budget, check_credits, check_wallet
from airflow_provider.heygen.api.client import IDEMPOTENCY_KEY_CHARS
from airflow_provider.heygen.api.credits import CreditEstimate
from airflow_provider.heygen.api.errors import (
    BadRequestError,
    CostGuardError,
    InvalidRequestError,
    RateLimitError,
)
from airflow_provider.heygen.api.jobs import (
    JobKind,
    JobState,
    check_poll_interval,
    check_timeout,
    job_kind,
    overall_state,
)
from airflow_provider.heygen.api.models import RequestModel
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.lineage import (
    Lineage,
    heygen_namespace,
    job_lineage,
    pulled_result,
    request_sources,
    to_operator_lineage,
)
from airflow_provider.heygen.links import JOB_IDS_XCOM_KEY, HeyGenJobLink
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger, JobEvent, deferral_timeout

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "ESTIMATE_XCOM_KEY",
    "HeyGenBilledOperator",
    "HeyGenJobOperator",
    "HeyGenOperator",
    "check_idempotency_key",
    "fail_fast",
    "idempotency_key_for",
    "retry_key",
]

#: HeyGen's own advice: renders take minutes; poll every 30 s and allow well over 30 minutes.
DEFAULT_POLL_INTERVAL = 30.0
DEFAULT_TIMEOUT = timedelta(hours=2)
#: How long one HeyGen call of a deferrable operator may retry in the worker before the error surfaces.
DEFERRABLE_RETRY_DEADLINE = 30.0
#: The longest 429 a deferrable task sleeps out in the worker when it submits; HeyGen asking for longer (a full
#: account: until a running job ends) defers on a timer instead, which costs a round trip of a few seconds.
DEFERRABLE_SUBMIT_MAX_WAIT = 2.0
#: XCom key of a task's credit estimate (``CreditEstimate.to_dict()``), pushed before it submits.
ESTIMATE_XCOM_KEY = "heygen_credit_estimate"
_KEY_NAMESPACE = uuid.UUID("6f1c2b8e-3d4a-5b6c-8d7e-9f0a1b2c3d4e")
_T = TypeVar("_T")


def idempotency_key_for(context: Context, payload: Mapping[str, Any]) -> str:
    """The same key on every try of a task instance with the same payload; a changed payload gets a new one."""
    ti = context["ti"]
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    identity = "|".join(str(part) for part in (ti.dag_id, ti.task_id, ti.run_id, getattr(ti, "map_index", -1), digest))
    return f"airflow-{uuid.uuid5(_KEY_NAMESPACE, identity)}"


def retry_key(key: str, generation: int, index: int, jobs: int) -> str:
    """The key resubmitting job ``index`` of ``jobs`` for the ``generation``-th time: the same on every try."""
    return f"{key}:retry{generation}" if jobs == 1 else f"{key}:retry{generation}-{index}"


#: A given ``Idempotency-Key``: HeyGen's alphabet, and at most 200 characters so that the keys derived from it
#: (``:retry1-3``, ``:generate-<hash>``, ``-renewed-1``) stay within HeyGen's 255.
IDEMPOTENCY_KEY_MAX_CHARS = 200
_IDEMPOTENCY_KEY_ALPHABET = re.compile(rf"^[{IDEMPOTENCY_KEY_CHARS}]+$")


def check_idempotency_key(key: str | None) -> str | None:
    """Raise ``InvalidRequestError`` unless ``key`` (when given) is a key HeyGen takes, with room for suffixes."""
    if key is None:
        return None
    rule = f"1-{IDEMPOTENCY_KEY_MAX_CHARS} characters of A-Z a-z 0-9 _ - : ."
    if not isinstance(key, str) or not _IDEMPOTENCY_KEY_ALPHABET.fullmatch(key):
        raise InvalidRequestError([f"idempotency_key: {key!r} is not allowed, expected {rule}"])
    if len(key) > IDEMPOTENCY_KEY_MAX_CHARS:
        raise InvalidRequestError(
            [f"idempotency_key: {len(key):,} characters, must be {rule} (derived keys add suffixes up to 255)"]
        )
    return key


@contextmanager
def fail_fast() -> Iterator[None]:
    """Turn errors that no retry can fix (bad input, a cost guard, HeyGen's 400) into a failure without retries."""
    try:
        yield
    except (InvalidRequestError, CostGuardError, BadRequestError) as exc:
        raise AirflowFailException(str(exc)) from exc


class HeyGenOperator(BaseOperator):
    """What every HeyGen operator shares: the connection and its hook.

    :param heygen_conn_id: the ``heygen`` connection (templated).
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

    # --- lineage (OpenLineage) -------------------------------------------------------------------------

    #: What ``execute`` returned on this try, kept (``returned``) for the task's lineage.
    _returned: Mapping[str, Any] | None = None

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """What the finished task read and made, for Airflow's OpenLineage listener (``openlineage`` extra)."""
        return to_operator_lineage(self.heygen_lineage(task_instance))

    def heygen_lineage(self, task_instance: Any) -> Lineage:
        """This task's lineage as plain data (``airflow_provider.heygen.lineage``); nothing unless overridden."""
        return Lineage()

    @property
    def lineage_namespace(self) -> str:
        """The OpenLineage namespace of the connection's HeyGen resources: ``heygen://api.heygen.com``."""
        return heygen_namespace(self.hook.client.base_url)

    def returned(self, result: _T) -> _T:
        """Keep ``result``, what ``execute`` returns, for the lineage of this try; return it."""
        self._returned = cast("Mapping[str, Any]", result)
        return result

    def finished_result(self, task_instance: Any) -> Mapping[str, Any] | None:
        """What this try returned: kept by this instance, else read back from XCom (best effort)."""
        return self._returned or pulled_result(task_instance)


class HeyGenBilledOperator(HeyGenOperator):
    """What the operators that spend credits share: the estimate, the cost guards and the dry run.

    The estimate uses the connection's prices (its ``prices`` extra, else HeyGen's table). When a guard is set or
    on a dry run, a source whose length the request does not give is read from its file's header (an asset's or a
    URL's, by range requests: ``HeyGenHook.source_seconds``); a length still unknown falls back to the ceiling
    HeyGen's limits give, if any.

    :param max_credits: refuse to submit when the estimate, or its ceiling, is above this budget; and when
        the cost cannot be estimated at all (the message names the input that would make it known).
    :param allow_unknown_cost: with ``max_credits``, submit a request whose cost is not known before rendering
        (no estimate, or only a ceiling above the budget) instead of refusing it.
    :param min_remaining_credits: refuse when the account's remaining credits (``GET /v3/users/me``, not billed)
        less the estimate would fall below this floor. A soft guard: tasks that check at the same moment may
        all pass it, so bound what runs at once with a pool. A retry checks the balance alone (its submit may
        be a replay, already paid for).
    :param dry_run: validate, estimate and apply the guards, log and return the estimate
        (``{"kind", "dry_run": True, "status": "dry_run", "job_ids": [], "credits": None, "estimate"}``), and
        send nothing that creates or costs.
    """

    def __init__(
        self,
        *,
        max_credits: float | None = None,
        allow_unknown_cost: bool = False,
        min_remaining_credits: float | None = None,
        dry_run: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_credits = check_credits("max_credits", max_credits)
        self.allow_unknown_cost = allow_unknown_cost
        self.min_remaining_credits = check_credits("min_remaining_credits", min_remaining_credits)
        self.is_dry_run = dry_run  # BaseOperator.dry_run is a method (render templates)
        self._source_lengths: dict[str, float | None] = {}
        #: Whether this try already submitted (``run_again``): the wallet floor then checks the balance alone.
        self._submitted_this_try = False

    @property
    def reads_sources(self) -> bool:
        """Whether estimates read sources' lengths (a few range requests): only when a guard or dry run needs it."""
        return self.is_dry_run or self.max_credits is not None or self.min_remaining_credits is not None

    def estimate_with(self, price: Any, payload: Mapping[str, Any], known: float | None = None) -> CreditEstimate:
        """``price.estimate`` (a ``JobKind`` or a ``Price``) with the connection's prices and, when needed,
        the sources' lengths read from their files."""
        measure = self._source_seconds if self.reads_sources else credits.no_probe
        return cast("CreditEstimate", price.estimate(payload, known, measure=measure, prices=self.hook.prices))

    def _source_seconds(self, source: Mapping[str, Any]) -> float | None:
        key = json.dumps(source, sort_keys=True, default=str)
        if key not in self._source_lengths:
            self._source_lengths[key] = self.hook.source_seconds(source)
        return self._source_lengths[key]

    def guard_cost(self, what: str, estimate: CreditEstimate, context: Context) -> None:
        """Log the estimate and apply ``max_credits`` and ``min_remaining_credits`` (raise ``CostGuardError``)."""
        self.log.info("HeyGen %s credit estimate: %s", what, estimate)
        check_budget(estimate, self.max_credits, allow_unknown_cost=self.allow_unknown_cost)
        if self.max_credits is not None and not estimate.known:
            self.log.warning("HeyGen %s: cost not known before rendering, submitted as allowed", what)
        if self.min_remaining_credits is not None:
            user = self.hook.get_current_user()
            remaining = user.remaining_credits
            self.log.info("HeyGen account: %s credits remaining", "unknown" if remaining is None else f"{remaining:g}")
            check_wallet(
                estimate,
                remaining,
                self.min_remaining_credits,
                count_estimate=context["ti"].try_number <= 1 and not self._submitted_this_try,
                allow_unknown_cost=self.allow_unknown_cost,
                detail=f"billing type {user.billing_type or 'unknown'}, balance not in credits",
            )

    def run_again(self, context: Context) -> Any:
        """Run the task again after a wait inside this try (its submits replay): the balance HeyGen reports
        already has this task's jobs taken off, so the wallet floor does not count the estimate twice."""
        self._submitted_this_try = True
        return self.execute(context)

    def log_cost(self, what: str, result: Mapping[str, Any]) -> None:
        """One line with what a result cost beside what was estimated before submitting."""
        spent = result.get("credits")
        self.log.info(
            "HeyGen %s cost: %s credits (estimated %s)",
            what,
            "unknown" if spent is None else f"{spent:g}",
            credits.shown_estimate(result.get("estimate")),
        )

    def dry_run_result(self, what: str, estimate: CreditEstimate) -> dict[str, Any]:
        """What a dry run returns: the estimate, and no jobs."""
        self.log.info("Dry run: HeyGen %s not submitted; it would cost %s", what, estimate)
        return {
            "kind": what,
            "dry_run": True,
            "status": "dry_run",
            "job_ids": [],
            "credits": None,
            "estimate": estimate.to_dict(),
        }


class HeyGenJobOperator(ResumableJobMixin, HeyGenBilledOperator):
    """Base of the operators that start HeyGen jobs and (optionally) wait for them.

    The cost parameters (``max_credits``, ``allow_unknown_cost``, ``min_remaining_credits``, ``dry_run``) are
    ``HeyGenBilledOperator``'s; the result holds the ``estimate`` beside what the jobs cost (``credits``).

    :param request: the API request: a model from ``airflow_provider.heygen.api.models`` or a plain dict
        with the API's field names (templated, shown as JSON in the UI).
    :param heygen_conn_id: the ``heygen`` connection.
    :param wait_for_completion: wait until the jobs are terminal (else return right after submitting).
    :param deferrable: wait in the triggerer without a worker slot; default ``[operators] default_deferrable``.
    :param poll_interval: seconds between status checks (jittered by 10% in the worker), at least
        ``MIN_POLL_INTERVAL`` (0.1 s).
    :param timeout: how long to wait for the jobs (a ``timedelta`` or seconds, > 0); then ``JobTimeoutError``,
        and the jobs HeyGen can stop (Video Agent sessions) are stopped.
    :param idempotency_key: templated; by default derived from dag, task, run, map index and the payload.
    :param cancel_on_kill: stop the jobs where HeyGen can (Video Agent) when the task is killed.
    """

    job_kind: ClassVar[str]
    template_fields: Sequence[str] = ("request", "idempotency_key", "heygen_conn_id")
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
        cancel_on_kill: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(heygen_conn_id=heygen_conn_id, **kwargs)
        self.request = request.to_body() if isinstance(request, RequestModel) else dict(request or {})
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        # Deferrable tasks should not hold a worker through long Retry-After waits: they defer instead.
        self.retry_deadline = DEFERRABLE_RETRY_DEADLINE if self.deferrable else None
        self.poll_interval = check_poll_interval(poll_interval)
        self.timeout = check_timeout(timeout)
        self.idempotency_key = idempotency_key
        self.cancel_on_kill = cancel_on_kill
        self._job_ids: list[str] = []
        #: When HeyGen first refused this task's submit (429), carried across rate-limit deferrals.
        self._refused_since: float | None = None
        self._result: dict[str, Any] | None = None
        self._estimate: CreditEstimate | None = None

    @property
    def spec(self) -> JobKind:
        """This operator's entry in the job-kind registry."""
        return job_kind(self.job_kind)

    # --- what each operator defines --------------------------------------------------------------------

    def parse_request(self) -> RequestModel:
        """Validate ``self.request`` into its request model (raises ``InvalidRequestError``)."""
        raise NotImplementedError

    def create(self, body: RequestModel, idempotency_key: str) -> list[str]:
        """Submit the request; return the ids of the jobs it started."""
        raise NotImplementedError

    def resubmit(self, body: RequestModel, index: int, idempotency_key: str) -> str:
        """Submit job ``index`` of ``create``'s answer again, alone (it failed); return the new job's id.

        The default fits operators whose request starts one job; one that starts several overrides it.
        """
        (job_id,) = self.create(body, idempotency_key)
        return job_id

    def estimate(self, body: RequestModel) -> CreditEstimate:
        """The credit estimate the cost guards check (operators that know a length pass it here)."""
        return self.estimate_with(self.spec, body.to_body())

    def describe_job(self, job_id: str, resource: Mapping[str, Any]) -> dict[str, Any]:
        """The part of the result for one finished job: the kind's result fields (see ``JobKind.describe``)."""
        return self.spec.describe(job_id, resource)

    # --- submitting ------------------------------------------------------------------------------------

    def execute(self, context: Context) -> Any:
        self._result = None
        if self.is_dry_run:
            _, estimate = self.checked_request(context)
            return self.dry_run_result(self.job_kind, estimate)
        return self.execute_resumable(context)

    def checked_request(self, context: Context) -> tuple[RequestModel, CreditEstimate]:
        """The validated request and its estimate, past the cost guards; nothing that creates is sent."""
        with fail_fast():
            body = self.parse_request()
            check_idempotency_key(self.idempotency_key)
            estimate = self.estimate(body)
            self.guard_cost(self.job_kind, estimate, context)
        return body, estimate

    def submit_job(self, context: Context) -> Any:
        """Validate, estimate, submit idempotently and record the job ids (ResumableJobMixin's first step)."""
        body, estimate = self.checked_request(context)
        self._estimate = estimate
        context["ti"].xcom_push(key=ESTIMATE_XCOM_KEY, value=estimate.to_dict())
        key = self.idempotency_key or idempotency_key_for(context, body.to_body())
        job_ids = self.within_limits(lambda: self.create(body, key))
        job_ids = self.resubmit_failed(
            self.job_kind, job_ids, key, lambda index, job_key: self.resubmit(body, index, job_key), context
        )
        self._job_ids = job_ids
        context["ti"].xcom_push(key=JOB_IDS_XCOM_KEY, value=job_ids)
        self.log.info("Submitted HeyGen %s job(s) %s", self.job_kind, ", ".join(job_ids))
        return job_ids

    def resubmit_failed(
        self,
        kind: str,
        job_ids: Sequence[str],
        key: str,
        resubmit: Callable[[int, str], str],
        context: Context,
    ) -> list[str]:
        """Replace each failed job by ``resubmit(index, retry_key(...))``; the others stay as they are.

        A replayed key hands back an earlier try's jobs. A failed one is submitted again alone, under the next key
        of a fixed chain (``key:retry1``, ``key:retry2``, ..., per job when there are several): a later try replays
        the chain and lands on the same jobs, so nothing that completed is rendered twice. Try ``n`` goes at most
        ``n - 1`` links deep; the first try sends no status request at all.
        """
        ids = list(job_ids)
        pending = list(range(len(ids)))
        for generation in range(1, context["ti"].try_number):
            statuses = self.hook.get_job_statuses(kind, [ids[index] for index in pending])
            pending = [index for index in pending if statuses[ids[index]].state is JobState.FAILED]
            if not pending:
                break
            for index in pending:
                job_key = retry_key(key, generation, index, len(ids))
                replacement = self.within_limits(functools.partial(resubmit, index, job_key))
                self.log.info(
                    "HeyGen %s %s had failed; resubmitted as %s (key %s)", kind, ids[index], replacement, job_key
                )
                ids[index] = replacement
        return ids

    def within_limits(self, submit: Callable[[], _T]) -> _T:
        """Run ``submit``, waiting out HeyGen's 429s (rate or concurrent jobs) for the server's ``Retry-After``.

        Deferrable: defer on a timer for the whole wait, then run the task again (the same keys replay, so
        nothing is created twice); only waits of ``DEFERRABLE_SUBMIT_MAX_WAIT`` or less are slept out in the
        worker. Otherwise: sleep in the worker. Either way for at most the task's ``timeout``
        from the first refusal (deferrals carry it along), so that an account that never frees a slot, or a
        request bigger than the plan's cap, fails with the error instead of waiting forever.
        """
        refused_since = self._refused_since
        in_place = DEFERRABLE_SUBMIT_MAX_WAIT if self.deferrable else math.inf
        while True:
            try:
                with fail_fast(), self.hook.client.waiting_at_most(in_place):
                    return submit()
            except RateLimitError as exc:
                wait = exc.retry_after if exc.retry_after is not None else self.poll_interval
                refused_since = refused_since or time.time()
                left = refused_since + self.timeout - time.time()
                if wait > left:
                    self.log.error(
                        "HeyGen has refused the submit for %.0fs and asks to wait %.0fs more, past the %.0fs timeout",
                        time.time() - refused_since,
                        wait,
                        self.timeout,
                    )
                    raise
                if self.deferrable:
                    self.log.info("HeyGen refused the submit (%s); deferring %.0fs, then submitting again", exc, wait)
                    self.defer(
                        trigger=TimeDeltaTrigger(timedelta(seconds=wait)),
                        method_name="resume_after_limit",
                        kwargs={"refused_since": refused_since},
                        timeout=deferral_timeout(time.time() + wait),
                    )
                self.log.info("HeyGen refused the submit (%s); waiting %.0fs to submit again", exc, wait)
                time.sleep(wait)

    def resume_after_limit(self, context: Context, event: Any = None, refused_since: float | None = None) -> Any:
        """Back from a rate-limit deferral: start the lifecycle again (same key, so no duplicate)."""
        self._refused_since = refused_since
        return self.execute(context)

    # --- waiting ---------------------------------------------------------------------------------------

    def poll_until_complete(self, external_id: Any, context: Context) -> Any:
        """Wait for the jobs (or defer to the trigger) and return the task's result."""
        job_ids = [str(job_id) for job_id in external_id]
        self._job_ids = job_ids
        if not self.wait_for_completion:
            return self.get_job_result(job_ids, context)
        self.settle(self.wait_for(self.job_kind, job_ids, time.time() + self.timeout, "execute_complete"))
        return self.get_job_result(job_ids, context)

    def wait_for(
        self, kind: str, job_ids: list[str], deadline: float, method_name: str, resume: dict[str, Any] | None = None
    ) -> JobEvent:
        """Wait for jobs of one kind until ``deadline`` (epoch seconds): poll here, or defer to
        ``HeyGenJobTrigger`` and resume in ``method_name`` (with ``resume`` and ``job_ids`` as keyword arguments,
        so that the resumed method can check the event is about these jobs)."""
        if self.deferrable:
            trigger = HeyGenJobTrigger(
                conn_id=self.heygen_conn_id,
                kind=kind,
                job_ids=job_ids,
                poll_interval=self.poll_interval,
                deadline=deadline,
                cancel_on_kill=self.cancel_on_kill,
            )
            kwargs = {**(resume or {}), "job_ids": job_ids}
            self.defer(trigger=trigger, method_name=method_name, kwargs=kwargs, timeout=deferral_timeout(deadline))
        statuses = self.hook.wait_for_jobs(kind, job_ids, poll_interval=self.poll_interval, deadline=deadline)
        return JobEvent.from_statuses(kind, statuses, timed_out=True)

    def resumed_event(self, payload: Any, job_ids: Sequence[str] | None) -> JobEvent:
        """The trigger's event, validated and checked to be about ``job_ids``, the ids the task deferred on.

        ``job_ids`` is None only where Airflow resumed without the deferral's kwargs (Airflow 2.10's
        ``dag.test()``); then there is nothing to compare with.
        """
        return JobEvent.from_payload(payload, job_ids=job_ids)

    def settle(self, event: JobEvent) -> None:
        """Raise the typed error of a failed, timed-out or broken wait, stopping what can be stopped first."""
        if event.status in ("timeout", "error"):
            self.log.warning("HeyGen wait ended in %s: %s", event.status, event.message)
            self.stop_jobs(event.kind, event.job_ids)
        event.raise_for_status()

    def execute_complete(self, context: Context, event: Any, job_ids: list[str] | None = None) -> Any:
        """Back from the trigger: check its event, then build the result."""
        job_event = self.resumed_event(event, job_ids)
        self._job_ids = job_event.job_ids
        self.settle(job_event)
        return self.get_job_result(job_event.job_ids, context)

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """Resume after a deferral; when it timed out or its trigger crashed, stop the task's jobs first."""
        if next_method == TRIGGER_FAIL:
            ti = context["ti"]
            recorded = ti.xcom_pull(task_ids=ti.task_id, key=JOB_IDS_XCOM_KEY, map_indexes=ti.map_index)
            self.stop_jobs(self.job_kind, [str(job_id) for job_id in recorded or []])
        return super().resume_execution(next_method, next_kwargs, context)

    def stop_jobs(self, kind: str, job_ids: Sequence[str]) -> None:
        """Stop the jobs where HeyGen can (Video Agent sessions), best effort: a failure is logged, not raised."""
        if not self.cancel_on_kill or job_kind(kind).cancel_path is None:
            return
        for job_id in job_ids:
            try:
                self.hook.cancel_job(kind, job_id)
                self.log.info("Stopped HeyGen %s %s", kind, job_id)
            except Exception as exc:  # best effort: never hide the failure that led here
                self.log.warning("Could not stop HeyGen %s %s: %s", kind, job_id, exc)

    def on_kill(self) -> None:
        """Stop the jobs where HeyGen can, when the task is killed while waiting in the worker."""
        self.stop_jobs(self.job_kind, self._job_ids)

    # --- status and result (ResumableJobMixin) -----------------------------------------------------------

    def get_job_status(self, external_id: Any, context: Context) -> str:
        """One state for all jobs: running while any runs, failed if any failed."""
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
            described = []
            for job_id in (str(job_id) for job_id in external_id):
                resource = self.hook.get_job(self.job_kind, job_id)
                cost = self.spec.cost_of(self.request, resource.get("duration"), self.hook.prices)
                described.append({**self.describe_job(job_id, resource), "credits": cost})
            costs = self.job_costs(described)
            self._result = {
                "kind": self.job_kind,
                "job_ids": [str(job_id) for job_id in external_id],
                "status": overall_state(self.spec.state(job.get("status")) for job in described).value,
                "credits": None if None in costs else round(sum(c for c in costs if c is not None), 4),
                "estimate": self.recorded_estimate(context),
                "jobs": described,
            }
            self.log_cost(self.job_kind, self._result)
        return self._result

    def job_costs(self, jobs: Sequence[dict[str, Any]]) -> list[float | None]:
        """What the task paid for, job by job (the result's ``credits`` is their sum, unknown if any is)."""
        return [job["credits"] for job in jobs]

    def recorded_estimate(self, context: Context) -> dict[str, Any] | None:
        """The estimate made before submitting: this instance's, else the one pushed to XCom (after a deferral)."""
        if self._estimate is not None:
            return self._estimate.to_dict()
        ti = context["ti"]
        recorded = ti.xcom_pull(task_ids=ti.task_id, key=ESTIMATE_XCOM_KEY, map_indexes=ti.map_index)
        return recorded if isinstance(recorded, dict) else None

    # --- lineage (OpenLineage) -------------------------------------------------------------------------

    def heygen_lineage(self, task_instance: Any) -> Lineage:
        """The request's sources in, the jobs out, the result's cost and state as the ``heygen`` run facet."""
        result = self.finished_result(task_instance)
        return job_lineage(
            self.lineage_namespace, self.job_kind, result, self.lineage_sources(), outputs_via=self.spec.outputs_via
        )

    def finished_result(self, task_instance: Any) -> Mapping[str, Any] | None:
        """The result ``get_job_result`` built on this try, else read back from XCom."""
        return self._result or pulled_result(task_instance)

    def lineage_sources(self) -> list[tuple[str, str]]:
        """What the task reads (``lineage.request_sources`` of the request); operators with file arguments add them."""
        return request_sources(self.request)
