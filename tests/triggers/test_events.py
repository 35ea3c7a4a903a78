"""HeyGenEventTrigger against the fake's event history over real HTTP, and (Airflow 3) as an AssetWatcher."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.api.events import EVENT_TYPES, HistoryCursor
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.routes.webhooks import EVENT_TYPES as FAKE_EVENT_TYPES
from airflow_provider.heygen.triggers import events as events_module
from airflow_provider.heygen.triggers.events import HeyGenEventTrigger

AVATAR = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "one two three four five"}
VIDEO_TYPES = ["avatar_video.success", "avatar_video.fail"]
DAGS = Path(__file__).resolve().parents[1] / "dags"
needs_airflow_3 = pytest.mark.skipif(not AIRFLOW_V_3, reason="AssetWatcher and event triggers are Airflow 3 only")


@pytest.fixture
def heygen(fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> FakeHeyGen:
    """The fake as ``heygen_default``, with an endpoint for every event (it answers nothing: the history
    still records each event)."""
    connection = {**json.loads(fake.airflow_conn_env()), "extra": {"max_retries": 0}}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))
    with http(fake) as client:
        assert client.post("/v3/webhooks/endpoints", json={"url": "http://127.0.0.1:9/"}).status_code == 200
    return fake


def http(fake: FakeHeyGen) -> httpx.Client:
    return httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key})


def finish_videos(fake: FakeHeyGen, count: int, *, failing: int = 0) -> list[str]:
    """Render ``count`` videos (the first ``failing`` of them fail) and end them now: one event each."""
    if failing:
        fake.inject("job_failure", "/v3/videos", method="POST", times=failing)
    with http(fake) as client:
        ids = [client.post("/v3/videos", json=AVATAR).json()["data"]["video_id"] for _ in range(count)]
    fake.advance(3600)
    return ids


def trigger(types: list[str] | str = "avatar_video.success", **kwargs: Any) -> HeyGenEventTrigger:
    return HeyGenEventTrigger(types, poll_interval=kwargs.pop("poll_interval", 0.1), **kwargs)


async def take(stream: AsyncIterator[Any], count: int) -> list[dict[str, Any]]:
    """The payloads of the next ``count`` events (a hung trigger fails the test instead of hanging it)."""

    async def collect() -> list[dict[str, Any]]:
        return [(await anext(stream)).payload for _ in range(count)]

    return await asyncio.wait_for(collect(), timeout=30)


def video_ids(payloads: list[dict[str, Any]]) -> list[str]:
    return [payload["event_data"]["video_id"] for payload in payloads]


async def history_read(fake: FakeHeyGen, times: int = 1) -> None:
    """Wait until the fake has answered ``times`` readings of the history (a trigger knows where "now" is)."""

    async def answered() -> None:
        while len([r for r in fake.requests_to("GET", "/v3/webhooks/events") if r.status == 200]) < times:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(answered(), timeout=30)


class MemoryStore:
    """Airflow 3.3's asset state store of one asset, as the trigger uses it (``aget``/``aset``)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        self.values[key] = json.loads(json.dumps(value))  # what the database keeps: JSON


# --- construction --------------------------------------------------------------------------------------


