"""Webhooks over real HTTP: endpoint CRUD, event types and history, and deliveries to a local receiver (signed
to registered endpoints, unsigned to per-job callback URLs)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from airflow_provider.heygen.testing.fake.delivery import DeliveryHeaders
from airflow_provider.heygen.testing.fake.routes.webhooks import webhooks_for
from tests.contract.schemas import operations
from tests.testing.helpers import AVATAR_VIDEO, SOURCE_AUDIO, SOURCE_VIDEO, create_video, error_of


@dataclass
class Received:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    """A local HTTP server on 127.0.0.1 that records every POST and answers 200."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._arrived:
                    receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    receiver._arrived.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def wait(self, count: int, timeout: float = 5.0) -> list[Received]:
        """The first ``count`` POSTs, waiting for them to arrive."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"expected {count} deliveries, got {len(self.received)}")
            return list(self.received)

    def at(self, path: str) -> list[Received]:
        return [item for item in self.received if item.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def _register(client: httpx.Client, url: str, events: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    response = client.post("/v3/webhooks/endpoints", json={"url": url, "events": events, **extra})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _verifies(secret: str, received: Received) -> bool:
    expected = hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers.get("heygen-signature", ""), expected)


def _settle(fake: FakeHeyGen) -> None:
    """Wait until every queued delivery was attempted (to assert that nothing else arrived).

    Job endings queue their deliveries synchronously inside ``advance``, and the receiver records a POST
    before answering it, so once every delivery is done the receiver has seen all there is.
    """
    deliveries = webhooks_for(fake.state).deliveries
    assert all(delivery.done.wait(5) for delivery in deliveries)


# --- endpoint management ---------------------------------------------------------------------------------


def test_create_shows_a_whsec_secret_once_and_lists_hide_it(client: httpx.Client) -> None:
    created = _register(client, "https://example.com/hooks", ["avatar_video.success"])
    listed = client.get("/v3/webhooks/endpoints").json()

    assert created["secret"].startswith("whsec_") and len(created["secret"]) == len("whsec_") + 64
    assert created["status"] == "enabled" and created["events"] == ["avatar_video.success"]
    assert created["created_at"].endswith("Z")
    assert listed["data"] == [{**created, "secret": None}]


def test_endpoint_list_pages_ten_at_a_time(client: httpx.Client) -> None:
    for number in range(12):
        _register(client, f"https://example.com/{number}")

    first = client.get("/v3/webhooks/endpoints").json()
    rest = client.get("/v3/webhooks/endpoints", params={"token": first["next_token"]}).json()

    assert (len(first["data"]), first["has_more"], len(rest["data"]), rest["has_more"]) == (
        10,
        True,
        2,
        False,
    )


def test_patch_replaces_the_events_in_full_and_keeps_the_url(client: httpx.Client) -> None:
    created = _register(client, "https://example.com/hooks", ["avatar_video.success", "avatar_video.fail"])
    path = f"/v3/webhooks/endpoints/{created['endpoint_id']}"

    patched = client.patch(path, json={"events": ["video_translate.success"]}).json()["data"]
    moved = client.patch(path, json={"url": "https://example.com/new"}).json()["data"]

    assert patched["events"] == ["video_translate.success"] and patched["secret"] is None
    assert (moved["url"], moved["events"]) == ("https://example.com/new", ["video_translate.success"])


def test_delete_answers_empty_data_then_the_endpoint_is_gone(client: httpx.Client) -> None:
    created = _register(client, "https://example.com/hooks")
    path = f"/v3/webhooks/endpoints/{created['endpoint_id']}"

    assert client.delete(path).json() == {"data": {}}
    assert client.get("/v3/webhooks/endpoints").json()["data"] == []
    assert client.delete(path).status_code == 404
    assert client.post(f"{path}/rotate-secret").status_code == 404


@pytest.mark.parametrize(
    ("body", "param"),
    [
        pytest.param({"url": "not a url"}, "url", id="not-a-url"),
        pytest.param({"url": "ftp://example.com/x"}, "url", id="not-http"),
        pytest.param({"url": "https://example.com", "events": []}, "events", id="no-events"),
        pytest.param({"url": "https://example.com", "events": ["video.done"]}, "events", id="unknown-event"),
    ],
)
def test_invalid_endpoints_name_the_parameter(client: httpx.Client, body: dict[str, Any], param: str) -> None:
    response = client.post("/v3/webhooks/endpoints", json=body)

    assert response.status_code == 400
    assert error_of(response)["param"].split("[")[0].split(".")[0] == param


def test_event_types_are_the_thirty_of_the_contract_with_descriptions(client: httpx.Client) -> None:
    create = next(op for op in operations() if (op["method"], op["path"]) == ("POST", "/v3/webhooks/endpoints"))
    contract = create["request_schema"]["properties"]["events"]["items"]["enum"]

    listed = client.get("/v3/webhooks/event-types").json()["data"]

    assert [item["event_type"] for item in listed] == contract and len(contract) == 30
    assert all(item["description"] for item in listed)


# --- deliveries ------------------------------------------------------------------------------------------


def test_completed_video_is_signed_for_every_matching_endpoint_only(
    fake: FakeHeyGen, client: httpx.Client, receiver: Receiver
) -> None:
    video_hooks = _register(client, f"{receiver.url}/videos", ["avatar_video.success"])
    everything = _register(client, f"{receiver.url}/all")
    _register(client, f"{receiver.url}/translations", ["video_translate.success"])
    video_id = create_video(client)
    fake.advance(2)

    receiver.wait(2)
    _settle(fake)
    assert sorted(item.path for item in receiver.received) == ["/all", "/videos"]
    for endpoint in (video_hooks, everything):
        (delivery,) = receiver.at(endpoint["url"].removeprefix(receiver.url))
        assert _verifies(endpoint["secret"], delivery)
        assert delivery.headers["heygen-event-id"] == delivery.payload["event_id"]
        assert abs(int(delivery.headers["heygen-timestamp"]) - time.time()) < 60
        assert delivery.payload["event_type"] == "avatar_video.success"
        assert delivery.payload["event_data"]["video_id"] == video_id
    assert not _verifies(everything["secret"], receiver.at("/videos")[0])


def test_success_event_carries_a_working_video_url(fake: FakeHeyGen, client: httpx.Client, receiver: Receiver) -> None:
    _register(client, receiver.url + "/hook")
    create_video(client)
    fake.advance(2)

    event = receiver.wait(1)[0].payload

    assert set(event) == {"event_type", "event_data", "event_id", "created_at"}
    assert client.get(event["event_data"]["url"]).headers["content-type"] == "video/mp4"


def test_failed_video_sends_avatar_video_fail_with_the_failure(
    fake: FakeHeyGen, client: httpx.Client, receiver: Receiver
) -> None:
    _register(client, receiver.url + "/hook", ["avatar_video.fail"])
    fake.inject("job_failure", "/v3/videos", method="POST", failure_code="download_failed", failure_message="404")
    video_id = create_video(client)
    fake.advance(2)

    event = receiver.wait(1)[0].payload

    assert event["event_type"] == "avatar_video.fail"
    assert event["event_data"] == {
        "video_id": video_id,
        "msg": "404",
        "failure_code": "download_failed",
        "failure_message": "404",
        "callback_id": None,
    }


def test_callback_url_gets_an_unsigned_post_echoing_the_callback_id(
    fake: FakeHeyGen, client: httpx.Client, receiver: Receiver
) -> None:
    body = {**AVATAR_VIDEO, "callback_url": f"{receiver.url}/callback", "callback_id": "run-42"}
    video_id = create_video(client, body)
    fake.advance(2)

    (delivery,) = receiver.wait(1)
    _settle(fake)

    assert len(receiver.received) == 1 and delivery.path == "/callback"
    assert not any(name.startswith("heygen-") for name in delivery.headers)
    assert delivery.payload["event_data"]["callback_id"] == "run-42"
    assert delivery.payload["event_data"]["video_id"] == video_id
    assert client.get("/v3/webhooks/events").json()["data"] == []  # the history holds endpoint events only


def test_rotate_secret_makes_the_old_secret_stop_verifying(
    fake: FakeHeyGen, client: httpx.Client, receiver: Receiver
) -> None:
    endpoint = _register(client, receiver.url + "/hook")
    rotated = client.post(f"/v3/webhooks/endpoints/{endpoint['endpoint_id']}/rotate-secret").json()["data"]
    create_video(client)
    fake.advance(2)

    (delivery,) = receiver.wait(1)

    assert rotated["endpoint_id"] == endpoint["endpoint_id"] and rotated["secret"] != endpoint["secret"]
    assert rotated["secret"].startswith("whsec_")
    assert _verifies(rotated["secret"], delivery)
    assert not _verifies(endpoint["secret"], delivery)


def test_endpoint_with_an_entity_id_gets_only_that_entitys_events(
    fake: FakeHeyGen, client: httpx.Client, receiver: Receiver
) -> None:
    first = create_video(client)
    create_video(client)
    _register(client, receiver.url + "/one", entity_id=first)
    fake.advance(2)

    receiver.wait(1)
    _settle(fake)

    assert [item.payload["event_data"]["video_id"] for item in receiver.received] == [first]


def test_deleted_endpoint_gets_nothing(fake: FakeHeyGen, client: httpx.Client, receiver: Receiver) -> None:
    endpoint = _register(client, receiver.url + "/hook")
    client.delete(f"/v3/webhooks/endpoints/{endpoint['endpoint_id']}")
    create_video(client)
    fake.advance(2)
    _settle(fake)

    assert receiver.received == []


def test_unreachable_endpoint_is_recorded_and_does_not_stop_the_others(
    fake: FakeHeyGen, client: httpx.Client, receiver: Receiver
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}/gone"  # nothing listens there once closed
    _register(client, dead_url)
    _register(client, receiver.url + "/hook")
    create_video(client)
    fake.advance(2)

    receiver.wait(1)
    _settle(fake)
    deliveries = webhooks_for(fake.state).deliveries

    assert [(d.url, d.signed) for d in deliveries] == [(dead_url, True), (receiver.url + "/hook", True)]
    assert deliveries[0].status_code is None and deliveries[0].error
    assert deliveries[1].status_code == 200


def test_header_names_are_configurable(fake: FakeHeyGen, client: httpx.Client, receiver: Receiver) -> None:
    hooks = webhooks_for(fake.state)
    hooks.headers = DeliveryHeaders(signature="X-HeyGen-Signature", timestamp="X-T", event_id="X-E")
    try:
        endpoint = _register(client, receiver.url + "/hook")
        create_video(client)
        fake.advance(2)
        (delivery,) = receiver.wait(1)
    finally:
        hooks.headers = DeliveryHeaders()

    expected = hmac.new(endpoint["secret"].encode(), delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["x-heygen-signature"] == expected
    assert delivery.headers["x-e"] == delivery.payload["event_id"] and "heygen-signature" not in delivery.headers


def _translation(client: httpx.Client) -> str:
    body = {"video": SOURCE_VIDEO, "output_languages": ["French"]}
    return client.post("/v3/video-translations", json=body).json()["data"]["video_translation_ids"][0]


def _agent(client: httpx.Client) -> str:
    return client.post("/v3/video-agents", json={"prompt": "A short product teaser"}).json()["data"]["session_id"]


def _lipsync(client: httpx.Client) -> str:
    return client.post("/v3/lipsyncs", json={"video": SOURCE_VIDEO, "audio": SOURCE_AUDIO}).json()["data"]["lipsync_id"]


def _proofread(client: httpx.Client) -> str:
    body = {"video": SOURCE_VIDEO, "output_languages": ["German"], "title": "Proof"}
    return client.post("/v3/video-translations/proofreads", json=body).json()["data"]["proofread_ids"][0]


def _avatar(kind: str) -> Any:
    def create(client: httpx.Client) -> str:
        if kind == "prompt":
            body: dict[str, Any] = {"prompt": "a chef"}
        else:
            content = media.thumbnail_png() if kind == "photo" else media.video_bytes("mp4")
            asset = client.post("/v3/assets", files={"file": ("f", content)}).json()["data"]["asset_id"]
            body = {"file": {"type": "asset_id", "asset_id": asset}}
        return client.post("/v3/avatars", json={"type": kind, "name": "A", **body}).json()["data"]["avatar_item"]["id"]

    return create


@pytest.mark.parametrize(
    ("start", "event_type", "id_field"),
    [
        pytest.param(_translation, "video_translate.success", "video_translate_id", id="translation"),
        pytest.param(_lipsync, "video_translate.success", "video_translate_id", id="lipsync"),
        pytest.param(_agent, "video_agent.success", "session_id", id="video-agent"),
        pytest.param(_proofread, "proofread_creation.success", "proofread_id", id="proofread"),
        pytest.param(_avatar("photo"), "photo_avatar_train.success", "avatar_id", id="photo-avatar"),
        pytest.param(_avatar("digital_twin"), "instant_avatar.success", "avatar_id", id="digital-twin"),
        pytest.param(_avatar("prompt"), "photo_avatar_generation.success", "avatar_id", id="prompt-avatar"),
    ],
)
def test_each_job_kind_sends_its_event_type(
    fake: FakeHeyGen, client: httpx.Client, receiver: Receiver, start: Any, event_type: str, id_field: str
) -> None:
    _register(client, receiver.url + "/hook")
    job_id = start(client)
    fake.advance(3600)

    receiver.wait(1)
    _settle(fake)

    assert [item.payload["event_type"] for item in receiver.received] == [event_type]
    assert receiver.received[0].payload["event_data"][id_field] == job_id


def test_event_history_filters_by_type_and_entity_and_pages(
    fake: FakeHeyGen, client: httpx.Client, receiver: Receiver
) -> None:
    _register(client, receiver.url + "/hook")
    videos = [create_video(client) for _ in range(3)]
    fake.inject("job_failure", "/v3/videos", method="POST")
    failed = create_video(client)
    fake.advance(2)
    receiver.wait(4)

    everything = client.get("/v3/webhooks/events").json()["data"]
    successes = client.get("/v3/webhooks/events", params={"event_type": "avatar_video.success"}).json()["data"]
    one = client.get("/v3/webhooks/events", params={"entity_id": failed}).json()["data"]
    page = client.get("/v3/webhooks/events", params={"limit": 2}).json()

    assert len(everything) == 4
    assert sorted(event["event_data"]["video_id"] for event in successes) == sorted(videos)
    assert [(event["event_type"], event["event_data"]["video_id"]) for event in one] == [("avatar_video.fail", failed)]
    assert len(page["data"]) == 2 and page["has_more"] is True
    assert {item.payload["event_id"] for item in receiver.received} == {event["event_id"] for event in everything}
