"""HeyGenTextToSpeechOperator without a database: limits, budget, the request, the result, idempotent retries,
and storing the audio (including an expired URL)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from airflow_provider.heygen._compat import AirflowFailException
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.operators.base import idempotency_key_for
from airflow_provider.heygen.operators.speech import HeyGenTextToSpeechOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.routes.voices import CATALOGUE
from tests.operators.support import context

STARFISH_VOICE = next(v.voice_id for v in CATALOGUE if v.name.startswith("Aria"))
OTHER_VOICE = next(v.voice_id for v in CATALOGUE if v.name.startswith("Daniel"))  # ElevenLabs only
REQUEST = {"text": "Welcome to the weekly product update", "voice_id": STARFISH_VOICE}


def speak(**kwargs: Any) -> HeyGenTextToSpeechOperator:
    return HeyGenTextToSpeechOperator(task_id="speak", **{"request": REQUEST, **kwargs})


def test_speech_returns_the_audio_its_timing_and_cost(heygen: FakeHeyGen) -> None:
    ctx = context()
    result = speak(request=m.SpeechRequest(**REQUEST, speed=1.25)).execute(ctx)
    (sent,) = heygen.requests_to("POST", "/v3/voices/speech")
    assert sent.body == {**REQUEST, "speed": 1.25}
    assert sent.headers["idempotency-key"] == idempotency_key_for(ctx, sent.body)
    assert set(result) == {"audio_url", "duration", "request_id", "word_timestamps", "credits", "estimate"}
    assert result["request_id"].startswith("tts") and result["duration"] > 0
    assert [w["word"] for w in result["word_timestamps"]] == REQUEST["text"].split()
    assert set(result["word_timestamps"][0]) == {"word", "start", "end"}
    assert result["credits"] == pytest.approx(heygen.credits_spent, abs=1e-4)


def test_word_timestamps_can_be_left_out(heygen: FakeHeyGen) -> None:
    assert speak(include_word_timestamps=False).execute(context())["word_timestamps"] is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param({"text": ""}, "text: 0 characters, must be 1-5,000", id="empty-text"),
        pytest.param({"text": "x" * 5001}, "text: 5,001 characters, must be 1-5,000", id="long-text"),
        pytest.param({"speed": 2.5}, "speed: 2.5 is above the maximum 2", id="fast"),
        pytest.param({"speed": 0.4}, "speed: 0.4 is below the minimum 0.5", id="slow"),
        pytest.param({"input_type": "xml"}, "input_type: 'xml' is not allowed", id="input-type"),
        pytest.param({"voice_id": None}, "voice_id", id="no-voice"),
        pytest.param({"volume": 1}, "volume: unknown field", id="unknown-field"),
    ],
)
def test_a_broken_limit_fails_before_any_request(heygen: FakeHeyGen, change: dict[str, Any], problem: str) -> None:
    request = {key: value for key, value in {**REQUEST, **change}.items() if value is not None}
    with pytest.raises(AirflowFailException, match=re.escape(problem)):
        speak(request=request).execute(context())
    assert not heygen.requests


def test_the_budget_is_checked_before_any_request(heygen: FakeHeyGen) -> None:
    with pytest.raises(AirflowFailException, match=r"exceeds max_credits=0\.0001"):
        speak(request={**REQUEST, "text": " ".join(["word"] * 100)}, max_credits=0.0001).execute(context())
    assert not heygen.requests


def test_a_voice_starfish_cannot_speak_with_fails_without_retries(heygen: FakeHeyGen) -> None:
    with pytest.raises(AirflowFailException, match=r"param: voice_id"):
        speak(request={**REQUEST, "voice_id": OTHER_VOICE}).execute(context())
    assert len(heygen.requests_to("POST", "/v3/voices/speech")) == 1


def test_a_retried_try_gets_the_first_answer_and_is_billed_once(heygen: FakeHeyGen) -> None:
    first = speak().execute(context(try_number=1))
    spent = heygen.credits_spent
    again = speak().execute(context(try_number=2))
    assert again["request_id"] == first["request_id"] and heygen.credits_spent == spent
    changed = speak(request={**REQUEST, "text": "Something else entirely"}).execute(context(try_number=2))
    assert changed["request_id"] != first["request_id"]  # a changed payload is a new key


def test_the_audio_is_stored_at_a_file_path(heygen: FakeHeyGen, tmp_path: Path) -> None:
    result = speak(destination=str(tmp_path / "out" / "welcome.mp3")).execute(context())
    stored = tmp_path / "out" / "welcome.mp3"
    assert result["path"] == str(stored) and result["size_bytes"] == stored.stat().st_size
    assert stored.read_bytes()[:2] == b"\xff\xfb"  # an MPEG audio frame


def test_a_directory_destination_gets_the_request_id_as_name(heygen: FakeHeyGen, tmp_path: Path) -> None:
    result = speak(destination=f"file://{tmp_path}/").execute(context())
    assert result["path"] == str(tmp_path / f"{result['request_id']}.mp3")
    assert Path(result["path"]).exists()


def test_an_expired_audio_url_is_synthesised_again(heygen: FakeHeyGen, tmp_path: Path) -> None:
    heygen.clock_speed = 0
    heygen.state.config.url_ttl = 60
    op = speak(destination=str(tmp_path / "a.mp3"))
    create_speech = op.hook.create_speech

    def answer_then_expire(*args: Any, **kwargs: Any) -> m.Speech:
        speech = create_speech(*args, **kwargs)
        if len(heygen.requests_to("POST", "/v3/voices/speech")) == 1:
            heygen.advance(61)  # the URL expires between the answer and the download
        return speech

    op.hook.create_speech = answer_then_expire  # type: ignore[method-assign]
    result = op.execute(context())
    first, second = heygen.requests_to("POST", "/v3/voices/speech")
    assert second.headers["idempotency-key"] == f"{first.headers['idempotency-key']}-renewed-1"
    expired, fresh = heygen.requests_to("GET", re.compile(r"/files/.+"))
    assert (expired.status, fresh.status) == (403, 200)
    assert urlsplit(result["audio_url"]).path == fresh.path != expired.path  # the result is the new speech
    assert Path(result["path"]).exists()


# --- end to end: dag.test() against the fake ---------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("first_try_fails", [False, True], ids=["clean", "first-download-fails"])
def test_speech_dag_stores_the_voice_over_and_uploads_it_once(
    heygen: FakeHeyGen, tmp_path: Path, first_try_fails: bool
) -> None:
    module = importlib.import_module("tests.dags.heygen_speech_dags")
    if first_try_fails:  # storage fails every attempt of the first try, after the speech was made and billed
        heygen.inject("error", "/files/*", method="GET", status=503, times=3)
    dagrun = module.speech_dag.test(run_conf={"out": str(tmp_path)})
    assert dagrun.state == "success"
    tis = {ti.task_id: ti for ti in dagrun.get_task_instances()}
    speech, asset = (tis[task].xcom_pull(task_ids=task) for task in ("speak", "upload"))
    assert tis["speak"].try_number == (2 if first_try_fails else 1)
    assert speech["path"] == str(tmp_path / "voice-over.mp3")
    assert "Airflow shipped" in heygen.requests_to("POST", "/v3/voices/speech")[0].body["text"]
    assert len({r.headers["idempotency-key"] for r in heygen.requests_to("POST", "/v3/voices/speech")}) == 1
    assert heygen.credits_spent == pytest.approx(speech["credits"], abs=1e-4)  # billed once
    assert (asset["mime_type"], asset["size_bytes"]) == ("audio/mpeg", speech["size_bytes"])
    (uploaded,) = HeyGenHook().paginate("/v3/assets", {"username": "fake-user"})
    assert uploaded["id"] == asset["asset_id"] and uploaded["name"].startswith("voice-over-")
