"""Webhook deliveries: signed POSTs to registered endpoints, unsigned POSTs to per-job callback URLs.

HeyGen's signature scheme is not in its official text; the fake follows what independent receivers agree on
(lowercase hex HMAC-SHA256 of the raw body keyed with the whole ``whsec_...`` secret, the timestamp not
signed). Header names are a :class:`DeliveryHeaders` value so they can change when the scheme is confirmed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0


@dataclass(frozen=True)
class DeliveryHeaders:
    """Names of the headers sent with a signed delivery."""

    signature: str = "Heygen-Signature"
    timestamp: str = "Heygen-Timestamp"
    event_id: str = "Heygen-Event-Id"


def sign(secret: str, body: bytes) -> str:
    """Return the lowercase hex HMAC-SHA256 of ``body`` keyed with the full secret string."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    """One POST the fake makes (or tried to make); kept on the state for tests to inspect."""

    event_id: str
    event_type: str
    url: str
    body: bytes
    headers: dict[str, str]
    endpoint_id: str | None = None
    """The registered endpoint, or None for a per-job ``callback_url`` post."""
    status_code: int | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def signed(self) -> bool:
        return self.endpoint_id is not None

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


def encode_payload(payload: dict[str, Any]) -> bytes:
    """Serialise a payload once, so the signed bytes are exactly the bytes sent."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def build_delivery(
    payload: dict[str, Any],
    url: str,
    *,
    secret: str | None = None,
    endpoint_id: str | None = None,
    names: DeliveryHeaders | None = None,
) -> Delivery:
    """Prepare a POST of ``payload``; signed when ``secret`` is given (registered endpoints only).

    The timestamp header is wall-clock time, not the fake clock: receivers compare it with their own clock.
    """
    names = names or DeliveryHeaders()
    body = encode_payload(payload)
    headers = {"Content-Type": "application/json", "User-Agent": "heygen-fake-webhooks"}
    if secret is not None:
        headers[names.signature] = sign(secret, body)
        headers[names.timestamp] = str(int(time.time()))
        headers[names.event_id] = payload["event_id"]
    return Delivery(
        event_id=payload["event_id"],
        event_type=payload["event_type"],
        url=url,
        body=body,
        headers=headers,
        endpoint_id=endpoint_id,
    )


class DeliveryWorker:
    """Send deliveries from one daemon thread, in order, so a slow receiver never holds up a request.

    Each delivery is attempted once with a short timeout; the outcome (status code or error) is written on
    the :class:`Delivery` and its ``done`` event set. The fake does not retry. The thread starts on the first
    delivery and ends after a few idle seconds, so an idle fake holds no thread.
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, idle_seconds: float = 5.0) -> None:
        self.timeout = timeout
        self._idle_seconds = idle_seconds
        self._queue: queue.Queue[Delivery] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, delivery: Delivery) -> None:
        with self._lock:
            self._queue.put(delivery)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="heygen-fake-deliveries", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False) as client:
            while True:
                try:
                    delivery = self._queue.get(timeout=self._idle_seconds)
                except queue.Empty:
                    with self._lock:  # submit() puts under this lock, so nothing slips in unseen
                        if self._queue.empty():
                            self._thread = None
                            return
                    continue
                self._send(client, delivery)

    @staticmethod
    def _send(client: httpx.Client, delivery: Delivery) -> None:
        try:
            response = client.post(delivery.url, content=delivery.body, headers=delivery.headers)
            delivery.status_code = response.status_code
        except Exception as exc:  # any failure (bad URL included) is the receiver's problem, not the thread's
            delivery.error = f"{type(exc).__name__}: {exc}"
            log.info("webhook delivery %s to %s failed: %s", delivery.event_id, delivery.url, exc)
        finally:
            delivery.done.set()
