"""HeyGenTranslateVideoOperator without a database: the submit, one trigger for N languages, completion,
input checks, per-language resubmission on retry, mapped instances, and the proofread flow."""

from __future__ import annotations

import importlib
import itertools
import json
import re
import time
from collections import Counter
from typing import Any

import pytest

from airflow_provider.heygen._compat import AIRFLOW_V_3_3, AirflowFailException, TaskDeferred
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.errors import HeyGenError, JobFailedError, JobTimeoutError
from airflow_provider.heygen.links import JOB_IDS_XCOM_KEY
from airflow_provider.heygen.operators.base import idempotency_key_for, retry_key
from airflow_provider.heygen.operators.translation import (
    PROOFREAD_IDS_XCOM_KEY,
    HeyGenTranslateVideoOperator,
    proofread_requests,
    step_key,
)
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.triggers.job import HeyGenJobTrigger
from tests.dags.heygen_translation_dags import BACKFILL_VIDEOS, LANGUAGES
from tests.operators.support import (
    assert_retried_without_a_second_render,
    context,
    fail_polls_until_the_first_try_gives_up,
)

SPANISH, FRENCH = "Spanish (Spain)", "French (France)"
VIDEO = {"type": "url", "url": "https://cdn.example.com/launch.mp4"}
REQUEST = {"video": VIDEO, "output_languages": [SPANISH, FRENCH]}
CREATE = "/v3/video-translations"
PROOFREADS = "/v3/video-translations/proofreads"


def operator(**kwargs: Any) -> HeyGenTranslateVideoOperator:
    kwargs = {"request": REQUEST, "poll_interval": 0.1, "timeout": 30, **kwargs}
    return HeyGenTranslateVideoOperator(task_id="t", **kwargs)


def event(status: str, kind: str, job_ids: list[str], **extra: Any) -> dict[str, Any]:
    return {"status": status, "kind": kind, "job_ids": job_ids, "message": "m", **extra}


def deferred(call: Any, *args: Any) -> Any:
    """The trigger and method of the deferral ``call(*args)`` raises."""
    with pytest.raises(TaskDeferred) as info:
        call(*args)
    return info.value


# --- submit ---------------------------------------------------------------------------------------------


def test_submit_sends_the_request_once_with_the_task_key(heygen: FakeHeyGen) -> None:
    ctx = context()
    result = operator(wait_for_completion=False).execute(ctx)
    (post,) = heygen.requests_to("POST", CREATE)
    assert post.body == REQUEST
    assert post.headers["idempotency-key"] == idempotency_key_for(ctx, REQUEST)
    spanish, french = heygen.jobs("video_translation")
    assert result["job_ids"] == ctx["ti"].xcoms[JOB_IDS_XCOM_KEY] == [spanish.id, french.id]
    assert result["languages"][SPANISH]["video_translation_id"] == spanish.id
    assert result["languages"][FRENCH]["video_translation_id"] == french.id


@pytest.mark.parametrize(
    "languages",
    [
        pytest.param(["German", "Italian"], id="list"),
        pytest.param("['German', 'Italian']", id="rendered-list"),
    ],
)
def test_output_languages_override_a_model_request(heygen: FakeHeyGen, languages: Any) -> None:
    request = m.VideoTranslationRequest.parse({**REQUEST, "mode": "precision", "enable_caption": True})
    operator(request=request, output_languages=languages, wait_for_completion=False).execute(context())
    (post,) = heygen.requests_to("POST", CREATE)
    assert post.body["output_languages"] == ["German", "Italian"]
    assert (post.body["mode"], post.body["enable_caption"]) == ("precision", True)


def test_deferrable_waits_for_every_language_in_one_trigger(heygen: FakeHeyGen) -> None:
    deferral = deferred(operator(deferrable=True, timeout=600).execute, context())
    trigger = deferral.trigger
    assert isinstance(trigger, HeyGenJobTrigger) and deferral.method_name == "execute_complete"
    _, kwargs = trigger.serialize()
    assert kwargs["kind"] == "video_translation"
    assert kwargs["job_ids"] == [job.id for job in heygen.jobs("video_translation")] and len(kwargs["job_ids"]) == 2
    assert time.time() + 590 < kwargs["deadline"] <= time.time() + 600
    assert heygen.api_key not in json.dumps(kwargs)


