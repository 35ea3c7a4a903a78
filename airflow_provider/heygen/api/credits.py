"""HeyGen's credit prices (seed: HeyGen's pricing page), estimates before submit and costs after completion.

Each job kind names its ``Price`` in the registry (``api/jobs.py``): ``job_kind("video").estimate(body)`` before
submitting, ``job_kind("video").cost_of(body, seconds)`` after. Prices are per second of *output*. An estimate
is only as good as the output length it can infer: a script's length at a speaking rate, a cinematic clip's
``duration``, a translation's source length when the caller knows it. Where the length cannot be known before
rendering (audio-driven videos, Video Agent prompts), the estimate says so (``credits is None``) instead of
guessing low.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "AVATAR_CREATION",
    "LIPSYNC",
    "PRICES",
    "PROOFREAD",
    "SPEAKING_RATE_WORDS_PER_SECOND",
    "SPEECH",
    "TRANSLATION",
    "VIDEO",
    "VIDEO_AGENT",
    "CreditEstimate",
    "PerCall",
    "PerSecond",
    "Price",
    "Unpriced",
    "finite_number",
]

# Credits per second of output, or per call where the key says so. Origin: HeyGen's pricing table.
PRICES: dict[str, float] = {
    "avatar_iv": 0.1,  # Photo Avatar, Digital Twin, Studio Avatar; Avatar V is priced like IV (assumed)
    "avatar_iii": 0.0033,
    "video_agent": 0.0667,
    "translation_speed": 0.05,
    "translation_audio_only": 0.05,
    "translation_precision": 0.1,
    "proofread": 0.00833,
    "lipsync_speed": 0.05,
    "lipsync_precision": 0.1,
    "speech_starfish": 0.000333,
    "avatar_creation_per_call": 1.0,
}
# About 150 words a minute, the pace of HeyGen's stock voices (an estimate, not a HeyGen figure).
SPEAKING_RATE_WORDS_PER_SECOND = 2.5
CINEMATIC_DEFAULT_SECONDS = 10


@dataclass(frozen=True)
class CreditEstimate:
    """Estimated credits of a request (``None`` when the output length is unknown before rendering)."""

    credits: float | None
    basis: str

    def exceeds(self, budget: float | None) -> bool:
        return budget is not None and self.credits is not None and self.credits > budget


def _speech_seconds(text: str, speed: float = 1.0) -> float:
    return len(text.split()) / SPEAKING_RATE_WORDS_PER_SECOND / (speed or 1.0)


def video_rate(body: Mapping[str, Any]) -> float:
    """An avatar video's rate, by its engine (Avatar III is cheaper)."""
    engine = body.get("engine") or {}
    return PRICES["avatar_iii"] if engine.get("type") == "avatar_iii" else PRICES["avatar_iv"]


def _talking_seconds(body: Mapping[str, Any]) -> float | None:
    """Output length of an avatar/image video or scene: known from its script, unknown from audio."""
    if body.get("script"):
        speed = (body.get("voice_settings") or {}).get("speed", 1.0)
        return _speech_seconds(body["script"], speed)
    if body.get("duration") is not None:
        return float(body["duration"])
    return None


def video_seconds(body: Mapping[str, Any], source_length: float | None = None) -> float | None:
    """Output length of a video request: its script, its duration, or the sum of its scenes (None: unknown)."""
    kind = body.get("type")
    if kind == "cinematic_avatar":
        return float(body.get("duration") or CINEMATIC_DEFAULT_SECONDS)
    if kind == "studio":
        total = 0.0
        for scene in body.get("scenes") or []:
            seconds = _talking_seconds(scene.get("input") or scene)
            if seconds is None:
                return None
            total += seconds
        return total
    return _talking_seconds(body)


def translation_rate(body: Mapping[str, Any]) -> float:
    """A translation's rate: by ``mode`` (speed, precision), or the audio-only rate."""
    if body.get("translate_audio_only"):
        return PRICES["translation_audio_only"]
    return PRICES[f"translation_{body.get('mode') or 'speed'}"]


def lipsync_rate(body: Mapping[str, Any]) -> float:
    """A lipsync's rate, by ``mode`` (speed, precision)."""
    return PRICES[f"lipsync_{body.get('mode') or 'speed'}"]


