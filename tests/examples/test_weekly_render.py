"""heygen_weekly_render end to end against the fake: a script from the CSV, one render and one teaser per run,
video + thumbnail + captions stored under the output root, the asset event, and the credits it reports."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.examples.helpers import asset_events, import_example, is_mp4, result, run_on, states, task_instances, tree

pytestmark = [pytest.mark.e2e]

#: The cron tick of Monday 5 January 2026: the run reports the week that started on 29 December 2025.
MONDAY = "2026-01-05T06:00:00"


def test_a_weekly_run_renders_once_stores_the_files_and_announces_them(
    example_env: FakeHeyGen, output_root: Path
) -> None:
    heygen = example_env
    module = import_example("heygen_weekly_render")
    before = len(asset_events(module.WEEKLY_VIDEO.uri)[0])

    dagrun = run_on(module.dag, MONDAY)

    assert dagrun.state == "success", states(dagrun)
    main, teaser = sorted(heygen.jobs("video"), key=lambda job: job.request.get("aspect_ratio") == "9:16")
    assert teaser.request["aspect_ratio"] == "9:16" and "aspect_ratio" not in main.request
    # The script is built from the week of 29 December 2025 in data/weekly_metrics.csv.
    assert "week of December 29, 2025" in main.request["script"]
    assert "Videos rendered fell 3.4 percent to 16,380." in main.request["script"]
    assert main.request["caption"] == {"file_format": "srt"}
    assert (main.request["avatar_id"], main.request["voice_id"]) == (
        "Abigail_Office_Front_public",
        "3a218e750e0e0372a2ff95e13e012b73",
    )

    day = output_root / "weekly" / "2026-01-05"
    assert tree(day) == [
        f"teaser/{teaser.id}/video.mp4",
        f"{main.id}/captions.srt",
        f"{main.id}/thumbnail.png",
        f"{main.id}/video.mp4",
    ]
    assert is_mp4(day / main.id / "video.mp4") and is_mp4(day / "teaser" / teaser.id / "video.mp4")

    stored = result(dagrun, "download")
    events, queued = asset_events(module.WEEKLY_VIDEO.uri)
    assert len(events) == before + 1
    assert events[-1] == {"heygen_kind": "video", "files": stored["files"]}
    assert stored["files"] == {main.id: {name: str(day / main.id / file) for name, file in _FILES.items()}}
    assert "heygen_on_new_video" in queued  # the data-triggered DAG is due

    report = result(dagrun, "report")
    assert (report["week"], report["video_id"], report["teaser_id"]) == ("2025-12-29", main.id, teaser.id)
    assert report["total_credits"] == pytest.approx(heygen.credits_spent)
    assert report["credits"]["teaser"] == pytest.approx(teaser.credits)
    assert len(report["files"]) == 4
    assert {ti.task_id: ti.pool for ti in dagrun.get_task_instances() if ti.pool == "heygen"} == {
        "render": "heygen",
        "teaser": "heygen",
        "wait_for_teaser": "heygen",
    }


_FILES = {"video": "video.mp4", "thumbnail": "thumbnail.png", "captions": "captions.srt"}


def test_ids_come_from_the_run_conf_else_the_variables(
    example_env: FakeHeyGen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_HEYGEN_AVATAR_ID", "look_from_variable")
    monkeypatch.setenv("AIRFLOW_VAR_HEYGEN_VOICE_ID", "voice_from_variable")
    module = import_example("heygen_weekly_render")

    dagrun = run_on(module.dag, "2026-01-12T06:00:00", conf={"voice_id": "voice_from_conf"})

    assert dagrun.state == "success", states(dagrun)
    for job in example_env.jobs("video"):
        assert (job.request["avatar_id"], job.request["voice_id"]) == ("look_from_variable", "voice_from_conf")


def test_a_script_over_budget_fails_before_anything_is_rendered(
    example_env: FakeHeyGen, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = import_example("heygen_weekly_render")
    monkeypatch.setattr(module.dag.get_task("render"), "max_credits", 0.5)

    dagrun = run_on(module.dag, "2026-01-19T06:00:00")

    assert dagrun.state == "failed"
    (render,) = task_instances(dagrun, "render")
    assert (render.state, render.try_number) == ("failed", 1)  # refused at once, not retried
    assert [job.request["aspect_ratio"] for job in example_env.jobs("video")] == ["9:16"]  # only the teaser


def test_an_account_near_its_floor_refuses_the_render_before_it_is_sent(example_env: FakeHeyGen) -> None:
    module = import_example("heygen_weekly_render")
    example_env.wallet_balance = module.MIN_REMAINING_CREDITS + 1  # less than a weekly render costs

    dagrun = run_on(module.dag, "2026-01-26T06:00:00")

    assert dagrun.state == "failed"
    (render,) = task_instances(dagrun, "render")
    assert (render.state, render.try_number) == ("failed", 1)  # refused at once, not retried
    assert [job.request["aspect_ratio"] for job in example_env.jobs("video")] == ["9:16"]  # only the teaser
    assert example_env.requests_to("GET", "/v3/users/me")  # the balance was read, not billed


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("logical_date", "interval_end", "week"),
    [
        pytest.param("2026-01-12T06:00", "2026-01-12T06:00", "2026-01-05", id="scheduled-airflow-3"),
        pytest.param("2026-01-05T06:00", "2026-01-12T06:00", "2026-01-05", id="scheduled-airflow-2"),
        pytest.param("2026-01-05T00:00", "2026-01-05T00:00", "2025-12-29", id="manual-airflow-3"),
        pytest.param("2026-01-05T00:00", "2025-12-29T06:00", "2025-12-29", id="manual-airflow-2"),
    ],
)
def test_the_script_reports_the_last_week_that_started_before_the_run_was_due(
    examples: object, logical_date: str, interval_end: str, week: str
) -> None:
    """The dates each Airflow version gives a run of a Monday cron; the same week either way."""
    build_script = import_example("heygen_weekly_render").dag.get_task("build_script").python_callable

    scripts = build_script(data_interval_end=_at(interval_end), logical_date=_at(logical_date))

    assert scripts["week"] == week
