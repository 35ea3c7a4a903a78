"""HeyGenDownloadOperator without a database: what it accepts as job ids, which outputs it stores where, fresh
URLs after a 403, atomic files, failed and unfinished jobs, and the asset event's extra."""

from __future__ import annotations

import importlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3, AirflowFailException, Asset
from airflow_provider.heygen.api.errors import HeyGenConnectionError, JobFailedError
from airflow_provider.heygen.delivery import DeliveryError
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from tests.examples.helpers import asset_events
from tests.operators.support import context

VIDEO = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "one two three four five"}
TRANSLATION = {
    "video": {"type": "url", "url": "https://example.com/source.mp4"},
    "output_languages": ["French", "German"],
    "enable_caption": True,
}
FILES = re.compile(r"/files/.+")


def finished_video(heygen: FakeHeyGen, **changes: Any) -> str:
    video_id = HeyGenHook().create_video({**VIDEO, **changes}).video_id
    heygen.advance(600)
    return video_id


def rendered_mp4(video_id: str) -> bytes:
    """The bytes the fake serves for a finished video: the sample clip, its header stating the video's length."""
    return media.video_bytes("mp4", HeyGenHook().get_job("video", video_id)["duration"])


def fetch(job_ids: Any, destination: Path, **kwargs: Any) -> HeyGenDownloadOperator:
    return HeyGenDownloadOperator(task_id="download", job_ids=job_ids, destination=str(destination), **kwargs)


