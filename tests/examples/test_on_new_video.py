"""heygen_on_new_video end to end against the fake: it finds the weekly video (asset event, Param, or the asset's
latest event), translates it into each language once, lip-syncs a new opening, makes a Video Agent clip, stores
the outputs and reports the credits."""

from __future__ import annotations

import base64
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider.heygen._compat import AirflowFailException
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.testing import FakeHeyGen
from tests.examples.helpers import import_example, is_mp4, result, run_on, states, tree

pytestmark = [pytest.mark.e2e]


def test_a_run_after_the_weekly_render_handles_that_video(example_env: FakeHeyGen, output_root: Path) -> None:
    heygen = example_env
    weekly = import_example("heygen_weekly_render")
    module = import_example("heygen_on_new_video")
    weekly_run = run_on(weekly.dag, "2026-01-05T06:00:00")
    assert weekly_run.state == "success", states(weekly_run)
    weekly_video = result(weekly_run, "report")["video_id"]
    spent_before = heygen.credits_spent

    dagrun = run_on(module.dag, "2026-01-05T07:00:00")  # by hand: the asset's latest event names the video

    assert dagrun.state == "success", states(dagrun)
    video = heygen.job(weekly_video)
    translations = heygen.jobs("video_translation")
    assert sorted(job.extra["output_language"] for job in translations) == sorted(module.LANGUAGES)
    assert {_file(job.request["video"]["url"]) for job in translations} == {f"{video.id}.mp4"}
    (lipsync,) = heygen.jobs("lipsync")
    assert _file(lipsync.request["video"]["url"]) == f"{video.id}.mp4"
    assert "/files/" in lipsync.request["audio"]["url"] and lipsync.request["end_time"] == module.CUT[1]
    (session,) = heygen.jobs("video_agent")
    (attachment,) = session.request["files"]  # the weekly video's stored thumbnail, sent inline
    stored_thumbnail = output_root / "weekly" / "2026-01-05" / video.id / "thumbnail.png"
    assert attachment["type"] == "base64" and base64.b64decode(attachment["data"]) == stored_thumbnail.read_bytes()

    summary = result(dagrun, "summary")
    assert summary["video_id"] == video.id
    assert summary["languages"] == dict.fromkeys(module.LANGUAGES, "completed")
    assert summary["lipsync_id"] == lipsync.id
    assert summary["total_credits"] == pytest.approx(heygen.credits_spent - spent_before)
    files = tree(output_root)
    day = "2026-01-05"
    for job in translations:
        assert {f"translations/{day}/{job.id}/video.mp4", f"translations/{day}/{job.id}/captions.srt"} <= set(files)
    assert f"cuts/{day}/{lipsync.id}/video.mp4" in files
    assert f"social/{day}/{session.id}/video.mp4" in files
    assert all(is_mp4(path) for path in summary["files"] if path.endswith(".mp4"))
    assert len(summary["files"]) == 2 * len(translations) + 1 + 2


def test_a_video_id_given_by_hand_wins(example_env: FakeHeyGen) -> None:
    heygen = example_env
    video_id = _finished_video(heygen, "An older update, dubbed late.")
    module = import_example("heygen_on_new_video")

    dagrun = run_on(module.dag, "2026-01-06T07:00:00", conf={"video_id": video_id})

    assert dagrun.state == "success", states(dagrun)
    assert {_file(job.request["video"]["url"]) for job in heygen.jobs("video_translation")} == {f"{video_id}.mp4"}
    found = result(dagrun, "find_video")
    assert found["video_id"] == video_id and _file(found["video_url"]) == f"{video_id}.mp4"
    assert found["attachments"] == []  # nothing stored for this video, so nothing to attach
    assert "files" not in heygen.jobs("video_agent")[0].request


@pytest.mark.parametrize(
    ("run_type", "key", "by"),
    [
        pytest.param("asset_triggered", "triggering_asset_events", "asset", id="airflow-3"),
        pytest.param("dataset_triggered", "triggering_dataset_events", "uri", id="airflow-2"),
    ],
)
def test_an_asset_triggered_run_takes_the_video_of_the_newest_event(
    example_env: FakeHeyGen, tmp_path: Path, run_type: str, key: str, by: str
) -> None:
    """The triggering events as each Airflow version hands them to the task (asset or uri -> events)."""
    older, newer = (_finished_video(example_env, script) for script in ("Last week.", "This week."))
    thumbnail = tmp_path / "thumbnail.png"
    module = import_example("heygen_on_new_video")
    events = [
        SimpleNamespace(extra={"heygen_kind": "video", "files": {older: {}}}),
        SimpleNamespace(extra={"heygen_kind": "video", "files": {newer: {"thumbnail": str(thumbnail)}}}),
    ]
    asset = module.WEEKLY_VIDEO if by == "asset" else module.WEEKLY_VIDEO.uri
    context: dict[str, Any] = {
        "dag_run": SimpleNamespace(run_type=run_type),
        key: {asset: events},
        "params": {"video_id": None},
        "inlet_events": {},  # not read: the triggering events name the video
    }

    found = module.dag.get_task("find_video").python_callable(**context)

    assert found["video_id"] == newer and found["attachments"] == [str(thumbnail)]
    assert _file(found["video_url"]) == f"{newer}.mp4"  # a fresh URL of the newest video


def test_without_an_event_or_a_video_id_the_task_says_what_to_do(example_env: FakeHeyGen) -> None:
    module = import_example("heygen_on_new_video")
    context = {"dag_run": SimpleNamespace(run_type="manual"), "params": {}, "inlet_events": {module.WEEKLY_VIDEO: []}}
    with pytest.raises(AirflowFailException, match="run heygen_weekly_render, or trigger with a video_id"):
        module.dag.get_task("find_video").python_callable(**context)
    assert not example_env.requests


def _finished_video(heygen: FakeHeyGen, script: str) -> str:
    request = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": script}
    video_id = HeyGenHook().create_video(request).video_id
    heygen.advance(600)
    return video_id


def _file(url: str) -> str:
    """The file name in one of the fake's presigned URLs (``<video_id>.mp4``; the rest changes on every GET)."""
    return url.split("?")[0].rsplit("/", 1)[-1]
