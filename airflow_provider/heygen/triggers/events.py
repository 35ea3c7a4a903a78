"""HeyGenEventTrigger: turn each new event in HeyGen's event history into an Airflow event (an AssetWatcher).

How Airflow 3 runs it (read in 3.3's triggerer, ``models/trigger.py`` and ``dag_processing/collection.py``):

* an ``AssetWatcher``'s trigger is one row per (classpath, kwargs) (``BaseEventTrigger.hash``): the kwargs
  must not change between parses, so they hold the starting point and the filters only (``since``, never
  a moving cursor), and no key;
* ``run()`` is not restarted after an event: one run yields event after event for as long as the asset is
  watched, and each ``TriggerEvent`` becomes an asset event with ``extra={"from_trigger": True, "payload":
  <the HeyGen event>}``. A run that ends is started again with the same kwargs (a triggerer restart, a move
  to another triggerer, a crash), so the cursor cannot live in memory alone;
* from 3.3 the triggerer hands an event trigger its asset's state store (``asset_state_store``), kept in the
  metadata database: the trigger saves its cursor there after each event and reads it back on start. With
  no store (Airflow 3.0-3.2, or one trigger watching several assets) the cursor lives in memory only, and a
  restart begins again from ``since`` (docs/howto/events.md spells out what that repeats or skips).

Reading: one request per event type (HeyGen's filter takes one type), each paged newest first (100 a page)
up to the cursor of ``api/events.py``; the new events of all types are yielded oldest first, one
``TriggerEvent`` each, the cursor saved after each. A watcher usually follows a type or two, so a filtered
read per type costs a request or two per poll, where an unfiltered read would page through every event of
the account. Errors never leave ``run()`` (a watcher that stops watches nothing): the client retries what
it can, a 429 that asks for a long wait is waited out, anything else is retried with a doubling backoff,
each failure logged once; a poll that finds nothing logs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from datetime import datetime, timezone
from typing import Any, cast

from airflow.triggers.base import TriggerEvent

from airflow_provider.heygen._compat import BaseEventTrigger
from airflow_provider.heygen.api.client import AsyncHeyGenClient
from airflow_provider.heygen.api.errors import RateLimitError
from airflow_provider.heygen.api.events import (
    HISTORY_PAGE_LIMIT,
    HistoryCursor,
    check_event_types,
    check_since,
    parse_time,
)
from airflow_provider.heygen.api.jobs import check_poll_interval

__all__ = ["DEFAULT_EVENT_POLL_INTERVAL", "MAX_BACKOFF", "HeyGenEventTrigger"]

#: Seconds between two readings of the history by default.
DEFAULT_EVENT_POLL_INTERVAL = 30.0
#: The longest wait between two tries after errors, in seconds.
MAX_BACKOFF = 600.0
_HISTORY_PATH = "/v3/webhooks/events"
_NO_TIME = datetime(1, 1, 1, tzinfo=timezone.utc)  # where an event without a readable time sorts


class HeyGenEventTrigger(BaseEventTrigger):
    """Yield one event per new HeyGen event of ``event_types``: use it in an ``AssetWatcher`` (Airflow 3).

    Each event's payload is the HeyGen event: ``event_id``, ``event_type``, ``event_data`` (e.g. ``video_id``
    and ``url`` for ``avatar_video.success``) and ``created_at``. Events recorded by HeyGen are those sent to
    at least one registered webhook endpoint (``HeyGenHook.create_webhook_endpoint``), whatever made the job:
    an API call, this provider or HeyGen's web app.

    :param event_types: one or more of HeyGen's event types (``api/events.py`` ``EVENT_TYPES``).
    :param since: ``"now"`` (default: only events recorded after the first reading) or an aware moment (an
        ISO string or a ``datetime``): every event from then on, including older ones on the first reading.
    :param conn_id: the ``heygen`` connection id.
    :param poll_interval: seconds between readings of the history.

    On Airflow 2 the class imports, but nothing can run it as a watcher (``AssetWatcher`` is Airflow 3's).
    """

    def __init__(
        self,
        event_types: str | Iterable[str],
        since: str | datetime = "now",
        conn_id: str = "heygen_default",
        poll_interval: float = DEFAULT_EVENT_POLL_INTERVAL,
    ) -> None:
        super().__init__()
        self.event_types = check_event_types(event_types)
        self.since = check_since(since)
        self.conn_id = conn_id
        self.poll_interval = check_poll_interval(poll_interval)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "event_types": self.event_types,
                "since": self.since,
                "conn_id": self.conn_id,
                "poll_interval": self.poll_interval,
            },
        )

    @property
    def state_key(self) -> str:
        """The asset state store key of this trigger's cursor (two watchers of one asset keep two cursors)."""
        digest = hashlib.sha256(json.dumps(self.serialize()[1], sort_keys=True).encode()).hexdigest()[:16]
        return f"heygen_event_cursor_{digest}"

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Yield the new events of every poll, forever; nothing is raised out of here."""
        client: AsyncHeyGenClient | None = None
        cursors: dict[str, HistoryCursor] | None = None
        failures = 0
        try:
            while True:
                try:
                    client = client or await self._client()
                    if cursors is None:
                        cursors = await self._start(client)
                    news = await self._read(client, cursors)
                except Exception as exc:  # a watcher that stops watches nothing: wait, then read again
                    failures += 1
                    delay = self._backoff(exc, failures)
                    self.log.warning(
                        "Reading HeyGen's event history failed (%d in a row), next try in %.0f s: %s: %s",
                        failures,
                        delay,
                        type(exc).__name__,
                        exc,
                    )
                    await asyncio.sleep(delay)
                    continue
                failures = 0
                for event_type, item in news:
                    yield TriggerEvent(_payload(item))
                    cursors[event_type] = cursors[event_type].after(item)
                    await self._save(cursors)
                await asyncio.sleep(self.poll_interval)
        finally:
            if client is not None:
                await client.aclose()

    async def _client(self) -> AsyncHeyGenClient:
        from airflow_provider.heygen.hooks.heygen import HeyGenHook

        return await HeyGenHook(self.conn_id).get_async_conn()

    async def _start(self, client: AsyncHeyGenClient) -> dict[str, HistoryCursor]:
        """Each type's cursor: the one saved by an earlier run, else where ``since`` says to start."""
        floor = None if self.since == "now" else self.since
        saved = await self._load()
        cursors: dict[str, HistoryCursor] = {}
        for event_type in self.event_types:
            cursor = HistoryCursor.from_json(saved.get(event_type), floor)
            if cursor is None and floor is None:
                page = await client.request("GET", _HISTORY_PATH, params={"event_type": event_type, "limit": 20})
                cursor = HistoryCursor.seeded(_items(page))
            cursors[event_type] = cursor or HistoryCursor(floor=floor)
        return cursors

    async def _read(
        self, client: AsyncHeyGenClient, cursors: dict[str, HistoryCursor]
    ) -> list[tuple[str, dict[str, Any]]]:
        """The new events of every type, oldest first (by ``created_at``, then as HeyGen listed them)."""
        news: list[tuple[str, dict[str, Any]]] = []
        for event_type in self.event_types:
            cursor = cursors[event_type]
            fresh: list[dict[str, Any]] = []
            params = {"event_type": event_type, "limit": HISTORY_PAGE_LIMIT}
            pages = cast("AsyncGenerator[dict[str, Any], None]", client.paginate(_HISTORY_PATH, params))
            async with contextlib.aclosing(pages) as items:
                async for item in items:
                    if item.get("event_type") != event_type or not item.get("event_id"):
                        continue
                    if cursor.is_past_new(item):
                        break
                    fresh.append(item)
            news.extend((event_type, item) for item in reversed(fresh))
        return sorted(news, key=lambda pair: parse_time(pair[1].get("created_at")) or _NO_TIME)  # a stable sort

    def _backoff(self, error: Exception, failures: int) -> float:
        """Seconds until the next try: a 429's ``Retry-After`` (never less than an interval), else doubling."""
        if isinstance(error, RateLimitError) and error.retry_after:
            return max(error.retry_after, self.poll_interval)
        return min(self.poll_interval * 2 ** (failures - 1), max(MAX_BACKOFF, self.poll_interval))

    def _store(self) -> Any:
        """The asset state store the triggerer handed over (Airflow 3.3+), or None."""
        return getattr(self, "asset_state_store", None)

    async def _load(self) -> dict[str, Any]:
        store = self._store()
        if store is None:
            return {}
        try:
            saved = await store.aget(self.state_key)
        except ValueError:  # one trigger, several assets: the store has no single place for the cursor
            self.log.warning("HeyGen event cursor kept in memory only: the trigger watches several assets")
            self.asset_state_store = None
            return {}
        return saved if isinstance(saved, dict) else {}

    async def _save(self, cursors: dict[str, HistoryCursor]) -> None:
        store = self._store()
        if store is None:
            return
        try:
            await store.aset(self.state_key, {t: cursor.to_json() for t, cursor in cursors.items()})
        except Exception as exc:  # the next event saves it again; a restart meanwhile repeats an event
            self.log.warning("Could not save the HeyGen event cursor: %s: %s", type(exc).__name__, exc)


def _items(page: Any) -> list[dict[str, Any]]:
    items = page.get("data") if isinstance(page, dict) else None
    return [item for item in items or [] if isinstance(item, dict) and item.get("event_id")]


def _payload(item: dict[str, Any]) -> dict[str, Any]:
    """The event as an asset event's ``extra["payload"]``: HeyGen's four fields, nothing else."""
    return {
        "event_id": str(item["event_id"]),
        "event_type": item.get("event_type"),
        "event_data": item.get("event_data") or {},
        "created_at": item.get("created_at"),
    }
