"""Load: 500 HeyGenJobTriggers in one event loop, over real loopback HTTP to the fake, with faults injected.

Videos and video translations, one shared ``StatusPoller`` per kind, 10% of the status GETs answered 500/503,
dropped, refused with a 429 (``Retry-After: 1``) or malformed (seeded). Some jobs fail, some never finish (their
triggers have a short deadline). Every trigger must yield exactly one event with the right terminal state, the
polls must create nothing, and once every trigger is done the loop holds no task, the shared HTTP client is
closed and the loop's registry is empty. Counts, wall time and requests per job per poll are printed.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pytest

from airflow_provider.heygen.api.errors import JobFailedError
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.state import Job
from airflow_provider.heygen.triggers import poller as poller_module
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger, JobEvent
from airflow_provider.heygen.triggers.poller import StatusPoller

pytestmark = pytest.mark.e2e

TRIGGERS = 500
TRANSLATION_TRIGGERS = 100  # the last 100 wait on video translations, the others on videos
MULTI_JOB_EVERY = 25  # every 25th trigger waits on three jobs, the others on one
FAILING_EVERY, FAILING_AT = 20, 3  # trigger i % 20 == 3: one of its jobs fails
STUCK_EVERY, STUCK_AT = 20, 7  # trigger i % 20 == 7: one of its jobs never finishes
CLOCK_SPEED = 40.0  # fake seconds per wall second: jobs of 20..300 output seconds take 0.5..7.5 s
POLL_INTERVAL = 0.2
DEADLINE = 45.0
STUCK_DEADLINE = 10.0
FAULT_RATE = 0.1
#: The status GETs: bulk (``/statuses``) and per job (a trigger polled alone asks for its one id).
STATUS_PATH = r"re:/v3/(videos|video-translations)/[^/]+"
FAULTS: list[dict[str, Any]] = [
    {"kind": "error", "status": 500},
    {"kind": "error", "status": 503},
    {"kind": "drop"},
    {"kind": "rate_limit", "retry_after": 1},
    {"kind": "malformed"},
]
#: Each fault draws on its own: this rate per fault makes 10% of the status GETs faulty in all.
RATE_EACH = 1 - (1 - FAULT_RATE) ** (1 / len(FAULTS))
#: One retry in the client, and a 429's ``Retry-After: 1`` is longer than it waits in place: the trigger's
#: own tolerance (consecutive failed polls) and the poller's wait for ``retry_after`` are exercised too.
CONNECTION_EXTRA = {"max_retries": 1, "max_retry_wait": 0.5}


@dataclass
class Planned:
    """One trigger and what it must end with."""

    trigger: HeyGenJobTrigger
    expect: str  # success | failed | timeout
    failing: str | None = None  # the id of the job that fails
    failure_code: str | None = None


def kind_of(index: int) -> str:
    return "video_translation" if index >= TRIGGERS - TRANSLATION_TRIGGERS else "video"


def create(fake: FakeHeyGen, kind: str, rng: random.Random) -> Job:
    request: dict[str, Any]
    extra: dict[str, Any]
    if kind == "video":
        request = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "load test"}
        extra = {"output_format": "mp4", "caption_text": "load test"}
    else:
        request = {"video_url": "https://example.com/source.mp4", "output_languages": ["Spanish"]}
        extra = {"output_language": "Spanish"}
    return fake.state.create_job(kind, request, output_seconds=rng.uniform(20, 300), extra=extra)


def plan(fake: FakeHeyGen) -> list[Planned]:
    """Create every job straight in the fake's state, mark the failing and stuck ones, build the triggers."""
    rng = random.Random(2024)
    planned = []
    for index in range(TRIGGERS):
        kind = kind_of(index)
        jobs = [create(fake, kind, rng) for _ in range(3 if index % MULTI_JOB_EVERY == 0 else 1)]
        expect, failing, code, deadline = "success", None, None, DEADLINE
        with fake.state.lock:
            if index % FAILING_EVERY == FAILING_AT:
                job = jobs[-1]
                expect, failing, code = "failed", job.id, f"load_failure_{index}"
                job.outcome, job.failure_code = "failure", code
                job.failure_message = f"Rendering failed ({code})"
            elif index % STUCK_EVERY == STUCK_AT:
                jobs[0].outcome = "stuck"
                expect, deadline = "timeout", STUCK_DEADLINE
        trigger = HeyGenJobTrigger(
            "heygen_default", kind, [job.id for job in jobs], POLL_INTERVAL, time.time() + deadline
        )
        planned.append(Planned(trigger, expect, failing, code))
    return planned


