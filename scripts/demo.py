"""`make demo`: run the example DAGs against the fake HeyGen API with ``airflow dags test`` and summarise them.

1. ``demo-output/`` emptied, so that the summary shows only this run's files; ``heygen-fake-api`` in a subprocess
   on a free port with a fast clock (stopped at the end, also on Ctrl-C or SIGTERM), and the ``heygen_default``
   connection pointing at it (``AIRFLOW_CONN_HEYGEN_DEFAULT``);
2. a fresh Airflow home in ``.demo/airflow-home`` (sqlite), ``dags_examples/`` as the DAGs folder, ``airflow db
   migrate`` (and on Airflow 2 ``airflow dags reserialize``, so that ``dags test`` records dataset events);
3. the ``heygen`` pool (``airflow pools set ... --include-deferred``);
4. each example DAG with ``airflow dags test`` (logs in ``.demo/logs/``); while it runs, a line here whenever
   its task states change, read from the metadata DB;
5. a table of every task: job ids, status, duration, credits, files, and what its compound states mean; the
   credits the fake's wallet lost; a media parser's check of the MP4s in ``demo-output/``.

Exits non-zero if a DAG run failed, if no MP4 was delivered or one does not parse. Nothing here is specific to
the fake except where the connection points: the same DAGs run against HeyGen with a real connection.

``--only DAG_ID`` runs a part of the plan; ``--collect FILE`` is the internal step that reads the task instances
and their XComs from the demo's metadata DB (it imports Airflow, so it runs in a subprocess of the same venv).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import operator
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from airflow_provider.heygen.api.credits import shown_estimate

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "dags_examples"
OUTPUT = ROOT / "demo-output"
#: Written into the output root: a later run may empty a folder that holds it (and no other non-empty one).
OUTPUT_MARK = ".heygen-demo-output"
BIN = Path(sys.executable).parent
API_KEY = "demo-heygen-api-key"
#: Fake seconds per wall second: a one-minute render takes about a second; the whole demo stays within minutes.
CLOCK_SPEED = 60.0
#: Seconds between status checks in the example DAGs (they read HEYGEN_POLL_INTERVAL; HeyGen's advice is 30).
POLL_INTERVAL = 0.5
POOL_SLOTS = 10
DAG_TIMEOUT = 600.0
#: Seconds between two reads of the task states while a DAG runs.
PROGRESS_EVERY = 1.0


@dataclass(frozen=True)
class DagRunSpec:
    """One ``airflow dags test`` of the plan."""

    dag_id: str
    logical_date: str
    conf: Mapping[str, Any] | None = None
    note: str = ""

    @property
    def day(self) -> str:
        return self.logical_date[:10]

    @property
    def label(self) -> str:
        return f"{self.dag_id} {self.day}" + (f" ({self.note})" if self.note else "")


#: The backfill's target languages (names as GET /v3/video-translations/languages lists them).
LANGUAGES = ["Spanish (Spain)", "French (France)", "German (Germany)", "Japanese (Japan)"]
#: Monday 06:00 UTC, when the weekly DAG's cron fires: Airflow 2 and 3 then agree on its data interval.
MONDAY = "2026-01-12T06:00:00+00:00"
#: In order: the weekly render announces the asset that heygen_on_new_video consumes.
PLAN = (
    DagRunSpec("heygen_speech_and_assets", MONDAY),
    DagRunSpec("heygen_weekly_render", MONDAY),
    DagRunSpec("heygen_on_new_video", MONDAY),
    # Two days of the back catalogue (3 and 2 videos), each dubbed into four languages: 20 translations.
    *(
        DagRunSpec("heygen_localisation_backfill", day, conf={"languages": LANGUAGES}, note="4 languages")
        for day in ("2026-01-05", "2026-01-06")
    ),
)


@dataclass
class DagOutcome:
    spec: DagRunSpec
    returncode: int
    seconds: float
    log: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class Row:
    """One line of the summary table (a task instance)."""

    dag_id: str
    task: str
    job_ids: list[str]
    status: str
    duration: float | None
    credits: float | None
    files: list[str] = field(default_factory=list)
    #: ``credits`` is a summary task's total of jobs shown on other rows.
    credits_total: bool = False
    #: The run's logical day.
    run: str = ""
    #: What was estimated before submitting: ``1.2``, ``<= 60`` (a ceiling), ``-`` (unknown or none).
    estimated: str = "-"


# --- processes ---------------------------------------------------------------------------------------------


def _stop(process: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """Stop a child started in its own session: SIGTERM to its group, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait(process: subprocess.Popen[Any], timeout: float, on_tick: Callable[[], None] | None, tick: float) -> int:
    """``process.wait(timeout)``, calling ``on_tick`` every ``tick`` seconds meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return process.wait(min(tick, max(deadline - time.monotonic(), 0.0)))
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline:
                raise
            if on_tick is not None:
                on_tick()


def run_logged(
    cmd: Sequence[str],
    log: Path,
    env: Mapping[str, str],
    timeout: float,
    on_tick: Callable[[], None] | None = None,
    tick: float = PROGRESS_EVERY,
) -> tuple[int, float]:
    """Run ``cmd`` with its output appended to ``log``; return (exit code, seconds). Timeout -> -9.

    ``on_tick`` is called every ``tick`` seconds while it runs. The child gets its own session, so Ctrl-C
    reaches only this script, which then stops the child.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=dict(env), start_new_session=True
        )
        try:
            returncode = _wait(process, timeout, on_tick, tick)
        except subprocess.TimeoutExpired:
            _stop(process)
            out.write(f"\n[demo] stopped after {timeout:.0f}s\n")
            returncode = -9
        finally:
            _stop(process)  # on Ctrl-C or any error: never leave it running
    return returncode, time.monotonic() - started


