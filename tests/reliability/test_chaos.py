"""Chaos: the chaos DAGs under ``dag.test()`` against the fake while it injects one fault class at a time.

Whatever the fault: the jobs created at the fake are the jobs the DAG asked for (no credits paid twice), no
output file is lost, partial or empty, and a failure is a clear one that names its job. Besides the faults of
``chaos.CHAOS``: a trigger rebuilt from ``serialize()`` mid-wait (a triggerer restart), and a worker killed
with SIGKILL right after its create request reached the fake, then run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger
from tests.examples.helpers import run_on, task_instances
from tests.reliability.chaos import CHAOS, CHAOS_CONNECTION_EXTRA, Chaos, Verdict, duplicated_jobs, output_problems
from tests.reliability.conftest import chaos_modes, chaos_runs

ROOT = Path(__file__).resolve().parents[2]
DAGS = "tests.dags.heygen_chaos_dags"
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("airflow_db")]


@pytest.fixture
def chaos_fake(make_fake: Callable[..., FakeHeyGen], monkeypatch: pytest.MonkeyPatch) -> FakeHeyGen:
    """The fake with a fast clock, as ``heygen_default`` with the chaos client settings."""
    fake = make_fake(clock_speed=50.0)
    connection = {**json.loads(fake.airflow_conn_env()), "extra": CHAOS_CONNECTION_EXTRA}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))
    return fake


@pytest.fixture
def dags() -> ModuleType:
    module = importlib.import_module(DAGS)
    module.FAILURES.clear()
    return module


def judge(fake: FakeHeyGen, dagrun: Any, dags: ModuleType, out: Path, chaos: Chaos, mode: str) -> Verdict:
    """The verdict of one run: its outcome, and what the fake and the output folder show."""
    fake.clear_faults()
    succeeded = dagrun.state == "success"
    (download,) = task_instances(dagrun, "download")
    result = download.xcom_pull(task_ids="download") if download.state == "success" else None
    duplicates = duplicated_jobs(fake)
    lost = output_problems(fake, result, out)
    job_ids = [job.id for job in fake.jobs()]
    unclear = [
        f"{task}: {text}"
        for task, text in dags.FAILURES
        if not any(job_id in text for job_id in job_ids) or chaos.names not in text
    ]
    clear = not succeeded and bool(dags.FAILURES) and not unclear
    problems = duplicates + lost + unclear
    if not succeeded and chaos.expect == "success":
        problems.append(f"the run failed: {dags.FAILURES}")
    if succeeded and chaos.expect == "failure":
        problems.append("the run succeeded although the fault cannot be overcome")
    refusals = sum(request.status == 429 for request in fake.requests)  # the plan's cap refuses without a fault
    return Verdict(chaos.name, mode, succeeded, clear, len(duplicates), len(lost), refusals, problems)


def assert_holds(verdict: Verdict) -> None:
    assert verdict.duplicates == 0 and verdict.lost_or_partial == 0, verdict.problems
    assert not verdict.problems, verdict.problems


@pytest.mark.timeout(180)
@pytest.mark.parametrize("mode", chaos_modes())
@pytest.mark.parametrize("chaos", CHAOS, ids=[chaos.name for chaos in CHAOS])
def test_the_dag_under_chaos_pays_once_and_loses_nothing(
    chaos: Chaos,
    mode: str,
    chaos_fake: FakeHeyGen,
    dags: ModuleType,
    tmp_path: Path,
    verdicts: list[Verdict],
) -> None:
    dag = dags.deferred_dag if mode == "deferred" else dags.in_worker_dag
    for seed in range(chaos_runs()):
        chaos_fake.reset()
        dags.FAILURES.clear()
        if chaos.setup is not None:
            chaos.setup(chaos_fake)
        faults = [chaos_fake.state.faults.add(fault) for fault in chaos.faults(seed)]
        out = tmp_path / f"run-{seed}"
        dagrun = run_on(dag, f"2026-02-{seed % 28 + 1:02d}", conf={"out": str(out)})
        verdict = judge(chaos_fake, dagrun, dags, out, chaos, mode)
        verdict.faults_hit += sum(fault.hits for fault in faults if fault.kind != "rate_limit")
        verdicts.append(verdict)
        assert_holds(verdict)


@pytest.mark.timeout(120)
def test_a_trigger_rebuilt_from_serialize_mid_wait_finishes_without_a_new_job(
    chaos_fake: FakeHeyGen, verdicts: list[Verdict]
) -> None:
    """A triggerer restart: the running trigger is cancelled and a new one built from its serialized kwargs."""
    from airflow_provider.heygen.hooks.heygen import HeyGenHook

    chaos_fake.clock_speed = 10.0  # the render takes a few seconds: long enough to interrupt its wait
    for seed in range(chaos_runs()):
        chaos_fake.reset()
        drops = chaos_fake.inject("drop", "/v3/videos/*", method="GET", rate=0.2, seed=seed)
        video = HeyGenHook().create_video(
            {
                "type": "avatar",
                "avatar_id": "look_1",
                "voice_id": "voice_1",
                "title": "chaos restart",
                "script": "Long enough to be interrupted. " * 3,
            },
            idempotency_key=f"chaos-restart-{seed}",
        )
        trigger = HeyGenJobTrigger("heygen_default", "video", [video.video_id], 0.2, time.time() + 60)
        polls_before = asyncio.run(_interrupted(trigger, chaos_fake))
        path, kwargs = trigger.serialize()
        module, _, name = path.rpartition(".")
        rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
        event = asyncio.run(_first_event(rebuilt))
        chaos_fake.clear_faults()
        succeeded = event.payload["status"] == "success"
        problems = [] if succeeded else [f"event {event.payload}"]
        problems += duplicated_jobs(chaos_fake)
        if len(chaos_fake.jobs()) != 1:
            problems.append(f"{len(chaos_fake.jobs())} jobs at the fake, 1 asked for")
        if not polls_before:
            problems.append("the first trigger never polled before it was stopped")
        hits = 1 + drops.hits  # the restart, and the dropped polls
        verdict = Verdict("triggerer restart mid-wait", "deferred", succeeded, False, 0, 0, hits, problems)
        verdicts.append(verdict)
        assert_holds(verdict)


async def _interrupted(trigger: HeyGenJobTrigger, fake: FakeHeyGen) -> int:
    """Run the trigger until it has polled twice, then cancel it as a stopping triggerer does; the polls seen."""

    def polls() -> int:
        return len([r for r in fake.requests if r.method == "GET" and r.path.startswith("/v3/videos")])

    task = asyncio.ensure_future(_first_event(trigger))
    deadline = time.monotonic() + 10
    while polls() < 2 and time.monotonic() < deadline and not task.done():
        await asyncio.sleep(0.05)
    assert not task.done(), "the job finished before the trigger could be interrupted"
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return polls()


async def _first_event(trigger: HeyGenJobTrigger) -> Any:
    async for event in trigger.run():
        return event
    raise AssertionError("the trigger ended without an event")


_CHILD = """
import sys
from tests.dags import heygen_chaos_dags as dags
from tests.examples.helpers import run_on
run_on(dags.deferred_dag if sys.argv[1] == "deferred" else dags.in_worker_dag, sys.argv[2], conf={"out": sys.argv[3]})
"""


@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", chaos_modes())
def test_a_worker_killed_after_its_submit_is_retried_onto_the_same_jobs(
    mode: str, chaos_fake: FakeHeyGen, dags: ModuleType, tmp_path: Path, verdicts: list[Verdict]
) -> None:
    """SIGKILL of the process running the task once the fake answered its create, then the task again."""
    chaos_fake.clock_speed = 20.0  # the jobs outlive the kill, and end within the tasks' timeout
    chaos = Chaos("worker SIGKILL after submit", lambda seed: [])
    dag = dags.deferred_dag if mode == "deferred" else dags.in_worker_dag
    for seed in range(chaos_runs()):
        chaos_fake.reset()
        dags.FAILURES.clear()
        out, when = tmp_path / f"run-{seed}", f"2026-03-{seed % 28 + 1:02d}"
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, mode, when, str(out)],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            created = _wait_for_create(chaos_fake, child, timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        assert created, "the task never reached the fake"
        dagrun = run_on(dag, when, conf={"out": str(out)})  # the retry: same run, same keys
        verdict = judge(chaos_fake, dagrun, dags, out, chaos, mode)
        verdict.faults_hit = 1  # the kill
        verdicts.append(verdict)
        assert_holds(verdict)


def _wait_for_create(fake: FakeHeyGen, child: subprocess.Popen[bytes], timeout: float) -> bool:
    """Whether the fake answered a create request of the child (polled every 10 ms) before it ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        if any(r.method == "POST" and r.status is not None and 200 <= r.status < 300 for r in fake.requests):
            return True
        time.sleep(0.01)
    return False
