"""The webhook receiver (Airflow 3's api-server plugin) on the test database: a signed delivery for an opted-in
asset becomes one asset event that queues its DAG; anything else is refused or dropped, and writes nothing."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.plugins.feeds import Feed, webhook_feed
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.delivery import Delivery, build_delivery
from airflow_provider.heygen.testing.fake.routes.webhooks import webhooks_for

pytestmark = pytest.mark.skipif(not AIRFLOW_V_3, reason="the webhook receiver is an Airflow 3 api-server plugin")

DAGS = Path(__file__).resolve().parent / "dags"
SECRET = "whsec_receiver_test_secret"
PUSHED, ANY, PLAIN = "heygen_pushed_videos", "heygen/pushed/any", "heygen_plain_asset"
CONSUMERS = ("heygen_webhook_consumer", "heygen_webhook_any", "heygen_webhook_plain")


@pytest.fixture(scope="module")
def synced(airflow_db: None) -> None:
    """The receiver's test DAGs in the database, unpaused, as the dag-processor leaves them."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
    for _ in range(2):
        bag = BundleDagBag(dag_folder=DAGS / "heygen_webhook_dags.py", bundle_path=DAGS)
        assert bag.import_errors == {}
        with create_session() as session:
            sync_bag_to_db(bag, "dags-folder", None, session=session)
        with create_session() as session:
            session.execute(update(DagModel).where(DagModel.dag_id.in_(CONSUMERS)).values(is_paused=False))


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """``heygen_default`` with the endpoint secret in its ``webhook_secret`` extra."""
    connection = {"conn_type": "heygen", "password": "key", "extra": {"webhook_secret": SECRET}}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))
    return SECRET


@pytest.fixture
def receiver(synced: None, secret: str) -> Iterator[Any]:
    """A TestClient on a fresh receiver app (its own replay memory); the queue of the test DAGs emptied."""
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from fastapi.testclient import TestClient
    from sqlalchemy import delete

    from airflow_provider.heygen.plugins.receiver import create_app

    with create_session() as session:
        session.execute(delete(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id.in_(CONSUMERS)))
    with TestClient(create_app()) as client:
        yield client


def delivery(event_type: str = "avatar_video.success", *, secret: str = SECRET, **fields: Any) -> Delivery:
    """A delivery signed as HeyGen (and the fake) signs it, with a fresh event id."""
    payload = {
        "event_id": fields.pop("event_id", f"evt_{time.monotonic_ns()}"),
        "event_type": event_type,
        "event_data": {"video_id": "v_1", "url": "https://example.com/v_1.mp4"},
        "created_at": "2026-05-01T10:00:00Z",
        **fields,
    }
    return build_delivery(payload, "http://receiver", secret=secret, endpoint_id="ep_1")


def post(client: Any, asset: str, sent: Delivery, body: bytes | None = None, **headers: str) -> httpx.Response:
    return client.post(
        f"/events/{asset}", content=sent.body if body is None else body, headers={**sent.headers, **headers}
    )


