"""Benchmark: waiting in Airflow's own ``airflow triggerer``, ``HeyGenJobTrigger`` beside its floor.

For each scenario a fresh ``airflow triggerer`` (pinned to core 0, ``[triggerer] capacity`` raised) runs on a
temporary PostgreSQL (or SQLite) home while this script inserts N deferred task instances with their trigger
rows, as N deferring tasks would, and waits until every one has its event. Side by side:

- ``sleep``: the floor, a trigger that wakes every poll and asks nothing;
- ``shared-client``: one GET per job per poll through one httpx client per loop, behind a semaphore;
- ``heygen``: ``HeyGenJobTrigger``, one job per trigger;
- ``translation``: ``HeyGenJobTrigger`` on N/10 translation-style triggers of 10 jobs each;
- ``burst``: ``HeyGenJobTrigger`` on N triggers created in one transaction (healthy: no "deadlocked").

Jobs run at the fake (its own process, on the last core) for ``--job-life`` seconds from their creation. Per
scenario it prints the triggerer's CPU per trigger (supervisor and runner), RSS per trigger, the lag of a probe
in the runner's loop (p50/p99), status requests per job per poll, how many finished, and the delay from a
job's completion at the server to its event in the database; the ratios to ``sleep``; and writes them to the
JSON report (section ``triggerer``).

    python benchmarks/triggerer.py --jobs 1000 3000 --interval 10 --job-life 30
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import psutil
from _common import API_KEY, cores, fake_api, report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the engine tests' process groups and PostgreSQL

from tests.engine.processes import Process, group_members, spawn, wait_for  # noqa: E402

DAG_ID = "heygen_triggerer_bench"
DAG_FILE = f"""
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG("{DAG_ID}", schedule=None):
    EmptyOperator(task_id="wait")
    EmptyOperator(task_id="probe")
