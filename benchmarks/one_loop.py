"""Benchmark: ``HeyGenJobTrigger`` against its floor, a sleep-only trigger, in one event loop.

N triggers wait on N HeyGen jobs that never finish (the fake's clock is frozen; the fake runs in its own
process on its own core) for a fixed window, after a sleep-only run of N coroutines with the same interval:
the loop's own cost of N waiters, which no poll design can go under. Prints CPU per job per poll for both, the
ratio (target: at most 2x), status requests per job per poll and peak RSS growth, for each N, both over the
triggers' whole life (their setup included) and in the steady state (after the first two polls); writes them
to the JSON report (section ``one_loop``).

    python benchmarks/one_loop.py --jobs 1000 3000 10000 --interval 5 --window 20
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import os
import resource
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _common import Counter, counting_poller_requests, create_jobs, fake_api, pin_self, report, use_fake_connection


async def sleep_only(count: int, interval: float, window: float) -> None:
    """The floor: N waiters that only sleep between 'polls' (what a trigger that asks nothing would cost)."""

    async def wait() -> None:
        deadline = time.time() + window
        while time.time() < deadline:
            await asyncio.sleep(interval)

    await asyncio.gather(*(wait() for _ in range(count)))


async def provider(ids: list[str], interval: float, window: float) -> None:
    """N ``HeyGenJobTrigger``s, one job each, sharing the loop's status poller."""
    from airflow_provider.heygen.triggers.job import HeyGenJobTrigger

    deadline = time.time() + window

    async def wait(job_id: str) -> None:
        async for _ in HeyGenJobTrigger("heygen_default", "video", [job_id], interval, deadline).run():
            pass

    await asyncio.gather(*(wait(job_id) for job_id in ids))


def measure(run: Callable[[], Awaitable[None]], jobs: int, interval: float, window: float) -> dict[str, float]:
    """CPU of ``run`` per job per poll over its whole life (setup and end included), and in the steady state:
    from the end of the first two polls (every trigger set up and answered) to half a poll before the end."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    marks: dict[str, float] = {}

    async def timed() -> None:
        async def mark() -> None:
            await asyncio.sleep(2 * interval)
            marks["steady"] = time.process_time()
            await asyncio.sleep(window - 2.5 * interval)
            marks["end"] = time.process_time()

        marker = asyncio.ensure_future(mark())
        await run()
        await marker

    gc.collect()  # the garbage of the run before is not this run's cost
    cpu, wall = time.process_time(), time.perf_counter()
    asyncio.run(timed())
    end = time.process_time()
    polls = window / interval
    steady_polls = polls - 2.5
    return {
        "cpu_s": round(end - cpu, 3),
        "wall_s": round(time.perf_counter() - wall, 2),
        "us_per_job_poll": round((end - cpu) / (jobs * polls) * 1e6, 1),
        "steady_us_per_job_poll": round((marks["end"] - marks["steady"]) / (jobs * steady_polls) * 1e6, 1),
        "peak_rss_growth_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--window", type=float, default=20.0)
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="heygen-bench-"))
    pin_self()
    polls = args.window / args.interval
    if polls < 4:
        parser.error("--window must hold at least 4 polls (2 to set up, 2 or more in the steady state)")
    timing = (args.interval, args.window)
    results: list[dict[str, Any]] = []
    with fake_api() as url:
        use_fake_connection(url)
        import airflow_provider.heygen.triggers.job  # noqa: F401  (imported before measuring)

        counter = Counter()
        print(f"poll every {args.interval}s for {args.window}s (~{polls:.0f} polls each); the fake on its own core")
        print(
            "CPU us per job per poll: over the triggers' whole life | in the steady state (after 2 polls, to the last)"
        )
        print(f"{'N':>6}  {'floor':>17}  {'provider':>17}  {'ratio':>14}  {'req/job/poll':>12}")
        for jobs in args.jobs:
            ids = create_jobs(url, jobs)
            floor = measure(functools.partial(sleep_only, jobs, args.interval, args.window), jobs, *timing)
            counter.requests = 0
            with counting_poller_requests(counter):
                ours = measure(functools.partial(provider, ids, args.interval, args.window), jobs, *timing)
            ours["requests_per_job_poll"] = round(counter.requests / (jobs * polls), 4)
            ratio = ours["us_per_job_poll"] / max(floor["us_per_job_poll"], 0.1)
            steady = ours["steady_us_per_job_poll"] / max(floor["steady_us_per_job_poll"], 0.1)
            print(
                f"{jobs:>6}  {floor['us_per_job_poll']:>8.1f} {floor['steady_us_per_job_poll']:>8.1f}  "
                f"{ours['us_per_job_poll']:>8.1f} {ours['steady_us_per_job_poll']:>8.1f}  "
                f"{ratio:>6.2f}x {steady:>6.2f}x  {ours['requests_per_job_poll']:>12.4f}"
            )
            results.append(
                {
                    "jobs": jobs,
                    "floor": floor,
                    "provider": ours,
                    "ratio": round(ratio, 2),
                    "steady_ratio": round(steady, 2),
                }
            )
    report("one_loop", {"interval_s": args.interval, "window_s": args.window, "runs": results})


if __name__ == "__main__":
    main()
