"""Typed HeyGen errors: one base, an HTTP branch per status class, a connection branch, and domain errors.

None of these is an Airflow exception, so the client stays usable outside Airflow; operators let them
propagate and Airflow fails (and may retry) the task. No error ever carries the API key.
"""

from __future__ import annotations

import copyreg
from collections.abc import Sequence
from typing import Any

import httpx

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "ConcurrencyLimitError",
    "ConflictError",
    "CostGuardError",
    "HeyGenConnectionError",
    "HeyGenError",
    "HeyGenTimeoutError",
    "InsufficientCreditError",
    "InvalidRequestError",
    "InvalidTriggerEventError",
    "JobFailedError",
    "JobTimeoutError",
    "MalformedResponseError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PollerStoppedError",
    "RateLimitError",
    "ServerError",
    "UnknownCostError",
    "WalletFloorError",
    "WebhookVerificationError",
    "error_from_response",
]


class HeyGenError(Exception):
    """Base of every error raised by this provider's HeyGen code.

    Every error survives ``pickle`` (Airflow and executors pickle exceptions) with its fields.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own re-calls cls(*self.args), which breaks every subclass whose __init__ takes other
        # arguments. copyreg.__newobj__ (pickle's NEWOBJ, missing from typeshed) calls only __new__, which sets
        # args; the fields then come back from __dict__.
        return copyreg.__newobj__, (type(self), *self.args), self.__dict__  # type: ignore[attr-defined]


# --- HTTP branch -------------------------------------------------------------------------------------


class APIStatusError(HeyGenError):
    """HeyGen answered with a non-2xx status; carries the v3 error envelope and the request id."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        param: str | None = None,
        doc_url: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.code = code
        self.param = param
        self.doc_url = doc_url
        self.request_id = request_id
        self.method = method
        self.path = path
        self.retry_after = retry_after
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.method} {self.path} -> " if self.method and self.path else ""
        parts = [f"{where}HTTP {self.status_code}"]
        if self.code:
            parts.append(self.code)
        text = f"{' '.join(parts)}: {self.message}"
        if self.param:
            text += f" (param: {self.param})"
        if self.retry_after is not None:
            text += f" (HeyGen asks to wait {self.retry_after:g}s)"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text


class BadRequestError(APIStatusError):
    """400: HeyGen rejected a parameter (``invalid_parameter``, with ``param``)."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, invalid or expired."""


class InsufficientCreditError(APIStatusError):
    """402: the wallet has no credits left for this job."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this resource or feature."""


class NotFoundError(APIStatusError):
    """404: no such resource (or it was deleted)."""


class ConflictError(APIStatusError):
    """409: e.g. ``request_in_progress``, an Idempotency-Key replay while the first request still runs."""


class PayloadTooLargeError(APIStatusError):
    """413: the body or uploaded file is too large."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's advised wait in seconds, if it sent one."""


class ConcurrencyLimitError(RateLimitError):
    """429 because the account already runs its maximum of concurrent jobs (10 on pay-as-you-go)."""


class ServerError(APIStatusError):
    """5xx: HeyGen or a gateway in front of it failed."""


class MalformedResponseError(APIStatusError):
    """A 2xx answer whose body is not the JSON envelope (a proxy page, a truncated body)."""

    @classmethod
    def of_answer(
        cls, message: str, *, method: str, path: str, code: str = "unexpected_response"
    ) -> MalformedResponseError:
        """A 200 answer that parsed but does not hold what ``method path`` returns."""
        return cls(message, status_code=200, code=code, method=method, path=path)


# --- connection branch -----------------------------------------------------------------------------


class HeyGenConnectionError(HeyGenError):
    """The request got no HTTP answer (DNS, refused or dropped connection, timeout).

    ``request_sent`` is False when the request surely never reached HeyGen (connect failures), so even a
    non-idempotent request may be retried.
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        self.request_sent = request_sent
        super().__init__(message)


class HeyGenTimeoutError(HeyGenConnectionError):
    """The request timed out, or the retry deadline passed before an answer."""


# --- domain errors (outside HTTP) ------------------------------------------------------------------


class InvalidRequestError(HeyGenError, ValueError):
    """A request broke a documented limit; raised before any HTTP call, so it cost nothing."""

    def __init__(self, problems: Sequence[str], *, model: str | None = None) -> None:
        self.problems = list(problems)
        self.model = model
        prefix = f"Invalid {model}: " if model else "Invalid HeyGen request: "
        super().__init__(prefix + "; ".join(self.problems))


class JobFailedError(HeyGenError):
    """A HeyGen job ended in a failed state; carries HeyGen's failure code and message."""

    def __init__(
        self,
        kind: str,
        job_id: str,
        *,
        status: str = "failed",
        failure_code: str | None = None,
        failure_message: str | None = None,
    ) -> None:
        self.kind = kind
        self.job_id = job_id
        self.status = status
        self.failure_code = failure_code
        self.failure_message = failure_message
        reason = ": ".join(p for p in (failure_code, failure_message) if p) or "no reason given"
        super().__init__(f"HeyGen {kind} {job_id} {status}: {reason}")


