"""The fake's signed deliveries pass ``verify_delivery`` in a real receiver (the docs' example, on 127.0.0.1):
with the endpoint's secret, not after ``rotate-secret`` with the old one, once per event, never unsigned."""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from airflow_provider.heygen.api import webhooks
from airflow_provider.heygen.api.models import WebhookEvent
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import delivery as fake_delivery
from airflow_provider.heygen.testing.fake.delivery import Delivery
from airflow_provider.heygen.testing.fake.routes.webhooks import webhooks_for
from tests.testing.helpers import AVATAR_VIDEO, create_video

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / ".snippets" / "heygen_webhook_receiver.py"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    """The docs' receiver, imported by path as a reader would run it."""
    spec = importlib.util.spec_from_file_location("heygen_webhook_receiver", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Receiver:
    """The example's server on a free port of 127.0.0.1, recording the events it handled."""

    def __init__(self, example: ModuleType, secret: str | list[str], *, failing: int = 0) -> None:
        self.handled: list[WebhookEvent] = []
        self._failing = failing
        self.server = example.HeyGenWebhookServer(("127.0.0.1", 0), secret, handle=self._handle)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/heygen"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def _handle(self, event: WebhookEvent) -> None:
        if self._failing:
            self._failing -= 1
            raise RuntimeError("the handler failed (on purpose)")
        self.handled.append(event)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers(example: ModuleType) -> Iterator[Any]:
    started: list[Receiver] = []

    def start(secret: str | list[str] = "", **options: Any) -> Receiver:
        started.append(Receiver(example, secret, **options))
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


def register(client: httpx.Client, url: str) -> dict[str, Any]:
    response = client.post("/v3/webhooks/endpoints", json={"url": url, "events": None})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def render_one(fake: FakeHeyGen, client: httpx.Client, body: dict[str, Any] | None = None) -> list[Delivery]:
    """Render one video and return the deliveries it caused, once each was answered."""
    before = len(webhooks_for(fake.state).deliveries)
    create_video(client, body)
    fake.advance(2)
    made = webhooks_for(fake.state).deliveries[before:]
    assert made and all(delivery.done.wait(5) for delivery in made)
    return made


def resend(delivery: Delivery, url: str, **changes: Any) -> int:
    """POST a delivery the fake made again, as an attacker who captured it would (optionally altered)."""
    body = changes.pop("body", delivery.body)
    return httpx.post(url, content=body, headers={**delivery.headers, **changes}).status_code


def test_the_fake_and_the_helper_agree_on_the_scheme() -> None:
    names, fake_names = webhooks.WebhookHeaders(), fake_delivery.DeliveryHeaders()
    assert (names.signature, names.timestamp, names.event_id) == (
        fake_names.signature,
        fake_names.timestamp,
        fake_names.event_id,
    )
    assert webhooks.sign("whsec_x", b'{"a":1}') == fake_delivery.sign("whsec_x", b'{"a":1}')


def test_a_delivery_from_the_fake_verifies_with_the_endpoints_secret(
    fake: FakeHeyGen, client: httpx.Client, receivers: Any
) -> None:
    receiver = receivers()
    endpoint = register(client, receiver.url)
    receiver.server.secret = endpoint["secret"]

    (delivery,) = render_one(fake, client)

    assert delivery.status_code == 200, delivery
    (event,) = receiver.handled
    (history,) = client.get("/v3/webhooks/events").json()["data"]
    assert event.model_dump(exclude_none=True) == history
    assert event.event_type == "avatar_video.success" and event.event_data["video_id"] == fake.jobs("video")[0].id


def test_after_rotate_secret_the_old_secret_refuses_and_the_new_one_verifies(
    fake: FakeHeyGen, client: httpx.Client, receivers: Any
) -> None:
    stale, rotating = receivers(), receivers()
    for receiver in (stale, rotating):
        endpoint = register(client, receiver.url)
        path = f"/v3/webhooks/endpoints/{endpoint['endpoint_id']}/rotate-secret"
        old, new = endpoint["secret"], client.post(path).json()["data"]["secret"]
        receiver.server.secret = old if receiver is stale else [new, old]

    deliveries = render_one(fake, client)

    outcome = {delivery.url: delivery.status_code for delivery in deliveries}
    assert outcome == {stale.url: 401, rotating.url: 200}
    assert stale.handled == [] and len(rotating.handled) == 1


def test_a_captured_delivery_resent_is_handled_once_and_a_tampered_one_is_refused(
    fake: FakeHeyGen, client: httpx.Client, receivers: Any
) -> None:
    receiver = receivers()
    receiver.server.secret = register(client, receiver.url)["secret"]
    (delivery,) = render_one(fake, client)
    tampered = delivery.body.replace(b"avatar_video.success", b"avatar_video.fail")

    replayed = resend(delivery, receiver.url)
    forged = resend(delivery, receiver.url, body=tampered)
    stale = resend(delivery, receiver.url, **{"Heygen-Timestamp": "1700000000"})

    assert (delivery.status_code, replayed, forged, stale) == (200, 200, 401, 401)  # a replay is acknowledged...
    assert len(receiver.handled) == 1  # ...but not acted on


def test_a_delivery_whose_handling_failed_is_accepted_again(
    fake: FakeHeyGen, client: httpx.Client, receivers: Any
) -> None:
    receiver = receivers(failing=1)
    receiver.server.secret = register(client, receiver.url)["secret"]
    (delivery,) = render_one(fake, client)

    retried = resend(delivery, receiver.url)  # as HeyGen retries a delivery that got a 500

    assert (delivery.status_code, retried) == (500, 200)
    assert [event.event_id for event in receiver.handled] == [delivery.event_id]


def test_an_unsigned_callback_url_post_is_refused_by_the_verifying_receiver(
    fake: FakeHeyGen, client: httpx.Client, receivers: Any
) -> None:
    receiver = receivers("whsec_any")

    (delivery,) = render_one(fake, client, {**AVATAR_VIDEO, "callback_url": receiver.url, "callback_id": "run-1"})

    assert (delivery.signed, delivery.status_code, receiver.handled) == (False, 401, [])
