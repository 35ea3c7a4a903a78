"""The fake's ASGI app: HeyGen's cross-cutting rules wrapped around the Starlette routes.

Order for every request (outermost first): log it; for ``/v3/`` paths check the API key (401) and the per-key
request rate (429); honour ``Idempotency-Key`` on writes (replay the first 2xx answer verbatim with
``Idempotent-Replayed: true`` for 24 h, 409 ``request_in_progress`` while the first is in flight); apply
an injected request fault; run the route; apply an ``after`` fault; call ``on_response`` for JSON answers.
A lifespan task ends jobs on time (so webhooks fire without anyone polling): it sleeps until the next job
deadline, never in a busy loop.

The middleware is plain ASGI and sits outside Starlette, so a ``drop`` fault can close uvicorn's socket
without any answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import math
import pkgutil
import re
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import routes as routes_package
from .errors import ApiError
from .faults import REQUEST_FAULT_KINDS, Fault
from .routes import error_response
from .state import REQUEST_ORIGIN, IdempotencyRecord, RecordedRequest, State

__all__ = ["OWN_ROUTE_MODULES", "ResponseHook", "create_app"]

logger = logging.getLogger(__name__)

ResponseHook = Callable[[str, str, int, Any], None]

#: Mounted first, in this order; any other module in ``routes/`` follows in name order.
OWN_ROUTE_MODULES = ("users", "videos", "video_agents", "translations", "lipsyncs", "files")
_SECRET_HEADERS = ("x-api-key", "authorization")
_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,255}")
IDEMPOTENCY_TTL = 24 * 3600.0
_RATE_WINDOW = 60.0
#: Faults that let the route answer and then damage its answer.
_SPOILING_KINDS = ("huge", "truncate", "expire")


def create_app(state: State, *, on_response: ResponseHook | None = None) -> ASGIApp:
    """The fake API serving ``state``; ``on_response(method, path, status, body)`` sees each JSON answer."""
    inner = Starlette(
        routes=collect_routes(state),
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=_completion_watcher(state),
    )
    return FakeApiMiddleware(inner, state, on_response)


def collect_routes(state: State) -> list[BaseRoute]:
    """``routes(state)`` of every module in ``routes/`` that exists: ours first, the rest by name."""
    found = {info.name for info in pkgutil.iter_modules(routes_package.__path__) if not info.name.startswith("_")}
    order = [name for name in OWN_ROUTE_MODULES if name in found] + sorted(found - set(OWN_ROUTE_MODULES))
    collected: list[BaseRoute] = []
    for name in order:
        module = importlib.import_module(f"{routes_package.__name__}.{name}")
        if hasattr(module, "routes"):
            collected.extend(module.routes(state))
    return collected


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return error_response(ApiError(405, "method_not_allowed", f"{request.method} is not allowed here"))
    return error_response(ApiError(exc.status_code, "not_found", f"no route for {request.url.path}"))


def _completion_watcher(state: State) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(changed.set)

        remove = state.add_waker(wake)
        task = asyncio.create_task(_watch(state, changed))
        try:
            yield
        finally:
            remove()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan


async def _watch(state: State, changed: asyncio.Event) -> None:
    while True:
        try:
            state.tick()
        except Exception:  # a listener failed: keep ending jobs for everyone else
            logger.exception("fake HeyGen: a job listener raised")
        deadline = state.next_deadline()
        timeout = None if deadline is None else state.clock.to_wall(deadline - state.now()) + 0.005
        if timeout is not None and math.isinf(timeout):
            timeout = None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout=timeout)
        changed.clear()


class _Answer:
    """A buffered response: status, headers, body."""

    def __init__(self, status: int = 500, headers: list[tuple[bytes, bytes]] | None = None, body: bytes = b"") -> None:
        self.status = status
        self.headers = headers or []
        self.body = body
        #: Send the headers and half the body, then close the connection (a ``truncate`` fault).
        self.cut = False

    def set_body(self, body: bytes) -> None:
        """Replace the body, and its ``Content-Length``."""
        self.body = body
        self.headers = [(key, value) for key, value in self.headers if key != b"content-length"]

    @classmethod
    def json(cls, status: int, body: Any, headers: dict[str, str] | None = None) -> _Answer:
        raw = json.dumps(body, separators=(",", ":")).encode()
        pairs = [(b"content-type", b"application/json")]
        pairs += [(key.lower().encode(), value.encode()) for key, value in (headers or {}).items()]
        return cls(status, pairs, raw)

    @classmethod
    def error(cls, error: ApiError) -> _Answer:
        return cls.json(error.status, error.body(), error.headers)

    def header(self, name: bytes) -> bytes | None:
        return next((value for key, value in self.headers if key == name), None)


class FakeApiMiddleware:
    """Auth, rate limit, idempotency, faults, request log and response hook around the routes."""

    def __init__(self, app: ASGIApp, state: State, on_response: ResponseHook | None = None) -> None:
        self.app = app
        self.state = state
        self.on_response = on_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        body = await _read_body(receive)
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        record = RecordedRequest(
            method=method,
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={key: value for key, value in headers.items() if key not in _SECRET_HEADERS},
            body=_json_or_none(body),
            at=self.state.now(),
        )
        with self.state.lock:
            self.state.requests.append(record)
        origin = REQUEST_ORIGIN.set((method, path))
        try:
            answer = await self._answer(scope, body, headers)
        finally:
            REQUEST_ORIGIN.reset(origin)
        if answer is None:
            await _drop(send)
            return
        record.status = answer.status
        await _send(send, answer)
        self._call_hook(method, path, answer)

    async def _answer(self, scope: Scope, body: bytes, headers: dict[str, str]) -> _Answer | None:
        """The answer to send, or None to drop the connection."""
        method, path = scope["method"], scope["path"]
        api = path.startswith("/v3/")
        try:
            if api:
                key = self._authenticate(headers)
                self._check_rate(key)
            idempotency = self._idempotency_slot(method, path, headers) if api else None
        except ApiError as error:
            return self._stamp(_Answer.error(error))
        if isinstance(idempotency, _Answer):
            return idempotency
        fault = self.state.faults.pick(method, path, REQUEST_FAULT_KINDS)
        answer: _Answer | None = None
        try:
            if fault is not None and not fault.after and fault.kind not in _SPOILING_KINDS:
                if fault.kind != "delay":
                    return _fault_answer(fault)
                await asyncio.sleep(fault.delay)
            answer = self._stamp(await _run(self.app, scope, body))
        finally:
            if idempotency is not None:
                self._settle(idempotency, answer)
        if fault is None:
            return answer
        if fault.kind in _SPOILING_KINDS:
            return self._spoil(fault, path, answer)
        return _fault_answer(fault) if fault.after else answer

    def _spoil(self, fault: Fault, path: str, answer: _Answer) -> _Answer:
        """The route's own answer, damaged by a ``huge``, ``truncate`` or ``expire`` fault."""
        if fault.kind == "huge":
            try:
                parsed = json.loads(answer.body)
            except ValueError:
                return answer
            if isinstance(parsed, dict):
                answer.set_body(json.dumps({**parsed, "padding": "x" * fault.size}).encode())
            return answer
        if fault.kind == "expire" and path.startswith("/files/"):
            self.state.expire_file(path.split("/")[2])
        answer.cut = True
        return answer

    def _stamp(self, answer: _Answer) -> _Answer:
        if answer.header(b"x-request-id") is None:
            answer.headers.append((b"x-request-id", f"req_{uuid.uuid4().hex[:20]}".encode()))
        return answer

    def _authenticate(self, headers: dict[str, str]) -> str:
        """The credential of an authorised request: the API key in ``x-api-key``, or a Bearer token (the OAuth
        token if the fake has one, else the key, as before OAuth was modelled)."""
        config = self.state.config
        scheme, _, bearer = headers.get("authorization", "").partition(" ")
        bearer = bearer.strip() if scheme.lower() == "bearer" else ""
        if headers.get("x-api-key"):
            credential, valid = headers["x-api-key"], headers["x-api-key"] == config.api_key
        else:
            expected = config.oauth_token if config.oauth_token is not None else config.api_key
            credential, valid = bearer, bool(bearer) and bearer == expected
        if not valid:
            raise ApiError(401, "unauthorized", "API key invalid, expired, or missing")
        return credential

    def _check_rate(self, key: str) -> None:
        limit = self.state.config.rate_limit
        if not limit:
            return
        now = self.state.now()
        with self.state.lock:
            window = self.state.request_times.setdefault(key, deque())
            while window and window[0] <= now - _RATE_WINDOW:
                window.popleft()
            if len(window) >= limit:
                wait = self.state.clock.to_wall(window[0] + _RATE_WINDOW - now)
                raise ApiError(
                    429,
                    "rate_limit_exceeded",
                    f"Rate limit exceeded: {limit} requests per minute",
                    headers={"Retry-After": str(max(1, math.ceil(min(wait, _RATE_WINDOW))))},
                )
            window.append(now)

    def _idempotency_slot(
        self, method: str, path: str, headers: dict[str, str]
    ) -> _Answer | tuple[str, str, str, str] | None:
        """None without a key; the stored answer to replay; else the key of a new in-flight record."""
        key = headers.get("idempotency-key")
        if key is None or method not in _WRITE_METHODS:
            return None
        if not _IDEMPOTENCY_KEY.fullmatch(key):
            raise ApiError(
                400,
                "invalid_parameter",
                "Idempotency-Key must be 1-255 characters of letters, digits, '_', '-', ':' or '.'",
                param="Idempotency-Key",
            )
        slot = (key, self.state.config.api_key, method, path)
        now = self.state.now()
        with self.state.lock:
            stored = self.state.idempotency.get(slot)
            if stored is not None and stored.created_at + IDEMPOTENCY_TTL > now:
                if stored.status is None:
                    raise ApiError(
                        409,
                        "request_in_progress",
                        "A request with this Idempotency-Key is still being processed",
                    )
                return _Answer(stored.status, [*stored.headers, (b"idempotent-replayed", b"true")], stored.body)
            self.state.idempotency[slot] = IdempotencyRecord(created_at=now)
        return slot

    def _settle(self, slot: Any, answer: _Answer | None) -> None:
        """Keep a 2xx answer for replay; forget the key otherwise, so a retry is processed afresh."""
        with self.state.lock:
            if answer is not None and 200 <= answer.status < 300:
                record = self.state.idempotency[slot]
                record.status, record.headers, record.body = answer.status, list(answer.headers), answer.body
            else:
                self.state.idempotency.pop(slot, None)

    def _call_hook(self, method: str, path: str, answer: _Answer) -> None:
        if self.on_response is None or not (answer.header(b"content-type") or b"").startswith(b"application/json"):
            return
        try:
            parsed = json.loads(answer.body)
        except ValueError:  # a malformed-JSON fault
            return
        try:
            self.on_response(method, path, answer.status, parsed)
        except Exception:
            logger.exception("fake HeyGen: the on_response hook raised")


