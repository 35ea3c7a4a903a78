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
import os
import resource
import tempfile
import time

import httpx
from _common import (
    API_KEY,
    Counter,
    counting_poller_requests,
    create_jobs,
    fake_api,
    pin_self,
    report,
    use_fake_connection,
)


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
    from airflow_provider.heygen.triggers.job import HeyGenJobTrigger

    deadline = time.time() + window

    async def wait(job_id: str) -> None:
        async for _ in HeyGenJobTrigger("heygen_default", "video", [job_id], interval, deadline).run():
            pass

    with counting_poller_requests(counter):
        await asyncio.gather(*(wait(job_id) for job_id in ids))


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
    pin_self()
    with fake_api() as url:
        use_fake_connection(url)
        import airflow_provider.heygen.triggers.job  # noqa: F401  (imported before measuring)

        ids = create_jobs(url, args.jobs)
        polls = args.window / args.interval
        print(f"{args.jobs} waiting jobs, poll every {args.interval}s for {args.window}s (~{polls:.0f} polls each)")
        base = measure("baseline", lambda c: baseline(url, ids, args.interval, args.window, c), args.jobs, polls)
        ours = measure("provider", lambda c: provider(ids, args.interval, args.window, c), args.jobs, polls)
        print(
            f"provider / baseline: cpu x{ours['cpu'] / base['cpu']:.3f}, "
            f"requests x{ours['requests'] / max(base['requests'], 1):.3f}"
        )
    report("client_per_trigger", {"jobs": args.jobs, "interval_s": args.interval, "baseline": base, "provider": ours})


if __name__ == "__main__":
    main()