def catalogue_lengths() -> list[tuple[str, float]]:
    """The backfill catalogue's videos and their lengths, which the fake renders and bills as HeyGen would."""
    with (DAGS / "data" / "catalogue.csv").open() as rows:
        return [(row["video"], float(row["seconds"])) for row in csv.DictReader(rows)]


@dataclass
class FakeApi:
    """``heygen-fake-api`` in a subprocess; ``url`` once it answers."""

    log: Path
    clock_speed: float = CLOCK_SPEED
    url: str = ""
    process: subprocess.Popen[Any] | None = None

    def __enter__(self) -> FakeApi:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = [str(BIN / "heygen-fake-api"), "--port", "0", "--api-key", API_KEY, "--seed", "1"]
        cmd += ["--clock-speed", str(self.clock_speed)]
        for url, seconds in catalogue_lengths():
            cmd += ["--media-seconds", f"{url}={seconds}"]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        try:
            self.url = self._wait_until_ready()
        except BaseException:
            _stop(self.process)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            _stop(self.process)

    def _wait_until_ready(self, timeout: float = 60.0) -> str:
        import httpx

        assert self.process is not None
        deadline = time.monotonic() + timeout
        url = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"heygen-fake-api exited with {self.process.returncode}; see {self.log}")
            if not url:
                for line in self.log.read_text().splitlines():
                    if "listening on " in line:
                        url = line.rsplit("listening on ", 1)[1].strip()
            if url:
                try:
                    if httpx.get(f"{url}/v3/users/me", headers={"x-api-key": API_KEY}, timeout=2).status_code == 200:
                        return url
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"heygen-fake-api did not answer within {timeout:.0f}s; see {self.log}")

    def connection(self) -> str:
        return json.dumps({"conn_type": "heygen", "password": API_KEY, "host": self.url})

    def wallet(self) -> float:
        """The remaining credits, through the public API (what ``HeyGenHook.test_connection`` reads too)."""
        import httpx

        answer = httpx.get(f"{self.url}/v3/users/me", headers={"x-api-key": API_KEY}, timeout=10)
        return float(answer.raise_for_status().json()["data"]["wallet"]["remaining_balance"])


def airflow_env(home: Path, output: Path, connection: str) -> dict[str, str]:
    """The environment of every Airflow command: the user's, minus any Airflow setting that could leak in."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{metadata_db(home)}",
        AIRFLOW_CONN_HEYGEN_DEFAULT=connection,
        HEYGEN_OUTPUT_ROOT=str(output),
        HEYGEN_POLL_INTERVAL=str(POLL_INTERVAL),
        PYTHONWARNINGS="ignore",
    )
    return env


def metadata_db(home: Path) -> Path:
    """The demo's sqlite metadata DB."""
    return home / "airflow.db"


def is_demo_output(output: Path) -> bool:
    """Whether the demo may empty ``output``: the default root, one a demo marked, or an absent or empty folder."""
    return output == OUTPUT or (output / OUTPUT_MARK).exists() or not output.exists() or not any(output.iterdir())


