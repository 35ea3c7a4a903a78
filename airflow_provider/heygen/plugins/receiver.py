"""The webhook receiver: an api-server app that turns HeyGen's signed deliveries into asset events (Airflow 3).

``POST <url_prefix>/events/{asset_name}`` takes one delivery for one asset, in this order: the asset exists,
is active and opted in (``feeds.Feed``; else 404, before any secret is read), the body is at most
``MAX_BODY`` bytes (413), the delivery passes ``verify_delivery`` with its connection's ``webhook_secret``
(401 for ``header``/``signature``/``timestamp``, 400 for ``event_id``/``payload``, the check named in the
answer; 500 when the secret is not configured), its event id is new for this asset (a replay is acknowledged
with 200 and dropped, as HeyGen retries a delivery whose answer it missed), and its type is one the asset
takes (200, dropped). Then one asset event is written, ``extra={"from_webhook": True, "payload": <the HeyGen
event>}`` with the payload ``HeyGenEventTrigger`` yields, so a DAG reads either source alike; it answers 200
once the event is committed, and 500 (the event id forgotten, so HeyGen's retry gets through) if that fails.

Replays are remembered per process (``SeenEvents``): api-server workers each keep their own, so pass a shared
``EventStore`` to ``create_app`` when several serve the receiver. The secret is read from the connection on
every delivery (a rotated secret applies at once) and never logged nor answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from airflow_provider.heygen.api.errors import WebhookVerificationError
from airflow_provider.heygen.api.models import WebhookEvent
from airflow_provider.heygen.api.webhooks import DEFAULT_TOLERANCE, EventStore, SeenEvents, verify_delivery
from airflow_provider.heygen.plugins.feeds import EXTRA_KEY, SECRET_EXTRA, Feed

__all__ = ["MAX_BODY", "ReceiverRefusal", "create_app", "event_extra"]

log = logging.getLogger(__name__)

#: The largest delivery body read, in bytes (HeyGen's events are a few hundred).
MAX_BODY = 1 << 20
_CHECK_STATUS = {"header": 401, "signature": 401, "timestamp": 401, "event_id": 400, "payload": 400}


class ReceiverRefusal(Exception):
    """A delivery the receiver does not turn into an asset event: the HTTP status and why (never a secret)."""

    def __init__(self, status: int, check: str, detail: str) -> None:
        self.status = status
        self.check = check
        self.detail = detail
        super().__init__(f"{check}: {detail}")


class _PerAsset:
    """An ``EventStore`` view that remembers ids per asset: one HeyGen event may feed several assets."""

    def __init__(self, store: EventStore, asset_name: str) -> None:
        self._store = store
        self._prefix = f"{asset_name}\x00"

    def add(self, event_id: str) -> bool:
        return self._store.add(self._prefix + event_id)

    def discard(self, event_id: str) -> None:
        self._store.discard(self._prefix + event_id)


def event_extra(event: WebhookEvent) -> dict[str, Any]:
    """The asset event's ``extra``: the HeyGen event as ``HeyGenEventTrigger`` hands it on, marked as pushed."""
    payload = {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "event_data": event.event_data or {},
        "created_at": event.created_at,
    }
    return {"from_webhook": True, "payload": payload}


