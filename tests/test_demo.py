"""`make demo` (scripts/demo.py): its summary, its process plumbing, and a reduced run of the real thing."""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_MP4 = ROOT / "airflow_provider" / "heygen" / "testing" / "fake" / "media" / "sample.mp4"


def _load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("heygen_demo", ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


demo = _load_demo()


def _task(task_id: str, xcom: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "dag_id": "heygen_weekly_render",
        "run_id": "manual__2026-11-25T20:00:00+00:00",  # on Airflow 3, when it ran
        "logical_date": "2026-01-05T00:00:00+00:00",
        "task_id": task_id,
        "map_index": -1,
        "state": "success",
        "start_date": None,
        "end_date": "2026-01-05T00:00:10+00:00",
        "duration": 1.5,
        "xcom": xcom,
        **fields,
    }


@pytest.fixture
def delivered(tmp_path: Path) -> dict[str, str]:
    """Files under an output root, as a download task would have stored them."""
    paths = {}
    for name, content in (("video.mp4", SAMPLE_MP4.read_bytes()), ("captions.srt", b"1\n00:00:00,000 --> x\n")):
        path = tmp_path / "out" / "weekly" / "v_1" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        paths[name] = str(path)
    return paths


# --- the summary ----------------------------------------------------------------------------------------------


def test_rows_take_ids_credits_and_files_from_the_results(tmp_path: Path, delivered: dict[str, str]) -> None:
    tasks = [
        _task("render", {"return_value": {"kind": "video", "job_ids": ["v_1"], "status": "succeeded", "credits": 2.5}}),
        _task(
            "download",
            {
                "return_value": {
                    "kind": "video",
                    "destination": str(tmp_path / "out" / "weekly"),  # a folder, not a file: not listed
                    "files": {"v_1": {"video": delivered["video.mp4"], "captions": delivered["captions.srt"]}},
                }
            },
        ),
        # A summary repeats the files and totals the credits: the files are not listed twice.
        _task("report", {"return_value": {"video_id": "v_1", "total_credits": 2.5, "files": [delivered["video.mp4"]]}}),
    ]

    render, download, report = demo.summary_rows(tasks, tmp_path / "out")

    assert (render.job_ids, render.status, render.credits, render.files) == (["v_1"], "success", 2.5, [])
    assert download.job_ids == ["v_1"]
    assert download.files == [delivered["video.mp4"], delivered["captions.srt"]]
    assert (report.files, report.credits, report.credits_total) == ([], 2.5, True)


def test_a_summary_that_reports_credits_without_job_ids_is_shown_as_a_total(tmp_path: Path) -> None:
    speech = _task("speech", {"return_value": {"request_id": "tts_1", "credits": 0.5}})
    summary = _task("summary", {"return_value": {"date": "2026-01-05", "jobs": 12, "credits": 36.0}})

    own, total = demo.summary_rows([speech, summary], tmp_path)

    assert (own.credits, own.credits_total, own.job_ids) == (0.5, False, ["tts_1"])
    assert (total.credits, total.credits_total) == (36.0, True)


def test_rows_show_the_estimate_beside_the_credits(tmp_path: Path) -> None:
    estimates = [
        {"credits": 1.2, "upper_bound": False, "basis": "~12s"},
        {"credits": 60.0, "upper_bound": True, "basis": "<= 600s"},
        {"credits": None, "upper_bound": False, "basis": "unknown"},
    ]
    tasks = [
        _task(f"t{i}", {"return_value": {"job_ids": [f"v_{i}"], "credits": 1.0, "estimate": estimate}})
        for i, estimate in enumerate(estimates)
    ]
    tasks.append(_task("summary", {"return_value": {"credits": 36.0, "estimated_credits": 35.5}}))

    rows = demo.summary_rows(tasks, tmp_path)

    assert [row.estimated for row in rows] == ["1.2", "<= 60", "-", "total 35.5"]
    assert "estimated" in demo.render_table(rows, tmp_path).splitlines()[0]


def test_tasks_are_ordered_by_plan_then_run_then_start_with_mapped_instances_together() -> None:
    def at(dag_id: str, task_id: str, second: int | None, map_index: int = -1, day: str = "05") -> dict[str, Any]:
        start = None if second is None else f"2026-01-{day}T00:00:{second:02d}+00:00"
        return _task(
            task_id, {}, dag_id=dag_id, map_index=map_index, start_date=start, logical_date=f"2026-01-{day}T06:00:00"
        )

    tasks = [
        at("b", "summary", None, day="05"),
        at("b", "translate", 9, map_index=1, day="05"),
        at("b", "plan", 1, day="06"),
        at("b", "translate", 3, map_index=2, day="05"),
        at("b", "translate", 5, map_index=0, day="05"),
        at("a", "render", 30),
    ]

    ordered = [
        (t["dag_id"], t["logical_date"][8:10], t["task_id"], t["map_index"])
        for t in demo.order_tasks(tasks, ["a", "b"])
    ]

    assert ordered == [
        ("a", "05", "render", -1),
        ("b", "05", "translate", 0),
        ("b", "05", "translate", 1),
        ("b", "05", "translate", 2),
        ("b", "05", "summary", -1),
        ("b", "06", "plan", -1),
    ]


def test_a_failed_task_shows_the_ids_it_pushed_before_failing(tmp_path: Path) -> None:
    failed = _task("translate", {"heygen_job_ids": ["vt_1", "vt_2"]}, state="failed", map_index=3)

    (row,) = demo.summary_rows([failed], tmp_path)

    assert (row.task, row.job_ids, row.status, row.credits) == ("translate[3]", ["vt_1", "vt_2"], "failed", None)


def test_a_task_that_did_not_wait_says_its_jobs_still_run(tmp_path: Path) -> None:
    teaser = _task("teaser", {"return_value": {"kind": "video", "job_ids": ["v_2"], "status": "running"}})

    (row,) = demo.summary_rows([teaser], tmp_path)

    assert row.status == "success (running)"


def test_the_table_names_each_dag_once_and_lists_files_relative_to_the_output(
    tmp_path: Path, delivered: dict[str, str]
) -> None:
    rows = [
        demo.Row("heygen_weekly_render", "render", ["v_1"], "success", 1.25, 2.5, run="2026-01-12"),
        demo.Row(
            "heygen_weekly_render", "download", ["v_1"], "success", None, None, [*delivered.values()], run="2026-01-12"
        ),
        demo.Row("heygen_weekly_render", "report", [], "success", 0.2, 2.5, credits_total=True, run="2026-01-12"),
    ]

    table = demo.render_table(rows, tmp_path / "out").splitlines()

    assert table[0].split()[:8] == ["DAG", "run", "task", "job", "ids", "status", "duration", "credits"]
    assert sum("heygen_weekly_render" in line for line in table) == 1
    assert table[3].startswith("  2026-01-12 ")  # the run's day under its DAG
    assert "weekly/v_1/video.mp4" in table[3] and "weekly/v_1/captions.srt" in table[4]
    assert "1.2s" in table[2] and "total 2.5" in table[5]


def _rows(*statuses: str, **fields: Any) -> list[Any]:
    return [
        demo.Row("heygen_weekly_render", f"task{i}", [], status, None, None, **fields)
        for i, status in enumerate(statuses)
    ]


def test_the_notes_explain_each_compound_state_the_table_shows_once(tmp_path: Path) -> None:
    rows = _rows("success", "success (running)", "success (running)", "success (failed)", "success (queued)", "failed")

    notes = demo.summary_notes(rows, tmp_path)

    legend = [note for note in notes if note.startswith(("success", "failed"))]
    assert legend == [
        "success (running): the task succeeded while its HeyGen job still ran"
        " (a submit with wait_for_completion=False; a later task waited for the job)",
        "success (failed): the task succeeded while its HeyGen job had already failed"
        " (a submit with wait_for_completion=False; the task that waits for the job fails)",
        "success (queued): the task succeeded while its HeyGen job was queued",
    ]


def test_the_notes_explain_total_credits_only_when_the_table_has_some(tmp_path: Path) -> None:
    def explained(rows: list[Any]) -> bool:
        return any(note.startswith("total N (credits):") for note in demo.summary_notes(rows, tmp_path))

    assert explained(_rows("success", credits_total=True))
    assert not explained(_rows("success", "success (running)"))


def test_the_notes_say_where_the_files_are_and_that_the_fakes_videos_are_placeholders(tmp_path: Path) -> None:
    in_repository = demo.summary_notes(_rows("success"), demo.OUTPUT)
    elsewhere = demo.summary_notes(_rows("success"), tmp_path / "out")

    assert f"output files: the paths above are under demo-output/ ({ROOT / 'demo-output'}/)" in in_repository
    assert f"output files: the paths above are under {tmp_path / 'out'}/" in elsewhere
    (media,) = [note for note in elsewhere if note.startswith("media:")]
    assert (
        "a second of placeholder frames" in media
        and "header states the job's length" in media
        and "billed on the script's or source's length" in media
    )


def test_durations_missing_from_the_db_come_from_the_dags_test_log() -> None:
    log = (
        "[2026-01-05T00:00:07.500+0000] {dag.py:4396} INFO - [DAG TEST] starting task_id=render map_index=-1\n"
        "[2026-01-05T00:00:09.000+0000] {dag.py:4396} INFO - [DAG TEST] starting task_id=render map_index=-1\n"
    )
    tasks = [_task("render", {}, duration=None), _task("other", {}, duration=None)]

    demo.fill_durations(tasks, {("heygen_weekly_render", "2026-01-05"): log})

    assert tasks[0]["duration"] == pytest.approx(2.5)  # from the first start to the end date
    assert tasks[1]["duration"] is None


def test_the_media_check_needs_one_mp4_and_every_mp4_to_parse(tmp_path: Path, delivered: dict[str, str]) -> None:
    good = demo.Row("d", "download", [], "success", None, None, [delivered["video.mp4"]])
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not an mp4 at all")
    bad = demo.Row("d", "download", [], "success", None, None, [str(broken)])

    assert demo.check_mp4s([good])[0] is True
    assert demo.check_mp4s([good, bad])[0] is False
    assert demo.check_mp4s([demo.Row("d", "t", [], "success", None, None)]) == (False, ["no MP4 was delivered"])


# --- progress while a DAG runs ----------------------------------------------------------------------------------

PREFIX = "  [2/5] heygen_weekly_render 2026-01-12"


def test_a_progress_line_shows_each_change_and_a_first_sighting_without_an_arrow() -> None:
    changes = [("render", -1, "deferred", "success"), ("teaser", -1, None, "running")]

    assert demo.progress_line(PREFIX, changes) == f"{PREFIX}  render: deferred -> success, teaser: running"


def test_mapped_instances_with_the_same_change_share_one_entry_with_their_indexes_as_spans() -> None:
    changes = [("translate", i, "running", "success") for i in (5, 0, 1, 2, 3)] + [
        ("translate", 4, "running", "failed")
    ]

    line = demo.progress_line(PREFIX, changes)

    assert line == f"{PREFIX}  translate[0-3,5]: running -> success, translate[4]: running -> failed"


def _metadata_db(path: Path) -> sqlite3.Connection:
    """A stand-in for Airflow's DB: the columns of ``task_instance`` that the progress reads."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE task_instance (dag_id, run_id, task_id, map_index, state, start_date)")
    return db


def _set_state(db: sqlite3.Connection, run_id: str, task_id: str, state: str | None, start: str | None = None) -> None:
    db.execute("DELETE FROM task_instance WHERE run_id = ? AND task_id = ?", (run_id, task_id))
    db.execute(
        "INSERT INTO task_instance VALUES ('heygen_weekly_render', ?, ?, -1, ?, ?)", (run_id, task_id, state, start)
    )


def test_progress_reports_each_change_of_the_new_run_once_and_nothing_of_earlier_runs(tmp_path: Path) -> None:
    db = _metadata_db(tmp_path / "airflow.db")
    _set_state(db, "manual__earlier", "render", "success", "2026-01-01 00:00:00")
    progress = demo.Progress(tmp_path / "airflow.db", "heygen_weekly_render", PREFIX)
    assert progress.poll() is None

    _set_state(db, "manual__now", "teaser", "running", "2026-01-02 00:00:02")
    _set_state(db, "manual__now", "render", "deferred", "2026-01-02 00:00:01")
    _set_state(db, "manual__now", "report", None)  # created, not scheduled yet: not worth a line
    assert progress.poll() == f"{PREFIX}  render: deferred, teaser: running"  # in order of start

    _set_state(db, "manual__now", "render", "success", "2026-01-02 00:00:01")
    assert progress.poll() == f"{PREFIX}  render: deferred -> success"
    assert progress.poll() is None


def test_progress_stays_quiet_while_the_db_is_absent_not_migrated_or_locked(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    assert demo.Progress(missing, "heygen_weekly_render", PREFIX).poll() is None
    assert not missing.exists()  # read-only: never created

    sqlite3.connect(tmp_path / "empty.db").close()
    assert demo.read_states(tmp_path / "empty.db", "heygen_weekly_render") is None

    db = _metadata_db(tmp_path / "airflow.db")
    _set_state(db, "manual__now", "render", "running")
    db.execute("BEGIN EXCLUSIVE")  # a writer in the middle of a commit
    assert demo.read_states(tmp_path / "airflow.db", "heygen_weekly_render") is None
    db.execute("COMMIT")
    assert demo.read_states(tmp_path / "airflow.db", "heygen_weekly_render") == {
        ("manual__now", "render", -1): "running"
    }


# --- the process plumbing ---------------------------------------------------------------------------------------


def test_an_earlier_runs_output_is_emptied_and_marked_as_the_demos(tmp_path: Path) -> None:
    output = tmp_path / "demo-output"
    assert demo.is_demo_output(output)  # absent
    assert demo.clear_output(output) is False

    (output / "weekly").mkdir()
    (output / "weekly" / "old.mp4").write_bytes(b"an earlier run's")
    assert demo.is_demo_output(output)  # marked by the first run
    assert demo.clear_output(output) is True
    assert [path.name for path in output.iterdir()] == [demo.OUTPUT_MARK]


def test_a_folder_with_other_files_is_never_emptied_but_the_default_output_is(tmp_path: Path) -> None:
    (tmp_path / "holiday.jpg").write_bytes(b"jpeg")

    assert not demo.is_demo_output(tmp_path)
    assert demo.is_demo_output(ROOT / "demo-output")


def test_a_command_is_ticked_while_it_runs(tmp_path: Path) -> None:
    ticks = []

    code, _ = demo.run_logged(
        [sys.executable, "-c", "import time; time.sleep(1)"],
        tmp_path / "run.log",
        {},
        timeout=60,
        on_tick=lambda: ticks.append(1),
        tick=0.1,
    )

    assert code == 0
    assert len(ticks) >= 3


def test_a_command_logs_to_its_file_and_a_hung_one_is_stopped(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run.log"
    code, _ = demo.run_logged([sys.executable, "-c", "print('hello'); raise SystemExit(3)"], log, {}, timeout=60)
    assert code == 3
    assert "hello" in log.read_text()

    code, _ = demo.run_logged([sys.executable, "-c", "import time; time.sleep(60)"], log, {}, timeout=0.5)
    assert code == -9
    assert "stopped after" in log.read_text()


@pytest.mark.e2e
def test_the_fake_api_answers_while_the_block_runs_and_stops_after(tmp_path: Path) -> None:
    with demo.FakeApi(tmp_path / "fake.log", clock_speed=1.0) as fake:
        assert fake.wallet() == pytest.approx(1000.0)
        connection = json.loads(fake.connection())
        assert (connection["conn_type"], connection["host"]) == ("heygen", fake.url)
        process = fake.process
    assert process is not None and process.poll() is not None
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{fake.url}/v3/users/me", timeout=2)


def test_airflow_settings_from_the_callers_environment_do_not_leak_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql://somebody/production")
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", "heygen://:real-key@api.heygen.com")

    env = demo.airflow_env(tmp_path / "home", tmp_path / "out", '{"conn_type": "heygen"}')

    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path / 'home' / 'airflow.db'}"
    assert env["AIRFLOW_CONN_HEYGEN_DEFAULT"] == '{"conn_type": "heygen"}'
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(ROOT / "dags_examples")


# --- a reduced demo, end to end ---------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.timeout(420)
def test_the_demo_runs_the_weekly_render_and_leaves_a_parsable_mp4(tmp_path: Path) -> None:
    output = tmp_path / "demo-output"
    stale = output / "weekly" / "1999-01-04" / "v_stale" / "video.mp4"  # an earlier run's
    stale.parent.mkdir(parents=True)
    stale.write_bytes(SAMPLE_MP4.read_bytes())
    (output / demo.OUTPUT_MARK).touch()
    command = [sys.executable, str(ROOT / "scripts" / "demo.py"), "--only", "heygen_weekly_render", "--timeout", "300"]
    result = subprocess.run(
        [*command, "--workdir", str(tmp_path / "work"), "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "1/1 DAG runs succeeded" in result.stdout
    assert "heygen_weekly_render" in result.stdout and "render" in result.stdout
    mp4s = sorted(output.rglob("*.mp4"))
    assert mp4s, result.stdout
    assert all(f"{path.relative_to(output)}" in result.stdout for path in mp4s)
    assert "media check:" in result.stdout and "NOT a valid MP4" not in result.stdout
    assert (tmp_path / "work" / "logs" / "heygen_weekly_render-2026-01-12.log").exists()
    assert f"output in {output}/, cleared" in result.stdout
    assert not stale.exists() and "v_stale" not in result.stdout
    # a progress line while the DAG ran: a task's state as it changed (Airflow 2.10 runs faster and may group more)
    assert re.search(r"^  \[1/1\] heygen_weekly_render 2026-01-12  .*\b\w+: \w+ -> \w+", result.stdout, re.MULTILINE)
    assert "success (running): the task succeeded while its HeyGen job still ran" in result.stdout
