"""Credit estimates from the seed's price table, and honest 'unknown' where the length is unknown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from airflow_provider.heygen.api.credits import PRICES, SPEECH, CreditEstimate
from airflow_provider.heygen.api.jobs import JOB_KINDS, job_kind


def estimate(kind: str, body: Mapping[str, Any], *, source_seconds: float | None = None) -> CreditEstimate:
    return job_kind(kind).estimate(body, source_seconds)


def cost_of(kind: str, body: Mapping[str, Any], output_seconds: float | None) -> float | None:
    return job_kind(kind).cost_of(body, output_seconds)


def test_avatar_video_estimate_from_script_length() -> None:
    body = {"type": "avatar", "avatar_id": "a", "script": " ".join(["word"] * 150)}  # 60 s at 2.5 words/s
    result = estimate("video", body)
    assert result.credits == pytest.approx(60 * PRICES["avatar_iv"])
    assert result.exceeds(5.0) and not result.exceeds(6.0) and not result.exceeds(None)


def test_avatar_iii_engine_is_cheaper() -> None:
    body = {"type": "avatar", "avatar_id": "a", "script": "word " * 25, "engine": {"type": "avatar_iii"}}
    assert estimate("video", body).credits == pytest.approx(10 * PRICES["avatar_iii"])


def test_audio_driven_video_is_unknown_not_zero() -> None:
    result = estimate("video", {"type": "avatar", "avatar_id": "a", "audio_url": "https://x/a.mp3"})
    assert result.credits is None and not result.exceeds(0.0)
    assert "unknown" in result.basis


def test_cinematic_uses_duration_and_studio_sums_scenes() -> None:
    assert estimate("video", {"type": "cinematic_avatar", "duration": 8}).credits == pytest.approx(0.8)
    studio = {
        "type": "studio",
        "scenes": [{"type": "image", "duration": 4}, {"type": "image", "duration": 6}],
    }
    assert estimate("video", studio).credits == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("body", "rate"),
    [
        pytest.param({"mode": "speed"}, 0.05, id="speed"),
        pytest.param({"mode": "precision"}, 0.1, id="precision"),
        pytest.param({"translate_audio_only": True}, 0.05, id="audio-only"),
    ],
)
def test_translation_estimate_per_language(body: dict, rate: float) -> None:
    request = {**body, "output_languages": ["Spanish (Spain)", "French (France)"]}
    assert estimate("video_translation", request, source_seconds=100).credits == pytest.approx(100 * rate * 2)
    assert estimate("video_translation", request).credits is None


def test_lipsync_uses_trim_window() -> None:
    body = {"mode": "precision", "start_time": 10, "end_time": 40}
    assert estimate("lipsync", body).credits == pytest.approx(3.0)


def test_cost_of_finished_jobs() -> None:
    assert cost_of("video", {"type": "avatar"}, 30) == pytest.approx(3.0)
    assert cost_of("avatar", {}, None) == 1.0
    assert cost_of("video", {}, None) is None


def test_proofreads_are_priced_per_language_and_speech_per_second_of_audio() -> None:
    request = {"output_languages": ["Spanish (Spain)", "French (France)", "German (Germany)"]}
    assert estimate("proofread", request, source_seconds=60).credits == pytest.approx(60 * PRICES["proofread"] * 3)
    speech = SPEECH.estimate({"text": " ".join(["word"] * 25)})  # 10 s at 2.5 words/s
    assert speech.credits == pytest.approx(10 * PRICES["speech_starfish"])
    assert SPEECH.cost({}, 4.0) == pytest.approx(4 * PRICES["speech_starfish"])


@pytest.mark.parametrize("kind", sorted(JOB_KINDS))
def test_every_kind_has_a_price_that_is_unknown_rather_than_zero_without_a_length(kind: str) -> None:
    result = estimate(kind, {})
    assert result.credits is None or result.credits > 0
    assert result.basis
    assert cost_of(kind, {}, None) in (None, PRICES["avatar_creation_per_call"])


def test_a_kind_without_a_price_says_so() -> None:
    assert estimate("voice_clone", {}) == CreditEstimate(None, "no price known for this kind")
    assert cost_of("voice_clone", {}, 10) is None
