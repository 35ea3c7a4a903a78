"""Credit estimates from the seed's price table, and honest 'unknown' where the length is unknown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from airflow_provider.heygen.api.credits import PRICES, SPEECH, CreditEstimate, PriceTable
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


def test_audio_driven_video_is_bounded_by_the_audio_limit_until_its_length_is_read() -> None:
    body = {"type": "avatar", "avatar_id": "a", "audio_url": "https://x/a.mp3"}
    bounded = estimate("video", body)
    assert bounded.credits == pytest.approx(600 * PRICES["avatar_iv"]) and bounded.upper_bound and not bounded.known
    assert "audio input is at most 600s" in bounded.basis and "range requests" in bounded.hint
    measured = job_kind("video").estimate(
        body, measure=lambda source: 12.0 if source["url"] == "https://x/a.mp3" else None
    )
    assert measured.credits == pytest.approx(1.2) and measured.known


def test_a_studio_video_scene_without_a_readable_length_leaves_the_estimate_unknown() -> None:
    studio = {
        "type": "studio",
        "scenes": [{"type": "image", "duration": 4}, {"type": "video", "source": {"type": "url", "url": "u"}}],
    }
    assert estimate("video", studio).credits is None
    assert job_kind("video").estimate(studio, measure=lambda source: 6.0).credits == pytest.approx(1.0)


def test_translation_and_lipsync_read_their_sources_lengths_when_not_given() -> None:
    request = {
        "video": {"type": "url", "url": "v"},
        "audio": {"type": "url", "url": "a"},
        "output_languages": ["French"],
    }
    lengths = {"v": 100.0, "a": 40.0}
    measure = lambda source: lengths.get(source["url"])  # noqa: E731
    assert job_kind("video_translation").estimate(request, measure=measure).credits == pytest.approx(5.0)
    assert job_kind("lipsync").estimate(request, measure=measure).credits == pytest.approx(2.0)  # the audio's
    assert job_kind("video_translation").estimate(request, 50.0, measure=measure).credits == pytest.approx(2.5)
    assert job_kind("video_translation").estimate({**request, "start_time": 30}, measure=measure).credits == 3.5


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
    assert (
        estimate("voice_clone", {}).credits is None
        and estimate("voice_clone", {}).basis == "no price known for this kind"
    )
    assert cost_of("voice_clone", {}, 10) is None


def test_the_agent_is_bounded_only_by_the_longest_video_expected() -> None:
    assert estimate("video_agent", {"prompt": "p"}).credits is None
    assert "max_duration=" in estimate("video_agent", {"prompt": "p"}).hint
    bounded = estimate("video_agent", {"prompt": "p"}, source_seconds=90)
    assert bounded.credits == pytest.approx(90 * PRICES["video_agent"]) and bounded.upper_bound


def test_a_contracts_prices_change_estimates_and_costs() -> None:
    prices = PriceTable.from_extra('{"avatar_iv": 0.05, "translation_precision": 0.2}')
    body = {"type": "avatar", "avatar_id": "a", "script": " ".join(["word"] * 150)}  # 60 s
    assert job_kind("video").estimate(body, prices=prices).credits == pytest.approx(3.0)
    assert job_kind("video").cost_of(body, 60, prices) == pytest.approx(3.0)
    translation = {"mode": "precision", "output_languages": ["French"]}
    assert job_kind("video_translation").estimate(translation, 10, prices=prices).credits == pytest.approx(2.0)
    assert prices.lipsync_speed == PRICES["lipsync_speed"]  # the rates not overridden stay HeyGen's
    assert PriceTable.from_extra({"avatar_iii": 0}).avatar_iii == 0 and PriceTable.from_extra(None) == PriceTable()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            {"avatar_v": 0.1},
            r"prices\.avatar_v: Extra inputs are not permitted.*Rates there are: avatar_iv",
            id="unknown-rate",
        ),
        pytest.param(
            {"avatar_iv": -1},
            r"prices\.avatar_iv: Input should be greater than or equal to 0 \(got -1\)",
            id="negative",
        ),
        pytest.param({"avatar_iv": "cheap"}, r"prices\.avatar_iv: .*number", id="not-a-number"),
        pytest.param({"avatar_iv": float("inf")}, r"prices\.avatar_iv: .*finite", id="infinite"),
        pytest.param("{avatar_iv: 1}", r"prices: not JSON", id="not-json"),
        pytest.param([0.1], r"prices: a JSON object of rates is expected, got list", id="not-an-object"),
    ],
)
def test_a_bad_prices_extra_is_refused_with_the_rate_and_its_problem(extra: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PriceTable.from_extra(extra)
