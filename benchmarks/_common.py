"""What the benchmarks share: the fake in its own process on its own core, jobs that never finish, the report.

Each benchmark pins itself to core 0 and the fake to the last core (on a machine with more than one), so the
server's CPU is neither counted nor competing; ``report`` merges a benchmark's numbers into the JSON report
(``BENCH_REPORT``, default ``bench-report.json``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

API_KEY = "bench-key"
AVATAR = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "one two three"}
REPORT = Path(os.environ.get("BENCH_REPORT", "bench-report.json"))


def cores() -> tuple[set[int], set[int]]:
    """(the benchmark's cores, the fake's): apart when the machine has two or more."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return set(available), set(available)
    return {available[0]}, {available[-1]}


def pin_self() -> None:
    os.sched_setaffinity(0, cores()[0])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fake_api(*extra: str) -> Iterator[str]:
    """``heygen-fake-api`` with a frozen clock, no concurrency cap and a bottomless wallet, pinned apart."""
    port = free_port()
    command = [
        os.path.join(os.path.dirname(sys.executable), "heygen-fake-api"),
        *("--port", str(port), "--api-key", API_KEY, "--clock-speed", "0", "--concurrency-limit", "0"),
        *("--wallet-credits", "1e12", *extra),
    ]
    fake_cores = cores()[1]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.sched_setaffinity(0, fake_cores),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/v3/users/me", headers={"x-api-key": API_KEY}, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the fake did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def create_jobs(url: str, count: int) -> list[str]:
    """``count`` videos at the fake (they never finish: its clock is frozen)."""
    with httpx.Client(base_url=url, headers={"x-api-key": API_KEY}, timeout=30) as http:
        return [
            http.post("/v3/videos", json=AVATAR).raise_for_status().json()["data"]["video_id"] for _ in range(count)
        ]


class Counter:
    """Counts requests through an httpx event hook."""

    def __init__(self) -> None:
        self.requests = 0

    async def __call__(self, request: httpx.Request) -> None:
        self.requests += 1


@contextmanager
def counting_poller_requests(counter: Counter) -> Iterator[None]:
    """Count every request of the triggers' shared status poller (its client gets ``counter`` as a hook)."""
    from airflow_provider.heygen.triggers import poller

    original = poller.httpx.AsyncClient

    def counted(*args: Any, **kwargs: Any) -> httpx.AsyncClient:
        return original(*args, event_hooks={"request": [counter]}, **kwargs)

    poller.httpx.AsyncClient = counted  # type: ignore[misc]
    try:
        yield
    finally:
        poller.httpx.AsyncClient = original  # type: ignore[misc]


def use_fake_connection(url: str) -> None:
    """Point ``heygen_default`` at the fake and keep Airflow's per-trigger log lines out of the numbers."""
    os.environ["AIRFLOW_CONN_HEYGEN_DEFAULT"] = json.dumps({"conn_type": "heygen", "password": API_KEY, "host": url})
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")


def report(section: str, numbers: Any) -> None:
    """Merge ``numbers`` into the JSON report under ``section``."""
    current = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    current[section] = numbers
    REPORT.write_text(json.dumps(current, indent=2) + "\n")
    print(f"(written to {REPORT}: {section})")
