"""The engine suite's scenarios: each runs DAGs on a live ``Engine``, checks its invariants, returns its numbers.

A scenario fails on a broken invariant (a failed task, a duplicate job, the cap passed, a key on disk); its
numbers (makespan, 429s, worker-slot seconds, resume lags) are reported, never asserted as timings, except
a resume lag, whose bound is the poll interval the provider promises.
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import time
from datetime import date, timedelta
from typing import Any

from tests.engine.engine import Engine
from tests.engine.measure import StateSampler, job_seconds, makespan, peak_in_flight
from tests.engine.processes import wait_for

__all__ = ["backfill_at_cap", "no_key_in_homes", "scheduler_restarted", "triggerer_killed", "worker_killed"]

BACKFILL_DAG = "heygen_localisation_backfill"
LANGUAGES = ["Spanish (Spain)", "French (France)", "German (Germany)", "Dutch"]
#: The fake's length of a source video it has not made itself (a URL): a translation's output length.
SOURCE_SECONDS = 60.0
#: Slack over one poll interval for a deferred task to leave DEFERRED once its job is done: the triggerer's
#: event round trip to the DB and this suite's own sampling period.
RESUME_SLACK = 2.0
#: The tasks of ``heygen_engine_deferred``: as many videos as the fake's cap, so that all wait at once.
VIDEOS = 3


def backfill_at_cap(
    engine: Engine, *, first_day: date, days: int = 5, videos_per_day: int = 2, pool: bool
) -> dict[str, Any]:
    """``airflow backfill create`` over ``days`` days of the localisation example: one translation job per
    (video, language), 40 by default, with the pool recipe (``include_deferred``, slots = cap) or without it."""
    engine.set_pool("heygen", engine.cap, include_deferred=pool)
    catalogue = engine.base / f"catalogue-{first_day}.csv"
    days_run = [first_day + timedelta(days=offset) for offset in range(days)]
    with catalogue.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["published", "slug", "title", "seconds", "video"])
        for day in days_run:
            for number in range(videos_per_day):
                slug = f"{day}-video-{number}"
                video = f"https://cdn.example.com/{slug}.mp4"
                writer.writerow([day, slug, f"Video {number} of {day}", SOURCE_SECONDS, video])
    asked = days * videos_per_day * len(LANGUAGES)
    engine.wait_for_dags(BACKFILL_DAG)
    refused_before = engine.fake.snapshot()["requests"]["refused_creates"]
    started = time.time()
    conf = {"catalogue": str(catalogue), "languages": LANGUAGES}
    with StateSampler(engine.postgres.connect, BACKFILL_DAG) as sampler:
        engine.cli(
            *("backfill", "create", "--dag-id", BACKFILL_DAG, "--dag-run-conf", json.dumps(conf)),
            *("--from-date", str(days_run[0]), "--to-date", str(days_run[-1])),
        )
        runs = engine.runs_finished(
            BACKFILL_DAG,
            lambda run: run["run_type"] == "backfill" and run["logical_date"].date() in days_run,
            timeout=1200,
        )
        engine.wait_backfills_done(BACKFILL_DAG)
    wall = time.time() - started
    snapshot = engine.fake.snapshot()
    jobs = [job for job in snapshot["jobs"] if job["created_at"] >= started and job["kind"] == "video_translation"]
    tasks = [ti for ti in engine.task_instances(BACKFILL_DAG) if ti["task_id"] == "translate" and ti["run_id"] in runs]
    failed = [ti for ti in tasks if ti["state"] != "success"]
    job_length = SOURCE_SECONDS * engine.job_seconds
    ideal = math.ceil(asked / engine.cap) * job_length
    span = makespan(jobs) if jobs else math.inf
    row = {
        "scenario": "backfill, pool recipe" if pool else "backfill, pool without include_deferred",
        "runs": len(runs),
        "tasks": len(tasks),
        "failed tasks": len(failed),
        "jobs asked": asked,
        "jobs at fake": len(jobs),
        "duplicates": len(jobs) - len({job["title"] for job in jobs}),
        "peak in flight": peak_in_flight(jobs),
        "cap": engine.cap,
        "429s": snapshot["requests"]["refused_creates"] - refused_before,
        "makespan s": round(span, 1),
        "ideal s": round(ideal, 1),
        "ratio": round(span / ideal, 2),
        # A slot's idle time between one job's end and the next job's start, on average: the scheduling round trip.
        "handoff s": round((engine.cap * span - job_seconds(jobs)) / max(len(jobs) - engine.cap, 1), 2),
        "wall s": round(wall, 1),
        "job s": round(job_seconds(jobs), 1),
        "worker-slot s": round(sampler.running_seconds["translate"], 1),
    }
    assert set(runs.values()) == {"success"}, (runs, row)
    assert len(runs) == days, runs
    assert not failed, (failed, row)
    assert len(tasks) == asked, row
    assert row["jobs at fake"] == asked and row["duplicates"] == 0, row
    assert row["peak in flight"] <= engine.cap, row
    return row


def worker_killed(engine: Engine) -> dict[str, Any]:
    """SIGKILL each task's process once the fake has its job; the retry must reconnect, not submit again."""
    dag_id = "heygen_engine_in_worker"
    posts_before = engine.fake.snapshot()["requests"]["posts"]
    started, run_id = _trigger(engine, dag_id)
    for task_id in ("video", "translate"):
        _kill_once_submitted(engine, dag_id, run_id, task_id, started)
    states = engine.runs_finished(dag_id, lambda run: run["run_id"] == run_id, timeout=300)
    tasks = {ti["task_id"]: ti for ti in engine.task_instances(dag_id) if ti["run_id"] == run_id}
    jobs = {task_id: _jobs_titled(engine, f"{task_id} {run_id}", started) for task_id in tasks}
    posts = engine.fake.snapshot()["requests"]["posts"]
    submits = {path: posts[path] - posts_before.get(path, 0) for path in ("/v3/videos", "/v3/video-translations")}
    tries = ", ".join(f"{task_id} try {ti['try_number']}" for task_id, ti in sorted(tasks.items()))
    every_job = [job for found in jobs.values() for job in found]
    evidence = f"finished at {tries}; submits: {', '.join(f'{path} {count}' for path, count in submits.items())}"
    row = _crash_row("worker killed after submit", list(tasks.values()), every_job, evidence)
    assert states[run_id] == "success", (states, row)
    assert all(ti["try_number"] >= 2 for ti in tasks.values()), row  # the kill did cost a try...
    assert all(len(found) == 1 for found in jobs.values()), (jobs, row)  # ...and nothing else
    return row


