"""Receive HeyGen webhooks: verify each delivery, then act on its event once.

Run it with the endpoint's secret (HeyGen shows it when the endpoint is created, or rotated):
``HEYGEN_WEBHOOK_SECRET=whsec_... python heygen_webhook_receiver.py``, behind HTTPS at the URL you registered.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from airflow_provider.heygen.api.errors import WebhookVerificationError
from airflow_provider.heygen.api.models import WebhookEvent
from airflow_provider.heygen.api.webhooks import EventStore, SeenEvents, verify_delivery


def print_event(event: WebhookEvent) -> None:
    """Act on a verified event. Re-fetch the resource by its id rather than trusting ``event_data``'s shape:
    e.g. trigger a DAG run, or HeyGenHook().get_video(event.event_data["video_id"])."""
    print(f"{event.event_type} {event.event_id}: {event.event_data}")


class HeyGenWebhookServer(ThreadingHTTPServer):
    """An HTTP server whose POSTs are HeyGen deliveries, verified with ``secret`` (or [new, old] while rotating)."""

    def __init__(
        self,
        address: tuple[str, int],
        secret: str | list[str],
        handle: Callable[[WebhookEvent], None] = print_event,
        seen: EventStore | None = None,
    ) -> None:
        super().__init__(address, HeyGenWebhookHandler)
        self.secret = secret
        self.handle = handle
        self.seen = seen if seen is not None else SeenEvents()  # one process: share a Redis/DB store between several


class HeyGenWebhookHandler(BaseHTTPRequestHandler):
    server: HeyGenWebhookServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))  # the raw bytes: they are what is signed
        try:
            event = verify_delivery(body, dict(self.headers), self.server.secret, seen=self.server.seen)
        except WebhookVerificationError as exc:
            self.log_error("refused a HeyGen delivery: %s", exc)
            # A replay was handled already: acknowledge it, so that HeyGen stops retrying; refuse the rest.
            self.answer(200 if exc.check == "replay" else 401)
            return
        try:
            self.server.handle(event)
        except Exception:
            self.server.seen.discard(event.event_id)  # not handled: HeyGen's retry must get through
            self.answer(500)
            raise
        self.answer(200)

    def answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    server = HeyGenWebhookServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), os.environ["HEYGEN_WEBHOOK_SECRET"])
    server.serve_forever()