async def events_of(trigger: HeyGenJobTrigger) -> list[dict[str, Any]]:
    return [event.payload async for event in trigger.run()]


async def drained(loop: asyncio.AbstractEventLoop, within: float) -> set[asyncio.Task[Any]]:
    """The loop's tasks other than this one, once they are gone or ``within`` seconds passed."""
    ends = time.monotonic() + within
    while (others := asyncio.all_tasks(loop) - {asyncio.current_task()}) and time.monotonic() < ends:
        await asyncio.sleep(0.01)
    return others


def ids_asked(query: str) -> int:
    values = [value for key, items in parse_qs(query).items() if key.endswith("_ids") for value in items]
    return sum(len(value.split(",")) for value in values)


@pytest.mark.timeout(120)
async def test_500_triggers_in_one_loop_under_faults(
    make_fake: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake: FakeHeyGen = make_fake(concurrency_limit=None, clock_speed=CLOCK_SPEED, wallet_credits=1e9)
    connection = {**json.loads(fake.airflow_conn_env()), "extra": CONNECTION_EXTRA}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))
    loop = asyncio.get_running_loop()
    assert loop not in poller_module._BY_LOOP

    planned = plan(fake)
    jobs_before = {job.id for job in fake.jobs()}
    faults = []
    for n, options in enumerate(FAULTS):
        options = dict(options)
        kind = options.pop("kind")
        faults.append(fake.inject(kind, STATUS_PATH, method="GET", rate=RATE_EACH, seed=f"load-{n}", **options))

    started = time.monotonic()
    tasks = [loop.create_task(events_of(p.trigger), name=f"trigger-{n}") for n, p in enumerate(planned)]
    await asyncio.sleep(0.05)  # every trigger has handed its ids to its kind's poller
    resources = poller_module._BY_LOOP[loop]
    pollers = dict(resources.pollers)
    assert set(pollers) == {("heygen_default", "video"), ("heygen_default", "video_translation")}
    results = await asyncio.gather(*tasks)
    wall = time.monotonic() - started
    leftover = await drained(loop, within=0.5)
    fake.clear_faults()

    # Exactly one event per trigger, each the right terminal state.
    assert [len(events) for events in results] == [1] * TRIGGERS
    wrong = []
    for p, (payload,) in zip(planned, results, strict=True):
        event = JobEvent.from_payload(payload, job_ids=p.trigger.job_ids)
        if event.status != p.expect:
            wrong.append(f"{p.trigger.kind} {p.trigger.job_ids}: expected {p.expect}, got {payload}")
        elif p.expect == "failed":
            with pytest.raises(JobFailedError) as raised:
                event.raise_for_status()
            # The bulk answer carries the code; a job polled alone (a translation's GET) names it in its message.
            named = raised.value.job_id == p.failing and str(p.failure_code) in str(raised.value)
            if set(event.failures) != {p.failing} or not named:
                wrong.append(f"{p.trigger.job_ids}: {raised.value!r} does not name the failed job and its code")
        elif p.expect == "timeout":
            (stuck,) = [job_id for job_id in p.trigger.job_ids if fake.job(job_id).outcome == "stuck"]
            if event.statuses.get(stuck) in ("completed", "failed"):
                wrong.append(f"{p.trigger.job_ids}: the stuck job is not reported running: {payload}")
    assert not wrong, f"{len(wrong)} wrong event(s):\n" + "\n".join(wrong[:20])

    # Polling created nothing.
    assert {job.id for job in fake.jobs()} == jobs_before
    assert not [r for r in fake.requests if r.method != "GET"]

    # Afterwards: no task left, the shared client closed, the loop's registry empty.
    assert not leftover, f"tasks left in the loop: {leftover}"
    assert resources.http.is_closed
    assert not resources.pollers
    assert loop not in poller_module._BY_LOOP

    status_gets = [r for r in fake.requests if r.method == "GET"]
    bulk = [r for r in status_gets if r.path.endswith("/statuses")]
    job_reads = sum(ids_asked(r.query) for r in bulk) + (len(status_gets) - len(bulk))
    outcomes = Counter((p.trigger.kind, p.expect) for p in planned)
    with capsys.disabled():
        print(
            f"\nload: {TRIGGERS} triggers, {len(jobs_before)} jobs ({dict(outcomes)}) in {wall:.1f} s wall;"
            f"\n  events {dict(Counter(payload['status'] for (payload,) in results))},"
            f" status GETs {len(status_gets)} (bulk {len(bulk)}, per job {len(status_gets) - len(bulk)}),"
            f" answers {dict(Counter(r.status for r in status_gets))}"
            f"\n  fault hits { ({f'{f.kind}:{f.status}' if f.kind == 'error' else f.kind: f.hits for f in faults}) }"
            f"\n  poller rounds { ({kind: p.polls for (_, kind), p in pollers.items()}) },"
            f" job statuses read {job_reads}: {len(status_gets) / max(job_reads, 1):.4f} requests per job per poll"
            f"\n  leftover tasks {len(leftover)}, shared client closed {resources.http.is_closed}"
        )