def _fault_answer(fault: Fault) -> _Answer | None:
    if fault.kind == "drop":
        return None
    if fault.kind == "malformed":
        return _Answer(200, [(b"content-type", b"application/json")], b'{"data": {"id": "trunc')
    if fault.kind == "rate_limit":
        error = ApiError(
            429, "rate_limit_exceeded", "Rate limit exceeded", headers={"Retry-After": str(fault.retry_after)}
        )
        return _Answer.error(error)
    if fault.kind == "empty":
        return _Answer(200, [(b"content-type", b"application/json")], b"")
    if fault.kind == "html":
        page = f"<html><head><title>{fault.status} Error</title></head><body><h1>{fault.status}</h1></body></html>"
        return _Answer(fault.status, [(b"content-type", b"text/html; charset=utf-8")], page.encode())
    if fault.envelope:
        return _Answer.error(ApiError(fault.status, "internal_error", "Internal server error (injected by the fake)"))
    return _Answer(fault.status, [(b"content-type", b"text/plain; charset=utf-8")], b"upstream connect error")


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _run(app: ASGIApp, scope: Scope, body: bytes) -> _Answer:
    """Run the inner app with ``body`` and buffer its answer."""
    answer = _Answer()
    chunks: list[bytes] = []
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # like a client that keeps the connection open
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    answer.body = b"".join(chunks)
    return answer


async def _send(send: Send, answer: _Answer) -> None:
    headers = list(answer.headers)
    if all(key != b"content-length" for key, _ in headers):  # a HEAD answer keeps its own length
        headers.append((b"content-length", str(len(answer.body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    if answer.cut:
        await send({"type": "http.response.body", "body": answer.body[: len(answer.body) // 2], "more_body": True})
        await _drop(send)
        return
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


async def _drop(send: Send) -> None:
    """Close the client's socket without a byte of answer (uvicorn's ``send`` is bound to the connection)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("fake HeyGen: dropped connection (injected)")
    transport.close()
    for _ in range(2):  # let uvicorn see the connection as lost before the app returns
        await asyncio.sleep(0)


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