"""
JOB_SECONDS = 3.0  # the fake's processing seconds per second of output: a 10 s video renders for 30 s
SOURCE_URL = "https://example.com/bench-source.mp4"
LANGUAGES_PER_TRANSLATION = 10
SCENARIOS = ("sleep", "shared-client", "heygen", "translation", "burst")
BATCHES = 10  # non-burst scenarios defer their tasks in this many batches, one poll interval apart in all


@dataclass
class Waiter:
    """One deferred task instance: the jobs its trigger waits on, when it deferred, and when they end."""

    map_index: int
    job_ids: list[str]
    deferred_at: float
    done_at: float | None = None  # the floor's: the end it sleeps to (the jobs' come from the fake)


@dataclass
class Scenario:
    name: str
    triggers: int
    jobs_per_trigger: int
    waiters: list[Waiter] = field(default_factory=list)
    posts: int = 0

    @property
    def jobs(self) -> int:
        return self.triggers * self.jobs_per_trigger


class Bench:
    """The Airflow home, its database and the fake, shared by the scenarios; one triggerer per scenario."""

    def __init__(self, root: Path, database_url: str, fake_url: str, fake_state: Path, args: argparse.Namespace):
        self.root, self.fake_url, self.fake_state, self.args = root, fake_url, fake_state, args
        from cryptography.fernet import Fernet

        self.env = dict(
            os.environ,
            AIRFLOW_HOME=str(root / "airflow"),
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=database_url,
            AIRFLOW__CORE__DAGS_FOLDER=str(root / "dags"),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__FERNET_KEY=Fernet.generate_key().decode(),
            AIRFLOW_CONN_HEYGEN_DEFAULT=json.dumps({"conn_type": "heygen", "password": API_KEY, "host": fake_url}),
            PYTHONPATH=os.pathsep.join([str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH", "")]),
            PYTHONWARNINGS="ignore",
        )
        self.triggerer_env = dict(self.env, **dict(item.split("=", 1) for item in args.triggerer_env))
        self.airflow = str(Path(sys.executable).with_name("airflow"))
        self.http = httpx.Client(base_url=fake_url, headers={"x-api-key": API_KEY}, timeout=60)

    def set_up(self) -> None:
        """Migrate the database and serialize the benchmark's DAG (a ``wait`` and a ``probe`` task)."""
        (self.root / "dags").mkdir()
        (self.root / "dags" / "bench.py").write_text(DAG_FILE)
        for command in (["db", "migrate"], ["dags", "reserialize"]):
            subprocess.run([self.airflow, *command], env=self.env, check=True, capture_output=True)
        os.environ.update(self.env)  # this process inserts the rows the triggerer reads, quietly
        os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"

    # --- the server side -------------------------------------------------------------------------------------

    def fake(self) -> dict[str, Any]:
        return wait_for("the fake's state file", lambda: json.loads(self.fake_state.read_text()), timeout=10)

    def create_videos(self, count: int, life: float) -> list[str]:
        """``count`` videos that render for ``life`` seconds from now."""
        words = max(1, round(life / JOB_SECONDS * 2.5))  # the fake speaks 2.5 words a second
        body = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": " ".join(["word"] * words)}
        return [
            self.http.post("/v3/videos", json=body).raise_for_status().json()["data"]["video_id"] for _ in range(count)
        ]

    def create_translation(self) -> list[str]:
        """One translation of the bench source into 10 languages: 10 jobs."""
        from airflow_provider.heygen.testing.fake.validation import TRANSLATION_LANGUAGES

        body = {
            "video": {"type": "url", "url": SOURCE_URL},
            "output_languages": list(TRANSLATION_LANGUAGES[:LANGUAGES_PER_TRANSLATION]),
        }
        response = self.http.post("/v3/video-translations", json=body).raise_for_status()
        return list(response.json()["data"]["video_translation_ids"])

    # --- the Airflow side ------------------------------------------------------------------------------------

    @contextmanager
    def triggerer(self, name: str, capacity: int) -> Iterator[Process]:
        """A fresh ``airflow triggerer`` on core 0, once its runner is up and quiet; always stopped."""
        core = str(min(cores()[0]))
        argv = ["taskset", "-c", core, self.airflow, "triggerer", "--skip-serve-logs", "--capacity", str(capacity)]
        process = spawn(f"triggerer-{name}", argv, env=self.triggerer_env, log_dir=self.root)
        try:
            wait_for("the triggerer's runner", lambda: len(group_members(process.pgid)) >= 2, timeout=120)
            wait_for("the triggerer's job row", self._triggerer_alive, timeout=120)
            time.sleep(3)  # past its start-up
            yield process
        finally:
            process.stop()

    def _triggerer_alive(self) -> bool:
        from airflow.utils.session import create_session
        from sqlalchemy import text

        with create_session() as session:
            query = "SELECT count(*) FROM job WHERE job_type = 'TriggererJob' AND state = 'running'"
            return bool(session.execute(text(query)).scalar())

    def new_run(self, run_id: str) -> dict[str, dict[str, Any]]:
        """A DAG run; its task instance rows (by task id) are the templates the deferred copies are made of."""
        from airflow.models.dagbag import DBDagBag
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from airflow.utils.state import DagRunState
        from airflow.utils.types import DagRunTriggeredByType, DagRunType
        from sqlalchemy import select

        with create_session() as session:
            dag = DBDagBag().get_latest_version_of_dag(DAG_ID, session=session)
            dag.create_dagrun(
                run_id=run_id,
                run_after=datetime.now(timezone.utc),
                run_type=DagRunType.MANUAL,
                triggered_by=DagRunTriggeredByType.TEST,
                state=DagRunState.RUNNING,
                session=session,
            )
            session.flush()
            table = TaskInstance.__table__
            rows = session.execute(select(table).where(table.c.run_id == run_id)).mappings()
            return {row["task_id"]: dict(row) for row in rows}

    def defer(self, template: dict[str, Any], triggers: list[Any], first_index: int) -> tuple[float, float]:
        """Insert the trigger rows and, for each, a deferred copy of ``template``, in one transaction; returns
        when it began and when it was committed (epoch seconds)."""
        from airflow.models.taskinstance import TaskInstance
        from airflow.models.trigger import Trigger
        from airflow.utils.session import create_session
        from sqlalchemy import insert

        rows = [Trigger.from_object(trigger) for trigger in triggers]  # encrypted before the transaction
        began = time.time()
        with create_session() as session:
            session.add_all(rows)
            session.flush()
            copies = [
                {
                    **template,
                    "id": uuid.uuid4(),
                    "map_index": first_index + offset,
                    "state": "deferred",
                    "trigger_id": row.id,
                    "next_method": "execute_complete",
                }
                for offset, row in enumerate(rows)
            ]
            session.execute(insert(TaskInstance.__table__), copies)
        return began, time.time()

    def outcomes(self, run_id: str) -> dict[str, list[tuple[int, str, float | None, Any]]]:
        """(map index, state, epoch of its event, the event) of each task instance of the run, by task id."""
        from airflow.models.taskinstance import TaskInstance
        from airflow.sdk.serde import deserialize
        from airflow.utils.session import create_session
        from sqlalchemy import select

        found: dict[str, list[tuple[int, str, float | None, Any]]] = {}
        with create_session() as session:
            table = TaskInstance.__table__
            query = select(
                table.c.task_id, table.c.map_index, table.c.state, table.c.scheduled_dttm, table.c.next_kwargs
            )
            for task_id, index, state, at, kwargs in session.execute(query.where(table.c.run_id == run_id)):
                event = deserialize(kwargs).get("event") if kwargs else None
                found.setdefault(task_id, []).append((index, state, at.timestamp() if at else None, event))
        return found