def test_worker_wait_maps_each_language_to_its_outputs_and_credits(heygen: FakeHeyGen) -> None:
    result = operator(request={**REQUEST, "enable_caption": True}, deferrable=False).execute(context())
    assert result["status"] == "succeeded" and result["kind"] == "video_translation"
    assert set(result["languages"]) == {SPANISH, FRENCH}
    for outputs in result["languages"].values():
        assert outputs["status"] == "completed" and outputs["duration"] == 60
        assert (
            outputs["video_url"] and outputs["audio_url"] and outputs["srt_caption_url"] and outputs["vtt_caption_url"]
        )
        assert outputs["credits"] == pytest.approx(3.0)  # 60 s at 0.05 credits/s
    assert result["credits"] == pytest.approx(heygen.credits_spent) == pytest.approx(6.0)


# --- completion -----------------------------------------------------------------------------------------


def test_execute_complete_success_refetches_every_language(heygen: FakeHeyGen) -> None:
    deferral = deferred(operator(deferrable=True).execute, context())
    ids = deferral.trigger.serialize()[1]["job_ids"]
    heygen.advance(600)
    result = operator(deferrable=True).execute_complete(context(), event("success", "video_translation", ids))
    assert result["job_ids"] == ids and result["status"] == "succeeded"
    assert [result["languages"][lang]["video_translation_id"] for lang in (SPANISH, FRENCH)] == ids