def tree(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_every_output_of_a_video_is_stored_under_its_job_id(heygen: FakeHeyGen, tmp_path: Path) -> None:
    video_id = finished_video(heygen)
    result = fetch(video_id, tmp_path).execute(context())
    assert tree(tmp_path) == [f"{video_id}/captions.srt", f"{video_id}/thumbnail.png", f"{video_id}/video.mp4"]
    files = result["files"][video_id]
    assert files == {name: str(tmp_path / video_id / Path(path).name) for name, path in files.items()}
    assert Path(files["video"]).read_bytes() == rendered_mp4(video_id)
    assert result["sizes"][video_id]["thumbnail"] == len(media.thumbnail_png())
    assert result["total_bytes"] == sum(os.path.getsize(path) for path in files.values())
    assert (result["kind"], result["destination"]) == ("video", str(tmp_path))


def test_chosen_outputs_of_a_job_operator_result_are_stored(heygen: FakeHeyGen, tmp_path: Path) -> None:
    ids = HeyGenHook().create_video_translation(TRANSLATION).video_translation_ids
    heygen.advance(600)
    result = fetch({"kind": "video_translation", "job_ids": ids}, tmp_path, outputs=["audio", "captions"]).execute(
        context()
    )
    assert result["kind"] == "video_translation"
    assert tree(tmp_path) == sorted(f"{i}/{name}" for i in ids for name in ("audio.mp3", "captions.srt"))


def test_a_video_agent_session_delivers_its_video(heygen: FakeHeyGen, tmp_path: Path) -> None:
    session = HeyGenHook().create_video_agent({"prompt": "A 15 second product tour"})
    heygen.advance(3600)
    result = fetch(session.session_id, tmp_path, kind="video_agent", outputs=["video"]).execute(context())
    assert tree(tmp_path) == [f"{session.session_id}/video.mp4"]
    assert result["files"][session.session_id]["video"].endswith("video.mp4")


def test_an_expired_url_is_replaced_by_fetching_the_job_again(heygen: FakeHeyGen, tmp_path: Path) -> None:
    video_id = finished_video(heygen)
    heygen.clock_speed = 0
    heygen.state.config.url_ttl = 60
    op = fetch(video_id, tmp_path, outputs=["video"])
    get_job = op.hook.get_job

    def fetch_then_expire(kind: str, job_id: str) -> dict[str, Any]:
        resource = get_job(kind, job_id)
        if len(heygen.requests_to("GET", f"/v3/videos/{video_id}")) == 1:
            heygen.advance(61)  # the URLs expire between the GET and the download
        return resource

    op.hook.get_job = fetch_then_expire  # type: ignore[method-assign]
    result = op.execute(context())
    assert [r.status for r in heygen.requests_to("GET", FILES)] == [403, 200]
    assert len(heygen.requests_to("GET", f"/v3/videos/{video_id}")) == 2
    assert Path(result["files"][video_id]["video"]).read_bytes() == rendered_mp4(video_id)


def test_a_failing_download_leaves_nothing_at_the_final_path(heygen: FakeHeyGen, tmp_path: Path) -> None:
    video_id = finished_video(heygen)
    heygen.inject("drop", "/files/*", method="GET")
    with pytest.raises(HeyGenConnectionError):
        fetch(video_id, tmp_path, outputs=["video"]).execute(context())
    assert tree(tmp_path) == []  # no video.mp4, no temporary file either


def test_a_failed_job_raises_with_heygens_failure_code(heygen: FakeHeyGen, tmp_path: Path) -> None:
    heygen.inject("job_failure", "/v3/videos", method="POST", failure_code="download_failed")
    video_id = finished_video(heygen)
    with pytest.raises(JobFailedError, match="download_failed") as info:
        fetch(video_id, tmp_path).execute(context())
    assert info.value.failure_code == "download_failed"
    assert not heygen.requests_to("GET", FILES)


def test_an_unfinished_job_fails_the_try(heygen: FakeHeyGen, tmp_path: Path) -> None:
    heygen.clock_speed = 0
    video_id = HeyGenHook().create_video(VIDEO).video_id
    with pytest.raises(DeliveryError, match=f"video {video_id} is .*nothing to download yet"):
        fetch(video_id, tmp_path).execute(context())


def test_outputs_the_kind_does_not_have_fail_before_any_request(heygen: FakeHeyGen, tmp_path: Path) -> None:
    with pytest.raises(AirflowFailException, match=r"outputs \['audio'\] are not outputs of video"):
        fetch("v_1", tmp_path, outputs=["video", "audio"]).execute(context())
    with pytest.raises(AirflowFailException, match="job_ids is empty"):
        fetch([], tmp_path).execute(context())
    with pytest.raises(ValueError, match="kind 'proofread' has no downloadable outputs"):
        fetch("p_1", tmp_path, kind="proofread")
    assert not heygen.requests


def test_an_output_the_job_did_not_produce_fails_the_task(heygen: FakeHeyGen, tmp_path: Path) -> None:
    video_id = finished_video(heygen)
    with pytest.raises(AirflowFailException, match=f"video {video_id} has no captioned_video"):
        fetch(video_id, tmp_path, outputs=["captioned_video"]).execute(context())


def test_file_urls_on_the_apis_own_origin_are_fetched_others_refused(heygen: FakeHeyGen, tmp_path: Path) -> None:
    video_id = finished_video(heygen)
    op = fetch(video_id, tmp_path, outputs=["video"])
    assert op.hook.client.base_url.startswith("http://127.0.0.1:")  # the fake: plain http, allowed as the API
    op.execute(context())
    assert tree(tmp_path) == [f"{video_id}/video.mp4"]

    other = fetch(video_id, tmp_path / "other", outputs=["video"])
    get_job = other.hook.get_job

    def elsewhere(kind: str, job_id: str) -> dict[str, Any]:
        return {**get_job(kind, job_id), "video_url": "http://storage.test/v.mp4?Signature=s3cr3t"}

    other.hook.get_job = elsewhere  # type: ignore[method-assign]
    downloads = len(heygen.requests_to("GET", FILES))
    with pytest.raises(AirflowFailException, match=r"Refusing to download http://storage\.test/v\.mp4:") as info:
        other.execute(context())
    assert "s3cr3t" not in str(info.value)
    assert len(heygen.requests_to("GET", FILES)) == downloads and not (tmp_path / "other").exists()


@pytest.mark.parametrize("job_id", ["..", "../../etc", "a/b", "a\\b", "/abs", "a\x00b", "C:x"])
def test_a_job_id_that_is_not_one_plain_path_part_fails_before_any_request(
    heygen: FakeHeyGen, tmp_path: Path, job_id: str
) -> None:
    with pytest.raises(AirflowFailException, match=re.escape(repr(job_id))):
        fetch(["v_ok", job_id], tmp_path).execute(context())
    assert not heygen.requests and tree(tmp_path) == []


def test_max_bytes_caps_each_file(heygen: FakeHeyGen, tmp_path: Path) -> None:
    video_id = finished_video(heygen)
    size = len(media.video_bytes("mp4"))
    with pytest.raises(AirflowFailException, match=f"{video_id} video: .* over max_bytes {size - 1:,}"):
        fetch(video_id, tmp_path, outputs=["video"], max_bytes=size - 1).execute(context())  # no retry helps
    assert tree(tmp_path) == []  # no video.mp4, no temporary file either
    result = fetch(video_id, tmp_path, outputs=["video"], max_bytes=size).execute(context())
    assert result["total_bytes"] == size
    assert fetch(video_id, tmp_path).max_bytes == 5 * 1024**3
    for bad in (0, -1, "10", 1.5):
        with pytest.raises(ValueError, match=f"max_bytes {bad!r} must be a whole number of bytes > 0"):
            fetch(video_id, tmp_path, max_bytes=bad)


class OutletEvents(dict):
    """What ``context["outlet_events"]`` offers: an accessor per asset, with a settable ``extra``."""

    def __missing__(self, asset: Any) -> Any:
        self[asset] = accessor = type("Accessor", (), {"extra": None})()
        return accessor


def test_the_asset_event_carries_the_stored_files(heygen: FakeHeyGen, tmp_path: Path) -> None:
    video_id = finished_video(heygen)
    asset = Asset(f"file://{tmp_path}/videos")
    ctx = {**context(), "outlet_events": OutletEvents()}
    result = fetch(video_id, tmp_path, outputs=["thumbnail"], outlets=[asset]).execute(ctx)
    assert ctx["outlet_events"][asset].extra == {"heygen_kind": "video", "files": result["files"]}


def test_the_default_destination_is_a_local_folder_per_run(
    heygen: FakeHeyGen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    video_id = finished_video(heygen)
    op = HeyGenDownloadOperator(task_id="download", job_ids=video_id, outputs=["thumbnail"])
    result = op.execute(context(dag_id="weekly", run_id="manual__1"))
    assert result["destination"] == str(tmp_path / "heygen" / "weekly" / "manual__1")
    assert tree(tmp_path) == [f"heygen/weekly/manual__1/{video_id}/thumbnail.png"]


# --- end to end: dag.test() against the fake ---------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("first_try_fails", [False, True], ids=["clean", "first-download-fails"])
def test_download_dag_stores_the_video_and_emits_the_asset_event(
    heygen: FakeHeyGen, tmp_path: Path, first_try_fails: bool
) -> None:
    module = importlib.import_module("tests.dags.heygen_download_dags")
    if not AIRFLOW_V_3:  # 3.x's dag.test() writes every DAG of the folder to the database; 2.10's none
        module.publish_dag.sync_to_db()
    if first_try_fails:  # storage fails every attempt of the first try, after the render finished
        heygen.inject("error", "/files/*", method="GET", status=503, times=3)
    before = len(asset_events(module.WEEKLY_VIDEOS.uri)[0])
    dagrun = module.download_dag.test(run_conf={"out": str(tmp_path)})
    assert dagrun.state == "success"
    (job,) = heygen.jobs("video")
    (ti,) = [ti for ti in dagrun.get_task_instances() if ti.task_id == "download"]
    result = ti.xcom_pull(task_ids="download")
    root = Path(result["destination"])  # {{ params.out }}/{{ ds }}
    assert root.parent == tmp_path and tree(root) == [f"{job.id}/captions.srt", f"{job.id}/video.mp4"]
    assert result["files"][job.id]["video"] == str(root / job.id / "video.mp4")
    assert ti.try_number == (2 if first_try_fails else 1)
    events, queued = asset_events(module.WEEKLY_VIDEOS.uri)
    assert len(events) == before + 1 and events[-1]["files"] == result["files"]
    assert queued == ["heygen_publish"]  # the downstream DAG will run on the delivery