def asset_events(name: str) -> list[dict[str, Any]]:
    """The ``extra`` of every asset event of the asset ``name``, oldest first."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        query = select(AssetEvent.extra).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
        return list(session.scalars(query.where(AssetModel.name == name).order_by(AssetEvent.id)))


def queued() -> list[str]:
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return list(session.scalars(select(AssetDagRunQueue.target_dag_id)))


# --- the asset's opt-in -------------------------------------------------------------------------------------


def test_webhook_feed_checks_its_event_types_when_the_dag_is_parsed() -> None:
    assert webhook_feed("avatar_video.success") == {
        "heygen_webhook": {"event_types": ["avatar_video.success"], "conn_id": "heygen_default"}
    }
    assert Feed.from_extra(webhook_feed(conn_id="heygen_hooks")) == Feed(None, "heygen_hooks")
    assert Feed.from_extra({"heygen_webhook": True}) == Feed() and Feed.from_extra({"other": 1}) is None
    with pytest.raises(ValueError, match=r"unknown HeyGen event type.*'video.done'"):
        webhook_feed(["video.done"])
    with pytest.raises(ValueError, match="must be true or a mapping"):
        Feed.from_extra({"heygen_webhook": "yes"})


# --- accepted -----------------------------------------------------------------------------------------------


def test_a_signed_delivery_becomes_one_asset_event_that_queues_the_dag(receiver: Any) -> None:
    before = asset_events(PUSHED)
    sent = delivery()

    response = post(receiver, PUSHED, sent)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "created" and response.json()["event_id"] == sent.event_id
    (extra,) = asset_events(PUSHED)[len(before) :]
    assert extra == {"from_webhook": True, "payload": sent.payload}  # the trigger's payload, field for field
    assert set(extra["payload"]) == {"event_id", "event_type", "event_data", "created_at"}
    assert "heygen_webhook_consumer" in queued()


def test_the_payload_is_the_one_heygeneventtrigger_yields() -> None:
    from airflow_provider.heygen.api.models import WebhookEvent
    from airflow_provider.heygen.plugins.receiver import event_extra
    from airflow_provider.heygen.triggers.events import _payload

    item = {"event_id": "e1", "event_type": "video_agent.success", "event_data": None, "created_at": None}
    assert event_extra(WebhookEvent.model_validate(item))["payload"] == _payload(item)


def test_one_event_may_feed_two_assets_and_an_asset_that_takes_every_type(receiver: Any) -> None:
    counts = len(asset_events(PUSHED)), len(asset_events(ANY))
    sent = delivery()

    answers = [post(receiver, PUSHED, sent).json()["status"], post(receiver, ANY, sent).json()["status"]]
    other = post(receiver, ANY, delivery("video_translate.fail")).json()["status"]

    assert answers == ["created", "created"] and other == "created"  # ANY's name has a slash: the path takes it
    assert (len(asset_events(PUSHED)), len(asset_events(ANY))) == (counts[0] + 1, counts[1] + 2)


def test_a_rotating_secret_list_accepts_the_old_and_the_new(receiver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = {"conn_type": "heygen", "extra": {"webhook_secret": ["whsec_new", SECRET]}}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))

    statuses = [post(receiver, PUSHED, delivery(secret=key)).status_code for key in ("whsec_new", SECRET)]

    assert statuses == [200, 200]


# --- refused or dropped: never an asset event ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "check"),
    [
        ({"body": "tampered"}, 401, "signature"),
        ({"secret": "whsec_other"}, 401, "signature"),
        ({"Heygen-Timestamp": "1700000000"}, 401, "timestamp"),
        ({"Heygen-Signature": ""}, 401, "header"),
        ({"Heygen-Event-Id": "evt_other"}, 400, "event_id"),
    ],
)
def test_a_delivery_that_fails_a_check_is_refused_naming_it_and_writes_nothing(
    receiver: Any, change: dict[str, str], status: int, check: str
) -> None:
    before = len(asset_events(PUSHED))
    sent = delivery(secret=change.pop("secret", SECRET))
    body = sent.body.replace(b"v_1", b"v_2") if change.pop("body", None) else None

    response = post(receiver, PUSHED, sent, body, **change)

    assert (response.status_code, response.json()["check"]) == (status, check)
    assert SECRET not in response.text and sent.headers["Heygen-Signature"] not in response.text
    assert len(asset_events(PUSHED)) == before


def test_a_replay_is_acknowledged_once_handled_and_written_once(receiver: Any) -> None:
    before = len(asset_events(PUSHED))
    sent = delivery()

    first, again = (
        post(receiver, PUSHED, sent),
        post(receiver, PUSHED, sent, **{"Heygen-Timestamp": str(int(time.time()))}),
    )

    assert (first.json()["status"], again.status_code, again.json()["status"]) == ("created", 200, "duplicate")
    assert len(asset_events(PUSHED)) == before + 1


def test_an_event_type_the_asset_does_not_take_is_acknowledged_and_dropped(receiver: Any) -> None:
    before = len(asset_events(PUSHED))

    response = post(receiver, PUSHED, delivery("avatar_video.fail"))

    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert len(asset_events(PUSHED)) == before


@pytest.mark.parametrize("asset", [PLAIN, "no_such_asset"])
def test_an_asset_that_did_not_opt_in_or_does_not_exist_is_404(receiver: Any, asset: str) -> None:
    before = len(asset_events(PLAIN))

    response = post(receiver, asset, delivery())

    assert (response.status_code, response.json()["check"]) == (404, "asset")
    assert len(asset_events(PLAIN)) == before


def test_without_a_configured_secret_it_answers_500_and_writes_nothing(
    receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps({"conn_type": "heygen", "password": "key"}))
    before = len(asset_events(PUSHED))

    response = post(receiver, PUSHED, delivery())

    assert (response.status_code, response.json()["check"]) == (500, "secret")
    assert "webhook_secret" in response.json()["detail"] and len(asset_events(PUSHED)) == before


def test_an_oversized_body_is_refused_unread(receiver: Any) -> None:
    from airflow_provider.heygen.plugins.receiver import MAX_BODY

    response = receiver.post(f"/events/{PUSHED}", content=b"x" * (MAX_BODY + 1))

    assert (response.status_code, response.json()["check"]) == (413, "size")


def test_a_failed_write_answers_500_and_the_retry_gets_through(receiver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider.heygen.plugins import receiver as module

    before = len(asset_events(PUSHED))
    sent = delivery()
    real = module._record
    monkeypatch.setattr(module, "_record", lambda *args: (_ for _ in ()).throw(RuntimeError("database down")))
    failed = post(receiver, PUSHED, sent)
    monkeypatch.setattr(module, "_record", real)

    retried = post(receiver, PUSHED, sent)  # as HeyGen retries a delivery that got a 500

    assert (failed.status_code, failed.json()["check"], retried.json()["status"]) == (500, "record", "created")
    assert len(asset_events(PUSHED)) == before + 1


# --- end to end: the fake HeyGen delivers to Airflow's own api-server, which mounted the plugin ---------------


@pytest.fixture
def api_server(synced: None) -> Iterator[str]:
    """Airflow's api-server app (core API and plugins, as ``airflow api-server`` builds it) on 127.0.0.1."""
    import uvicorn
    from airflow.api_fastapi.app import create_app

    app = create_app("core")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def test_a_job_ending_in_the_fake_is_pushed_to_the_api_server_and_becomes_an_asset_event(
    fake: FakeHeyGen, api_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id.in_(CONSUMERS)))
    before = len(asset_events(PUSHED))
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}, timeout=10) as client:
        url = f"{api_server}/heygen/events/{PUSHED}"
        endpoint = client.post("/v3/webhooks/endpoints", json={"url": url, "events": ["avatar_video.success"]})
        connection = {"conn_type": "heygen", "extra": {"webhook_secret": endpoint.json()["data"]["secret"]}}
        monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))
        body = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "one two three four five"}
        video_id = client.post("/v3/videos", json=body).json()["data"]["video_id"]
        fake.advance(3600)
        (sent,) = webhooks_for(fake.state).deliveries
        assert sent.done.wait(10)
        (history,) = client.get("/v3/webhooks/events").json()["data"]

    assert (sent.signed, sent.status_code, sent.error) == (True, 200, None)
    (extra,) = asset_events(PUSHED)[before:]
    assert extra == {"from_webhook": True, "payload": {**history, "event_data": history.get("event_data") or {}}}
    assert extra["payload"]["event_data"]["video_id"] == video_id
    assert "heygen_webhook_consumer" in queued()
    assert httpx.post(url, content=sent.body, headers=sent.headers).json()["status"] == "duplicate"
    assert len(asset_events(PUSHED)) == before + 1
