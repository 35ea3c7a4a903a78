"""HeyGenHook: the Airflow adapter from a ``heygen`` connection to HeyGen clients.

The connection's password is the API key, or an OAuth access token when its ``auth_type`` extra is ``oauth``
(sent as ``Authorization: Bearer``; the default ``api_key`` sends ``x-api-key``); its host is the base URL
(default ``https://api.heygen.com``, or the fake's URL in tests). Extras tune the client: ``timeout`` (seconds
per request), ``max_retries`` and
``max_retry_wait`` (the longest wait retried in place; a longer ``Retry-After`` raises at once); ``prices``
(a JSON object of credit rates, e.g. ``{"avatar_iv": 0.08}``) overrides HeyGen's public price table where a
contract differs, and is checked whenever the hook reads the connection. HTTP, models
and retries live in ``airflow_provider.heygen.api``; the hook only builds clients and offers the typed
operations on top.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

import httpx

from airflow_provider.heygen._compat import BaseHook, aget_connection, amask_secret, mask_secret
from airflow_provider.heygen.api.client import (
    AUTH_TYPES,
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    AsyncHeyGenClient,
    HeyGenClient,
)
from airflow_provider.heygen.api.credits import PriceTable
from airflow_provider.heygen.api.errors import HeyGenError, RateLimitError
from airflow_provider.heygen.api.jobs import JobStatus, check_poll_interval, describe_changes, jittered
from airflow_provider.heygen.api.operations import HeyGenOperations
from airflow_provider.heygen.api.retries import RetryPolicy

__all__ = ["HeyGenHook"]


class HeyGenHook(BaseHook, HeyGenOperations):
    """Interact with HeyGen's v3 API through a ``heygen`` Airflow connection.

    :param heygen_conn_id: the connection holding the API key or OAuth access token (password, and the
        ``auth_type`` extra) and optionally the base URL (host).
    :param timeout: seconds per HTTP request; overrides the connection's ``timeout`` extra.
    :param retry: the retry policy; by default built from the connection's ``max_retries`` and
        ``max_retry_wait`` extras.
    :param retry_deadline: seconds one call may spend retrying, at most (e.g. so that a deferrable operator
        defers on a busy account instead of holding its worker through long ``Retry-After`` waits).
    """

    conn_name_attr = "heygen_conn_id"
    default_conn_name = "heygen_default"
    conn_type = "heygen"
    hook_name = "HeyGen"

    def __init__(
        self,
        heygen_conn_id: str = default_conn_name,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        retry_deadline: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.heygen_conn_id = heygen_conn_id
        self.timeout = timeout
        self.retry = retry
        self.retry_deadline = retry_deadline

    # --- clients ---------------------------------------------------------------------------------------

    @cached_property
    def _connection(self) -> Any:
        """The connection, looked up once for the client and the prices."""
        return self.get_connection(self.heygen_conn_id)

    @cached_property
    def client(self) -> HeyGenClient:
        """The synchronous client, built once from the connection."""
        settings = self._client_settings(self._connection)
        mask_secret(self._credential(settings))  # before the client exists: nothing it logs can show it
        return HeyGenClient(**settings)

    @cached_property
    def prices(self) -> PriceTable:
        """The credit rates of this account: HeyGen's public table with the connection's ``prices`` overrides."""
        return self._prices_of(self._connection)

    def _prices_of(self, connection: Any) -> PriceTable:
        try:
            return PriceTable.from_extra((connection.extra_dejson or {}).get("prices"))
        except ValueError as exc:
            raise ValueError(f"Connection {self.heygen_conn_id!r} has a bad prices extra: {exc}") from None

    def get_conn(self) -> HeyGenClient:
        return self.client

    async def get_async_conn(
        self, *, http_client: httpx.AsyncClient | None = None, in_flight: Any = None
    ) -> AsyncHeyGenClient:
        """An async client; the connection is looked up without blocking the event loop.

        Pass a shared ``http_client`` (and ``in_flight`` semaphore) to avoid a new connection pool per call.
        """
        settings = self._client_settings(await aget_connection(self.heygen_conn_id))
        await amask_secret(self._credential(settings))  # async: no blocking send to a supervisor from the loop
        return AsyncHeyGenClient(**settings, http_client=http_client, in_flight=in_flight)

    @staticmethod
    def _credential(settings: Mapping[str, Any]) -> str:
        """The API key or access token of client settings (whichever the connection holds)."""
        return str(settings.get("api_key") or settings.get("access_token"))

    def _client_settings(self, connection: Any) -> dict[str, Any]:
        """Client keyword arguments from a connection: key or token, base URL, timeout and retry policy."""
        extra = connection.extra_dejson or {}
        auth_type = str(extra.get("auth_type") or "api_key").strip().lower()
        if auth_type not in AUTH_TYPES:
            raise ValueError(
                f"Connection {self.heygen_conn_id!r} has auth_type {str(auth_type)[:40]!r}: use "
                f"{AUTH_TYPES[0]!r} (the default) or {AUTH_TYPES[1]!r}"
            )
        if not connection.password:
            what = "API key" if auth_type == "api_key" else "OAuth access token"
            raise ValueError(f"Connection {self.heygen_conn_id!r} has no {what}: put the HeyGen {what} in its password")
        self._prices_of(connection)  # a contract's rates are checked before anything is sent
        retry = self.retry
        if retry is None:
            defaults = RetryPolicy()
            retry = RetryPolicy(
                max_attempts=int(extra.get("max_retries", defaults.max_attempts - 1)) + 1,
                max_wait=float(extra.get("max_retry_wait", defaults.max_wait)),
            )
        if self.retry_deadline is not None:
            retry = dataclasses.replace(retry, deadline=self.retry_deadline)
        return {
            "api_key" if auth_type == "api_key" else "access_token": connection.password,
            "base_url": self.base_url_of(connection),
            "timeout": float(self.timeout or extra.get("timeout") or DEFAULT_TIMEOUT),
            "retry": retry,
        }

    @staticmethod
    def base_url_of(connection: Any) -> str:
        """The API base URL of a connection: its host (a URL, or a name with schema/port), else HeyGen's."""
        host = (connection.host or "").strip().rstrip("/")
        if not host:
            return DEFAULT_BASE_URL
        if "://" in host:
            return host
        scheme = connection.schema or "https"
        port = f":{connection.port}" if connection.port else ""
        return f"{scheme}://{host}{port}"

    # --- escape hatches and typed operations (HeyGenOperations) ---------------------------------------

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
        """Call any HeyGen endpoint (``/v3/...``) with auth, retries and typed errors; return the envelope."""
        return self.client.request(method, path, json=json, params=params, idempotency_key=idempotency_key, files=files)

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Iterate every item of any cursor-paginated HeyGen list."""
        return self.client.paginate(path, params)

    def wait_for_jobs(
        self,
        kind: str,
        job_ids: Sequence[str],
        *,
        poll_interval: float,
        deadline: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> dict[str, JobStatus]:
        """Poll until every job is terminal or ``deadline`` (epoch seconds) passes; return the last statuses.

        Logs one line per state change, not one per poll. Used by operators that wait in the worker. A 429 whose
        ``Retry-After`` fits before the deadline is waited out; a longer one is raised (it names the wait).
        """
        check_poll_interval(poll_interval)
        started = time.monotonic()
        seen: dict[str, JobStatus] = {}
        while True:
            try:
                statuses = self.get_job_statuses(kind, job_ids)
            except RateLimitError as exc:
                wait = exc.retry_after if exc.retry_after is not None else poll_interval
                if wait > deadline - time.time():
                    raise
                self.log.info("HeyGen asks to wait %.0fs before polling again: %s", wait, exc)
                sleep(wait)
                continue
            for line in describe_changes(seen, statuses, time.monotonic() - started):
                self.log.info("%s", line)
            seen = statuses
            remaining = deadline - time.time()
            if all(status.state.is_terminal for status in statuses.values()) or remaining <= 0:
                return statuses
            sleep(min(jittered(poll_interval), remaining))

    def test_connection(self) -> tuple[bool, str]:
        """Check the key (or token) with ``GET /v3/users/me``, which is not billed."""
        try:
            user = self.get_current_user()
        except (HeyGenError, ValueError, httpx.HTTPError) as exc:
            return False, f"HeyGen connection failed: {exc}"
        who = user.username or user.email or "unknown user"
        return True, f"Connected to HeyGen as {who} (billing: {user.billing_type or 'unknown'})"

    # --- connection form -------------------------------------------------------------------------------

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Relabel and hide the connection form's fields (read by Airflow 2.x; 3.2+ reads provider info)."""
        from airflow_provider.heygen.provider_info import UI_FIELD_BEHAVIOUR

        return {
            "hidden_fields": UI_FIELD_BEHAVIOUR["hidden-fields"],
            "relabeling": UI_FIELD_BEHAVIOUR["relabeling"],
            "placeholders": UI_FIELD_BEHAVIOUR["placeholders"],
        }

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra form fields for Airflow 2.x's connection form (3.2+ reads ``conn-fields`` instead)."""
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import IntegerField, StringField
        from wtforms.validators import AnyOf, NumberRange, Optional

        # Airflow 2 forms support only string, integer, password and boolean fields: seconds go as strings.
        return {
            "timeout": StringField(lazy_gettext("Request timeout (s)"), widget=BS3TextFieldWidget()),
            "max_retries": IntegerField(
                lazy_gettext("Max retries"), widget=BS3TextFieldWidget(), validators=[Optional(), NumberRange(0)]
            ),
            "max_retry_wait": StringField(lazy_gettext("Max wait between retries (s)"), widget=BS3TextFieldWidget()),
            "prices": StringField(lazy_gettext("Credit prices (JSON)"), widget=BS3TextFieldWidget()),
            "auth_type": StringField(
                lazy_gettext("Auth type (api_key or oauth)"),
                widget=BS3TextFieldWidget(),
                validators=[Optional(), AnyOf(AUTH_TYPES)],
            ),
        }
