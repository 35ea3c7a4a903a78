"""Verify a HeyGen webhook delivery before acting on it: signature, timestamp, event id and replays.

HeyGen signs each POST to a registered endpoint (per-job ``callback_url`` posts are not signed): the
``Heygen-Signature`` header is the lowercase hex HMAC-SHA256 of the raw body keyed with the endpoint's whole
``whsec_...`` secret, ``Heygen-Timestamp`` is Unix seconds and ``Heygen-Event-Id`` names the event. The
timestamp is not part of the signed bytes, so a captured delivery replayed with a fresh timestamp passes the
tolerance check: only the event id (signed inside the body) catches it, which is why ``SeenEvents`` remembers
ids for a day, not for the tolerance window. HeyGen has not published this scheme verbatim; the names are a
``WebhookHeaders`` value so a receiver can follow a change without a release.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from .errors import WebhookVerificationError
from .models.webhook import WebhookEvent

__all__ = [
    "DEFAULT_REPLAY_TTL",
    "DEFAULT_TOLERANCE",
    "EventStore",
    "SeenEvents",
    "WebhookHeaders",
    "sign",
    "verify_delivery",
]

#: Seconds a delivery's ``Heygen-Timestamp`` may be away from the receiver's clock, either way.
DEFAULT_TOLERANCE = 300.0
#: Seconds ``SeenEvents`` remembers an event id: HeyGen is reported to retry a delivery for up to 24 h.
DEFAULT_REPLAY_TTL = 24 * 3600.0
#: Event ids ``SeenEvents`` keeps at most (the oldest are forgotten first).
DEFAULT_MAX_EVENTS = 100_000


@dataclass(frozen=True)
class WebhookHeaders:
    """Names of the headers of a signed delivery (matched case-insensitively).

    ``legacy_signature`` is read only when ``signature`` is absent: receivers of older HeyGen deliveries check
    a ``Signature`` header carrying the same HMAC. Accepting it widens nothing, since it must still be the HMAC
    of these bytes under this secret; set it to None to insist on the v3 name.
    """

    signature: str = "Heygen-Signature"
    timestamp: str = "Heygen-Timestamp"
    event_id: str = "Heygen-Event-Id"
    legacy_signature: str | None = "Signature"


class EventStore(Protocol):
    """Where handled event ids are remembered (``SeenEvents`` in memory; back it with a DB or Redis to share it
    between receivers, e.g. Redis ``SET id 1 NX EX 86400`` is ``add``)."""

    def add(self, event_id: str) -> bool:
        """Remember ``event_id``; False if it was already remembered (a replay). Must be atomic."""
        ...

    def discard(self, event_id: str) -> None:
        """Forget ``event_id`` (its handling failed, so HeyGen's retry of it must be accepted)."""
        ...


class SeenEvents:
    """A bounded, thread-safe in-memory ``EventStore``: each id is kept ``ttl`` seconds, at most ``max_events``
    ids (the oldest go first). It lives in one process: several receivers need a shared store."""

    def __init__(
        self,
        ttl: float = DEFAULT_REPLAY_TTL,
        *,
        max_events: int = DEFAULT_MAX_EVENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not ttl > 0 or max_events < 1:
            raise ValueError(f"ttl {ttl!r} must be > 0 seconds and max_events {max_events!r} >= 1")
        self.ttl = ttl
        self.max_events = max_events
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, event_id: str) -> bool:
        """Remember ``event_id`` for ``ttl`` seconds; False if it is already remembered."""
        now = self._clock()
        with self._lock:
            while self._expiry and next(iter(self._expiry.values())) <= now:
                self._expiry.popitem(last=False)  # insertion order is expiry order: one ttl for all
            if event_id in self._expiry:
                return False
            if len(self._expiry) >= self.max_events:
                self._expiry.popitem(last=False)
            self._expiry[event_id] = now + self.ttl
            return True

    def discard(self, event_id: str) -> None:
        """Forget ``event_id`` if it is remembered."""
        with self._lock:
            self._expiry.pop(event_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)

    def __repr__(self) -> str:
        return f"SeenEvents(ttl={self.ttl:g}, max_events={self.max_events}, remembered={len(self)})"


def sign(secret: str, body: bytes) -> str:
    """The signature HeyGen puts on ``body``: lowercase hex HMAC-SHA256 keyed with the whole secret string."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_delivery(
    body: bytes,
    headers: Mapping[str, str],
    secret: str | Sequence[str],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: Callable[[], float] = time.time,
    seen: EventStore | None = None,
    names: WebhookHeaders | None = None,
) -> WebhookEvent:
    """Check a delivery and return its event; raise ``WebhookVerificationError`` naming the failed check.

    ``body`` is the raw request body, exactly as received (parsing and re-encoding it would change the bytes
    signed). ``secret`` is the endpoint's secret, or several (the new and the old) while you rotate it. The
    checks run in this order: the headers are present, the signature matches (compared in constant time), the
    timestamp is within ``tolerance`` seconds of ``now()``, the body is an event whose ``event_id`` is the
    header's, and, with ``seen``, the event id is new. Only a delivery that passes all is remembered in
    ``seen``: if handling it then fails, ``seen.discard(event.event_id)`` so that HeyGen's retry is accepted.
    """
    if not isinstance(body, bytes | bytearray):
        raise TypeError(f"body must be the raw request bytes, not {type(body).__name__}: re-encoding changes them")
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets or not all(secrets):
        raise ValueError("a webhook endpoint secret is required (HeyGen shows it when the endpoint is created)")
    names = names or WebhookHeaders()
    lowered = {key.lower(): value for key, value in headers.items()}

    def header(name: str | None) -> str | None:
        value = lowered.get(name.lower()) if name else None
        return value.strip() if value is not None and value.strip() else None

    signature = header(names.signature) or header(names.legacy_signature)
    timestamp = header(names.timestamp)
    header_id = header(names.event_id)
    if signature is None or timestamp is None:
        missing = [name for name, value in ((names.signature, signature), (names.timestamp, timestamp)) if not value]
        raise WebhookVerificationError(
            f"Webhook delivery has no {' and no '.join(missing)} header: not signed by HeyGen (per-job "
            "callback_url posts are never signed)",
            check="header",
            event_id=header_id,
        )
    if not any(hmac.compare_digest(signature.lower().encode(), sign(key, bytes(body)).encode()) for key in secrets):
        raise WebhookVerificationError(
            f"Webhook delivery's {names.signature} does not match its body under the endpoint secret: the body "
            "was changed, or it was signed with another (or a rotated) secret",
            check="signature",
            event_id=header_id,
        )
    _check_timestamp(timestamp, names.timestamp, tolerance, now(), header_id)
    event = _event(body, header_id, names.event_id)
    if seen is not None and not seen.add(event.event_id):
        raise WebhookVerificationError(
            f"Webhook event {event.event_id} was already handled: a replay (or HeyGen's retry of a delivery "
            "you accepted)",
            check="replay",
            event_id=event.event_id,
        )
    return event


def _check_timestamp(value: str, name: str, tolerance: float, now: float, event_id: str | None) -> None:
    try:
        sent = int(value)
    except ValueError:
        raise WebhookVerificationError(
            f"Webhook delivery's {name} {value[:20]!r} is not Unix seconds", check="header", event_id=event_id
        ) from None
    skew = now - sent
    if abs(skew) > tolerance:
        side = f"{skew:.0f}s in the past" if skew > 0 else f"{-skew:.0f}s in the future"
        raise WebhookVerificationError(
            f"Webhook delivery's {name} {sent} is {side}, outside the {tolerance:g}s tolerance (the receiver's "
            f"clock reads {now:.0f}): a stale replay, or a clock out of sync",
            check="timestamp",
            event_id=event_id,
        )


def _event(body: bytes, header_id: str | None, header_name: str) -> WebhookEvent:
    """The event of a signed body; its ``event_id`` must be the header's when both are there."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, RecursionError):
        payload = None
    if not isinstance(payload, dict):
        raise WebhookVerificationError(
            "Webhook delivery's body is not a JSON object", check="payload", event_id=header_id
        )
    body_id = payload.get("event_id")
    if body_id is not None and header_id is not None and body_id != header_id:
        raise WebhookVerificationError(
            f"Webhook delivery's {header_name} {header_id[:80]!r} is not its body's event_id {str(body_id)[:80]!r}",
            check="event_id",
            event_id=header_id,
        )
    event_id = body_id if body_id is not None else header_id
    if not event_id:
        raise WebhookVerificationError(
            f"Webhook delivery has no event id (no {header_name} header, no event_id in its body)",
            check="header",
        )
    try:
        return WebhookEvent.model_validate({**payload, "event_id": event_id})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise WebhookVerificationError(
            f"Webhook delivery's body is not an event ({problems})", check="payload", event_id=str(event_id)
        ) from None