def clear_output(output: Path) -> bool:
    """Empty the output root and mark it as the demo's (files of an earlier run would show in this run's
    summary); true if it held any."""
    held = output.exists() and any(path.name != OUTPUT_MARK for path in output.iterdir())
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    (output / OUTPUT_MARK).touch()
    return held


# --- progress while a DAG runs -------------------------------------------------------------------------------

#: A task instance: run id, task id, map index.
TaskKey = tuple[str, str, int]
#: A state change: task id, map index, the state before (None: first seen), the state now.
Change = tuple[str, int, str | None, str]


def read_states(db: Path, dag_id: str) -> dict[TaskKey, str] | None:
    """The state of every task instance of ``dag_id`` that has one, in order of start; None if the DB cannot be
    read now (absent, not migrated yet, locked by a writer).

    Read-only and with a short lock wait, so that ``airflow dags test`` writing the DB next door hardly notices.
    """
    query = (
        "SELECT run_id, task_id, map_index, state FROM task_instance WHERE dag_id = ? AND state IS NOT NULL"
        " ORDER BY start_date IS NULL, start_date, task_id, map_index"
    )
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=0.1)) as connection:
            rows = connection.execute(query, (dag_id,)).fetchall()
    except sqlite3.Error:
        return None
    return {(run_id, task_id, map_index): state for run_id, task_id, map_index, state in rows}


def _spans(numbers: Sequence[int]) -> str:
    """``0-3,5`` for 0, 1, 2, 3, 5."""
    spans: list[list[int]] = []
    for number in sorted(numbers):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ",".join(str(first) if first == last else f"{first}-{last}" for first, last in spans)


def progress_line(prefix: str, changes: Sequence[Change]) -> str:
    """One line for the changes one read saw: ``task: old -> new`` (``task: new`` when first seen), the
    instances of a mapped task with the same change together (``translate[0-3,5]: running -> success``)."""
    groups: dict[tuple[str, str | None, str], list[int]] = {}
    for task_id, map_index, old, new in changes:
        groups.setdefault((task_id, old, new), []).append(map_index)
    parts = []
    for (task_id, old, new), indexes in groups.items():
        name = task_id + (f"[{_spans(indexes)}]" if indexes[0] >= 0 else "")
        parts.append(f"{name}: {old} -> {new}" if old else f"{name}: {new}")
    return f"{prefix}  {', '.join(parts)}"


@dataclass
class Progress:
    """The task states of one DAG run as ``airflow dags test`` changes them, read from the metadata DB."""

    db: Path
    dag_id: str
    prefix: str
    #: The last state read of each task instance: from the start those of the DAG's earlier runs, never news.
    states: dict[TaskKey, str] = field(init=False)

    def __post_init__(self) -> None:
        self.states = read_states(self.db, self.dag_id) or {}

    def poll(self) -> str | None:
        """A line for what changed since the last read; None if nothing did or the DB could not be read."""
        current = read_states(self.db, self.dag_id) or {}
        changes = []
        for key, state in current.items():
            before = self.states.get(key)
            if before != state:
                changes.append((key[1], key[2], before, state))
        self.states.update(current)
        return progress_line(self.prefix, changes) if changes else None

    def report(self) -> None:
        """Print what changed, if anything (plain lines: the output may well be a file or a CI log)."""
        line = self.poll()
        if line:
            print(line, flush=True)


# --- reading the results back (runs in a subprocess that may import Airflow) ----------------------------------