def triggerer_killed(engine: Engine, *, restart: bool) -> dict[str, Any]:
    """SIGKILL a triggerer's group while the videos wait in it; a new triggerer (``restart``) or the other one
    takes the triggers over. No job is created again and every task resumes within a poll interval of its job."""
    dag_id = "heygen_engine_deferred"
    with StateSampler(engine.postgres.connect, dag_id) as sampler:
        started, run_id = _trigger(engine, dag_id)
        wait_for("the videos waiting in the triggerer", lambda: _waiting(engine, dag_id, run_id, started), timeout=180)
        victim = _busiest_triggerer(engine)
        engine.components[victim].kill()
        killed_at = time.time()
        if restart:
            engine.start_triggerer(f"{victim}-restarted")
        states = engine.runs_finished(dag_id, lambda run: run["run_id"] == run_id, timeout=300)
    tasks = [ti for ti in engine.task_instances(dag_id) if ti["run_id"] == run_id]
    jobs = [job for job in engine.fake.jobs(started) if job["title"].endswith(run_id)]
    lags = []
    for job in jobs:
        task_id = job["title"].split()[0]
        resumed = [
            moment for moment in sampler.left((run_id, task_id, -1), "deferred") if moment > job["completed_at"] - 1
        ]
        lags.append(resumed[0] - job["completed_at"] if resumed else math.inf)
    done_after_kill = sum(job["completed_at"] > killed_at for job in jobs)
    evidence = f"{done_after_kill} of {len(jobs)} jobs ended after the kill; tasks resumed <= {max(lags):.2f} s after"
    scenario = "triggerer killed, " + ("a new one started" if restart else "the other takes over")
    row = _crash_row(scenario, tasks, jobs, evidence)
    assert states[run_id] == "success", (states, row)
    assert row["jobs at fake"] == VIDEOS and row["duplicates"] == 0, row
    assert done_after_kill == VIDEOS, row  # else the kill proved nothing
    assert max(lags) <= 2.0 + RESUME_SLACK, (lags, row)  # the DAG's poll interval is 2 s
    return row


