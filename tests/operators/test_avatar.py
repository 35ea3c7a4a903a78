"""HeyGenCreateAvatarOperator: its request, waiting for the look to train (worker and deferred), its result."""

from __future__ import annotations

import base64
import importlib
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from airflow_provider.heygen._compat import AirflowFailException, TaskDeferred
from airflow_provider.heygen.api.errors import HeyGenError, JobFailedError, JobTimeoutError
from airflow_provider.heygen.operators.avatar import HeyGenCreateAvatarOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger
from tests.operators import support

PHOTO_URL = {"type": "url", "url": "https://example.com/ada.png"}
PHOTO = {"type": "photo", "name": "Ada", "file": PHOTO_URL}
CLIP = Path(media.__file__).parent / "media" / "sample.mp4"


def avatar(**kwargs: Any) -> HeyGenCreateAvatarOperator:
    return HeyGenCreateAvatarOperator(task_id="avatar", **{"request": PHOTO, "poll_interval": 0.1, **kwargs})


@pytest.fixture
def context() -> dict[str, Any]:
    return support.context(task_id="avatar")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "ada.png"
    path.write_bytes(media.thumbnail_png(8, 8))
    return path


# --- the request ---------------------------------------------------------------------------------------


def test_a_local_photo_goes_inline_and_the_look_id_is_the_job(
    heygen: FakeHeyGen, context: dict[str, Any], photo: Path
) -> None:
    (look_id,) = avatar(request={"type": "photo", "name": "Ada"}, file=str(photo)).submit_job(context)
    (job,) = heygen.jobs("avatar")
    assert job.id == look_id
    sent = job.request["file"]
    assert sent["type"] == "base64" and sent["media_type"] == "image/png"
    assert base64.b64decode(sent["data"]) == photo.read_bytes()
    assert context["ti"].xcoms["heygen_job_ids"] == [look_id]


def test_prompt_avatar_takes_reference_images(heygen: FakeHeyGen, context: dict[str, Any], photo: Path) -> None:
    request = {"type": "prompt", "name": "Host", "prompt": "A friendly host", "reference_images": [PHOTO_URL]}
    avatar(request=request, reference_images=[photo, "https://example.com/side.jpg"]).submit_job(context)
    (job,) = heygen.jobs("avatar")
    images = job.request["reference_images"]
    assert [image["type"] for image in images] == ["url", "base64", "url"]


def test_a_digital_twin_from_an_asset_id(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    asset_id = avatar().hook.upload_asset(CLIP).asset_id
    request = {"type": "digital_twin", "name": "Ada", "file": {"type": "asset_id", "asset_id": asset_id}}
    avatar(request=request).submit_job(context)
    (job,) = heygen.jobs("avatar")
    assert job.request["file"] == {"type": "asset_id", "asset_id": asset_id}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"request": {"type": "photo", "file": PHOTO_URL}}, "name: required field is missing", id="name"),
        pytest.param({"request": {"type": "photo", "name": "Ada"}}, "file: required field is missing", id="file"),
        pytest.param({"request": {"type": "puppet", "name": "Ada"}}, "type 'puppet' is not allowed", id="type"),
        pytest.param(
            {"request": {"type": "photo", "name": "Ada"}, "file": str(CLIP)},
            "file: type 'video/mp4' of 'sample.mp4' is not allowed, expected png or jpeg",
            id="photo-from-a-video",
        ),
        pytest.param(
            {"request": {"type": "prompt", "name": "Host", "prompt": "A host"}, "reference_images": [PHOTO_URL] * 4},
            "reference_images: 4 items, the limit is 3",
            id="4-reference-images",
        ),
        pytest.param(
            {"request": {"type": "photo", "name": "Ada"}, "file": "/nowhere/ada.png"},
            "file: no file at /nowhere/ada.png",
            id="missing-file",
        ),
    ],
)
def test_bad_input_fails_before_any_request(
    heygen: FakeHeyGen, context: dict[str, Any], kwargs: Any, message: str
) -> None:
    with pytest.raises(AirflowFailException, match=re.escape(message)):
        avatar(**kwargs).execute(context)
    assert not heygen.requests


def test_max_credits_below_the_creation_credit_refuses_before_submitting(
    heygen: FakeHeyGen, context: dict[str, Any]
) -> None:
    with pytest.raises(AirflowFailException, match=r"Estimated 1 credits exceeds max_credits=0\.5"):
        avatar(max_credits=0.5).execute(context)
    assert not heygen.requests


# --- waiting -------------------------------------------------------------------------------------------------