def test_the_event_types_are_heygens_thirty() -> None:
    assert len(EVENT_TYPES) == 30 and set(EVENT_TYPES) == set(FAKE_EVENT_TYPES)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"event_types": ["avatar_video.done"]},
            r"event_types has unknown .*'avatar_video.done'.*allowed: avatar_video",
        ),
        ({"event_types": []}, r"event_types is empty"),
        ({"event_types": "video_agent.success", "since": "yesterday"}, r"since='yesterday' .*allowed: \"now\""),
        ({"event_types": "video_agent.success", "since": "2026-05-01T00:00:00"}, r"with a time zone"),
        ({"event_types": "video_agent.success", "poll_interval": 0.01}, r"poll_interval=0.01 is below the floor"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument_and_allowed_values(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HeyGenEventTrigger(**kwargs)


def test_serialize_round_trip_is_plain_stable_and_keyless(heygen: FakeHeyGen) -> None:
    original = HeyGenEventTrigger(
        ["video_translate.success", "avatar_video.success", "avatar_video.success"],
        since=datetime(2026, 5, 1, 2, tzinfo=timezone.utc),
        poll_interval=15,
    )
    path, kwargs = original.serialize()
    assert path == "airflow_provider.heygen.triggers.events.HeyGenEventTrigger"
    assert kwargs == {
        "event_types": ["avatar_video.success", "video_translate.success"],  # sorted, once: a stable hash
        "since": "2026-05-01T02:00:00Z",
        "conn_id": "heygen_default",
        "poll_interval": 15.0,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert heygen.api_key not in json.dumps(kwargs) + repr(original)
    rebuilt = HeyGenEventTrigger(**kwargs)
    assert rebuilt.serialize() == (path, kwargs) and rebuilt.state_key == original.state_key
    assert trigger("avatar_video.fail").state_key != trigger("avatar_video.success").state_key


# --- run() against the fake ------------------------------------------------------------------------------


async def test_since_now_fires_one_event_per_new_event_of_the_chosen_type_oldest_first(heygen: FakeHeyGen) -> None:
    finish_videos(heygen, 2)  # before the trigger starts: not new
    stream = trigger().run()
    try:
        first = asyncio.ensure_future(anext(stream))
        await history_read(heygen)
        assert not first.done()
        new = finish_videos(heygen, 4, failing=1)  # a fail event: not a chosen type
        payloads = [(await asyncio.wait_for(first, 30)).payload, *await take(stream, 2)]
        assert video_ids(payloads) == new[1:]
        assert {payload["event_type"] for payload in payloads} == {"avatar_video.success"}
        assert set(payloads[0]) == {"event_id", "event_type", "event_data", "created_at"}
        marker = finish_videos(heygen, 1)  # the next event is the next video: nothing was fired twice
        assert video_ids(await take(stream, 1)) == marker
    finally:
        await stream.aclose()


async def test_several_types_come_merged_oldest_first(heygen: FakeHeyGen) -> None:
    stream = trigger(VIDEO_TYPES, since="2000-01-01T00:00:00Z").run()
    try:
        failed = finish_videos(heygen, 1, failing=1)
        succeeded = finish_videos(heygen, 1)
        payloads = await take(stream, 2)
        assert [payload["event_type"] for payload in payloads] == ["avatar_video.fail", "avatar_video.success"]
        assert video_ids(payloads) == failed + succeeded
    finally:
        await stream.aclose()


async def test_since_a_moment_fires_the_events_from_then_on_only(heygen: FakeHeyGen) -> None:
    finish_videos(heygen, 2)
    since = datetime.fromtimestamp(int(heygen.state.now()), timezone.utc)  # HeyGen's times are in seconds
    later = finish_videos(heygen, 3)  # they end after it
    stream = trigger(since=since).run()
    try:
        assert video_ids(await take(stream, 3)) == later
        marker = finish_videos(heygen, 1)
        assert video_ids(await take(stream, 1)) == marker
    finally:
        await stream.aclose()


async def test_new_events_are_read_across_pages(heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events_module, "HISTORY_PAGE_LIMIT", 3)
    finish_videos(heygen, 2)
    stream = trigger().run()
    try:
        waiting = asyncio.ensure_future(anext(stream))
        await history_read(heygen)
        new = finish_videos(heygen, 8)
        payloads = [(await asyncio.wait_for(waiting, 30)).payload, *await take(stream, 7)]
        assert video_ids(payloads) == new
    finally:
        await stream.aclose()
    pages = [r for r in heygen.requests_to("GET", "/v3/webhooks/events") if "token" in r.query]
    assert len(pages) >= 2  # 8 new events, 3 a page: the first page's next_token was followed twice at least


async def test_errors_and_rate_limits_do_not_stop_the_trigger(heygen: FakeHeyGen) -> None:
    heygen.inject("error", "/v3/webhooks/events", status=503, times=2)
    heygen.inject("rate_limit", "/v3/webhooks/events", retry_after=1, times=1)
    stream = trigger(since="2000-01-01T00:00:00Z").run()
    try:
        new = finish_videos(heygen, 2)
        assert video_ids(await take(stream, 2)) == new
    finally:
        await stream.aclose()
    refused = [r for r in heygen.requests_to("GET", "/v3/webhooks/events") if r.status in (429, 503)]
    assert len(refused) == 3


async def test_a_missing_connection_is_retried_not_raised(heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = trigger(since="2000-01-01T00:00:00Z", conn_id="heygen_missing").run()
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.5)
    assert not waiting.done()  # still trying (with backoff), not crashed
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_a_restart_resumes_from_the_saved_cursor(heygen: FakeHeyGen) -> None:
    store = MemoryStore()
    first = trigger()
    first.asset_state_store = store
    stream = first.run()
    waiting = asyncio.ensure_future(anext(stream))
    await history_read(heygen)
    fired = finish_videos(heygen, 2)
    payloads = [(await asyncio.wait_for(waiting, 30)).payload, *await take(stream, 1)]
    await stream.aclose()  # the second event was handed over, then the triggerer stopped
    assert video_ids(payloads) == fired
    saved = HistoryCursor.from_json(store.values[first.state_key]["avatar_video.success"])
    assert saved is not None and saved.seen[0] == payloads[0]["event_id"]  # saved once the first was taken

    missed = finish_videos(heygen, 1)  # while no trigger ran
    second = trigger()  # the same kwargs, as the triggerer rebuilds it
    second.asset_state_store = store
    stream = second.run()
    try:
        # the unsaved second event again (at least once), then the one made while stopped
        assert video_ids(await take(stream, 2)) == [fired[1], *missed]
    finally:
        await stream.aclose()


# --- Airflow 3: the AssetWatcher ---------------------------------------------------------------------------


@needs_airflow_3
def test_the_watcher_dag_parses_and_its_trigger_survives_serialization(airflow_db: None) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    bag = DagBag(dag_folder=DAGS / "heygen_event_dags.py")
    assert bag.import_errors == {}
    dag = bag.dags["heygen_event_consumer"]
    restored = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    (asset,) = [asset for _, asset in restored.timetable.asset_condition.iter_assets()]
    (watcher,) = asset.watchers
    assert watcher.name == "heygen_avatar_video_events"
    assert watcher.trigger["classpath"] == "airflow_provider.heygen.triggers.events.HeyGenEventTrigger"
    assert watcher.trigger["kwargs"]["event_types"] == VIDEO_TYPES[::-1]


@needs_airflow_3
async def test_triggerer_events_become_asset_events_that_queue_the_dag(heygen: FakeHeyGen, airflow_db: None) -> None:
    """The database path of a watcher: the DAG synced and unpaused, its trigger row built as the triggerer
    builds it, run against the fake, and each event submitted as the triggerer submits it."""
    from airflow.models.asset import AssetDagRunQueue, AssetEvent, AssetModel
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from sqlalchemy import select

    _sync_unpaused("heygen_event_consumer")
    with create_session() as session:
        asset = session.scalars(select(AssetModel).where(AssetModel.name == "heygen_event_videos")).one()
        (row,) = asset.triggers
        trigger_id, classpath, kwargs = row.id, row.classpath, dict(row.kwargs)
        known = {event.id for event in session.scalars(select(AssetEvent).where(AssetEvent.asset_id == asset.id))}
    assert classpath == "airflow_provider.heygen.triggers.events.HeyGenEventTrigger"
    rebuilt = HeyGenEventTrigger(**kwargs)
    stream = rebuilt.run()
    try:
        waiting = asyncio.ensure_future(anext(stream))
        await history_read(heygen, times=2)  # one seeding read per type
        new = finish_videos(heygen, 2, failing=1)
        events = [await asyncio.wait_for(waiting, 30), await asyncio.wait_for(anext(stream), 30)]
    finally:
        await stream.aclose()
    for event in events:
        Trigger.submit_event(trigger_id, event)  # what the triggerer's supervisor does with each event
    with create_session() as session:
        fired = [
            event.extra
            for event in session.scalars(select(AssetEvent).where(AssetEvent.asset_id == asset.id))
            if event.id not in known
        ]
        queued = session.scalars(select(AssetDagRunQueue.target_dag_id)).all()
    assert [extra["from_trigger"] for extra in fired] == [True, True]
    assert [extra["payload"]["event_data"]["video_id"] for extra in fired] == new
    assert "heygen_event_consumer" in queued


def _sync_unpaused(dag_id: str) -> None:
    """Write the DAG file to the database as the dag-processor does, unpause it, and write it again (a
    watcher is registered only for an active DAG)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
    for _ in range(2):
        bag = BundleDagBag(dag_folder=DAGS / "heygen_event_dags.py", bundle_path=DAGS)
        with create_session() as session:
            sync_bag_to_db(bag, "dags-folder", None, session=session)
        with create_session() as session:
            session.execute(update(DagModel).where(DagModel.dag_id == dag_id).values(is_paused=False))


@needs_airflow_3
async def test_the_example_takes_the_video_ids_of_the_events_its_watcher_fires(heygen: FakeHeyGen) -> None:
    from types import SimpleNamespace

    from tests.examples.helpers import import_example

    example = import_example("heygen_on_heygen_event")
    (watcher,) = example.FINISHED_VIDEOS.watchers
    assert isinstance(watcher.trigger, HeyGenEventTrigger) and watcher.trigger.event_types == ["avatar_video.success"]
    stream = HeyGenEventTrigger(**{**watcher.trigger.serialize()[1], "poll_interval": 0.1}).run()
    try:
        waiting = asyncio.ensure_future(anext(stream))
        await history_read(heygen)
        new = finish_videos(heygen, 2)
        payloads = [(await asyncio.wait_for(waiting, 30)).payload, *await take(stream, 1)]
    finally:
        await stream.aclose()
    # as the scheduler hands them to the run: the watcher's or the webhook receiver's events (each twice), and
    # one a task recorded on the asset
    sources = [{"from_trigger": True}, {"from_webhook": True}]
    events = [SimpleNamespace(extra={**source, "payload": p}) for source, p in zip(sources, payloads, strict=True)] * 2
    assert example.video_ids([SimpleNamespace(extra={"files": {}}), *events]) == new