def scheduler_restarted(engine: Engine) -> dict[str, Any]:
    """SIGKILL the scheduler's group while the videos wait, start a new one: every task finishes, once."""
    dag_id = "heygen_engine_deferred"
    started, run_id = _trigger(engine, dag_id)
    wait_for("the videos waiting in the triggerer", lambda: _waiting(engine, dag_id, run_id, started), timeout=180)
    engine.components["scheduler"].kill()
    time.sleep(2)
    engine.start("scheduler-restarted", "scheduler")
    states = engine.runs_finished(dag_id, lambda run: run["run_id"] == run_id, timeout=300)
    tasks = [ti for ti in engine.task_instances(dag_id) if ti["run_id"] == run_id]
    jobs = [job for job in engine.fake.jobs(started) if job["title"].endswith(run_id)]
    row = _crash_row("scheduler killed and restarted", tasks, jobs, "killed while every task was deferred")
    assert states[run_id] == "success", (states, row)
    assert row["jobs at fake"] == VIDEOS and row["duplicates"] == 0, row
    return row


def no_key_in_homes(engine: Engine) -> dict[str, Any]:
    """After every run: the API key in no file the deployment wrote (logs, config, PostgreSQL, Redis)."""
    leaked = engine.files_holding(engine.api_key)
    files = sum(1 for home in engine.homes if home.exists() for path in home.rglob("*") if path.is_file())
    row = {"scenario": "no key in the homes", "evidence": f"{files} files searched, {len(leaked)} hold the key"}
    assert files > 100, row  # the logs of every task are there
    assert not leaked, leaked
    return row


def _trigger(engine: Engine, dag_id: str) -> tuple[float, str]:
    """Trigger a run once the DAG is parsed: when, and its run id."""
    engine.wait_for_dags(dag_id)
    return time.time(), engine.trigger(dag_id)


def _crash_row(scenario: str, tasks: list[dict[str, Any]], jobs: list[dict[str, Any]], evidence: str) -> dict[str, Any]:
    """The table row of a one-run crash scenario: its tasks' outcome, its jobs at the fake, and what it showed."""
    return {
        "scenario": scenario,
        "runs": 1,
        "tasks": len(tasks),
        "failed tasks": sum(ti["state"] != "success" for ti in tasks),
        "jobs asked": len(tasks),
        "jobs at fake": len(jobs),
        "duplicates": len(jobs) - len({job["title"] for job in jobs}),
        "evidence": evidence,
    }


def _kill_once_submitted(engine: Engine, dag_id: str, run_id: str, task_id: str, since: float) -> None:
    """SIGKILL the process of the task's try as soon as the fake holds the job it submitted."""
    wait_for(f"the fake's job of {task_id}", lambda: _jobs_titled(engine, f"{task_id} {run_id}", since), timeout=120)
    ti = next(ti for ti in engine.task_instances(dag_id) if ti["run_id"] == run_id and ti["task_id"] == task_id)
    pid = wait_for(f"the process of {task_id}", lambda: engine.task_process(str(ti["id"])), timeout=30)
    assert pid is not None  # wait_for returns only what is truthy
    os.kill(pid, signal.SIGKILL)


def _jobs_titled(engine: Engine, title: str, since: float) -> list[dict[str, Any]]:
    return [job for job in engine.fake.jobs(since) if job["title"] == title]


def _waiting(engine: Engine, dag_id: str, run_id: str, since: float) -> bool:
    """Every video deferred, each with its job running at the fake."""
    deferred = sum(ti["state"] == "deferred" for ti in engine.task_instances(dag_id) if ti["run_id"] == run_id)
    running = [job for job in engine.fake.jobs(since) if job["title"].endswith(run_id) and job["completed_at"] is None]
    return deferred == len(running) == VIDEOS


def _busiest_triggerer(engine: Engine) -> str:
    """The component name of the live triggerer holding the most triggers.

    Triggerer jobs are numbered in start order, so the n-th live triggerer job is the n-th live triggerer.
    """
    with engine.postgres.connect() as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT job.id, count(trigger.id) FROM job LEFT JOIN trigger ON trigger.triggerer_id = job.id "
            "WHERE job.job_type = 'TriggererJob' AND job.state = 'running' GROUP BY job.id ORDER BY job.id"
        )
        held = cursor.fetchall()
    names = [name for name, process in engine.components.items() if name.startswith("triggerer") and process.alive()]
    assert len(held) == len(names), (held, names)
    busiest = max(range(len(held)), key=lambda index: held[index][1])
    return names[busiest]