def create_app(
    seen: EventStore | None = None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: Callable[[], float] | None = None,
) -> FastAPI:
    """The receiver's app (mounted by ``HeyGenWebhookPlugin``); ``seen`` shared between workers, if several."""
    store = seen if seen is not None else SeenEvents()
    options: dict[str, Any] = {"tolerance": tolerance} | ({"now": now} if now is not None else {})
    app = FastAPI(title="HeyGen webhook receiver", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/events/{asset_name:path}")
    async def receive(asset_name: str, request: Request) -> JSONResponse:
        """Turn one signed delivery for ``asset_name`` into one asset event."""
        try:
            body = await _read_body(request)
            answer = await run_in_threadpool(_handle, asset_name, body, dict(request.headers), store, options)
        except ReceiverRefusal as refusal:
            return JSONResponse({"status": "refused", "check": refusal.check, "detail": refusal.detail}, refusal.status)
        return JSONResponse(answer)

    return app


async def _read_body(request: Request) -> bytes:
    """The raw body (what was signed), refused past ``MAX_BODY`` without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ReceiverRefusal(413, "size", f"the body is over {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ReceiverRefusal(413, "size", f"the body is over {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _handle(
    asset_name: str, body: bytes, headers: Mapping[str, str], store: EventStore, options: dict[str, Any]
) -> dict[str, Any]:
    """Verify, filter and record one delivery (in a worker thread: the database calls block)."""
    feed, uri = _feed(asset_name)
    seen = _PerAsset(store, asset_name)
    try:
        event = verify_delivery(body, headers, _secrets(feed.conn_id), seen=seen, **options)
    except WebhookVerificationError as exc:
        if exc.check == "replay":
            log.info("HeyGen event %s for asset %r already handled: acknowledged, dropped", exc.event_id, asset_name)
            return {"status": "duplicate", "event_id": exc.event_id}
        log.warning("Refused a HeyGen delivery for asset %r (check %s): %s", asset_name, exc.check, exc)
        raise ReceiverRefusal(_CHECK_STATUS.get(exc.check, 400), exc.check, str(exc)) from None
    if not feed.takes(event.event_type):
        log.info(
            "HeyGen event %s (%s) is not a type asset %r takes: dropped", event.event_id, event.event_type, asset_name
        )
        return {"status": "ignored", "event_id": event.event_id, "event_type": event.event_type}
    try:
        asset_event_id = _record(asset_name, uri, event_extra(event))
    except Exception:
        seen.discard(event.event_id)  # not recorded: HeyGen's retry must get through
        log.exception("Could not record HeyGen event %s on asset %r", event.event_id, asset_name)
        raise ReceiverRefusal(500, "record", "the asset event could not be written; retry later") from None
    log.info(
        "HeyGen event %s (%s) -> asset event %s on %r", event.event_id, event.event_type, asset_event_id, asset_name
    )
    return {"status": "created", "event_id": event.event_id, "asset_event_id": asset_event_id}


def _feed(asset_name: str) -> tuple[Feed, str]:
    """The feed and uri of the active asset named ``asset_name`` if it opted in; 404 for any other name."""
    extra, uri = _active_asset(asset_name)
    try:
        feed = Feed.from_extra(extra)
    except ValueError as exc:
        log.error("Asset %r has a bad %s extra: %s", asset_name, EXTRA_KEY, exc)
        raise ReceiverRefusal(500, "asset", f"the asset's {EXTRA_KEY} extra is malformed: {exc}") from None
    if feed is None:
        raise ReceiverRefusal(404, "asset", f"no active asset named {asset_name[:200]!r} takes HeyGen webhooks")
    return feed, uri


def _active_asset(asset_name: str) -> tuple[Any, str]:
    """The ``extra`` and uri of the active asset of that name (asset names are unique among active ones)."""
    from airflow.models.asset import AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    with create_session() as session:
        models = session.scalars(
            select(AssetModel).where(AssetModel.name == asset_name).options(joinedload(AssetModel.active))
        ).all()
        active = [(model.extra, model.uri) for model in models if model.active is not None]
        return active[0] if active else (None, "")


def _secrets(conn_id: str) -> str | Sequence[str]:
    """The endpoint secret(s) in the connection's ``webhook_secret`` extra: one, or a list while rotating."""
    from airflow.models.connection import Connection

    try:
        value = (Connection.get_connection_from_secrets(conn_id).extra_dejson or {}).get(SECRET_EXTRA)
    except Exception as exc:  # a missing connection, a secrets backend down: not the sender's fault
        log.error("HeyGen webhook receiver cannot read connection %r: %s", conn_id, type(exc).__name__)
        raise ReceiverRefusal(500, "secret", f"connection {conn_id!r} cannot be read") from None
    secrets = [value] if isinstance(value, str) else value
    if not isinstance(secrets, list) or not secrets or not all(isinstance(s, str) and s for s in secrets):
        log.error("HeyGen webhook receiver: connection %r has no %s extra (a whsec_ string)", conn_id, SECRET_EXTRA)
        raise ReceiverRefusal(500, "secret", f"connection {conn_id!r} has no {SECRET_EXTRA} extra")
    return secrets


def _record(asset_name: str, uri: str, extra: dict[str, Any]) -> int:
    """Write one asset event (and queue the DAGs scheduled on the asset), as a watcher's event is written."""
    from airflow.assets.manager import asset_manager
    from airflow.models.asset import AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        model = session.scalars(select(AssetModel).where(AssetModel.name == asset_name, AssetModel.uri == uri)).first()
        if model is None:
            raise LookupError(f"asset {asset_name!r} is gone")
        asset_event = asset_manager.register_asset_change(asset=model.to_serialized(), extra=extra, session=session)
        if asset_event is None:
            raise LookupError(f"asset {asset_name!r} is gone")
        session.flush()
        return int(asset_event.id)