def test_deferrable_defers_on_the_look_then_returns_it(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.clock_speed = 0.0
    op = avatar(deferrable=True, timeout=600)
    started = time.time()
    with pytest.raises(TaskDeferred) as info:
        op.execute(context)
    (look,) = heygen.jobs("avatar")
    trigger = info.value.trigger
    _, kwargs = trigger.serialize()
    assert isinstance(trigger, HeyGenJobTrigger) and info.value.method_name == "execute_complete"
    assert kwargs["kind"] == "avatar" and kwargs["job_ids"] == [look.id]
    assert started + 600 <= kwargs["deadline"] <= time.time() + 600
    assert heygen.api_key not in json.dumps(kwargs)

    heygen.advance(600)
    done = {"status": "success", "kind": "avatar", "job_ids": [look.id], "message": "trained"}
    result = avatar(deferrable=True).execute_complete(context, done)
    assert result["avatar_id"] == look.id and result["job_ids"] == [look.id] and result["status"] == "succeeded"
    assert result["group_id"] == look.extra["group_id"] and result["training_status"] == "completed"
    assert result["preview_image_url"] and result["image_width"] and result["image_height"]
    assert result["credits"] == 1 == heygen.credits_spent
    assert result["jobs"][0]["avatar_id"] == look.id


@pytest.mark.parametrize(
    ("status", "error", "match"),
    [
        pytest.param("failed", JobFailedError, "face_not_found: No face in the photo", id="failed"),
        pytest.param("timeout", JobTimeoutError, "avatar", id="timeout"),
        pytest.param("error", HeyGenError, "boom", id="error"),
    ],
)
def test_unsuccessful_events_raise_typed_errors(status: str, error: type[Exception], match: str) -> None:
    event = {"status": status, "kind": "avatar", "job_ids": ["look_1"], "message": "boom"}
    event["statuses"] = {"look_1": "failed" if status == "failed" else "processing"}
    event["failures"] = {"look_1": {"failure_code": "face_not_found", "failure_message": "No face in the photo"}}
    with pytest.raises(error, match=match):
        avatar().execute_complete({}, event if status == "failed" else {**event, "failures": {}})


def test_worker_mode_waits_until_trained(heygen: FakeHeyGen, context: dict[str, Any], photo: Path) -> None:
    op = avatar(request={"type": "photo", "name": "Ada"}, file=photo, deferrable=False, timeout=60)
    result = op.execute(context)
    (look,) = heygen.jobs("avatar")
    assert result["avatar_id"] == look.id and result["status"] == "succeeded" and result["credits"] == 1
    assert result["avatar_type"] == "photo_avatar" and result["preview_image_url"]


def test_worker_mode_raises_heygens_training_failure(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.inject("job_failure", "/v3/avatars", method="POST", failure_code="face_not_found",
                  failure_message="No face in the photo")  # fmt: skip
    with pytest.raises(JobFailedError, match="face_not_found: No face in the photo"):
        avatar(deferrable=False, timeout=60).execute(context)


def test_worker_mode_times_out_with_a_distinct_error(heygen: FakeHeyGen, context: dict[str, Any]) -> None:
    heygen.inject("job_stuck", "/v3/avatars", method="POST")
    with pytest.raises(JobTimeoutError, match="avatar"):
        avatar(deferrable=False, timeout=0.5).execute(context)


def test_on_kill_sends_nothing_as_avatar_training_cannot_be_stopped(
    heygen: FakeHeyGen, context: dict[str, Any]
) -> None:
    op = avatar()
    op.submit_job(context)
    op.on_kill()
    assert [r.method for r in heygen.requests if r.method == "POST"] == ["POST"]  # the create only


# --- end to end ----------------------------------------------------------------------------------------------

DAGS = {"heygen_avatar_sync": "avatar_sync", "heygen_avatar_deferrable": "avatar_deferrable"}


def run(dag_id: str) -> Any:
    module = importlib.import_module("tests.dags.heygen_avatar_dags")
    return getattr(module, DAGS[dag_id]).test()


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("dag_id", list(DAGS))
def test_avatar_dag_trains_a_twin_and_renders_with_it(heygen: FakeHeyGen, dag_id: str) -> None:
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    (look,) = heygen.jobs("avatar")
    assert look.request["name"] == "Ada (studio)" and look.request["type"] == "digital_twin"  # templated
    assert look.request["file"]["media_type"] == "video/mp4"
    result = support.xcom(dagrun, "avatar")
    assert result["avatar_id"] == look.id and result["status"] == "succeeded" and result["credits"] == 1
    (video,) = heygen.jobs("video")
    assert video.request["avatar_id"] == look.id  # the new look is usable as a video's avatar_id
    assert support.xcom(dagrun, "render")["status"] == "succeeded"


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("dag_id", list(DAGS))
def test_a_try_that_fails_after_submitting_creates_one_avatar(heygen: FakeHeyGen, dag_id: str) -> None:
    support.fail_polls_until_the_first_try_gives_up(heygen, "/v3/avatars/looks/*", deferrable="deferrable" in dag_id)
    dagrun = run(dag_id)
    assert dagrun.state == "success"
    assert heygen.credits_spent == pytest.approx(1 + support.xcom(dagrun, "render")["credits"])  # one creation charged
    support.assert_retried_without_a_second_render(heygen, "avatar", "/v3/avatars")
