"""Benchmark: the CPU the triggerer spends while N deferred tasks wait on N HeyGen jobs.

Runs the fake HeyGen API in a separate process (so its CPU is not counted), starts N jobs that never finish
(frozen clock), then waits on them for a fixed window in one event loop, twice:

- baseline: what a naive trigger does: one AsyncHeyGenClient (one HTTP pool) per trigger and one GET per job
  per poll;
- provider: N ``HeyGenJobTrigger`` instances sharing the loop's ``StatusPoller`` (one pool, bulk status
  requests of 100 ids, in-flight requests bounded).

Prints CPU per job per poll (process CPU of this process / jobs / polls), requests sent, peak RSS growth, and
the ratios. Usage: ``python benchmarks/trigger_wait.py --jobs 500 --interval 2 --window 20``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

import httpx

API_KEY = "bench-key"
AVATAR = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "one two three"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_fake(port: int) -> subprocess.Popen[bytes]:
    command = [
        os.path.join(os.path.dirname(sys.executable), "heygen-fake-api"),
        *("--port", str(port), "--api-key", API_KEY, "--clock-speed", "0", "--concurrency-limit", "0"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/v3/users/me", headers={"x-api-key": API_KEY}, timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the fake did not start")


def create_jobs(url: str, count: int) -> list[str]:
    with httpx.Client(base_url=url, headers={"x-api-key": API_KEY}, timeout=30) as http:
        return [http.post("/v3/videos", json=AVATAR).json()["data"]["video_id"] for _ in range(count)]


class Counter:
    """Counts requests through an httpx event hook."""

    def __init__(self) -> None:
        self.requests = 0

    async def __call__(self, request: httpx.Request) -> None:
        self.requests += 1


async def baseline(url: str, ids: list[str], interval: float, window: float, counter: Counter) -> None:
    """One client per trigger, one GET per job per poll."""
    from airflow_provider.heygen.api.client import AsyncHeyGenClient

    async def naive_trigger(job_id: str) -> None:
        http = httpx.AsyncClient(event_hooks={"request": [counter]})
        async with AsyncHeyGenClient(API_KEY, base_url=url, http_client=http) as client:
            deadline = time.time() + window
            while time.time() < deadline:
                await client.get_job_statuses("video", [job_id])
                await asyncio.sleep(interval)
        await http.aclose()

    await asyncio.gather(*(naive_trigger(job_id) for job_id in ids))


async def provider(ids: list[str], interval: float, window: float, counter: Counter) -> None:
    """N HeyGenJobTriggers sharing the loop's poller."""
    from airflow_provider.heygen.triggers import poller
    from airflow_provider.heygen.triggers.job import HeyGenJobTrigger

    original = poller.httpx.AsyncClient

    def counted(*args: object, **kwargs: object) -> httpx.AsyncClient:
        return original(*args, event_hooks={"request": [counter]}, **kwargs)  # type: ignore[arg-type]

    poller.httpx.AsyncClient = counted  # type: ignore[misc]
    try:
        deadline = time.time() + window

        async def wait(job_id: str) -> None:
            async for _ in HeyGenJobTrigger("heygen_default", "video", [job_id], interval, deadline).run():
                pass

        await asyncio.gather(*(wait(job_id) for job_id in ids))
    finally:
        poller.httpx.AsyncClient = original  # type: ignore[misc]


def measure(label: str, run: object, jobs: int, polls: float) -> dict[str, float]:
    counter = Counter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu, wall = time.process_time(), time.perf_counter()
    asyncio.run(run(counter))  # type: ignore[operator]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    per_job_poll_us = cpu / (jobs * polls) * 1e6
    print(
        f"{label:9} cpu {cpu:7.2f}s  wall {wall:6.1f}s  cpu/job/poll {per_job_poll_us:8.0f} us  "
        f"requests {counter.requests:6d} ({counter.requests / (jobs * polls):.3f}/job/poll)  "
        f"peak RSS +{rss_growth / 1024:.0f} MB"
    )
    return {"cpu": cpu, "requests": counter.requests, "us": per_job_poll_us}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--window", type=float, default=20.0)
    args = parser.parse_args()

    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="heygen-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    os.environ["AIRFLOW_CONN_HEYGEN_DEFAULT"] = json.dumps({"conn_type": "heygen", "password": API_KEY, "host": url})
    # Import everything before measuring (the trigger module imports Airflow), and keep the one line per
    # state change that each trigger logs out of the numbers: this measures polling.
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    import airflow_provider.heygen.triggers.job  # noqa: F401

    fake = start_fake(port)
    try:
        ids = create_jobs(url, args.jobs)
        polls = args.window / args.interval
        print(f"{args.jobs} waiting jobs, poll every {args.interval}s for {args.window}s (~{polls:.0f} polls each)")
        base = measure("baseline", lambda c: baseline(url, ids, args.interval, args.window, c), args.jobs, polls)
        ours = measure("provider", lambda c: provider(ids, args.interval, args.window, c), args.jobs, polls)
        print(
            f"provider / baseline: cpu x{ours['cpu'] / base['cpu']:.3f}, "
            f"requests x{ours['requests'] / max(base['requests'], 1):.3f}"
        )
    finally:
        fake.terminate()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