@pytest.mark.parametrize(
    ("status", "extra", "error"),
    [
        pytest.param(
            "failed",
            {"failures": {"vt_2": {"failure_code": None, "failure_message": "Source video has no speech"}}},
            JobFailedError,
            id="failed",
        ),
        pytest.param("timeout", {"statuses": {"vt_1": "completed", "vt_2": "running"}}, JobTimeoutError, id="timeout"),
        pytest.param("error", {}, HeyGenError, id="error"),
    ],
)
def test_execute_complete_raises_typed_errors(status: str, extra: dict, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        operator(deferrable=True).execute_complete(
            context(), event(status, "video_translation", ["vt_1", "vt_2"], **extra)
        )
    if status == "failed":
        assert "Source video has no speech" in str(info.value) and "vt_2" in str(info.value)
    if status == "timeout":
        assert info.value.job_ids == ["vt_2"]


# --- input checks and budget ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "kwargs", "message"),
    [
        pytest.param({"video": VIDEO}, {}, "output_languages", id="no-languages"),
        pytest.param({**REQUEST, "output_languages": []}, {}, "output_languages: 0 items", id="empty-languages"),
        pytest.param(REQUEST, {"output_languages": "['Spanish"}, "output_languages", id="broken-rendered-list"),
        pytest.param({**REQUEST, "video": {"type": "url", "url": "ftp://x/a.mp4"}}, {}, "video.url", id="bad-url"),
        pytest.param({**REQUEST, "mode": "fast"}, {}, "mode", id="bad-mode"),
        pytest.param({**REQUEST, "start_time": 30, "end_time": 10}, {}, "end_time", id="bad-window"),
        pytest.param({**REQUEST, "languages": ["German"]}, {}, "languages", id="unknown-field"),
        pytest.param(
            {**REQUEST, "start_time": 5},
            {"proofread": True},
            "start_time: not taken by the proofread",
            id="proofread-field",
        ),
        pytest.param(REQUEST, {"proofread_ids": []}, "proofread_ids", id="no-proofread-ids"),
    ],
)
def test_bad_input_fails_before_any_request(
    heygen: FakeHeyGen, request_: dict[str, Any], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(AirflowFailException, match=message):
        operator(request=request_, **kwargs).execute(context())
    assert not heygen.requests


def test_negative_source_duration_fails_when_the_dag_is_parsed() -> None:
    with pytest.raises(ValueError, match="source_duration"):
        operator(source_duration=-1)


def test_budget_is_checked_from_the_source_duration(heygen: FakeHeyGen) -> None:
    # 120 s x 2 languages at 0.1 credits/s (precision) = 24 credits
    with pytest.raises(AirflowFailException, match="exceeds max_credits=20"):
        operator(request={**REQUEST, "mode": "precision"}, source_duration=120, max_credits=20).execute(context())
    with pytest.raises(AirflowFailException, match="exceeds max_credits=20"):  # the proofreads count too
        operator(source_duration=199, max_credits=20, proofread=True).execute(context())
    assert not heygen.requests


# --- retries and mapping --------------------------------------------------------------------------------


def test_a_retry_resubmits_only_the_failed_language_and_later_tries_replay_it(heygen: FakeHeyGen) -> None:
    heygen.inject("job_failure", CREATE, method="POST", times=1, failure_message="Lip sync failed")  # Spanish fails
    with pytest.raises(JobFailedError, match="Lip sync failed"):
        operator(deferrable=False).execute(context())
    result = operator(deferrable=False).execute(context(try_number=2))
    failed, french, spanish = heygen.jobs("video_translation")
    assert failed.status == "failed" and failed.extra["output_language"] == SPANISH
    assert result["status"] == "succeeded" and result["job_ids"] == [spanish.id, french.id]
    assert result["languages"][SPANISH]["video_translation_id"] == spanish.id
    first, replay, resubmit = heygen.requests_to("POST", CREATE)
    assert resubmit.body == {**REQUEST, "output_languages": [SPANISH]}
    key = first.headers["idempotency-key"]
    assert replay.headers["idempotency-key"] == key
    assert resubmit.headers["idempotency-key"] == retry_key(key, 1, 0, 2) == f"{key}:retry1-0"
    # A third try walks the same keys: HeyGen replays both answers and nothing new is rendered.
    assert operator(deferrable=False).execute(context(try_number=3))["job_ids"] == [spanish.id, french.id]
    assert len(heygen.jobs("video_translation")) == 3


def test_a_language_that_fails_twice_is_the_only_one_rendered_again_on_every_try(heygen: FakeHeyGen) -> None:
    """Every job ends the moment it is created, so a resubmitted language has failed again before the try looks
    at it: the case in which a second resubmission path used to render the completed languages once more."""
    heygen.clock_speed = 0
    german = "German (Germany)"
    languages = [SPANISH, FRENCH, german]

    def attempt(try_number: int) -> dict[str, Any]:
        op = operator(request={**REQUEST, "output_languages": languages}, deferrable=False)
        create = op.hook.create_video_translation

        def create_and_finish(*args: Any, **kwargs: Any) -> Any:
            created = create(*args, **kwargs)
            heygen.advance(3600)
            return created

        op.hook.create_video_translation = create_and_finish  # type: ignore[method-assign]
        return op.execute(context(try_number=try_number))  # type: ignore[no-any-return]

    def completed() -> Counter[str]:
        return Counter(
            job.extra["output_language"] for job in heygen.jobs("video_translation") if job.status == "completed"
        )

    for try_number in (1, 2):  # Spanish fails on the first try, and its resubmission on the second
        heygen.inject("job_failure", CREATE, method="POST", times=1)
        with pytest.raises(JobFailedError):
            attempt(try_number)
        assert completed() == Counter({FRENCH: 1, german: 1})
    assert attempt(3)["status"] == "succeeded"
    assert completed() == Counter(languages)
    rendered = [job.extra["output_language"] for job in heygen.jobs("video_translation")]
    assert sorted(rendered) == sorted([*languages, SPANISH, SPANISH])
    assert [r.body["output_languages"] for r in heygen.requests_to("POST", CREATE)] == [
        *[languages] * 2,
        [SPANISH],
        languages,
        [SPANISH],
        [SPANISH],
    ]


def test_the_first_try_never_resubmits(heygen: FakeHeyGen) -> None:
    heygen.inject("job_failure", CREATE, method="POST", times=1)
    with pytest.raises(JobFailedError):
        operator(deferrable=False).execute(context())
    assert len(heygen.jobs("video_translation")) == 2 and len(heygen.requests_to("POST", CREATE)) == 1


def test_each_mapped_instance_submits_its_own_jobs(heygen: FakeHeyGen) -> None:
    for map_index in (0, 1):  # the same payload: only the map index tells the instances apart
        operator(wait_for_completion=False).execute(context(map_index=map_index))
    first, second = heygen.requests_to("POST", CREATE)
    assert first.headers["idempotency-key"] != second.headers["idempotency-key"]
    assert len(heygen.jobs("video_translation")) == 4


# --- proofread ------------------------------------------------------------------------------------------


def test_proofread_request_maps_fields_to_the_proofread_and_generate_steps() -> None:
    body = m.VideoTranslationRequest.parse(
        {**REQUEST, "mode": "precision", "enable_dynamic_duration": False, "enable_caption": True, "callback_id": "c"}
    )
    proofread, generate = proofread_requests(body, "dag.task")
    assert proofread.to_body() == {
        **REQUEST,
        "title": "dag.task",
        "mode": "precision",
        "enable_video_stretching": False,
    }
    assert generate.to_body() == {"captions": True, "callback_id": "c"}


def test_proofread_flow_defers_twice_then_returns_translations(heygen: FakeHeyGen) -> None:
    heygen.clock_speed = 0
    ctx, request = context(), {**REQUEST, "title": "Launch", "enable_caption": True}
    first = deferred(operator(request=request, proofread=True, deferrable=True).execute, ctx)
    kind, proofread_ids = first.trigger.serialize()[1]["kind"], first.trigger.serialize()[1]["job_ids"]
    assert (kind, first.method_name) == ("proofread", "resume_after_proofreads")
    assert proofread_ids == [job.id for job in heygen.jobs("proofread")] == ctx["ti"].xcoms[PROOFREAD_IDS_XCOM_KEY]
    assert not heygen.jobs("video_translation") and JOB_IDS_XCOM_KEY not in ctx["ti"].xcoms

    heygen.advance(600)
    ready = event("success", "proofread", proofread_ids)
    second = deferred(operator(request=request, proofread=True, deferrable=True).resume_after_proofreads, ctx, ready)
    translations = heygen.jobs("video_translation")
    translation_ids = [job.id for job in translations]
    assert [job.extra["proofread_id"] for job in translations] == proofread_ids
    assert second.method_name == "execute_complete" and second.trigger.serialize()[1]["job_ids"] == translation_ids
    assert ctx["ti"].xcoms[JOB_IDS_XCOM_KEY] == translation_ids
    assert len(heygen.requests_to("POST", PROOFREADS)) == 2 and len(heygen.jobs("proofread")) == 2  # replayed
    assert {r.body["captions"] for r in heygen.requests if r.path.endswith("/generate")} == {True}

    heygen.advance(600)
    done = event("success", "video_translation", translation_ids)
    result = operator(request=request, proofread=True, deferrable=True).execute_complete(ctx, done)
    assert result["status"] == "succeeded" and result["languages"][FRENCH]["srt_caption_url"]


def test_a_failed_proofread_fails_the_task() -> None:
    failures = {"pr_1": {"failure_code": None, "failure_message": "No speech found"}}
    with pytest.raises(JobFailedError, match="No speech found"):
        operator(proofread=True).resume_after_proofreads(
            context(), event("failed", "proofread", ["pr_1"], failures=failures)
        )


def test_review_stops_with_the_srts_and_a_later_task_generates_from_them(heygen: FakeHeyGen) -> None:
    review = operator(review=True, deferrable=False).execute(context(task_id="review"))
    assert review["kind"] == "proofread" and review["status"] == "succeeded"
    assert review["proofread_ids"] == review["job_ids"] == [job.id for job in heygen.jobs("proofread")]
    assert set(review["languages"]) == {SPANISH, FRENCH}
    assert all(entry["srt_url"] and entry["proofread_id"] for entry in review["languages"].values())
    assert not heygen.jobs("video_translation")
    result = operator(proofread_ids=review, deferrable=False).execute(context(task_id="publish"))
    translations = heygen.jobs("video_translation")
    assert [job.extra["proofread_id"] for job in translations] == review["proofread_ids"]
    assert result["job_ids"] == [job.id for job in translations] and set(result["languages"]) == {SPANISH, FRENCH}
    assert len(heygen.requests_to("POST", PROOFREADS)) == 1  # the later task only generated


def test_a_retry_regenerates_only_the_failed_translation(heygen: FakeHeyGen) -> None:
    heygen.inject("job_failure", re.compile(r".*/generate"), method="POST", times=1)  # the Spanish translation
    with pytest.raises(JobFailedError):
        operator(proofread=True, deferrable=False).execute(context())
    result = operator(proofread=True, deferrable=False).execute(context(try_number=2))
    assert result["status"] == "succeeded"
    spanish_proofread, _ = heygen.jobs("proofread")
    failed, french, spanish = heygen.jobs("video_translation")
    assert failed.status == "failed" and result["job_ids"] == [spanish.id, french.id]
    generates = [r for r in heygen.requests if r.path.endswith("/generate")]
    assert len(generates) == 5  # two on the first try, two replays and one new render on the second
    key = heygen.requests_to("POST", PROOFREADS)[0].headers["idempotency-key"].removesuffix(":proofreads")
    assert generates[0].headers["idempotency-key"] == step_key(key, "generate", spanish_proofread.id)
    assert generates[-1].headers["idempotency-key"] == retry_key(key, 1, 0, 2)


@pytest.mark.skipif(not AIRFLOW_V_3_3, reason="ResumableJobMixin is Airflow 3.3+")
def test_a_retry_after_a_worker_crash_reconnects_to_the_generated_translations(heygen: FakeHeyGen) -> None:
    class Store(dict):
        def set(self, key: str, value: Any) -> None:
            self[key] = value

    heygen.clock_speed = 0
    store = Store()
    with pytest.raises(TaskDeferred):  # waiting for the proofreads: nothing stored yet
        operator(proofread=True, deferrable=True).execute({**context(), "task_state_store": store})
    heygen.advance(600)
    ready = event("success", "proofread", [job.id for job in heygen.jobs("proofread")])
    with pytest.raises(TaskDeferred):  # generated: the translation ids are stored before the wait
        operator(proofread=True, deferrable=True).resume_after_proofreads(
            {**context(), "task_state_store": store}, ready
        )
    translation_ids = [job.id for job in heygen.jobs("video_translation")]
    assert store[JOB_IDS_XCOM_KEY] == translation_ids
    before = len(heygen.requests)
    with pytest.raises(TaskDeferred) as info:
        operator(proofread=True, deferrable=True).execute({**context(try_number=2), "task_state_store": store})
    assert info.value.trigger.serialize()[1]["job_ids"] == translation_ids
    assert not [r for r in heygen.requests[before:] if r.method == "POST"]  # no proofread or generate call


# --- end to end: dag.test() against the fake ------------------------------------------------------------


def run(dag_name: str) -> Any:
    module = importlib.import_module("tests.dags.heygen_translation_dags")
    return getattr(module, dag_name).test()


def result_of(dagrun: Any, task_id: str) -> list[Any]:
    """The return values of a task's instances (one per map index), in map index order."""
    tis = sorted((ti for ti in dagrun.get_task_instances() if ti.task_id == task_id), key=lambda ti: ti.map_index)
    return [ti.xcom_pull(task_ids=task_id, map_indexes=ti.map_index) for ti in tis]


WAITING_MODES = pytest.mark.parametrize("mode", ["sync", "deferrable"])


class TestEndToEnd:
    """dag.test() of the DAGs in tests/dags against the fake: the run, the XCom result and the fake's record."""

    pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("airflow_db")]

    @WAITING_MODES
    def test_translates_every_language_once(self, heygen: FakeHeyGen, mode: str) -> None:
        dagrun = run(f"translation_{mode}")
        assert dagrun.state == "success"
        spanish, french = heygen.jobs("video_translation")
        assert spanish.request["video"]["url"] == "https://cdn.example.com/launch.mp4"  # the request was templated
        (result,) = result_of(dagrun, "translate")
        assert result["status"] == "succeeded" and result["job_ids"] == [spanish.id, french.id]
        assert result["languages"][SPANISH]["video_translation_id"] == spanish.id
        assert result["languages"][FRENCH]["vtt_caption_url"] and result["languages"][FRENCH]["video_url"]
        assert result["credits"] == pytest.approx(heygen.credits_spent)

    @WAITING_MODES
    def test_a_try_that_fails_after_submitting_is_retried_without_a_second_render(
        self, heygen: FakeHeyGen, mode: str
    ) -> None:
        fail_polls_until_the_first_try_gives_up(heygen, "/v3/video-translations/*", deferrable=mode == "deferrable")
        dagrun = run(f"translation_{mode}")
        assert dagrun.state == "success"
        assert_retried_without_a_second_render(heygen, "video_translation", CREATE, jobs=2)

    @WAITING_MODES
    def test_a_retry_after_a_failed_language_renders_only_that_language_again(
        self, heygen: FakeHeyGen, mode: str
    ) -> None:
        heygen.inject("job_failure", CREATE, method="POST", times=1)  # the first job of the first try: Spanish
        dagrun = run(f"translation_{mode}")
        assert dagrun.state == "success"
        failed, french, spanish = heygen.jobs("video_translation")
        assert failed.status == "failed" and failed.extra["output_language"] == SPANISH
        assert [r.body["output_languages"] for r in heygen.requests_to("POST", CREATE)] == [
            LANGUAGES,
            LANGUAGES,
            [SPANISH],
        ]
        (result,) = result_of(dagrun, "translate")
        assert result["job_ids"] == [spanish.id, french.id]
        assert {lang: out["status"] for lang, out in result["languages"].items()} == {
            SPANISH: "completed",
            FRENCH: "completed",
        }

    def test_backfill_mapped_over_videos_renders_each_video_and_language_once(self, heygen: FakeHeyGen) -> None:
        dagrun = run("translation_backfill")
        assert dagrun.state == "success"
        rendered = Counter(
            (job.request["video"]["url"], job.extra["output_language"]) for job in heygen.jobs("video_translation")
        )
        assert rendered == Counter(itertools.product(BACKFILL_VIDEOS, LANGUAGES))
        keys = [r.headers["idempotency-key"] for r in heygen.requests_to("POST", CREATE)]
        assert len(keys) == len(set(keys)) == len(BACKFILL_VIDEOS)  # one key per mapped instance
        results = result_of(dagrun, "translate")
        for url, result in zip(BACKFILL_VIDEOS, results, strict=True):
            assert result["status"] == "succeeded" and set(result["languages"]) == set(LANGUAGES)
            assert {heygen.job(job_id).request["video"]["url"] for job_id in result["job_ids"]} == {url}

    @WAITING_MODES
    def test_proofread_then_generate(self, heygen: FakeHeyGen, mode: str) -> None:
        dagrun = run(f"proofread_{mode}")
        assert dagrun.state == "success"
        proofreads, translations = heygen.jobs("proofread"), heygen.jobs("video_translation")
        assert len(proofreads) == 2 and [job.extra["proofread_id"] for job in translations] == [
            job.id for job in proofreads
        ]
        assert len({r.headers["idempotency-key"] for r in heygen.requests_to("POST", PROOFREADS)}) == 1
        (result,) = result_of(dagrun, "translate")
        assert result["job_ids"] == [job.id for job in translations]
        assert all(out["srt_caption_url"] for out in result["languages"].values())  # enable_caption -> captions

    def test_review_between_proofread_and_generate(self, heygen: FakeHeyGen) -> None:
        dagrun = run("translation_review")
        assert dagrun.state == "success"
        (review,) = result_of(dagrun, "review")
        assert review["kind"] == "proofread" and set(review["languages"]) == set(LANGUAGES)
        (edit,) = [r for r in heygen.requests if r.method == "PUT"]
        assert edit.path.endswith(f"/{review['languages'][SPANISH]['proofread_id']}/srt")
        translations = heygen.jobs("video_translation")
        assert [job.extra["proofread_id"] for job in translations] == review["proofread_ids"]
        (published,) = result_of(dagrun, "publish")
        assert published["status"] == "succeeded" and published["job_ids"] == [job.id for job in translations]
