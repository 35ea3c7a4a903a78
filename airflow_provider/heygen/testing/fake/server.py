"""``FakeHeyGen``: the fake HeyGen v3 API on a local port, with a surface for tests to inspect and steer."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import quote

import uvicorn

from .app import ResponseHook, create_app
from .faults import Fault, parse_fault
from .state import FakeConfig, Job, RecordedRequest, State

__all__ = ["FakeHeyGen"]


class FakeHeyGen:
    """Run the fake HeyGen API on ``host`` (a free port unless ``port`` is given) in a background thread.

    Use it as a context manager (or call ``start()``/``stop()``)::

        with FakeHeyGen(clock_speed=60.0) as fake:
            os.environ["AIRFLOW_CONN_HEYGEN_DEFAULT"] = fake.airflow_conn_env()
            ...
            assert fake.credits_spent == 3.0

    ``job_seconds`` is fake processing time per second of output; ``clock_speed`` is fake seconds per wall
    second (0 freezes time, then only ``advance`` moves it). ``on_response(method, path, status, body)``
    is called for every JSON answer. See ``fake/state.py`` for the job timeline rule and ``fake/faults.py``
    for what ``inject`` can do.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = "fake-heygen-api-key",
        oauth_token: str | None = None,
        job_seconds: float = 1.0,
        clock_speed: float = 1.0,
        concurrency_limit: int | None = 10,
        rate_limit: int | None = None,
        wallet_credits: float = 1000.0,
        url_ttl: float = 7 * 24 * 3600.0,
        default_source_seconds: float = 60.0,
        video_batches: bool = True,
        seed: int | None = None,
        public_host: str | None = None,
        on_response: ResponseHook | None = None,
    ) -> None:
        self.state = State(
            FakeConfig(
                api_key=api_key,
                oauth_token=oauth_token,
                job_seconds=job_seconds,
                concurrency_limit=concurrency_limit,
                rate_limit=rate_limit,
                clock_speed=clock_speed,
                seed=seed,
                wallet_credits=wallet_credits,
                url_ttl=url_ttl,
                default_source_seconds=default_source_seconds,
                video_batches=video_batches,
            )
        )
        self._host = host
        self._port = port
        self._public_host = public_host
        self._on_response = on_response
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> FakeHeyGen:
        """Bind the port, start serving, and return once requests are accepted."""
        if self._server is not None:
            raise RuntimeError("FakeHeyGen is already running")
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        port = sock.getsockname()[1]
        host = self._public_host or ("127.0.0.1" if self._host in ("0.0.0.0", "::", "") else self._host)
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        self.state.base_url = self.url
        config = uvicorn.Config(
            create_app(self.state, on_response=self._on_response),
            http="h11",
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="fake-heygen", daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                sock.close()
                raise RuntimeError("the fake HeyGen server failed to start")
            thread.join(0.01)
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and wait for the server thread."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> FakeHeyGen:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- connection -----------------------------------------------------------------------------------

    @property
    def api_key(self) -> str:
        return self.state.config.api_key

    def airflow_conn_uri(self, conn_type: str = "heygen") -> str:
        """The Airflow connection as a URI (``heygen://:KEY@127.0.0.1:PORT``; the host carries no scheme)."""
        return f"{conn_type}://:{quote(self.api_key, safe='')}@{self.url.removeprefix('http://')}"

    @property
    def oauth_token(self) -> str | None:
        """The OAuth access token accepted as ``Authorization: Bearer`` (None: the key is accepted there)."""
        return self.state.config.oauth_token

    def airflow_conn_env(self, *, oauth: bool = False) -> str:
        """The value for ``AIRFLOW_CONN_HEYGEN_DEFAULT``: JSON, the key as password and the URL as host (with
        ``oauth``, the OAuth token as password and ``auth_type: oauth``)."""
        if not oauth:
            return json.dumps({"conn_type": "heygen", "password": self.api_key, "host": self.url})
        if self.oauth_token is None:
            raise ValueError("this fake has no OAuth token: start it with oauth_token=...")
        extra = {"auth_type": "oauth"}
        return json.dumps({"conn_type": "heygen", "password": self.oauth_token, "host": self.url, "extra": extra})

    # --- inspection -----------------------------------------------------------------------------------

    def jobs(self, kind: str | None = None) -> list[Job]:
        """Jobs created so far, oldest first, with current status; ``kind`` is ``video``, ``video_agent``,
        ``video_translation``, ``lipsync``, ``proofread`` or one the other routes register."""
        return self.state.jobs(kind)

    def job(self, job_id: str) -> Job:
        job = self.state.find_job(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests answered so far (method, path, query, headers without the key, JSON body, status)."""
        with self.state.lock:
            return list(self.state.requests)

    def requests_to(self, method: str, path: str | re.Pattern[str]) -> list[RecordedRequest]:
        """Requests with this method whose path equals ``path`` (or fully matches a compiled pattern)."""

        def hit(item: RecordedRequest) -> bool:
            matched = path.fullmatch(item.path) if isinstance(path, re.Pattern) else item.path == path
            return item.method == method.upper() and bool(matched)

        return [item for item in self.requests if hit(item)]

    def snapshot(self) -> dict[str, Any]:
        """Jobs and request counts (by status, POSTs by path) as plain JSON: what a test sees of a fake running
        in another process (``heygen-fake-api --state-file``)."""
        self.state.tick()
        requests = self.requests
        statuses = Counter(str(item.status) for item in requests)
        posts = Counter(item.path for item in requests if item.method == "POST")
        refused_creates = sum(1 for item in requests if item.method == "POST" and item.status == 429)
        return {
            "at": self.state.now(),
            "jobs": [
                {
                    "id": job.id,
                    "kind": job.kind,
                    "title": job.title,
                    "status": job.status,
                    "created_at": job.created_at,
                    "completed_at": job.completed_at,
                }
                for job in self.jobs()
            ],
            "requests": {
                "total": sum(statuses.values()),
                "by_status": dict(statuses),
                "refused_creates": refused_creates,
                "posts": dict(posts),
            },
            "credits_spent": self.credits_spent,
        }

    @property
    def credits_spent(self) -> float:
        return self.state.credits_spent

    @property
    def wallet_balance(self) -> float:
        return self.state.wallet_balance

    @wallet_balance.setter
    def wallet_balance(self, credits: float) -> None:
        with self.state.lock:
            self.state.wallet_balance = float(credits)

    # --- control --------------------------------------------------------------------------------------

    def inject(
        self,
        kind: str,
        path: str | re.Pattern[str] = "*",
        *,
        method: str = "*",
        rate: float = 1.0,
        **options: Any,
    ) -> Fault:
        """Put a fault in force and return it (``fault.hits`` counts its effects); see ``fake/faults.py``.

        ``options``: ``status``, ``envelope``, ``delay``, ``retry_after``, ``failure_code``,
        ``failure_message``, ``times`` (at most that many hits), ``after``, ``seed``.
        """
        return self.state.faults.add(Fault(kind=kind, path=path, method=method, rate=rate, **options))

    def inject_spec(self, spec: str) -> Fault:
        """Put in force a fault written as on the CLI, e.g. ``"POST /v3/videos:500:0.5"``."""
        return self.state.faults.add(parse_fault(spec))

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def advance(self, seconds: float) -> None:
        """Move the fake clock forward and bring every job up to it (listeners fire now)."""
        self.state.clock.advance(seconds)
        self.state.tick()
        self.state.wake()

    @property
    def clock_speed(self) -> float:
        return self.state.clock.speed

    @clock_speed.setter
    def clock_speed(self, speed: float) -> None:
        self.state.clock.speed = speed
        self.state.wake()

    @property
    def concurrency_limit(self) -> int | None:
        return self.state.config.concurrency_limit

    @concurrency_limit.setter
    def concurrency_limit(self, limit: int | None) -> None:
        self.state.config.concurrency_limit = limit

    @property
    def rate_limit(self) -> int | None:
        """Requests per minute per key (fake clock); None turns the limit off."""
        return self.state.config.rate_limit

    @rate_limit.setter
    def rate_limit(self, per_minute: int | None) -> None:
        self.state.config.rate_limit = per_minute

    @property
    def job_seconds(self) -> float:
        return self.state.config.job_seconds

    @job_seconds.setter
    def job_seconds(self, seconds: float) -> None:
        self.state.config.job_seconds = seconds

    @property
    def video_batches(self) -> bool:
        """Whether the account has video batches; False makes ``/v3/videos/batches`` answer 404."""
        return self.state.config.video_batches

    @video_batches.setter
    def video_batches(self, enabled: bool) -> None:
        self.state.config.video_batches = enabled

    def subscribe(self, listener: Callable[[Job], None]) -> Callable[[], None]:
        """Call ``listener(job)`` once per job reaching a terminal state; returns an unsubscribe."""
        return self.state.subscribe(listener)

    def reset(self) -> None:
        """Forget jobs, requests, files, idempotency keys and faults; refill the wallet (config stays)."""
        self.state.reset()