def source_seconds(body: Mapping[str, Any], source_length: float | None) -> float | None:
    """Seconds of source a translation or lipsync works on: its trim window, else the source's length."""
    start, end = body.get("start_time"), body.get("end_time")
    if end is not None:
        return float(end) - float(start or 0)
    if source_length is not None:
        return max(source_length - float(start or 0), 0.0)
    return None


def finite_number(value: Any) -> float | None:
    """``value`` as a float when it is a finite number, else None: what a broken answer holds is unknown, no crash."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


class Price(Protocol):
    """How a job kind is priced: an estimate from the request, and the cost once its output length is known."""

    def estimate(self, body: Mapping[str, Any], source_length: float | None = None) -> CreditEstimate: ...

    def cost(self, body: Mapping[str, Any], output_seconds: float | None) -> float | None: ...


@dataclass(frozen=True)
class PerSecond:
    """Credits per second of output: the rate and (when knowable) the output length both read from the request.

    ``seconds`` gets the request and the source's length (``source_length``, for translations and lipsyncs);
    ``unknown`` says why the length may not be known before rendering; ``per_language`` multiplies by the
    number of ``output_languages`` (one job, and one bill, per language).
    """

    rate: Callable[[Mapping[str, Any]], float]
    seconds: Callable[[Mapping[str, Any], float | None], float | None]
    unknown: str
    per_language: bool = False
    digits: int = 4

    def estimate(self, body: Mapping[str, Any], source_length: float | None = None) -> CreditEstimate:
        rate, seconds = self.rate(body), self.seconds(body, source_length)
        copies = len(body.get("output_languages") or [None]) if self.per_language else 1
        times = f" x {copies}" if self.per_language else ""
        if seconds is None:
            return CreditEstimate(None, f"{rate} credits/s{times}; {self.unknown}")
        return CreditEstimate(
            round(seconds * rate * copies, self.digits), f"~{seconds:.0f}s{times} of output at {rate} credits/s"
        )

    def cost(self, body: Mapping[str, Any], output_seconds: float | None) -> float | None:
        # The length comes from HeyGen's answer: one that is not a number of seconds leaves the cost unknown.
        seconds = finite_number(output_seconds)
        return None if seconds is None or seconds < 0 else round(seconds * self.rate(body), self.digits)


@dataclass(frozen=True)
class PerCall:
    """A fixed price per create call, whatever comes of it (avatar creation)."""

    credits: float

    def estimate(self, body: Mapping[str, Any], source_length: float | None = None) -> CreditEstimate:
        return CreditEstimate(self.credits, f"{self.credits:g} credit(s) per call")

    def cost(self, body: Mapping[str, Any], output_seconds: float | None) -> float | None:
        return self.credits


@dataclass(frozen=True)
class Unpriced:
    """A kind whose price HeyGen's table does not give: estimates and costs are unknown, never zero."""

    def estimate(self, body: Mapping[str, Any], source_length: float | None = None) -> CreditEstimate:
        return CreditEstimate(None, "no price known for this kind")

    def cost(self, body: Mapping[str, Any], output_seconds: float | None) -> float | None:
        return None


def _fixed(name: str) -> Callable[[Mapping[str, Any]], float]:
    return lambda body: PRICES[name]


def _speech_length(body: Mapping[str, Any], source_length: float | None = None) -> float:
    return _speech_seconds(body.get("text", ""), body.get("speed") or 1.0)


def _never_known(body: Mapping[str, Any], source_length: float | None = None) -> None:
    return None


VIDEO = PerSecond(video_rate, video_seconds, "output length unknown until rendered (audio input)")
VIDEO_AGENT = PerSecond(_fixed("video_agent"), _never_known, "the agent decides the length")
TRANSLATION = PerSecond(translation_rate, source_seconds, "source length unknown", per_language=True)
PROOFREAD = PerSecond(_fixed("proofread"), source_seconds, "source length unknown", per_language=True)
LIPSYNC = PerSecond(lipsync_rate, source_seconds, "source length unknown")
AVATAR_CREATION = PerCall(PRICES["avatar_creation_per_call"])
#: Text to speech is synchronous (not a job kind), priced per second of audio.
SPEECH = PerSecond(_fixed("speech_starfish"), _speech_length, "", digits=6)