class JobTimeoutError(HeyGenError):
    """Jobs were still running when the wait's deadline passed (they may still finish and be billed)."""

    def __init__(self, kind: str, job_ids: Sequence[str], *, waited_seconds: float | None = None) -> None:
        self.kind = kind
        self.job_ids = list(job_ids)
        self.waited_seconds = waited_seconds
        waited = f" after {waited_seconds:.0f}s" if waited_seconds is not None else ""
        super().__init__(f"HeyGen {kind} job(s) {', '.join(self.job_ids)} not finished{waited}")


class CostGuardError(HeyGenError):
    """A cost guard (``max_credits``, ``min_remaining_credits``) refused a request; nothing was submitted."""


class BudgetExceededError(CostGuardError):
    """The credit estimate of a request (or its ceiling, ``upper_bound``) is above the task's ``max_credits``."""

    def __init__(
        self, estimate: float, max_credits: float, *, detail: str = "", upper_bound: bool = False, hint: str = ""
    ) -> None:
        self.estimate = estimate
        self.max_credits = max_credits
        self.upper_bound = upper_bound
        extra = f" ({detail})" if detail else ""
        what = f"Up to {estimate:.4g} credits (a ceiling)" if upper_bound else f"Estimated {estimate:.4g} credits"
        known = f". To estimate it closer, give {hint}; or allow_unknown_cost=True" if upper_bound and hint else ""
        super().__init__(f"{what} exceeds max_credits={max_credits:.4g}{extra}{known}; not submitted")


class UnknownCostError(CostGuardError):
    """A cost guard is set but the request's cost cannot be estimated, not even bounded, before rendering."""

    def __init__(self, limit: float, *, detail: str = "", hint: str = "", guard: str = "max_credits") -> None:
        self.limit = limit
        self.guard = guard
        extra = f" ({detail})" if detail else ""
        known = f"; give {hint} to make it known" if hint else ""
        super().__init__(
            f"The cost cannot be estimated before rendering{extra}, so {guard}={limit:.4g} cannot be checked"
            f"{known}, or set allow_unknown_cost=True to submit anyway; not submitted"
        )


class WalletFloorError(CostGuardError):
    """The job would take the account's remaining credits below the task's ``min_remaining_credits``."""

    def __init__(
        self, remaining: float | None, floor: float, *, estimate: float | None = None, detail: str = ""
    ) -> None:
        self.remaining = remaining
        self.floor = floor
        self.estimate = estimate
        if remaining is None:
            reason = f"the account's remaining credits cannot be read ({detail})"
        elif estimate is None:
            reason = f"{remaining:.4g} credits remain"
        else:
            reason = f"{remaining:.4g} credits remain and the job takes {estimate:.4g}"
        super().__init__(f"Below min_remaining_credits={floor:.4g}: {reason}; not submitted")


class InvalidTriggerEventError(HeyGenError):
    """A trigger event did not have the expected shape (a bug, or an event from another version)."""


class PollerStoppedError(HeyGenError):
    """The loop's status poller stopped on an unexpected error: its triggers end at once with an error event."""


class WebhookVerificationError(HeyGenError):
    """A webhook delivery failed a check: do not act on it (answer 400/401 and let HeyGen retry if it was real).

    ``check`` names the check: ``header`` (one missing or unreadable), ``signature``, ``timestamp`` (outside
    the tolerance), ``event_id`` (the header and the body disagree), ``replay`` (an event id already handled)
    or ``payload`` (a signed body that is not an event). The message never carries the secret or a signature.
    """

    def __init__(self, message: str, *, check: str, event_id: str | None = None) -> None:
        self.check = check
        self.event_id = event_id
        super().__init__(message)


# --- mapping ---------------------------------------------------------------------------------------

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: BadRequestError,
    429: RateLimitError,
}


def error_from_response(response: httpx.Response, *, retry_after: float | None = None) -> APIStatusError:
    """Build the typed error for a non-2xx response from its v3 envelope, or from its status alone."""
    code = message = param = doc_url = None
    try:
        envelope = response.json()
    except (ValueError, RecursionError):  # not JSON, or JSON nested deeper than Python's stack
        envelope = None
    if isinstance(envelope, dict) and isinstance(envelope.get("error"), dict):
        err = envelope["error"]
        # Whatever a broken gateway puts there (numbers, lists), the error keeps text.
        code, message = _text(err.get("code")), _text(err.get("message"))
        param, doc_url = _text(err.get("param")), _text(err.get("doc_url"))
    status = response.status_code
    message = message or response.reason_phrase or "HTTP error"
    cls: type[APIStatusError]
    if status == 429 and _is_concurrency_limit(code, message):
        cls = ConcurrencyLimitError
    elif status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, APIStatusError)
    return cls(
        str(message),
        status_code=status,
        code=code,
        param=param,
        doc_url=doc_url,
        request_id=response.headers.get("x-request-id"),
        method=response.request.method,
        path=response.request.url.path,
        retry_after=retry_after,
    )


def _text(value: Any) -> str | None:
    """A field of the error envelope as text (None and empty stay None)."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _is_concurrency_limit(code: str | None, message: str) -> bool:
    return code == "concurrency_limit_exceeded" or "concurren" in message.lower()
