"""The fake's state without HTTP: clock, timelines, listeners, caps, files, reset."""

from __future__ import annotations

import time

import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.errors import ApiError
from airflow_provider.heygen.testing.fake.state import Clock, FakeConfig, Job, JobKind, NewJob, State

KIND = JobKind(name="thing", id_prefix="t", phases=(("queued", 0.5), ("working", 0.5)), price_per_second=0.5)


def make_state(**config: object) -> State:
    state = State(FakeConfig(clock_speed=0.0, seed=1, **config))  # type: ignore[arg-type]
    state.register_kind(KIND)
    return state


def test_a_frozen_clock_moves_only_when_advanced() -> None:
    clock = Clock(0.0)
    start = clock.now()
    time.sleep(0.01)
    assert clock.now() == start
    clock.advance(5)
    assert clock.now() == start + 5
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_a_fast_clock_runs_faster_than_wall_time() -> None:
    clock = Clock(1000.0)
    start = clock.now()
    time.sleep(0.02)
    assert clock.now() - start >= 20
    assert clock.to_wall(100) == pytest.approx(0.1)


def test_a_job_walks_its_phases_then_completes_and_is_charged_once() -> None:
    state = make_state(job_seconds=2.0)
    job = state.create_job("thing", {}, 3.0)  # run: 6 s
    seen = []
    for _ in range(4):
        seen.append(state.get_job("thing", job.id).status)
        state.clock.advance(2)

    assert seen == ["queued", "queued", "working", "completed"]
    assert job.completed_at == job.created_at + 6
    assert job.credits == state.credits_spent == 1.5
    state.tick()
    assert state.credits_spent == 1.5


def test_listeners_hear_each_terminal_job_exactly_once() -> None:
    state = make_state()
    heard: list[Job] = []
    unsubscribe = state.subscribe(heard.append)
    done, failed = state.create_job("thing", {}, 1.0), state.create_job("thing", {}, 5.0)
    state.finish(failed, failed=True, code="boom", message="it broke")
    state.clock.advance(2)
    for _ in range(3):
        state.tick()
        state.jobs()

    assert heard == [failed, done]
    assert (failed.status, failed.failure_code, failed.credits) == ("failed", "boom", 0.0)
    unsubscribe()
    state.create_job("thing", {}, 1.0)
    state.clock.advance(2)
    state.tick()
    assert len(heard) == 2


def test_create_jobs_is_all_or_nothing_under_the_cap() -> None:
    state = make_state(concurrency_limit=2)
    state.create_job("thing", {}, 1.0)

    with pytest.raises(ApiError) as refused:
        state.create_jobs([NewJob("thing", {}, 1.0), NewJob("thing", {}, 1.0)])
    assert refused.value.status == 429
    assert "concurrent" in refused.value.message
    assert len(state.jobs()) == 1
    state.create_jobs([NewJob("thing", {}, 1.0), NewJob("thing", {}, 1.0, concurrent=False)])
    assert len(state.jobs()) == 3


def test_the_wallet_must_cover_what_runs_plus_the_new_job() -> None:
    state = make_state(wallet_credits=1.0)
    state.create_job("thing", {}, 1.5)  # 0.75 reserved

    with pytest.raises(ApiError) as refused:
        state.create_job("thing", {}, 1.0)
    assert (refused.value.status, refused.value.code) == (402, "insufficient_credit")


def test_phase_shares_must_add_up_to_one() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        make_state().register_kind(JobKind(name="bad", id_prefix="b", phases=(("a", 0.5),)))


def test_seeded_ids_repeat_and_carry_their_prefix() -> None:
    assert [make_state().new_id("v") for _ in range(2)] == [make_state().new_id("v")] * 2
    assert make_state().new_id("v").startswith("v_")


def test_file_urls_remember_media_length_and_expire() -> None:
    state = make_state(url_ttl=10)
    state.base_url = "http://fake"
    url = state.file_url("clip.mp4", b"bytes", seconds=12.5)
    token, name = url.split("/")[4], "clip.mp4"
    query = dict(part.split("=") for part in url.split("?")[1].split("&"))

    assert state.known_media_seconds({"type": "url", "url": url}) == 12.5
    assert state.media_seconds("https://elsewhere/x.mp4") == state.config.default_source_seconds
    assert state.open_file(token, name, query["Expires"], query["Signature"]) == ("clip.mp4", b"bytes")
    state.clock.advance(10)
    with pytest.raises(ApiError, match="expired"):
        state.open_file(token, name, query["Expires"], query["Signature"])


def test_reset_forgets_data_but_keeps_kinds_listeners_and_config() -> None:
    state = make_state(wallet_credits=5.0)
    heard: list[Job] = []
    state.subscribe(heard.append)
    state.bucket("webhooks")["ep_1"] = {"url": "https://example.com"}
    state.create_job("thing", {}, 2.0)
    state.clock.advance(5)
    state.tick()

    state.reset()

    assert (state.jobs(), state.bucket("webhooks"), state.credits_spent, state.wallet_balance) == (
        [],
        {},
        0,
        5.0,
    )
    state.create_job("thing", {}, 1.0)
    state.clock.advance(1)
    state.tick()
    assert len(heard) == 2


def test_jobs_end_on_time_without_anyone_polling() -> None:
    heard: list[str] = []
    with FakeHeyGen(clock_speed=100.0) as fake:
        fake.subscribe(lambda job: heard.append(job.status))
        fake.state.register_kind(KIND)
        fake.state.create_job("thing", {}, 10.0)  # 10 fake seconds: 0.1 s of wall time
        deadline = time.monotonic() + 2
        while not heard and time.monotonic() < deadline:
            time.sleep(0.01)

    assert heard == ["completed"]
