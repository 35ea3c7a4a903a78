"""The chaos suite's faults, and how one run under a fault is judged.

A ``Chaos`` names a fault class, the faults that make it (seeded by the run), and the outcome a user should
get: ``success`` (after retries) or ``failure`` (a clear, typed one). ``judge`` reads the fake and the output
folder after a run and counts what must stay zero whatever the fault: duplicated jobs (credits paid twice)
and lost or partial output files.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from airflow_provider.heygen.api.jobs import job_kind
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.faults import Fault

#: The connection's client settings under chaos: a short timeout (so a slow answer times out) and retries.
CHAOS_CONNECTION_EXTRA = {"timeout": 1.0, "max_retries": 4, "max_retry_wait": 1.0}
CREATE = "re:/v3/(videos|video-translations)"
STATUS = "re:/v3/(videos|video-translations)/.+"


@dataclass(frozen=True)
class Chaos:
    """A fault class: ``faults(seed)`` builds its faults; ``setup(fake)`` readies the fake beyond them."""

    name: str
    faults: Callable[[int], Sequence[Fault]]
    expect: str = "success"
    setup: Callable[[FakeHeyGen], None] | None = None
    #: What a clear failure must name besides the job id (HeyGen's code, or the kind of limit).
    names: str = ""


def _faults(*specs: dict[str, Any]) -> Callable[[int], list[Fault]]:
    return lambda seed: [Fault(seed=f"{seed}:{index}", **spec) for index, spec in enumerate(specs)]


def _busy_account(fake: FakeHeyGen) -> None:
    """Fill both job slots of the plan with jobs that end in about 6 and 8 seconds (at the clock of x50), so
    every create is refused until they end (two slots: the translation asks for two jobs at once)."""
    fake.concurrency_limit = 2
    for seconds in (300.0, 400.0):
        fake.state.create_job("video", {"script": "someone else's render"}, output_seconds=seconds)


CHAOS: tuple[Chaos, ...] = (
    Chaos("429 rate, short Retry-After", _faults({"kind": "rate_limit", "path": "/v3/*", "rate": 0.3})),
    Chaos(
        "429 rate, Retry-After over the cap",
        _faults({"kind": "rate_limit", "path": CREATE, "method": "POST", "retry_after": 2, "times": 2}),
    ),
    Chaos("429 concurrent jobs", _faults(), setup=_busy_account),
    Chaos(
        "500/502/503/504",
        _faults(
            *({"kind": "error", "path": "/v3/*", "status": status, "rate": 0.1} for status in (500, 502, 503, 504))
        ),
    ),
    Chaos("5xx after the work was done", _faults({"kind": "error", "path": CREATE, "method": "POST", "after": True})),
    Chaos(
        "dropped connections",
        _faults(
            {"kind": "drop", "path": "/v3/*", "rate": 0.2},
            {"kind": "drop", "path": CREATE, "method": "POST", "after": True, "times": 2},
        ),
    ),
    Chaos("slower than the client timeout", _faults({"kind": "delay", "path": "/v3/*", "delay": 1.5, "times": 3})),
    Chaos(
        "malformed JSON",
        _faults(
            {"kind": "malformed", "path": STATUS, "method": "GET", "rate": 0.3},
            {"kind": "malformed", "path": CREATE, "method": "POST", "after": True, "times": 1},
        ),
    ),
    Chaos("HTML error pages", _faults({"kind": "html", "path": "/v3/*", "status": 502, "rate": 0.3})),
    Chaos("empty bodies", _faults({"kind": "empty", "path": "/v3/*", "rate": 0.3})),
    Chaos("huge bodies", _faults({"kind": "huge", "path": STATUS, "method": "GET", "size": 2_000_000, "rate": 0.5})),
    Chaos("job fails once", _faults({"kind": "job_failure", "path": CREATE, "method": "POST", "times": 1})),
    Chaos(
        "job always fails",
        _faults({"kind": "job_failure", "path": "/v3/videos", "method": "POST", "failure_code": "render_failed"}),
        expect="failure",
        names="render_failed",
    ),
    Chaos(
        "job never finishes",
        _faults({"kind": "job_stuck", "path": "/v3/videos", "method": "POST"}),
        expect="failure",
        names="not finished",
    ),
    Chaos("download URL expires mid-download", _faults({"kind": "expire", "path": "/files/*", "times": 1})),
    Chaos("body cut short mid-stream", _faults({"kind": "truncate", "path": "/files/*", "rate": 0.3})),
)


@dataclass
class Verdict:
    """What one run under a fault came to."""

    fault: str
    mode: str
    succeeded: bool
    clear_failure: bool
    duplicates: int
    lost_or_partial: int
    faults_hit: int
    problems: list[str] = field(default_factory=list)

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def duplicated_jobs(fake: FakeHeyGen) -> list[str]:
    """Jobs the DAG did not ask for: a job followed by another for the same slot although it had not failed.

    A slot is one job of a request (the render; each language of the translation). A retry may resubmit a
    slot only after its job failed; any other later job in the slot is a second payment for the same output.
    """
    slots: dict[tuple[str, str], list[Any]] = {}
    for job in fake.jobs():
        if job.title and job.title.startswith("chaos"):
            slots.setdefault((job.kind, str(job.extra.get("output_language", ""))), []).append(job)
    duplicates = []
    for jobs in slots.values():
        for job, following in itertools.pairwise(jobs):
            if job.status != "failed":
                duplicates.append(f"{job.kind} {job.id} ({job.status}) was followed by {following.id}")
    return duplicates


def output_problems(fake: FakeHeyGen, result: dict[str, Any] | None, out: Path) -> list[str]:
    """Files missing from a successful delivery, and any file that is partial, empty or a leftover temp file.

    Each delivered file is compared byte for byte with what the fake serves for it now (faults cleared).
    """
    problems = [f"leftover temporary file {path}" for path in out.rglob("*.part")]
    expected: dict[Path, bytes] = {}
    if result is not None:
        for job_id, files in result["files"].items():
            urls = _output_urls(fake, job_id)
            for name, path in files.items():
                url = urls[name]
                expected[Path(path)] = httpx.get(url, timeout=10).content if url else b""
    for path, content in expected.items():
        if not path.is_file():
            problems.append(f"lost: {path}")
        elif path.read_bytes() != content:
            problems.append(f"partial: {path} has {path.stat().st_size} of {len(content)} bytes")
    for path in out.rglob("*"):
        if path.is_file() and not path.name.endswith(".part") and path not in expected:
            problems.append(f"unexpected file {path} ({path.stat().st_size} bytes)")
    return problems


def _output_urls(fake: FakeHeyGen, video_id: str) -> dict[str, str | None]:
    """Fresh URLs of a video's outputs, asked of the fake directly."""
    answer = httpx.get(f"{fake.url}/v3/videos/{video_id}", headers={"x-api-key": fake.api_key}, timeout=10)
    resource = answer.json()["data"]
    return {name: output.url(resource) for name, output in job_kind("video").outputs.items()}
