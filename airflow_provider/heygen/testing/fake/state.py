"""Everything the fake knows: config, clock, jobs and their timelines, wallet, files, faults, request log.

Pure Python and thread-safe: the server's event loop and the test thread (``FakeHeyGen.jobs()``,
``advance()``) share one ``State``. Job status is never pushed by a background loop: it is computed from
the clock whenever a job is read (``tick()`` reads them all), so speeding up or advancing the clock moves
every job at once.

Job timeline rule: a job's run lasts ``job_seconds x output_seconds`` fake seconds, where ``output_seconds``
is the length of what it produces (each routes module documents how it computes that). The run is split
between the kind's non-terminal statuses by their shares, then the job ends ``completed`` (or ``failed``
under a ``job_failure`` fault; it never ends under ``job_stuck``). Credits are charged once, when a job
completes: ``output_seconds x price_per_second``.

Extension points for routes modules: ``register_kind``, ``create_job(s)``, ``get_job``, ``finish``,
``subscribe`` (called once per job reaching a terminal state), ``file_url``, ``charge``, ``new_id``,
``bucket`` (per-module data cleared by ``reset``).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import math
import random
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import ApiError, not_found
from .faults import JOB_FAULT_KINDS, FaultSet

__all__ = [
    "REQUEST_ORIGIN",
    "Clock",
    "FakeConfig",
    "FileContent",
    "Job",
    "JobKind",
    "NewJob",
    "RecordedRequest",
    "State",
]

FileContent = bytes | str | Callable[[], bytes | str]

#: ``(method, path)`` of the request being served (set by the app): job faults match the creating request.
REQUEST_ORIGIN: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "heygen_fake_request_origin", default=None
)

_FILES_PURGE_EVERY = 256


@dataclass
class FakeConfig:
    """Knobs of the fake; all can be changed while it runs (``FakeHeyGen`` exposes them as properties)."""

    api_key: str = "fake-heygen-api-key"
    #: An OAuth access token accepted as ``Authorization: Bearer``; when set, the key is accepted only as
    #: ``x-api-key`` and the token only as Bearer. None (default): the key is accepted in either header.
    oauth_token: str | None = None
    #: Fake seconds of processing per second of output (a real-time factor).
    job_seconds: float = 1.0
    #: Jobs of concurrent kinds allowed to run at once (HeyGen's pay-as-you-go plan: 10); None = no cap.
    concurrency_limit: int | None = 10
    #: Requests per minute (fake clock) per API key; None = no limit.
    rate_limit: int | None = None
    #: Fake seconds per wall second; 0 freezes the clock (only ``advance`` moves it).
    clock_speed: float = 1.0
    #: Seeds ids, faults and the URL signing key, so a seeded run repeats exactly.
    seed: int | None = None
    #: Wallet balance in credits at start and after ``reset``.
    wallet_credits: float = 1000.0
    #: Lifetime of presigned file URLs in fake seconds (v1 documented 7 days).
    url_ttl: float = 7 * 24 * 3600.0
    #: Length assumed for a source video or audio the fake has not produced itself.
    default_source_seconds: float = 60.0
    #: Whether the account has video batches (POST /v3/videos/batches); without, they answer 404.
    video_batches: bool = True


class Clock:
    """Fake wall time: real time scaled by ``speed`` plus whatever ``advance`` added."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError("clock speed must be >= 0")
        self._lock = threading.Lock()
        self._speed = speed
        self._anchor_real = time.monotonic()
        self._anchor_fake = time.time()

    def now(self) -> float:
        """Fake Unix time in seconds."""
        with self._lock:
            return self._anchor_fake + (time.monotonic() - self._anchor_real) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("clock speed must be >= 0")
        now = self.now()
        with self._lock:
            self._anchor_fake, self._anchor_real, self._speed = now, time.monotonic(), value

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` of fake time."""
        if seconds < 0:
            raise ValueError("the fake clock only moves forward")
        with self._lock:
            self._anchor_fake += seconds

    def to_wall(self, fake_seconds: float) -> float:
        """Wall seconds that ``fake_seconds`` of fake time take at the current speed (inf when frozen)."""
        return math.inf if self._speed == 0 else max(fake_seconds, 0.0) / self._speed


@dataclass(frozen=True)
class JobKind:
    """A kind of asynchronous job: its id prefix, status timeline, price and how the API shows it."""

    name: str
    id_prefix: str
    #: Non-terminal statuses in order, each with its share of the run: (("pending", .2), ("processing", .8)).
    phases: tuple[tuple[str, float], ...]
    success: str = "completed"
    failure: str = "failed"
    #: Default credits per second of output, charged on completion.
    price_per_second: float = 0.0
    #: Whether running jobs of this kind count toward the concurrency cap.
    concurrent: bool = True
    #: Status shown in the create answer, when it differs from the first phase (videos say "waiting").
    initial_status: str | None = None
    #: The API object for a job (GET answer), given the state and the job.
    render: Callable[[State, Job], dict[str, Any]] | None = None

    @property
    def terminal(self) -> tuple[str, str]:
        return (self.success, self.failure)


@dataclass(eq=False)
class Job:
    """One job; ``status`` uses the API vocabulary of its kind and is current as of the last read."""

    kind: str
    id: str
    created_at: float
    request: dict[str, Any]
    output_seconds: float
    duration: float
    price_per_second: float
    concurrent: bool
    status: str
    title: str | None = None
    callback_url: str | None = None
    callback_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: "success", "failure" (fails when its run ends) or "stuck" (never ends).
    outcome: str = "success"
    failure_code: str | None = None
    failure_message: str | None = None
    completed_at: float | None = None
    credits: float = 0.0
    deleted: bool = False
    #: This job's own status timeline, when it differs from its kind's (an agent's video follows the session).
    phases: tuple[tuple[str, float], ...] | None = None

    @property
    def ends_at(self) -> float:
        return self.created_at + self.duration

    @property
    def terminal(self) -> bool:
        return self.completed_at is not None

    @property
    def estimated_credits(self) -> float:
        return round(self.output_seconds * self.price_per_second, 4)


@dataclass
class NewJob:
    """What a route asks ``State.create_jobs`` to make."""

    kind: str
    request: dict[str, Any]
    output_seconds: float
    title: str | None = None
    callback_url: str | None = None
    callback_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    price_per_second: float | None = None
    concurrent: bool | None = None
    phases: tuple[tuple[str, float], ...] | None = None


@dataclass
class RecordedRequest:
    """A request the fake answered (``status`` is None when the connection was dropped); no API key inside."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int | None = None
    at: float = 0.0


@dataclass
class _StoredFile:
    name: str
    content: FileContent
    expires_at: int
    seconds: float | None


@dataclass
class IdempotencyRecord:
    """The first answer to an ``Idempotency-Key`` (``status`` None while that request is still in flight)."""

    created_at: float
    status: int | None = None
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


class State:
    """The fake's whole world; see the module docstring."""

    def __init__(self, config: FakeConfig | None = None) -> None:
        self.config = config or FakeConfig()
        self.clock = Clock(self.config.clock_speed)
        self.lock = threading.RLock()
        self.base_url = "http://127.0.0.1"
        self.faults = FaultSet(self.config.seed)
        self._kinds: dict[str, JobKind] = {}
        self._listeners: list[Callable[[Job], None]] = []
        self._wakers: list[Callable[[], None]] = []
        self._rng = random.Random(self.config.seed)
        self._signing_key = (
            hashlib.sha256(f"fake-signing-{self.config.seed}".encode()).digest()
            if self.config.seed is not None
            else secrets.token_bytes(32)
        )
        self._init_data()

    def _init_data(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._events: list[Job] = []
        self._files: dict[str, _StoredFile] = {}
        self._expired_files: set[str] = set()
        self._files_minted = 0
        self._media_seconds: dict[str, float] = {}
        self._buckets: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self.idempotency: dict[tuple[str, str, str, str], IdempotencyRecord] = {}
        self.request_times: dict[str, deque[float]] = {}
        self.wallet_balance = float(self.config.wallet_credits)
        self.credits_spent = 0.0

    # --- housekeeping -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget all jobs, files, requests, idempotency keys, faults and buckets; refill the wallet.

        Registered kinds, listeners and the config stay.
        """
        with self.lock:
            self._init_data()
            self.faults.clear()
        self.wake()

    def bucket(self, name: str) -> dict[str, Any]:
        """A dict owned by one routes module (webhook endpoints, assets...), emptied by ``reset``."""
        with self.lock:
            return self._buckets.setdefault(name, {})

    def new_id(self, prefix: str) -> str:
        """A fresh id such as ``v_3f9a0c1d2e4b5a69`` (deterministic under a seed)."""
        with self.lock:
            return f"{prefix}_{self._rng.getrandbits(64):016x}"

    def now(self) -> float:
        return self.clock.now()

    def subscribe(self, listener: Callable[[Job], None]) -> Callable[[], None]:
        """Call ``listener(job)`` once for each job that reaches a terminal state; returns an unsubscribe.

        It runs on whichever thread noticed the change (the server's event loop or a test calling
        ``advance``/``jobs``), outside the state lock: it must return quickly and hand slow work elsewhere.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def add_waker(self, waker: Callable[[], None]) -> Callable[[], None]:
        """Call ``waker()`` whenever the next job deadline may have moved; returns a remover."""
        self._wakers.append(waker)
        return lambda: self._wakers.remove(waker)

    def wake(self) -> None:
        """Tell the wakers (the app's completion watcher) that deadlines or the clock changed."""
        for waker in list(self._wakers):
            waker()

    # --- kinds and jobs -----------------------------------------------------------------------------

    def register_kind(self, kind: JobKind) -> JobKind:
        """Make a job kind known (registering the same name again replaces it)."""
        shares = sum(share for _, share in kind.phases)
        if not kind.phases or abs(shares - 1.0) > 1e-9:
            raise ValueError(f"phase shares of {kind.name!r} must add up to 1, got {shares}")
        with self.lock:
            self._kinds[kind.name] = kind
        return kind

    def kind(self, name: str) -> JobKind:
        return self._kinds[name]

    def create_job(self, kind: str, request: dict[str, Any], output_seconds: float, **fields: Any) -> Job:
        """Create one job (see ``create_jobs``)."""
        return self.create_jobs([NewJob(kind, request, output_seconds, **fields)])[0]

    def create_jobs(self, new_jobs: Sequence[NewJob]) -> list[Job]:
        """Create jobs all at once or not at all.

        Raises 429 ``rate_limit_exceeded`` (with ``Retry-After``) when the concurrent ones would pass the cap,
        and 402 ``insufficient_credit`` when the wallet is empty or cannot cover their estimated cost on top
        of the jobs still running. A ``job_failure``/``job_stuck`` fault aimed at the current request is drawn
        once per job.
        """
        origin = REQUEST_ORIGIN.get()
        with self.lock:
            now = self.now()
            self._refresh_all(now)
            kinds = [self._kinds[new.kind] for new in new_jobs]
            concurrent = [
                kind.concurrent if new.concurrent is None else new.concurrent
                for new, kind in zip(new_jobs, kinds, strict=True)
            ]
            prices = [
                kind.price_per_second if new.price_per_second is None else new.price_per_second
                for new, kind in zip(new_jobs, kinds, strict=True)
            ]
            self._check_concurrency(now, sum(concurrent))
            self._check_wallet(sum(new.output_seconds * price for new, price in zip(new_jobs, prices, strict=True)))
            created = []
            for new, kind, is_concurrent, price in zip(new_jobs, kinds, concurrent, prices, strict=True):
                job = Job(
                    kind=kind.name,
                    id=self.new_id(kind.id_prefix),
                    created_at=now,
                    request=new.request,
                    output_seconds=round(max(new.output_seconds, 0.0), 3),
                    duration=max(new.output_seconds, 0.0) * self.config.job_seconds,
                    price_per_second=price,
                    concurrent=is_concurrent,
                    status=(new.phases or kind.phases)[0][0],
                    title=new.title,
                    callback_url=new.callback_url,
                    callback_id=new.callback_id,
                    extra=dict(new.extra),
                    phases=new.phases,
                )
                self._draw_fault(job, origin)
                self._jobs[job.id] = job
                created.append(job)
        self.wake()
        return created

    def restart_job(self, job: Job, phases: tuple[tuple[str, float], ...] | None = None) -> None:
        """Run ``job`` again from now, through ``phases`` (else its kind's), as long as its first run (a Video Agent
        session's follow-up); a ``job_failure``/``job_stuck`` fault aimed at the current request hits the new run."""
        origin = REQUEST_ORIGIN.get()
        with self.lock:
            now = self.now()
            job.created_at, job.completed_at = now, None
            job.duration = job.output_seconds * self.config.job_seconds
            job.phases = phases
            job.status = (phases or self._kinds[job.kind].phases)[0][0]
            job.outcome, job.failure_code, job.failure_message = "success", None, None
            self._draw_fault(job, origin)
        self.wake()

    def _draw_fault(self, job: Job, origin: tuple[str, str] | None) -> None:
        """Give ``job`` the outcome of a job fault aimed at the request ``origin`` (method, path), if one is drawn."""
        fault = self.faults.pick(*origin, JOB_FAULT_KINDS) if origin else None
        if fault is not None:
            job.outcome = "failure" if fault.kind == "job_failure" else "stuck"
            if fault.kind == "job_failure":
                job.failure_code, job.failure_message = fault.failure_code, fault.failure_message

    def _check_concurrency(self, now: float, wanted: int) -> None:
        limit = self.config.concurrency_limit
        if not wanted or limit is None:
            return
        running = [job for job in self._jobs.values() if job.concurrent and not job.terminal and not job.deleted]
        if len(running) + wanted <= limit:
            return
        ends = [job.ends_at for job in running if job.outcome != "stuck"]
        wait = self.clock.to_wall(min(ends) - now) if ends else 60.0
        retry_after = max(1, math.ceil(min(wait, 3600.0)))
        raise ApiError(
            429,
            "rate_limit_exceeded",
            f"Too many concurrent jobs: {len(running)} running, {wanted} more requested, "
            f"your plan allows {limit} concurrent jobs. Retry after a running job finishes.",
            headers={"Retry-After": str(retry_after)},
        )

    def _check_wallet(self, estimate: float) -> None:
        reserved = sum(job.estimated_credits for job in self._jobs.values() if not job.terminal and not job.deleted)
        if self.wallet_balance <= 0 or (estimate > 0 and self.wallet_balance - reserved < estimate):
            raise ApiError(
                402,
                "insufficient_credit",
                f"Insufficient credit: balance {self.wallet_balance:.4f}, "
                f"{reserved:.4f} reserved by running jobs, this request needs about {estimate:.4f}.",
            )

    def get_job(self, kind: str | Iterable[str], job_id: str, what: str = "Job") -> Job:
        """The current job of one of ``kind`` with this id, or 404 ``not_found``."""
        kinds = {kind} if isinstance(kind, str) else set(kind)
        with self.lock:
            job = self._jobs.get(job_id)
            if job is None or job.deleted or job.kind not in kinds:
                raise not_found(what, job_id)
            self._refresh(job, self.now())
        self._dispatch()
        return job

    def find_job(self, job_id: str) -> Job | None:
        """The job with this id, whatever its kind (deleted ones too), refreshed; None if unknown."""
        with self.lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._refresh(job, self.now())
        self._dispatch()
        return job

    def jobs(self, kind: str | None = None, *, include_deleted: bool = False) -> list[Job]:
        """All jobs (of one kind), oldest first, refreshed."""
        self.tick()
        with self.lock:
            return [
                job
                for job in self._jobs.values()
                if (kind is None or job.kind == kind) and (include_deleted or not job.deleted)
            ]

    def delete_job(self, kind: str, job_id: str, what: str = "Job") -> Job:
        """Mark a job deleted (404 afterwards); a running one stops counting toward the cap."""
        job = self.get_job(kind, job_id, what)
        with self.lock:
            job.deleted = True
        self.wake()
        return job

    def finish(self, job: Job, *, failed: bool = False, code: str | None = None, message: str | None = None) -> None:
        """End a running job now (e.g. a stopped agent session); failed jobs are not charged."""
        with self.lock:
            if job.terminal:
                return
            job.outcome = "failure" if failed else "success"
            if failed:
                job.failure_code, job.failure_message = code, message
            self._terminate(job, self.now())
        self._dispatch()
        self.wake()

    def progress(self, job: Job) -> float:
        """How far along the run a job is, 0.0-1.0 (a stuck job stays below 1)."""
        if job.terminal:
            return 1.0
        if job.duration <= 0:
            return 0.99
        return min((self.now() - job.created_at) / job.duration, 0.99)

    def tick(self) -> None:
        """Bring every job up to the clock, firing listeners for those that just ended."""
        with self.lock:
            self._refresh_all(self.now())
        self._dispatch()

    def next_deadline(self) -> float | None:
        """Fake time at which the next running job ends (stuck jobs never do); None when nothing is due."""
        with self.lock:
            ends = [job.ends_at for job in self._jobs.values() if not job.terminal and job.outcome != "stuck"]
        return min(ends) if ends else None

    def render(self, job: Job) -> dict[str, Any]:
        """The API object for a job, as its GET endpoint answers."""
        renderer = self._kinds[job.kind].render
        if renderer is None:
            raise TypeError(f"job kind {job.kind!r} has no render function")
        return renderer(self, job)

    def _refresh_all(self, now: float) -> None:
        for job in self._jobs.values():
            self._refresh(job, now)

    def _refresh(self, job: Job, now: float) -> None:
        if job.terminal:
            return
        if job.outcome != "stuck" and now >= job.ends_at:
            self._terminate(job, job.ends_at)
            return
        fraction = self.progress(job)
        elapsed_share = 0.0
        for status, share in job.phases or self._kinds[job.kind].phases:
            elapsed_share += share
            job.status = status
            if fraction < elapsed_share:
                break

    def _terminate(self, job: Job, at: float) -> None:
        kind = self._kinds[job.kind]
        job.completed_at = at
        if job.outcome == "failure":
            job.status = kind.failure
        else:
            job.status = kind.success
            job.credits = job.estimated_credits
            self.charge(job.credits)
        self._events.append(job)

    def _dispatch(self) -> None:
        with self.lock:
            events, self._events = self._events, []
        for job in events:
            for listener in list(self._listeners):
                listener(job)

    # --- credits ------------------------------------------------------------------------------------

    def charge(self, credits: float) -> None:
        """Take credits from the wallet (jobs pay on completion; synchronous calls pay when answered)."""
        with self.lock:
            self.wallet_balance = round(self.wallet_balance - credits, 6)
            self.credits_spent = round(self.credits_spent + credits, 6)

    # --- files --------------------------------------------------------------------------------------

    def file_url(
        self, name: str, content: FileContent, *, ttl: float | None = None, seconds: float | None = None
    ) -> str:
        """Mint a fresh presigned-looking URL serving ``content`` (bytes, text, or a callable making them).

        Every call gives a new URL; each expires ``ttl`` fake seconds later (default ``config.url_ttl``) and
        then answers 403. ``seconds`` records the media length, so a later job that takes this URL as its
        source knows how long it is.
        """
        with self.lock:
            expires = int(self.now() + (self.config.url_ttl if ttl is None else ttl))
            token = f"{self._rng.getrandbits(96):024x}"
            self._files[token] = _StoredFile(name, content, expires, seconds)
            self._files_minted += 1
            if self._files_minted % _FILES_PURGE_EVERY == 0:
                now = self.now()
                self._files = {key: item for key, item in self._files.items() if item.expires_at > now}
        signature = self._sign(token, name, expires)
        query = f"Expires={expires}&Signature={signature}&Key-Pair-Id=FAKEKEY"
        return f"{self.base_url}/files/{token}/{quote(name)}?{query}"

    def _sign(self, token: str, name: str, expires: int) -> str:
        return hmac.new(self._signing_key, f"{token}/{name}:{expires}".encode(), hashlib.sha256).hexdigest()[:40]

    def open_file(self, token: str, name: str, expires: str, signature: str) -> tuple[str, bytes]:
        """The name and bytes behind a minted URL; 403 when the signature is wrong or the URL expired."""
        with self.lock:
            stored = self._files.get(token)
        if stored is None or stored.name != name:
            raise ApiError(404, "not_found", "The specified key does not exist.")
        if (
            not hmac.compare_digest(signature, self._sign(token, name, stored.expires_at))
            or str(stored.expires_at) != expires
        ):
            raise ApiError(403, "forbidden", "Signature does not match.")
        if self.now() >= stored.expires_at or token in self._expired_files:
            raise ApiError(403, "forbidden", "Request has expired.")
        content = stored.content() if callable(stored.content) else stored.content
        return stored.name, content.encode() if isinstance(content, str) else content

    def expire_file(self, token: str) -> None:
        """Make the URL minted as ``token`` answer 403 from now on, as if its signature had run out."""
        with self.lock:
            self._expired_files.add(token)

    def remember_media_seconds(self, key: str, seconds: float) -> None:
        """Record the length of a source the fake did not mint (an uploaded asset id, or any URL)."""
        with self.lock:
            self._media_seconds[key] = seconds

    def media_seconds(self, source: dict[str, Any] | str | None) -> float:
        """Length of a source (an AssetInput dict or a URL): ``known_media_seconds``, else
        ``config.default_source_seconds``."""
        known = self.known_media_seconds(source)
        return self.config.default_source_seconds if known is None else known

    def known_media_seconds(self, source: dict[str, Any] | str | None) -> float | None:
        """Length of a source the fake minted (``file_url(..., seconds=)``) or was told about
        (``remember_media_seconds``, keyed by URL or ``asset:<asset_id>``); None when unknown."""
        key = None
        if isinstance(source, str):
            key = source
        elif isinstance(source, dict):
            key = source.get("url") or (f"asset:{source['asset_id']}" if source.get("asset_id") else None)
        if not key:
            return None
        with self.lock:
            if key in self._media_seconds:
                return self._media_seconds[key]
            parts = urlsplit(key).path.split("/")
            stored = self._files.get(parts[2]) if len(parts) >= 3 and parts[1] == "files" else None
            return stored.seconds if stored is not None else None