@pytest.mark.timeout(60)
async def test_the_last_trigger_leaving_mid_round_stops_the_poller_at_once(
    make_fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round in flight when the last trigger leaves is not waited out: nobody wants its answer."""
    fake: FakeHeyGen = make_fake(concurrency_limit=None)  # a frozen clock: the jobs never finish
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", fake.airflow_conn_env())
    rng = random.Random(1)
    ids = [create(fake, "video", rng).id for _ in range(2)]
    fake.inject("delay", "/v3/videos/statuses", method="GET", delay=5.0)  # every poll answers after 5 s
    loop = asyncio.get_running_loop()
    trigger = HeyGenJobTrigger("heygen_default", "video", ids, POLL_INTERVAL, time.time() + 1.0)
    started = time.monotonic()
    task = loop.create_task(events_of(trigger))
    await asyncio.sleep(0.2)  # the first poll is in flight
    resources = poller_module._BY_LOOP[loop]
    (payload,) = await task
    assert payload["status"] == "timeout"
    assert not await drained(loop, within=0.5), "the poller outlived its last trigger"
    assert time.monotonic() - started < 3
    assert resources.http.is_closed and not resources.pollers and loop not in poller_module._BY_LOOP


@pytest.mark.timeout(60)
async def test_a_trigger_arriving_as_the_last_one_leaves_mid_round_is_answered(
    make_fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stopping poller's task is cancelled; a watch handed in before it has stopped gets a new task."""
    fake: FakeHeyGen = make_fake(concurrency_limit=None)
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", fake.airflow_conn_env())
    rng = random.Random(2)
    ids = [create(fake, "video", rng).id for _ in range(2)]
    fake.inject("delay", "/v3/videos/statuses", method="GET", delay=3.0, times=1)  # only the first poll is slow
    loop = asyncio.get_running_loop()
    poller = StatusPoller.for_running_loop("heygen_default", "video")
    leaving = poller.watch(ids, POLL_INTERVAL)
    await asyncio.sleep(0.2)  # its first poll is in flight
    poller.release(leaving)
    assert StatusPoller.for_running_loop("heygen_default", "video") is poller  # not stopped yet
    arriving = poller.watch(ids, POLL_INTERVAL)
    update = await asyncio.wait_for(arriving.updates.get(), timeout=2.0)
    assert isinstance(update, dict) and set(update) == set(ids)
    assert leaving.updates.empty()
    resources = poller_module._BY_LOOP[loop]
    poller.release(arriving)
    assert not await drained(loop, within=0.5)
    assert resources.http.is_closed and loop not in poller_module._BY_LOOP


@pytest.mark.timeout(60)
async def test_a_trigger_arriving_as_the_last_one_leaves_between_rounds_gets_one_poller(
    make_fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leaving wakes the sleeping poller and cancels it in the same tick; Python 3.10/3.11's ``wait_for`` may
    swallow that cancel. The old task must then stop, not poll beside the new one."""
    fake: FakeHeyGen = make_fake(concurrency_limit=None)
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", fake.airflow_conn_env())
    ids = [create(fake, "video", random.Random(3)).id]
    poller = StatusPoller.for_running_loop("heygen_default", "video")
    leaving = poller.watch(ids, 0.2)
    await asyncio.wait_for(leaving.updates.get(), timeout=5.0)  # answered; the poller sleeps till the next round
    poller.release(leaving)
    arriving = poller.watch(ids, 0.2)
    polls_before = len(fake.requests)
    await asyncio.sleep(1.0)
    pollers = [task for task in asyncio.all_tasks() if task.get_name().startswith("heygen-poller")]
    polls = len(fake.requests) - polls_before
    poller.release(arriving)
    assert len(pollers) == 1
    assert polls <= 7  # one poller at 0.2 s: about 5 polls in 1 s (two would make about 10)
