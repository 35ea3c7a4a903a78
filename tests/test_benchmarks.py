"""`make bench`'s scripts run end to end at a tiny size and write their report (numbers are not asserted:
timings are measured by `make bench` on a quiet machine, never checked in tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3

ROOT = Path(__file__).resolve().parent.parent
SMALL = {
    "trigger_wait.py": ["--jobs", "20", "--interval", "0.5", "--window", "1"],
    "one_loop.py": ["--jobs", "30", "60", "--interval", "0.3", "--window", "1.2"],
    "parse_cost.py": ["--runs", "1"],
    "triggerer.py": [
        *("--jobs", "20", "--interval", "2", "--job-life", "4", "--database", "sqlite", "--burst", "20"),
        *("--scenarios", "sleep", "heygen", "translation", "burst"),
    ],
}
SECTIONS = {
    "trigger_wait.py": "client_per_trigger",
    "one_loop.py": "one_loop",
    "parse_cost.py": "parse_cost",
    "triggerer.py": "triggerer",
}


@pytest.mark.parametrize("script", sorted(SMALL))
def test_a_benchmark_runs_and_reports(script: str, tmp_path: Path) -> None:
    if script == "triggerer.py" and not AIRFLOW_V_3:
        pytest.skip("the triggerer benchmark measures Airflow 3's triggerer (supervisor and runner)")
    report = tmp_path / "bench.json"
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])  # taskset pins the triggerer
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *SMALL[script]],
        env={"BENCH_REPORT": str(report), "PATH": path, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    section = json.loads(report.read_text())[SECTIONS[script]]
    if script == "one_loop.py":
        assert [run["jobs"] for run in section["runs"]] == [30, 60]
        assert all(run["provider"]["requests_per_job_poll"] > 0 and run["steady_ratio"] > 0 for run in section["runs"])
    elif script == "parse_cost.py":
        assert section["heygen_ms"] > 0 and section["empty_ms"] > 0
        assert any(row["module"].startswith("airflow_provider.heygen") for row in section["imports"]["slowest"])
    elif script == "triggerer.py":
        runs = {run["scenario"]: run for run in section["runs"]}
        assert set(runs) == {"sleep", "heygen", "translation", "burst"}
        assert all(run["finished"] == run["triggers"] and not run["deadlocked"] for run in runs.values())
        assert runs["translation"]["triggers"] == 2 and runs["translation"]["jobs"] == 20  # 10 jobs a trigger
        assert 0 < runs["heygen"]["status_requests_per_job_poll"] < 1  # bulk reads, measured at the fake
        assert all(run["event_delay_s"]["max"] > 0 for run in runs.values())  # the events are in the database
        assert runs["heygen"]["lag_p99_ms"] >= 0 and runs["heygen"]["vs_floor"]["cpu_per_job"] > 0
    else:
        assert section["provider"]["requests"] < section["baseline"]["requests"]