def log_lines(bench: Bench, run_id: str) -> dict[str, int]:
    """How many lines the triggers' task logs got, by logger and message (numbers as #), most first."""
    counts: collections.Counter[str] = collections.Counter()
    for path in (bench.root / "airflow" / "logs").rglob(f"*run_id={run_id}*/**/*.log"):
        for line in path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                counts["(not JSON)"] += 1
                continue
            counts[f"{record.get('logger')}: {re.sub(r'[0-9]+', '#', str(record.get('event')))[:60]}"] += 1
    return dict(counts.most_common())


def proc_cpu(pid: int) -> float:
    """User and system CPU seconds of one process."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def proc_rss_kb(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss // 1024)


def roles(process: Process) -> dict[str, int]:
    """The triggerer's supervisor (the ``airflow triggerer`` process) and its runner (the child)."""
    members = group_members(process.pgid)
    runner = [pid for pid in members if pid != process.pgid]
    return {"supervisor": process.pgid, "runner": runner[0]}


def sample(pids: dict[str, int], reader: Callable[[int], float]) -> dict[str, float]:
    return {role: reader(pid) for role, pid in pids.items()}


def run_scenario(bench: Bench, name: str, count: int) -> dict[str, Any]:
    """One scenario in a fresh triggerer: defer, wait for every event, then read what happened."""
    per_trigger = LANGUAGES_PER_TRANSLATION if name == "translation" else 1
    scenario = Scenario(name, max(1, count // per_trigger), per_trigger)
    run_id = f"{name}-{count}"
    stop_probe = bench.root / f"{run_id}.stop"
    with bench.triggerer(run_id, capacity=scenario.triggers + 10) as process, profiled(bench, run_id, process) as pids:
        idle_cpu, idle_rss = sample(pids, proc_cpu), sample(pids, proc_rss_kb)
        peak_rss = dict(idle_rss)
        requests_before = bench.fake()["requests"]["total"]
        templates = bench.new_run(run_id)
        bench.defer(templates["probe"], [_baseline("LagProbeTrigger", stop_file=str(stop_probe))], 0)

        def track_rss() -> None:
            for role, rss in sample(pids, proc_rss_kb).items():
                peak_rss[role] = max(peak_rss[role], rss)

        def pending(task_id: str) -> bool:
            track_rss()
            return any(state == "deferred" for _, state, _, _ in bench.outcomes(run_id).get(task_id, []))

        insert_seconds = _defer_all(bench, scenario, templates["wait"], track_rss)
        limit = bench.args.job_life + 10 * bench.args.interval + 60
        with contextlib.suppress(TimeoutError):
            wait_for("every event", lambda: not pending("wait"), timeout=limit, every=1)
        cpu = {role: value - idle_cpu[role] for role, value in sample(pids, proc_cpu).items()}
        stop_probe.touch()
        with contextlib.suppress(TimeoutError):
            wait_for("the lag probe's event", lambda: not pending("probe"), timeout=30, every=0.5)
        log = process.log.read_text(errors="replace")
    if bench.args.profile is not None:
        (bench.args.profile / f"{run_id}-triggerer.log").write_text(log)
        (bench.args.profile / f"{run_id}-trigger-log-lines.json").write_text(
            json.dumps(log_lines(bench, run_id), indent=1)
        )
    return _summarise(scenario, bench, run_id, cpu, peak_rss, idle_rss, log, insert_seconds, requests_before)


@contextmanager
def profiled(bench: Bench, run_id: str, process: Process) -> Iterator[dict[str, int]]:
    """The triggerer's pids; with ``--profile DIR``, py-spy samples each (collapsed stacks in DIR) meanwhile."""
    pids = roles(process)
    if bench.args.profile is None:
        yield pids
        return
    bench.args.profile.mkdir(parents=True, exist_ok=True)
    record = ["py-spy", "record", "--rate", "100", "--format", os.environ.get("PY_SPY_FORMAT", "raw"), "--nonblocking"]
    record += ["--idle", "--threads"] if os.environ.get("PY_SPY_FORMAT") == "speedscope" else []
    spies = [
        subprocess.Popen(
            [*record, "--pid", str(pid), "--output", str(bench.args.profile / f"{run_id}-{role}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"),
        )
        for role, pid in pids.items()
    ]
    try:
        yield pids
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=30)


def _baseline(name: str, **kwargs: Any) -> Any:
    import baseline_triggers

    return getattr(baseline_triggers, name)(**kwargs)


def _defer_all(bench: Bench, scenario: Scenario, template: dict[str, Any], track_rss: Callable[[], None]) -> float:
    """Create the jobs and defer a task on each trigger's jobs: in batches spread over one poll interval, or
    all in one transaction for a burst (its jobs created first). Returns the longest insert, in seconds."""
    interval, burst = bench.args.interval, scenario.name == "burst"
    batches = _split(range(scenario.triggers), 1 if burst else min(BATCHES, scenario.triggers))
    life = bench.args.job_life + (interval if burst else 0)  # a burst's jobs wait while the others are created
    made = _create(bench, scenario, scenario.triggers, life) if burst else []
    longest, started = 0.0, time.time()
    for number, batch in enumerate(batches):
        jobs = made if burst else _create(bench, scenario, len(batch), life)
        triggers = [_trigger(scenario.name, ids, interval, life) for ids in jobs]
        began, at = bench.defer(template, triggers, batch.start)
        longest = max(longest, at - began)
        for index, ids, trigger in zip(batch, jobs, triggers, strict=True):
            scenario.waiters.append(Waiter(index, ids, at, getattr(trigger, "kwargs", {}).get("until")))
        track_rss()
        time.sleep(max(0.0, started + (number + 1) * interval / len(batches) - time.time()))
    return longest


def _create(bench: Bench, scenario: Scenario, size: int, life: float) -> list[list[str]]:
    """The jobs of ``size`` triggers. The floor's are made too (and not waited on), so that its tasks defer at
    the same pace as the others'."""
    scenario.posts += size
    if scenario.name == "translation":
        return [bench.create_translation() for _ in range(size)]
    videos = bench.create_videos(size, life)
    return [[] for _ in videos] if scenario.name == "sleep" else [[job_id] for job_id in videos]


def _trigger(name: str, job_ids: list[str], interval: float, life: float) -> Any:
    if name == "sleep":
        return _baseline("SleepTrigger", interval=interval, until=time.time() + life)
    if name == "shared-client":
        return _baseline("SharedClientTrigger", interval=interval, video_id=job_ids[0])
    from airflow_provider.heygen.triggers.job import HeyGenJobTrigger

    kind = "video_translation" if name == "translation" else "video"
    return HeyGenJobTrigger("heygen_default", kind, job_ids, interval, time.time() + 10 * life)


def _split(items: range, parts: int) -> list[range]:
    size = -(-len(items) // parts)
    return [items[start : start + size] for start in range(0, len(items), size)]


def _summarise(
    scenario: Scenario,
    bench: Bench,
    run_id: str,
    cpu: dict[str, float],
    peak_rss: dict[str, float],
    idle_rss: dict[str, float],
    log: str,
    insert_seconds: float,
    requests_before: int,
) -> dict[str, Any]:
    """The scenario's numbers, from the database's events, the fake's jobs and requests, and /proc."""
    fake, outcomes, interval = bench.fake(), bench.outcomes(run_id), bench.args.interval
    completed = {job["id"]: job["completed_at"] for job in fake["jobs"]}
    events = {index: (state, at, event) for index, state, at, event in outcomes.get("wait", [])}
    delays, polls, finished = [], 0.0, 0
    for waiter in scenario.waiters:
        state, at, event = events.get(waiter.map_index, ("missing", None, None))
        if state != "scheduled" or at is None or not event or event.get("status") not in ("success", "completed"):
            continue
        finished += 1
        ends = [completed.get(job_id) for job_id in waiter.job_ids]
        done = waiter.done_at if not waiter.job_ids else max(ends) if None not in ends else None  # type: ignore[type-var]
        if done is not None:
            delays.append(at - done)
        polls += len(waiter.job_ids) * (1 + (at - waiter.deferred_at) / interval)  # a first look, then each poll
    probe = next((event for _, _, _, event in outcomes.get("probe", []) if event), None) or {}
    status_requests = fake["requests"]["total"] - requests_before - scenario.posts
    triggers = scenario.triggers
    return {
        "scenario": scenario.name,
        "triggers": triggers,
        "jobs": scenario.jobs,
        "finished": finished,
        "cpu_ms_per_trigger": {role: round(seconds / triggers * 1000, 2) for role, seconds in cpu.items()},
        "rss_kb_per_trigger": {role: round((peak_rss[role] - idle_rss[role]) / triggers, 1) for role in cpu},
        "lag_p50_ms": round(probe.get("p50_ms", float("nan")), 2),
        "lag_p99_ms": round(probe.get("p99_ms", float("nan")), 2),
        "lag_slow_wakeups": probe.get("slow", []),
        "status_requests_per_job_poll": round(status_requests / polls, 4) if polls else None,
        "event_delay_s": _quantiles(delays),
        "longest_insert_s": round(insert_seconds, 3),
        "deadlocked": "deadlock" in log.lower(),
    }


def _quantiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "max": round(ordered[-1], 2),
    }


def compare(rows: list[dict[str, Any]]) -> None:
    """Add to each row its ratios to the floor (``sleep``) that waited on as many jobs, per job waited on."""
    floors = {row["jobs"]: row for row in rows if row["scenario"] == "sleep"}
    for row in rows:
        if (floor := floors.get(row["jobs"])) is not None:
            row["vs_floor"] = {
                "cpu_per_job": round(
                    _per_job(row, "cpu_ms_per_trigger") / max(_per_job(floor, "cpu_ms_per_trigger"), 1e-3), 2
                ),
                "rss_per_job": round(
                    _per_job(row, "rss_kb_per_trigger") / max(_per_job(floor, "rss_kb_per_trigger"), 1e-3), 2
                ),
                "lag_p99": round(row["lag_p99_ms"] / max(floor["lag_p99_ms"], 1e-3), 2),
            }


def _per_job(row: dict[str, Any], key: str) -> float:
    return float(sum(row[key].values())) * row["triggers"] / row["jobs"]


def _print(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'scenario':>13} {'jobs':>5} {'triggers':>8} {'done':>4} {'CPU ms/trigger':>16} {'x floor':>7} "
        f"{'RSS KB/trigger':>14} {'x floor':>7} {'lag p50/p99 ms':>15} {'x floor':>7} {'req/job/poll':>12} "
        f"{'event delay p50/max s':>21}"
    )
    for row in rows:
        cpu, ratios = row["cpu_ms_per_trigger"], row.get("vs_floor", {})
        delay = row["event_delay_s"] or {"p50": float("nan"), "max": float("nan")}
        requests = row["status_requests_per_job_poll"]
        print(
            f"{row['scenario']:>13} {row['jobs']:>5} {row['triggers']:>8} {row['finished'] == row['triggers']!s:>4} "
            f"{cpu['supervisor']:>7.2f}+{cpu['runner']:<8.2f} {_times(ratios.get('cpu_per_job')):>7} "
            f"{sum(row['rss_kb_per_trigger'].values()):>14.1f} {_times(ratios.get('rss_per_job')):>7} "
            f"{row['lag_p50_ms']:>7.1f}/{row['lag_p99_ms']:<7.1f} {_times(ratios.get('lag_p99')):>7} "
            f"{'-' if requests is None else requests:>12} {delay['p50']:>10.1f}/{delay['max']:<10.1f}"
            + ("  DEADLOCKED" if row["deadlocked"] else "")
        )


def _times(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


@contextmanager
def database(kind: str, root: Path) -> Iterator[str]:
    """The metadata database's URL: a throwaway PostgreSQL cluster, or a SQLite file."""
    if kind == "sqlite":
        yield f"sqlite:///{root / 'airflow.db'}"
        return
    from tests.engine.services import start_postgres

    os.chmod(root, 0o755)  # PostgreSQL runs as its own user and must reach its directory
    server = start_postgres(root / "postgres", root)
    try:
        yield server.url
    finally:
        server.process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--interval", type=float, default=10.0, help="poll interval, seconds")
    parser.add_argument("--job-life", type=float, default=30.0, help="seconds a job renders (about 3 polls)")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--burst", type=int, default=3000, help="triggers created at once in the burst")
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument(
        "--triggerer-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set this in the triggerer's environment only, e.g. AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING",
    )
    parser.add_argument("--profile", type=Path, default=None, help="write py-spy profiles and triggerer logs here")
    args = parser.parse_args()
    os.sched_setaffinity(0, cores()[1])  # beside the fake: the triggerer has core 0 to itself
    rows: list[dict[str, Any]] = []
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="heygen-triggerer-bench-")))
        url = stack.enter_context(database(args.database, root))
        state = root / "fake-state.json"
        extra = ("--clock-speed", "1", "--job-seconds", str(JOB_SECONDS), "--state-file", str(state))
        fake_url = stack.enter_context(
            fake_api(*extra, "--media-seconds", f"{SOURCE_URL}={args.job_life / JOB_SECONDS}")
        )
        bench = Bench(root, url, fake_url, state, args)
        bench.set_up()
        print(f"poll every {args.interval:.0f} s, jobs render {args.job_life:.0f} s, on {args.database}")
        plan = [(name, count) for count in args.jobs for name in args.scenarios if name != "burst"]
        if "burst" in args.scenarios:
            plan.append(("burst", args.burst))
        for name, count in plan:
            rows.append(run_scenario(bench, name, count))
            compare(rows)
            _print(rows[-1:])
        print()
        _print(rows)
    report(
        "triggerer", {"interval_s": args.interval, "job_life_s": args.job_life, "database": args.database, "runs": rows}
    )


if __name__ == "__main__":
    main()
