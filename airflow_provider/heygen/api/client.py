"""HTTP clients for HeyGen's v3 API: one request path, a sync and an async send loop.

``_BaseClient`` makes every decision that needs no I/O (URL and headers, the envelope, error mapping, the
retry decision); ``HeyGenClient`` and ``AsyncHeyGenClient`` only send and sleep. A client holds either an API
key, sent in the ``x-api-key`` header, or an OAuth access token, sent as ``Authorization: Bearer``; either goes
into that header of each request and nowhere else: not into logs, errors or ``repr``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import platform
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import tenacity

from airflow_provider.heygen import __version__

from .errors import HeyGenConnectionError, HeyGenTimeoutError, MalformedResponseError, error_from_response
from .jobs import JobStatus, job_kind, status_requests, statuses_from_responses
from .operations import HeyGenOperations
from .retries import RetryPolicy, parse_retry_after, retry_options

__all__ = ["AUTH_TYPES", "DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "AsyncHeyGenClient", "HeyGenClient", "Page"]

DEFAULT_BASE_URL = "https://api.heygen.com"
DEFAULT_TIMEOUT = 60.0
USER_AGENT = f"airflow-provider-heygen/{__version__} httpx/{httpx.__version__} python/{platform.python_version()}"
#: The characters HeyGen takes in an ``Idempotency-Key`` (a regex character class), and a whole key.
IDEMPOTENCY_KEY_CHARS = r"A-Za-z0-9_\-:."
IDEMPOTENCY_KEY_PATTERN = re.compile(rf"^[{IDEMPOTENCY_KEY_CHARS}]{{1,255}}$")
#: How a client authenticates: an API key (``x-api-key``, billed to the API wallet) or an OAuth access token
#: (``Authorization: Bearer``, billed to the user's web plan).
AUTH_TYPES = ("api_key", "oauth")
BASE_URL_RULE = (
    "an http:// or https:// URL (or a bare host, which gets https://) without credentials, query or fragment"
)

Page = dict[str, Any]


def _base_url(value: str | None) -> str:
    """The API root from ``value`` (default HeyGen's), without trailing slash; ``ValueError`` if it is not one."""
    url = value or DEFAULT_BASE_URL
    if "://" not in url:
        url = f"https://{url}"
    shown = re.sub(r"(?<=//)[^/?#]*@", "***@", url, count=1)  # never echo a password
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (parsing the port is what raises on a bad one)
    except ValueError as exc:
        raise ValueError(f"base_url {shown!r} is not a URL ({exc}); use {BASE_URL_RULE}") from None
    if parts.scheme not in ("http", "https"):
        problem = f"has scheme {parts.scheme!r}"
    elif "@" in parts.netloc:
        problem = "carries credentials"
    elif not parts.hostname:
        problem = "has no host"
    elif "?" in url or "#" in url:  # urlsplit drops an empty query or fragment, but it would still break paths
        problem = "has a query" if "?" in url else "has a fragment"
    else:
        return url.rstrip("/")
    raise ValueError(f"base_url {shown!r} {problem}; use {BASE_URL_RULE}")


class _BaseClient:
    """Settings and every I/O-free step of a call, shared by the sync and async clients."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        access_token: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if api_key and access_token:
            raise ValueError("Give a HeyGen API key or an OAuth access token, not both")
        if not (api_key or access_token):
            raise ValueError(
                "A HeyGen API key is required (the Airflow connection's password), or an OAuth access token"
            )
        if not timeout > 0:
            raise ValueError(f"timeout {timeout!r} must be > 0 seconds")
        #: ``api_key`` or ``oauth`` (see ``AUTH_TYPES``).
        self.auth_type = "api_key" if api_key else "oauth"
        self._auth_header = ("x-api-key", api_key) if api_key else ("authorization", f"Bearer {access_token}")
        self.base_url = _base_url(base_url)
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self.retry = retry or RetryPolicy()
        self._clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    @contextlib.contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Within the block, no call waits more than ``seconds`` in place between tries: a longer
        ``Retry-After`` raises its ``RateLimitError`` at once, for the caller to wait elsewhere."""
        policy = self.retry
        self.retry = dataclasses.replace(policy, max_wait=min(policy.max_wait, seconds))
        try:
            yield
        finally:
            self.retry = policy

    def _headers(self, idempotency_key: str | None) -> dict[str, str]:
        name, credential = self._auth_header
        headers = {name: credential, "user-agent": USER_AGENT, "accept": "application/json"}
        if idempotency_key is not None:
            if not IDEMPOTENCY_KEY_PATTERN.fullmatch(idempotency_key):
                raise ValueError(f"idempotency_key {idempotency_key!r} must be 1-255 characters of A-Z a-z 0-9 _ - : .")
            headers["idempotency-key"] = idempotency_key
        return headers

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    @staticmethod
    def _process_response(response: httpx.Response) -> dict[str, Any]:
        """The JSON envelope of a 2xx answer, or the typed error of anything else."""
        if not response.is_success:
            raise error_from_response(response, retry_after=parse_retry_after(response.headers))
        if response.status_code == 204:
            return {}
        try:
            body = response.json() if response.content else None
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python parses
            body = None
        if not isinstance(body, dict):
            raise MalformedResponseError(
                "response body is not a JSON object" if response.content else "response body is empty",
                status_code=response.status_code,
                code="malformed_response",
                request_id=response.headers.get("x-request-id"),
                method=response.request.method,
                path=response.request.url.path,
            )
        if body.get("error"):  # some gateways answer 200 with an error envelope
            raise error_from_response(response)
        return body

    @staticmethod
    def _connection_error(method: str, path: str, exc: httpx.TransportError) -> HeyGenConnectionError:
        never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
        cls = HeyGenTimeoutError if isinstance(exc, httpx.TimeoutException) else HeyGenConnectionError
        return cls(f"{method} {path}: {type(exc).__name__}: {exc}", request_sent=not never_sent)

    def _retry_options(self, method: str, path: str, idempotency_key: str | None) -> dict[str, Any]:
        """The retry loop of one call (``retries.retry_options``), for the sync or the async tenacity loop."""
        return retry_options(
            self.retry,
            method=method,
            label=f"HeyGen {method} {path}",
            has_idempotency_key=idempotency_key is not None,
            clock=self._clock,
        )

    @staticmethod
    def _page_items(page: Page, path: str) -> list[Any]:
        """The items of one page of a list; a ``MalformedResponseError`` unless ``data`` is a list (or absent)."""
        items = page.get("data") or []
        if not isinstance(items, list):
            raise MalformedResponseError.of_answer(
                f"page data is {type(items).__name__}, not a list", method="GET", path=path, code="malformed_response"
            )
        return items

    @staticmethod
    def _next_page_params(page: Page, params: dict[str, Any], path: str = "") -> dict[str, Any] | None:
        """Query parameters of the page after ``page``, or None at the end of the list; a token that repeats the
        one just sent would loop forever, so it is a ``MalformedResponseError``."""
        token = page.get("next_token")
        if not page.get("has_more") or not token:
            return None
        if token == params.get("token"):
            raise MalformedResponseError.of_answer(
                f"next_token {str(token)[:40]!r} repeats the token just sent",
                method="GET",
                path=path,
                code="malformed_response",
            )
        return {**params, "token": token}


class HeyGenClient(_BaseClient, HeyGenOperations):
    """Synchronous HeyGen v3 client with retries, typed errors, pagination and the typed operations.

    Give it an ``api_key`` or an OAuth ``access_token``, not both. Use it as a context manager, or call
    ``close()``, to release its connections.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        access_token: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            api_key, access_token=access_token, base_url=base_url, timeout=timeout, retry=retry, clock=clock
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout)
        self._sleep = sleep

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send one API call with retries and return its JSON envelope; raise a typed error otherwise."""
        method = method.upper()
        headers = self._headers(idempotency_key)

        def send_once() -> dict[str, Any]:
            request = self._http.build_request(
                method, self._url(path), json=json, params=params, files=files, headers=headers
            )
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                raise self._connection_error(method, path, exc) from exc
            return self._process_response(response)

        retrying = tenacity.Retrying(sleep=self._sleep, **self._retry_options(method, path, idempotency_key))
        return retrying(send_once)

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Yield every item of a cursor-paginated list (``limit`` + ``token`` <- ``next_token``)."""
        query: dict[str, Any] | None = dict(params or {})
        while query is not None:
            page = self.request("GET", path, params=query)
            yield from self._page_items(page, path)
            query = self._next_page_params(page, query, path)

    def close(self) -> None:
        """Close the HTTP client if this client created it (one passed in belongs to its owner)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> HeyGenClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


#: URLs with a query an ``AsyncHeyGenClient`` keeps built (a poller's rounds ask the same ones again).
_URL_CACHE_SIZE = 512


class AsyncHeyGenClient(_BaseClient):
    """Asynchronous HeyGen v3 client for triggers: the same request path, never blocking the event loop.

    Several clients may share one ``httpx.AsyncClient`` (building one costs ~15 ms of CPU and ~700 KB)
    and one ``asyncio.Semaphore`` that bounds requests in flight to the pool size, so that a queue of
    waiting requests never forms inside httpx's pool.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        access_token: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        in_flight: asyncio.Semaphore | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            api_key, access_token=access_token, base_url=base_url, timeout=timeout, retry=retry, clock=clock
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout)
        self._in_flight = in_flight
        self._sleep = sleep
        self._urls: dict[tuple[str, tuple[tuple[str, Any], ...]], httpx.URL] = {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Send one API call with retries and return its JSON envelope; raise a typed error otherwise."""
        method = method.upper()
        headers = self._headers(idempotency_key)

        url = self._query_url(path, params)

        async def send_once() -> dict[str, Any]:
            request = self._http.build_request(method, url, json=json, headers=headers)
            try:
                if self._in_flight is None:
                    response = await self._http.send(request)
                else:
                    async with self._in_flight:
                        response = await self._http.send(request)
            except httpx.TransportError as exc:
                raise self._connection_error(method, path, exc) from exc
            return self._process_response(response)

        retrying = tenacity.AsyncRetrying(sleep=self._sleep, **self._retry_options(method, path, idempotency_key))
        return await retrying(send_once)

    def _query_url(self, path: str, params: Mapping[str, Any] | None) -> httpx.URL:
        """The URL of ``path`` with ``params``, built once: a poller asks for the same ids round after round, and
        httpx encodes a query character by character (2 ms for 100 ids)."""
        key = (path, tuple(sorted((params or {}).items())))
        try:
            url = self._urls.get(key)
        except TypeError:  # a list value (repeated parameter): not kept
            return httpx.URL(self._url(path), params=params)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            url = self._urls[key] = httpx.URL(self._url(path), params=params)
        return url

    async def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> AsyncIterator[dict[str, Any]]:
        """Yield every item of a cursor-paginated list (``limit`` + ``token`` <- ``next_token``)."""
        query: dict[str, Any] | None = dict(params or {})
        while query is not None:
            page = await self.request("GET", path, params=query)
            for item in self._page_items(page, path):
                yield item
            query = self._next_page_params(page, query, path)

    async def get_job_statuses(
        self, kind: str, job_ids: Sequence[str], *, previous: Mapping[str, JobStatus] | None = None
    ) -> dict[str, JobStatus]:
        """The status of many jobs of one kind: bulk where HeyGen can, else concurrent GETs (bounded).

        A status in ``previous`` whose answer has not changed is returned as it is, not built again.
        """
        spec, ids = job_kind(kind), list(job_ids)
        calls = [
            asyncio.ensure_future(self.request("GET", path, params=query)) for path, query in status_requests(spec, ids)
        ]
        try:
            answers = await asyncio.gather(*calls)
        except BaseException:  # one failed or we were cancelled: stop the others, which nobody would read
            for call in calls:
                call.cancel()
            await asyncio.gather(*calls, return_exceptions=True)
            raise
        return statuses_from_responses(spec, ids, answers, previous)

    async def cancel_job(self, kind: str, job_id: str) -> None:
        """Stop a job where HeyGen can (Video Agent sessions); a no-op for other kinds."""
        if path := job_kind(kind).cancel_url_path(job_id):
            await self.request("POST", path, json={}, idempotency_key=f"cancel-{job_id}")

    async def aclose(self) -> None:
        """Close the HTTP client if this client created it (a shared one belongs to its owner)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncHeyGenClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
