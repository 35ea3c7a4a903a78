"""HeyGenJobTrigger and its shared poller, run in an event loop against the fake over real HTTP."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from airflow_provider.heygen.api.errors import InvalidTriggerEventError, JobFailedError, JobTimeoutError
from airflow_provider.heygen.api.jobs import JobState, JobStatus
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger, JobEvent
from airflow_provider.heygen.triggers.poller import StatusPoller

AVATAR = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "one two three four five"}


@pytest.fixture
def heygen(fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> FakeHeyGen:
    connection = {**json.loads(fake.airflow_conn_env()), "extra": {"max_retries": 0}}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))
    return fake


def create_videos(fake: FakeHeyGen, count: int) -> list[str]:
    import httpx

    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as http:
        return [http.post("/v3/videos", json=AVATAR).json()["data"]["video_id"] for _ in range(count)]


def trigger(job_ids: list[str], *, kind: str = "video", seconds: float = 30, interval: float = 0.1) -> HeyGenJobTrigger:
    return HeyGenJobTrigger("heygen_default", kind, job_ids, interval, time.time() + seconds)


async def first_event(trig: HeyGenJobTrigger) -> dict:
    events = [event async for event in trig.run()]
    assert len(events) == 1, "a trigger yields exactly one event"
    return events[0].payload


def test_serialize_round_trip_carries_only_plain_values(heygen: FakeHeyGen) -> None:
    original = HeyGenJobTrigger("heygen_default", "video_translation", ["a", "b"], 10, 1_800_000_000.5, False)
    path, kwargs = original.serialize()
    assert path == "airflow_provider.heygen.triggers.job.HeyGenJobTrigger"
    assert json.loads(json.dumps(kwargs)) == kwargs  # JSON-plain: it is stored in the metadata DB
    assert heygen.api_key not in json.dumps(kwargs)
    rebuilt = HeyGenJobTrigger(**kwargs)
    assert rebuilt.serialize() == (path, kwargs)


async def test_success_event_once_every_job_completed(heygen: FakeHeyGen) -> None:
    ids = create_videos(heygen, 2)
    heygen.clock_speed = 200.0
    payload = await first_event(trigger(ids))
    assert payload["status"] == "success"
    assert payload["job_ids"] == ids and set(payload["statuses"].values()) == {"completed"}


async def test_failed_job_gives_a_failed_event_with_heygens_reason(heygen: FakeHeyGen) -> None:
    heygen.inject("job_failure", "/v3/videos", method="POST", times=1, failure_code="download_failed")
    ids = create_videos(heygen, 2)
    heygen.clock_speed = 200.0
    event = JobEvent.from_payload(await first_event(trigger(ids)))
    assert event.status == "failed"
    assert event.failures[ids[0]]["failure_code"] == "download_failed"
    with pytest.raises(JobFailedError, match="download_failed"):
        event.raise_for_status()


async def test_deadline_gives_a_timeout_event(heygen: FakeHeyGen) -> None:
    ids = create_videos(heygen, 1)  # the clock is frozen: it never finishes
    started = time.monotonic()
    event = JobEvent.from_payload(await first_event(trigger(ids, seconds=0.5)))
    assert event.status == "timeout"
    assert time.monotonic() - started < 5
    with pytest.raises(JobTimeoutError):
        event.raise_for_status()


async def test_many_ids_are_polled_through_the_bulk_endpoint(heygen: FakeHeyGen) -> None:
    heygen.concurrency_limit = None
    ids = create_videos(heygen, 150)
    heygen.clock_speed = 500.0
    payload = await first_event(trigger(ids, interval=0.2))
    assert payload["status"] == "success"
    assert not heygen.requests_to("GET", f"/v3/videos/{ids[0]}")  # no per-job GET
    bulk = heygen.requests_to("GET", "/v3/videos/statuses")
    assert bulk and all(len(r.query.split("%2C")) <= 100 for r in bulk)


async def test_many_triggers_in_one_loop_share_one_poller(heygen: FakeHeyGen) -> None:
    heygen.concurrency_limit = None
    ids = create_videos(heygen, 30)
    heygen.clock_speed = 100.0
    triggers = [trigger([job_id], interval=0.3) for job_id in ids]
    payloads = await asyncio.gather(*(first_event(t) for t in triggers))
    assert {p["status"] for p in payloads} == {"success"}
    per_job = [r for r in heygen.requests if r.path.startswith("/v3/videos/v_")]
    assert not per_job, "waiting triggers must not poll one GET per job"
    # Each round asks about every waiting id at once: far fewer requests than triggers x rounds.
    assert len(heygen.requests_to("GET", "/v3/videos/statuses")) < len(ids) * 2


async def test_transient_errors_are_tolerated_within_the_deadline(heygen: FakeHeyGen) -> None:
    ids = create_videos(heygen, 2)
    heygen.inject("error", "/v3/videos/statuses", method="GET", status=503, times=3)
    heygen.clock_speed = 200.0
    assert (await first_event(trigger(ids)))["status"] == "success"


async def test_a_4xx_poll_fails_fast_with_an_error_event(heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_HEYGEN_DEFAULT",
        json.dumps({"conn_type": "heygen", "password": "wrong-key", "host": heygen.url}),
    )
    started = time.monotonic()
    payload = await first_event(trigger(["v_1", "v_2"], seconds=60))
    assert payload["status"] == "error" and "401" in payload["message"]
    assert "wrong-key" not in json.dumps(payload)
    assert time.monotonic() - started < 10
    # One poll (a single bulk GET for both ids), answered 401: neither the client nor the trigger asks again.
    assert len(heygen.requests_to("GET", "/v3/videos/statuses")) == 1


async def test_run_never_raises_and_a_missing_connection_fails_fast(heygen: FakeHeyGen) -> None:
    started = time.monotonic()
    payload = await first_event(HeyGenJobTrigger("no_such_conn", "video", ["v_1"], 30, time.time() + 300))
    assert payload["status"] == "error" and "no_such_conn" in payload["message"]
    assert time.monotonic() - started < 10


async def test_cancelled_trigger_takes_its_ids_back(heygen: FakeHeyGen) -> None:
    ids = create_videos(heygen, 1)
    task = asyncio.ensure_future(first_event(trigger(ids, seconds=60)))
    await asyncio.sleep(0.3)
    poller = StatusPoller.for_running_loop("heygen_default", "video")
    assert poller._watches
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not poller._watches


async def test_on_kill_stops_an_agent_session_and_is_idempotent(heygen: FakeHeyGen) -> None:
    import httpx

    with httpx.Client(base_url=heygen.url, headers={"x-api-key": heygen.api_key}) as http:
        session = http.post("/v3/video-agents", json={"prompt": "A launch video"}).json()["data"]["session_id"]
    trig = trigger([session], kind="video_agent")
    await trig.on_kill()
    await trig.on_kill()
    assert len(heygen.requests_to("POST", f"/v3/video-agents/{session}/stop")) == 2
    assert heygen.job(session).status == "failed"


async def test_on_kill_does_nothing_when_disabled_or_not_cancellable(heygen: FakeHeyGen) -> None:
    await HeyGenJobTrigger("heygen_default", "video_agent", ["s_1"], 1, time.time() + 5, cancel_on_kill=False).on_kill()
    await trigger(["v_1"]).on_kill()
    assert not [r for r in heygen.requests if r.method == "POST"]


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(None, id="none"),
        pytest.param({"status": "done", "kind": "video", "job_ids": []}, id="unknown-status"),
        pytest.param({"status": "success", "job_ids": ["v"]}, id="no-kind"),
        pytest.param({"status": "success", "kind": "video", "job_ids": "v"}, id="ids-not-a-list"),
    ],
)
def test_malformed_events_are_rejected(payload: object) -> None:
    with pytest.raises(InvalidTriggerEventError):
        JobEvent.from_payload(payload)


def test_event_from_statuses() -> None:
    def status(job_id: str, state: JobState, raw: str) -> JobStatus:
        return JobStatus(kind="video", job_id=job_id, status=raw, state=state)

    done = {"a": status("a", JobState.SUCCEEDED, "completed")}
    assert JobEvent.from_statuses("video", done).status == "success"
    mixed = {**done, "b": status("b", JobState.FAILED, "failed")}
    assert JobEvent.from_statuses("video", mixed).status == "failed"
    running = {**done, "c": status("c", JobState.RUNNING, "processing")}
    assert JobEvent.from_statuses("video", running, timed_out=True).status == "timeout"
    assert JobEvent.from_payload(JobEvent.from_statuses("video", mixed).to_payload()).failures.keys() == {"b"}


async def test_a_round_that_changes_nothing_wakes_no_trigger(heygen: FakeHeyGen) -> None:
    ids = create_videos(heygen, 2)  # the clock is frozen: nothing changes until it moves
    poller = StatusPoller.for_running_loop("heygen_default", "video")
    watch = poller.watch(ids, 0.1)
    first = await asyncio.wait_for(watch.updates.get(), 5)
    assert isinstance(first, dict) and set(first) == set(ids)
    rounds = poller.polls
    await asyncio.sleep(0.6)
    assert poller.polls >= rounds + 3 and watch.updates.empty()  # polled, and told nothing new
    heygen.inject("error", "/v3/videos/statuses", method="GET", status=503, times=1)
    assert isinstance(await asyncio.wait_for(watch.updates.get(), 5), BaseException)  # a failure is always news
    after_failure = await asyncio.wait_for(watch.updates.get(), 5)  # and so is the next good round, unchanged
    assert isinstance(after_failure, dict) and after_failure == first
    heygen.clock_speed = 1000.0
    done = await asyncio.wait_for(watch.updates.get(), 5)
    assert isinstance(done, dict) and {status.state for status in done.values()} != {JobState.RUNNING}
    poller.release(watch)


async def test_a_429_poll_waits_out_retry_after_before_the_next_round(heygen: FakeHeyGen) -> None:
    ids = create_videos(heygen, 2)  # the clock is frozen: they never finish
    heygen.inject("rate_limit", "/v3/videos/statuses", method="GET", retry_after=5, times=1)
    payload = await first_event(trigger(ids, seconds=1.0, interval=0.1))
    assert payload["status"] == "timeout"
    # Ten rounds fit in the second at 0.1 s; the server asked for 5 s, so the refused poll was the only one.
    assert len(heygen.requests_to("GET", "/v3/videos/statuses")) == 1


@pytest.mark.parametrize("interval", [pytest.param(0, id="zero"), pytest.param(0.001, id="tiny")])
def test_a_poll_interval_below_the_floor_is_refused(interval: float) -> None:
    with pytest.raises(ValueError, match=r"poll_interval=.* is below the floor of 0.1 s"):
        HeyGenJobTrigger("heygen_default", "video", ["v_1"], interval, time.time() + 60)


async def test_a_watch_is_told_none_at_its_deadline_and_release_stops_the_timer(heygen: FakeHeyGen) -> None:
    ids = create_videos(heygen, 1)  # the clock is frozen: it never finishes
    poller = StatusPoller.for_running_loop("heygen_default", "video")
    expiring = poller.watch(ids, 0.1, deadline=time.time() + 0.3)
    released = poller.watch(ids, 0.1, deadline=time.time() + 0.3)
    assert isinstance(await asyncio.wait_for(expiring.updates.get(), 5), dict)  # the first answer comes first
    poller.release(released)
    assert await asyncio.wait_for(expiring.updates.get(), 5) is None  # then the deadline, once
    await asyncio.sleep(0.5)
    assert expiring.updates.empty()
    assert None not in [released.updates.get_nowait() for _ in range(released.updates.qsize())]
    poller.release(expiring)


async def test_a_round_of_unchanged_answers_reuses_the_statuses_it_read(heygen: FakeHeyGen) -> None:
    from airflow_provider.heygen.api import jobs

    ids = create_videos(heygen, 3)
    built = 0
    original = jobs.JobStatus.from_resource.__func__  # type: ignore[attr-defined]

    def counting(cls: type[JobStatus], *args: object) -> JobStatus:
        nonlocal built
        built += 1
        return original(cls, *args)

    poller = StatusPoller.for_running_loop("heygen_default", "video")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jobs.JobStatus, "from_resource", classmethod(counting))
        watch = poller.watch(ids, 0.1)
        await asyncio.wait_for(watch.updates.get(), 5)
        rounds, first_built = poller.polls, built
        await asyncio.sleep(0.5)
    assert first_built == 3 and poller.polls >= rounds + 3
    assert built == first_built  # the frozen clock changed nothing: no round built a status again
    poller.release(watch)


async def test_the_poller_lets_the_loop_run_between_batches_of_answers(heygen: FakeHeyGen) -> None:
    from airflow_provider.heygen.triggers.poller import TELL_BATCH

    ids = create_videos(heygen, 1)
    poller = StatusPoller.for_running_loop("heygen_default", "video")
    watches = [poller.watch(ids, 30) for _ in range(2 * TELL_BATCH + 1)]
    answered_when_loop_ran: list[int] = []

    def tick() -> None:  # a timer the loop runs whenever the poller lets it
        answered_when_loop_ran.append(sum(not watch.updates.empty() for watch in watches))
        if answered_when_loop_ran[-1] < len(watches):
            asyncio.get_running_loop().call_soon(tick)

    tick()
    while any(watch.updates.empty() for watch in watches):
        await asyncio.sleep(0.01)
    assert TELL_BATCH in answered_when_loop_ran and 2 * TELL_BATCH in answered_when_loop_ran
    for watch in watches:
        poller.release(watch)


class RecordingLog:
    """Stands for a trigger's logger: the INFO lines it was given."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def isEnabledFor(self, level: int) -> bool:
        return False

    async def ainfo(self, line: str) -> None:
        self.lines.append(line)

    def warning(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("count", [pytest.param(1, id="one-job"), pytest.param(3, id="three-jobs")])
async def test_a_wait_logs_only_the_jobs_that_ended_and_only_when_there_are_several(
    heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    ids = create_videos(heygen, count)
    heygen.clock_speed = 50.0
    trig, log = trigger(ids, interval=0.2), RecordingLog()
    monkeypatch.setattr(type(trig), "log", property(lambda self: log))
    assert (await first_event(trig))["status"] == "success"
    if count == 1:
        assert log.lines == []  # the event reports it: a single job's wait logs nothing per poll
    else:
        assert sorted(line.split(":")[0] for line in log.lines) == sorted(f"HeyGen video {i}" for i in ids)
        assert all("completed" in line for line in log.lines)


async def test_a_poller_reads_its_ids_in_slices_spread_over_the_interval(heygen: FakeHeyGen) -> None:
    from urllib.parse import parse_qs

    heygen.concurrency_limit = None
    heygen.wallet_balance = 1e9
    ids = create_videos(heygen, 250)
    heygen.clock_speed = 1.0  # the fake stamps each request with its clock
    poller = StatusPoller.for_running_loop("heygen_default", "video")
    watches = [poller.watch([job_id], 0.9) for job_id in ids]
    await asyncio.sleep(2.9)  # the first answers at once, then from 0.9 s two cycles of three slices
    for watch in watches:
        poller.release(watch)
    reads = [
        (request.at, parse_qs(request.query)["video_ids"][0].split(","))
        for request in heygen.requests_to("GET", "/v3/videos/statuses")
    ]
    first, *cycles = reads[:3], reads[3:6], reads[6:9]
    assert sorted(job_id for _, chunk in first for job_id in chunk) == sorted(ids)  # all answered at once
    for cycle in cycles:
        assert sorted(job_id for _, chunk in cycle for job_id in chunk) == sorted(ids)  # each id once a cycle
        assert all(len(chunk) <= 100 for _, chunk in cycle)
        assert cycle[-1][0] - cycle[0][0] >= 0.4  # three reads spread over 0.9 s (0.3 s apart), not one burst


def test_a_watch_is_told_only_once_every_one_of_its_ids_has_been_read() -> None:
    from airflow_provider.heygen.triggers.poller import Watch

    def status(job_id: str, raw: str) -> JobStatus:
        return JobStatus(kind="video", job_id=job_id, status=raw, state=JobState.RUNNING)

    watch = Watch(("a", "b"), 1.0)
    watch.tell({"a": status("a", "processing")})  # b's slice is not read yet (its first read failed)
    assert watch.updates.empty()
    watch.tell({"a": status("a", "processing"), "b": status("b", "pending")})
    assert set(watch.updates.get_nowait()) == {"a", "b"}


async def test_a_poller_that_breaks_ends_its_triggers_at_once_with_an_error_event(
    heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider.heygen.triggers import poller

    def broken(self: poller.Watch, statuses: object) -> None:
        raise RuntimeError("a bug in telling")

    monkeypatch.setattr(poller.Watch, "tell", broken)
    ids = create_videos(heygen, 1)
    started = time.monotonic()
    payload = await first_event(trigger(ids, seconds=60))
    assert payload["status"] == "error" and "a bug in telling" in payload["message"]
    assert time.monotonic() - started < 10  # not at its deadline, a minute away
    assert not StatusPoller.for_running_loop("heygen_default", "video")._watches  # a new poller, nothing left
