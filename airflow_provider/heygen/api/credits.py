"""HeyGen's credit prices (seed: HeyGen's pricing page), estimates before submit and costs after completion.

Prices are per second of *output*. An estimate is only as good as the output length it can infer: a script's
length at a speaking rate, a cinematic clip's ``duration``, a translation's source length when the caller
knows it. Where the length cannot be known before rendering (audio-driven videos, Video Agent prompts), the
estimate says so (``credits is None``) instead of guessing low.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PRICES", "SPEAKING_RATE_WORDS_PER_SECOND", "CreditEstimate", "cost_of", "estimate"]

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


def _video_rate(body: Mapping[str, Any]) -> float:
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


def _video_seconds(body: Mapping[str, Any]) -> float | None:
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


def _translation_rate(body: Mapping[str, Any], prefix: str) -> float:
    if body.get("translate_audio_only") and prefix == "translation":
        return PRICES["translation_audio_only"]
    return PRICES[f"{prefix}_{body.get('mode') or 'speed'}"]


def _source_seconds(body: Mapping[str, Any], source_seconds: float | None) -> float | None:
    start, end = body.get("start_time"), body.get("end_time")
    if end is not None:
        return float(end) - float(start or 0)
    if source_seconds is not None:
        return max(source_seconds - float(start or 0), 0.0)
    return None


def estimate(kind: str, body: Mapping[str, Any], *, source_seconds: float | None = None) -> CreditEstimate:
    """Estimate the credits of creating a ``kind`` job from its request body (API field names).

    ``source_seconds`` is the length of the source video for translations and lipsyncs, when known.
    """
    if kind == "video":
        seconds = _video_seconds(body)
        rate = _video_rate(body)
        if seconds is None:
            return CreditEstimate(None, f"{rate} credits/s; output length unknown until rendered (audio input)")
        return CreditEstimate(round(seconds * rate, 4), f"~{seconds:.0f}s of output at {rate} credits/s")
    if kind == "video_agent":
        return CreditEstimate(None, f"{PRICES['video_agent']} credits/s; the agent decides the length")
    if kind in ("video_translation", "lipsync", "proofread"):
        prefix = {"video_translation": "translation", "lipsync": "lipsync", "proofread": "proofread"}[kind]
        rate = PRICES["proofread"] if kind == "proofread" else _translation_rate(body, prefix)
        copies = len(body.get("output_languages") or [None])
        seconds = _source_seconds(body, source_seconds)
        if seconds is None:
            return CreditEstimate(None, f"{rate} credits/s x {copies}; source length unknown")
        return CreditEstimate(
            round(seconds * rate * copies, 4), f"{seconds:.0f}s x {copies} output(s) at {rate} credits/s"
        )
    if kind == "speech":
        seconds = _speech_seconds(body.get("text", ""), body.get("speed") or 1.0)
        rate = PRICES["speech_starfish"]
        return CreditEstimate(round(seconds * rate, 6), f"~{seconds:.0f}s of speech at {rate} credits/s")
    if kind == "avatar":
        return CreditEstimate(PRICES["avatar_creation_per_call"], "1 credit per avatar creation call")
    return CreditEstimate(None, f"no price known for {kind!r}")


def cost_of(kind: str, body: Mapping[str, Any], output_seconds: float | None) -> float | None:
    """Credits a finished job cost, from its actual output length (None when the length is unknown)."""
    if kind == "avatar":
        return PRICES["avatar_creation_per_call"]
    if output_seconds is None:
        return None
    rates = {
        "video": lambda: _video_rate(body),
        "video_agent": lambda: PRICES["video_agent"],
        "video_translation": lambda: _translation_rate(body, "translation"),
        "lipsync": lambda: _translation_rate(body, "lipsync"),
        "proofread": lambda: PRICES["proofread"],
        "speech": lambda: PRICES["speech_starfish"],
    }
    rate = rates.get(kind)
    return round(output_seconds * rate(), 4) if rate else None