def collect(dag_ids: Sequence[str]) -> dict[str, Any]:
    """Every task instance of these DAGs with its return value and pushed job ids, and every DAG run's state."""
    from airflow.models import xcom
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    xcom_model: Any = getattr(xcom, "XComModel", None)
    if xcom_model is not None:  # 3.x: rows hold JSON
        value_of = xcom_model.deserialize_value
    else:  # 2.x: the ORM deserializes on load
        xcom_model = xcom.BaseXCom
        value_of = operator.attrgetter("value")

    def stamp(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    tasks, runs = [], []
    with create_session() as session:
        for run in session.scalars(select(DagRun).where(DagRun.dag_id.in_(dag_ids))):
            logical_date = getattr(run, "logical_date", None) or getattr(run, "execution_date", None)  # 3.x / 2.x
            runs.append(
                {
                    "dag_id": run.dag_id,
                    "run_id": run.run_id,
                    "state": str(run.state),
                    "logical_date": stamp(logical_date),
                }
            )
        logical_dates = {(run["dag_id"], run["run_id"]): run["logical_date"] for run in runs}
        query = select(TaskInstance).where(TaskInstance.dag_id.in_(dag_ids))
        for ti in session.scalars(query):
            values = {}
            rows = session.scalars(
                select(xcom_model).where(
                    xcom_model.dag_id == ti.dag_id,
                    xcom_model.task_id == ti.task_id,
                    xcom_model.run_id == ti.run_id,
                    xcom_model.map_index == ti.map_index,
                )
            )
            for row in rows:
                values[row.key] = value_of(row)
            tasks.append(
                {
                    "dag_id": ti.dag_id,
                    "run_id": ti.run_id,
                    "logical_date": logical_dates.get((ti.dag_id, ti.run_id)),
                    "task_id": ti.task_id,
                    "map_index": ti.map_index,
                    "state": str(ti.state),
                    "start_date": stamp(ti.start_date),
                    "end_date": stamp(ti.end_date),
                    "duration": ti.duration,
                    "xcom": values,
                }
            )
    return {"runs": runs, "tasks": tasks}


_DAG_TEST_START = re.compile(r"^\[(\S+)\] .*\[DAG TEST\] starting task_id=(\S+) map_index=(-?\d+)", re.MULTILINE)


def task_starts(log_text: str) -> dict[tuple[str, int], datetime]:
    """When each task instance first started, from an ``airflow dags test`` log (Airflow 2 stores no start)."""
    starts: dict[tuple[str, int], datetime] = {}
    for stamp, task_id, map_index in _DAG_TEST_START.findall(log_text):
        with contextlib.suppress(ValueError):
            starts.setdefault((task_id, int(map_index)), datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z"))
    return starts


def fill_durations(tasks: Sequence[dict[str, Any]], logs: Mapping[tuple[str, str], str]) -> None:
    """Give tasks without a duration one from the ``dags test`` log of their run (first start to end date).

    ``logs`` maps (dag id, logical day) to the log's text.
    """
    starts = {key: task_starts(text) for key, text in logs.items()}
    for task in tasks:
        if task.get("duration") is not None or not task.get("end_date"):
            continue
        run = starts.get((task["dag_id"], _day(task)), {})
        start = run.get((task["task_id"], task["map_index"]))
        if start is not None:
            end = datetime.fromisoformat(task["end_date"])
            task["start_date"] = start.isoformat()
            task["duration"] = max((end - start).total_seconds(), 0.0)


# --- the summary -------------------------------------------------------------------------------------------

_ID_FIELDS = ("job_ids", "proofread_ids", "session_id", "video_id", "asset_id", "avatar_id", "request_id")


def _job_ids(xcoms: Mapping[str, Any]) -> list[str]:
    """The HeyGen ids a task handled: those its result names, else those it pushed right after submitting."""
    ids: list[str] = []
    result = xcoms.get("return_value")
    if isinstance(result, Mapping):
        for name in _ID_FIELDS:
            value = result.get(name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item and item not in ids:
                    ids.append(item)
        if not ids and isinstance(result.get("files"), Mapping):
            ids = [str(job_id) for job_id in result["files"]]
    pushed = xcoms.get("heygen_job_ids")
    if not ids and isinstance(pushed, list):
        ids = [str(item) for item in pushed]
    return ids


def _files(value: Any, roots: Sequence[str]) -> Iterator[str]:
    """Paths under the output root anywhere in a result (a download's ``files``, a speech's ``path``, ...)."""
    if isinstance(value, str):
        text = value.removeprefix("file://")
        if any(text.startswith(root) for root in roots):
            yield text
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _files(item, roots)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _files(item, roots)


def _status(task: Mapping[str, Any]) -> str:
    """The task's state, plus HeyGen's when the task ended before its jobs did (``wait_for_completion=False``)."""
    state = task["state"]
    result = task["xcom"].get("return_value")
    job_status = result.get("status") if isinstance(result, Mapping) else None
    if isinstance(job_status, str) and job_status not in ("succeeded", "completed") and state == "success":
        return f"{state} ({job_status})"
    return state


def _day(task: Mapping[str, Any]) -> str:
    """The logical day of a task's run (else its run id)."""
    return str(task.get("logical_date") or "")[:10] or task["run_id"]


def order_tasks(tasks: Sequence[dict[str, Any]], dag_order: Sequence[str]) -> list[dict[str, Any]]:
    """Tasks by DAG (in plan order), run, then as they ran; the instances of a mapped task together, by index."""
    first_start: dict[tuple[str, str, str], str] = {}
    for task in tasks:
        key = (task["dag_id"], task["run_id"], task["task_id"])
        start = task.get("start_date") or "~"  # never started (upstream failed): last
        first_start[key] = min(first_start.get(key, start), start)
    position = {dag_id: index for index, dag_id in enumerate(dag_order)}
    return sorted(
        tasks,
        key=lambda t: (
            position.get(t["dag_id"], len(position)),
            t.get("logical_date") or "",
            t["run_id"],
            first_start[(t["dag_id"], t["run_id"], t["task_id"])],
            t["task_id"],
            t.get("map_index", -1),
        ),
    )


def summary_rows(tasks: Sequence[Mapping[str, Any]], output_root: Path) -> list[Row]:
    """One row per task instance; each delivered file is shown once, at the first task that names it.

    Credits are a task's own when its result names the jobs it ran (``job_ids``, a speech's ``request_id``);
    any other task's credits (``credits`` or ``total_credits``) sum up jobs of other rows and say so.
    """
    roots = [str(output_root), str(output_root.resolve())]
    seen: set[str] = set()
    rows = []
    for task in tasks:
        result = task["xcom"].get("return_value")
        files = []
        for path in _files(result, roots):
            if path not in seen and Path(path).is_file():  # not a destination folder, not a file gone since
                seen.add(path)
                files.append(path)
        credits, total, estimated = None, False, "-"
        if isinstance(result, Mapping):
            credits = result.get("credits")
            total = not ("job_ids" in result or "request_id" in result)
            if total and not isinstance(credits, int | float):
                credits = result.get("total_credits")
            estimated = _estimated(result)
        name = task["task_id"] + (f"[{task['map_index']}]" if task.get("map_index", -1) >= 0 else "")
        rows.append(
            Row(
                dag_id=task["dag_id"],
                task=name,
                job_ids=_job_ids(task["xcom"]),
                status=_status(task),
                duration=task.get("duration"),
                credits=credits if isinstance(credits, int | float) else None,
                files=files,
                credits_total=total and isinstance(credits, int | float),
                run=_day(task),
                estimated=estimated,
            )
        )
    return rows


def _estimated(result: Mapping[str, Any]) -> str:
    """A result's estimate made before submitting (a summary's total of them), as shown in the table."""
    estimate = result.get("estimate")
    if isinstance(estimate, Mapping) and (shown := shown_estimate(estimate, unknown="")):
        return shown
    total = result.get("estimated_credits")
    return f"total {total:g}" if isinstance(total, int | float) else "-"


def render_table(rows: Sequence[Row], output_root: Path) -> str:
    """A plain-text table; ids and files one per line (files relative to ``output_root``).

    Each DAG run's first row names the DAG, its second the run's logical day. Paths are never wrapped, so that
    they can be copied.
    """
    headers = (
        "DAG run",
        "task",
        "job ids",
        "status",
        "duration",
        "credits",
        "estimated",
        f"output files (in {_rel(output_root)}/)",
    )
    cells = []
    previous, position = None, 0
    for row in rows:
        position = position + 1 if (row.dag_id, row.run) == previous else 0
        previous = (row.dag_id, row.run)
        cells.append(
            (
                [row.dag_id if position == 0 else f"  {row.run}" if position == 1 else ""],
                [row.task],
                row.job_ids or ["-"],
                [row.status],
                [f"{row.duration:.1f}s" if row.duration is not None else "-"],
                [("total " if row.credits_total else "") + f"{row.credits:g}" if row.credits is not None else "-"],
                [row.estimated],
                [_shown(path, output_root) for path in row.files] or ["-"],
            )
        )
    widths = [
        max([len(header)] + [len(line) for cell in cells for line in cell[i]]) for i, header in enumerate(headers)
    ]

    def line(parts: Sequence[str]) -> str:
        return "  ".join(f"{part:<{widths[i]}}" for i, part in enumerate(parts)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    for cell in cells:
        for index in range(max(len(column) for column in cell)):
            out.append(line([column[index] if index < len(column) else "" for column in cell]))
    return "\n".join(out)


_COMPOUND_STATUS = re.compile(r"success \((?P<job>.+)\)")
#: What HeyGen's status in a ``success (...)`` state says (see ``_status``).
_JOB_STATUS_MEANINGS = {
    "running": "still ran (a submit with wait_for_completion=False; a later task waited for the job)",
    "failed": "had already failed (a submit with wait_for_completion=False; the task that waits for the job fails)",
}


def summary_notes(rows: Sequence[Row], output_root: Path) -> list[str]:
    """The lines under the table: what its compound states and totals mean, where its files are, and why the
    fake's videos are shorter than the credits they cost."""
    notes = []
    for status in dict.fromkeys(row.status for row in rows):
        match = _COMPOUND_STATUS.fullmatch(status)
        if match:
            job = match["job"]
            meaning = _JOB_STATUS_MEANINGS.get(job, f"was {job}")
            notes.append(f"{status}: the task succeeded while its HeyGen job {meaning}")
    if any(row.credits_total for row in rows):
        notes.append("total N (credits): a summary task's sum of the credits of jobs on other rows, not spent again")
    notes.append(f"output files: the paths above are under {_where(output_root)}")
    notes.append(
        "media: the fake's videos are a second of placeholder frames (160x90) in a file whose header states the"
        " job's length; credits are billed on the script's or source's length, as HeyGen would"
    )
    return notes


def _shown(path: str, relative_to: Path) -> str:
    try:
        return str(Path(path).relative_to(relative_to))
    except ValueError:
        return path


def check_mp4s(rows: Sequence[Row]) -> tuple[bool, list[str]]:
    """Parse every delivered MP4 with mutagen; true when there is at least one and all parse."""
    from mutagen import MutagenError
    from mutagen.mp4 import MP4

    lines, ok, seen = [], True, 0
    for path in (path for row in rows for path in row.files if path.endswith(".mp4")):
        seen += 1
        try:
            info = MP4(path).info
        except MutagenError as exc:  # also a missing file
            info, problem = None, str(exc)
        else:
            problem = "no stream info" if info is None else ""
        if info is None:
            ok = False
            lines.append(f"{_rel(Path(path))}: NOT a valid MP4 ({problem})")
        else:
            lines.append(f"{_rel(Path(path))}: MP4, {info.length:.1f}s, {info.codec}")
    if not seen:
        lines.append("no MP4 was delivered")
    return ok and seen > 0, lines


# --- the driver --------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        metavar="DAG_ID",
        help="run only these DAGs of the plan (heygen_on_new_video needs heygen_weekly_render)",
    )
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / ".demo", help="Airflow home and logs (a demo's own: wiped first)"
    )
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help="HEYGEN_OUTPUT_ROOT (emptied first; only a demo's own)"
    )
    parser.add_argument("--clock-speed", type=float, default=CLOCK_SPEED, help="the fake's seconds per wall second")
    parser.add_argument("--timeout", type=float, default=DAG_TIMEOUT, help="seconds one DAG run may take")
    parser.add_argument("--collect", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("dag_ids", nargs="*", help=argparse.SUPPRESS)
    return parser


def demo(args: argparse.Namespace) -> int:
    plan = [spec for spec in PLAN if not args.only or spec.dag_id in args.only]
    unknown = set(args.only or ()) - {spec.dag_id for spec in PLAN}
    if unknown or not plan:
        print(f"unknown DAG ids: {', '.join(sorted(unknown))}; the plan has {', '.join(s.dag_id for s in PLAN)}")
        return 2
    workdir, output = args.workdir.resolve(), args.output.resolve()
    home, logs = workdir / "airflow-home", workdir / "logs"
    if workdir.exists() and any(workdir.iterdir()) and not (home.exists() or logs.exists()):
        print(f"{workdir} is not empty and is not a demo's work folder: refusing to wipe it")
        return 2
    if not is_demo_output(output):
        print(f"{output} is not empty and is not a demo's output folder: refusing to clear it")
        return 2
    shutil.rmtree(workdir, ignore_errors=True)
    home.mkdir(parents=True)
    cleared = clear_output(output)
    airflow = str(BIN / "airflow")
    started = time.monotonic()
    print(f"Airflow {version('apache-airflow')}, home {_rel(home)}, DAGs from {_rel(DAGS)}/, logs in {_rel(logs)}/")
    what = "cleared: the files of an earlier run are gone" if cleared else "empty"
    print(f"output in {_where(output)}, {what}")

    with FakeApi(logs / "heygen-fake-api.log", clock_speed=args.clock_speed) as fake:
        print(f"fake HeyGen API at {fake.url} (clock x{args.clock_speed:g}); connection heygen_default points at it")
        env = airflow_env(home, output, fake.connection())
        setup = logs / "setup.log"
        commands = [
            [airflow, "db", "migrate"],
            [airflow, "pools", "set", "heygen", str(POOL_SLOTS), "HeyGen plan concurrency", "--include-deferred"],
        ]
        if version("apache-airflow").startswith("2."):
            # Airflow 2's `dags test` records a dataset event only for a dataset already in the DB (3 syncs it).
            commands.append([airflow, "dags", "reserialize"])
        for cmd in commands:
            code, _ = run_logged(cmd, setup, env, args.timeout)
            if code != 0:
                print(f"`{' '.join(cmd[1:])}` failed ({code}); see {_rel(setup)}")
                return 1
        print(f"metadata DB migrated; pool heygen: {POOL_SLOTS} slots, deferred tasks count ({_rel(setup)})")
        wallet_before = fake.wallet()
        outcomes = []
        for number, spec in enumerate(plan, 1):
            log = logs / f"{spec.dag_id}-{spec.day}.log"
            cmd = [airflow, "dags", "test", spec.dag_id, spec.logical_date]
            if spec.conf:
                cmd += ["--conf", json.dumps(spec.conf)]
            prefix = f"  [{number}/{len(plan)}] {spec.label}"
            print(f"{prefix}  started, log in {_rel(log)}", flush=True)
            progress = Progress(metadata_db(home), spec.dag_id, prefix)
            code, seconds = run_logged(cmd, log, env, args.timeout, on_tick=progress.report)
            progress.report()  # the states it ended with
            outcomes.append(DagOutcome(spec, code, seconds, log))
            verdict = "ok" if code == 0 else ("TIMED OUT" if code == -9 else f"FAILED (exit {code})")
            print(f"{prefix}  {verdict} in {seconds:.1f}s", flush=True)
        wallet_after = fake.wallet()

    collected = workdir / "collected.json"
    code, _ = run_logged(
        [sys.executable, __file__, "--collect", str(collected), *[spec.dag_id for spec in plan]],
        logs / "collect.log",
        env,
        args.timeout,
    )
    if code != 0:
        print(f"could not read the runs back from the metadata DB; see {_rel(logs / 'collect.log')}")
        return 1
    data = json.loads(collected.read_text())
    fill_durations(data["tasks"], {(o.spec.dag_id, o.spec.day): o.log.read_text() for o in outcomes})
    rows = summary_rows(order_tasks(data["tasks"], [spec.dag_id for spec in plan]), output)
    print()
    print(render_table(rows, output))
    print()
    print("\n".join(summary_notes(rows, output)))
    print()
    failed_runs = [run for run in data["runs"] if run["state"] != "success"]
    for run in failed_runs:
        print(f"DAG run {run['dag_id']} {run['run_id']}: {run['state']}")
    print(f"credits spent: {wallet_before - wallet_after:g} (the fake's wallet: {wallet_before:g} -> {wallet_after:g})")
    mp4_ok, mp4_lines = check_mp4s(rows)
    for line in mp4_lines:
        print(f"media check: {line}")
    ok = all(outcome.ok for outcome in outcomes) and not failed_runs and mp4_ok
    runs = f"{sum(o.ok for o in outcomes)}/{len(outcomes)} DAG runs succeeded"
    print(f"{runs}; files in {_rel(output)}/; {time.monotonic() - started:.0f}s in all")
    return 0 if ok else 1


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _where(folder: Path) -> str:
    """A folder as ``demo-output/ (/abs/demo-output/)``; only the absolute path when outside the repository."""
    shown, absolute = f"{_rel(folder)}/", f"{folder.resolve()}/"
    return absolute if shown == absolute else f"{shown} ({absolute})"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.collect:
        args.collect.write_text(json.dumps(collect(args.dag_ids), default=str, indent=1))
        return 0
    # Ctrl-C, a closed terminal and `kill` all unwind through the `finally` blocks that stop the children.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    try:
        return demo(args)
    except KeyboardInterrupt:
        print("\ninterrupted: the fake API and the running DAG were stopped", flush=True)
        return 130


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
