"""HeyGen's credit prices (seed: HeyGen's pricing page), estimates before submit and costs after completion.

Each job kind names its ``Price`` in the registry (``api/jobs.py``): ``job_kind("video").estimate(body)`` before
submitting, ``job_kind("video").cost_of(body, seconds)`` after. Prices are per second of *output*, from a
``PriceTable``: HeyGen's public table by default, a contract's own rates from the connection's ``prices`` extra.

An estimate is only as good as the output length it can infer: a script's length at a speaking rate, a
cinematic clip's ``duration``, a source's length (given, cut by ``end_time``, or read from the file's header by
a ``measure`` callable). Where the length cannot be known, the estimate falls back to the ceiling HeyGen's
limits give (audio input is at most 600 s: ``upper_bound``), and where there is none it says so
(``credits is None``) and names the input that would make it known, instead of guessing low.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "AUDIO_INPUT_MAX_SECONDS",
    "AVATAR_CREATION",
    "DEFAULT_PRICES",
    "LIPSYNC",
    "PRICES",
    "PROOFREAD",
    "SOURCE_HINT",
    "SPEAKING_RATE_WORDS_PER_SECOND",
    "SPEECH",
    "TRANSLATION",
    "UNPRICED",
    "VIDEO",
    "VIDEO_AGENT",
    "CreditEstimate",
    "MediaLength",
    "PerCall",
    "PerSecond",
    "Price",
    "PriceTable",
    "Seconds",
    "Unpriced",
    "finite_number",
    "no_probe",
    "shown_estimate",
]


class PriceTable(BaseModel):
    """Credits per second of output (or per call, ``*_per_call``); the defaults are HeyGen's public table.

    An enterprise contract differs: a connection's ``prices`` extra overrides any of these rates
    (``PriceTable.from_extra``); a rate that is not one of these, or not a finite number at least 0, is refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    avatar_iv: float = Field(0.1, ge=0)  # Photo Avatar, Digital Twin, Studio Avatar; Avatar V priced like IV (assumed)
    avatar_iii: float = Field(0.0033, ge=0)
    video_agent: float = Field(0.0667, ge=0)
    translation_speed: float = Field(0.05, ge=0)
    translation_audio_only: float = Field(0.05, ge=0)
    translation_precision: float = Field(0.1, ge=0)
    proofread: float = Field(0.00833, ge=0)
    lipsync_speed: float = Field(0.05, ge=0)
    lipsync_precision: float = Field(0.1, ge=0)
    speech_starfish: float = Field(0.000333, ge=0)
    avatar_creation_per_call: float = Field(1.0, ge=0)

    @classmethod
    def from_extra(cls, value: Any) -> PriceTable:
        """The table a connection's ``prices`` extra gives (a JSON object or its text), the defaults elsewhere.

        Raises ``ValueError`` naming each wrong rate, its problem and the rates there are.
        """
        if value is None or value == "":
            return DEFAULT_PRICES
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValueError(
                    f'prices: not JSON ({exc}); expected an object of rates, e.g. {{"avatar_iv": 0.08}}'
                ) from None
        if not isinstance(value, Mapping):
            raise ValueError(f"prices: a JSON object of rates is expected, got {type(value).__name__}")
        try:
            return cls.model_validate(dict(value))
        except ValidationError as exc:
            problems = "; ".join(
                f"prices.{'.'.join(str(p) for p in error['loc'])}: {error['msg']} (got {error.get('input')!r})"
                for error in exc.errors()
            )
            raise ValueError(f"{problems}. Rates there are: {', '.join(cls.model_fields)}") from None


DEFAULT_PRICES = PriceTable()
#: HeyGen's public table as a mapping (credits per second, or per call where the key says so).
PRICES: Mapping[str, float] = MappingProxyType(DEFAULT_PRICES.model_dump())
# About 150 words a minute, the pace of HeyGen's stock voices (an estimate, not a HeyGen figure).
SPEAKING_RATE_WORDS_PER_SECOND = 2.5
CINEMATIC_DEFAULT_SECONDS = 10
#: HeyGen's limit on an avatar's audio input: the ceiling of an audio-driven video's length.
AUDIO_INPUT_MAX_SECONDS = 600.0
#: What makes a source's length known, for the messages of unknown estimates.
SOURCE_HINT = "a source whose length can be read (a HeyGen asset, or a URL that answers range requests)"

MediaLength = Callable[[Mapping[str, Any]], "float | None"]
"""The seconds a source (an AssetInput dict) plays, read from its header; None when it cannot be read."""


def no_probe(source: Mapping[str, Any]) -> float | None:
    return None


@dataclass(frozen=True)
class Seconds:
    """An output length: expected, or a ceiling (``bound`` says which limit gives it)."""

    value: float
    bound: str | None = None

    def __add__(self, other: Seconds) -> Seconds:
        return Seconds(self.value + other.value, self.bound or other.bound)


@dataclass(frozen=True)
class CreditEstimate:
    """Estimated credits of a request: expected, a ceiling (``upper_bound``) or unknown (``credits is None``).

    ``hint`` names the input that would make an unknown (or bounded) estimate known.
    """

    credits: float | None
    basis: str
    upper_bound: bool = False
    hint: str = ""

    def exceeds(self, budget: float | None) -> bool:
        return budget is not None and self.credits is not None and self.credits > budget

    @property
    def known(self) -> bool:
        """Whether the credits are an expected figure (not a ceiling, not unknown)."""
        return self.credits is not None and not self.upper_bound

    def __add__(self, other: CreditEstimate) -> CreditEstimate:
        """Two requests' estimates together (a translation and its proofreads): unknown if either is."""
        credits = None if self.credits is None or other.credits is None else round(self.credits + other.credits, 4)
        return CreditEstimate(
            credits, f"{self.basis}, plus {other.basis}", self.upper_bound or other.upper_bound, self.hint or other.hint
        )

    def to_dict(self) -> dict[str, Any]:
        """The estimate as it goes into results and XCom."""
        return {"credits": self.credits, "upper_bound": self.upper_bound, "basis": self.basis}

    def __str__(self) -> str:
        if self.credits is None:
            return f"unknown ({self.basis})"
        return f"{'at most ' if self.upper_bound else ''}{self.credits:g} credits ({self.basis})"


def shown_estimate(estimate: Mapping[str, Any] | None, unknown: str = "unknown") -> str:
    """An estimate as results carry it (``CreditEstimate.to_dict()``), for a log line or a table: ``1.2``,
    ``<= 60`` (a ceiling), or ``unknown``."""
    credits = finite_number((estimate or {}).get("credits"))
    if credits is None:
        return unknown
    return f"{'<= ' if (estimate or {}).get('upper_bound') else ''}{credits:g}"


def _speech_seconds(text: str, speed: float = 1.0) -> float:
    return len(text.split()) / SPEAKING_RATE_WORDS_PER_SECOND / (speed or 1.0)


def video_rate(body: Mapping[str, Any], prices: PriceTable) -> float:
    """An avatar video's rate, by its engine (Avatar III is cheaper)."""
    engine = body.get("engine") or {}
    return prices.avatar_iii if engine.get("type") == "avatar_iii" else prices.avatar_iv


def _audio_source(body: Mapping[str, Any]) -> dict[str, Any] | None:
    if body.get("audio_url"):
        return {"type": "url", "url": body["audio_url"]}
    if body.get("audio_asset_id"):
        return {"type": "asset_id", "asset_id": body["audio_asset_id"]}
    return None


def _talking_seconds(body: Mapping[str, Any], measure: MediaLength) -> Seconds | None:
    """Output length of an avatar/image video or scene: its script, its duration, or its audio's length.

    Audio whose length cannot be read is at most ``AUDIO_INPUT_MAX_SECONDS`` (HeyGen's limit).
    """
    if body.get("script"):
        speed = (body.get("voice_settings") or {}).get("speed", 1.0)
        return Seconds(_speech_seconds(body["script"], speed))
    if body.get("duration") is not None:
        return Seconds(float(body["duration"]))
    audio = _audio_source(body)
    if audio is None:
        return None
    measured = measure(audio)
    if measured is not None:
        return Seconds(min(measured, AUDIO_INPUT_MAX_SECONDS))
    return Seconds(AUDIO_INPUT_MAX_SECONDS, bound=f"audio input is at most {AUDIO_INPUT_MAX_SECONDS:.0f}s")


def video_seconds(body: Mapping[str, Any], known: float | None, measure: MediaLength) -> Seconds | None:
    """Output length of a video request: its script, duration, audio, or the sum of its scenes (None: unknown)."""
    kind = body.get("type")
    if kind == "cinematic_avatar":
        return Seconds(float(body.get("duration") or CINEMATIC_DEFAULT_SECONDS))
    if kind == "studio":
        total = Seconds(0.0)
        for scene in body.get("scenes") or []:
            seconds = _scene_seconds(scene, measure)
            if seconds is None:
                return None
            total += seconds
        return total
    return _talking_seconds(body, measure)


def _scene_seconds(scene: Mapping[str, Any], measure: MediaLength) -> Seconds | None:
    if scene.get("type") == "video":
        source = scene.get("source")
        measured = measure(source) if isinstance(source, Mapping) else None
        return None if measured is None else Seconds(measured)
    return _talking_seconds(scene.get("input") or scene, measure)


def translation_rate(body: Mapping[str, Any], prices: PriceTable) -> float:
    """A translation's rate: by ``mode`` (speed, precision), or the audio-only rate."""
    if body.get("translate_audio_only"):
        return prices.translation_audio_only
    return prices.translation_precision if body.get("mode") == "precision" else prices.translation_speed


def lipsync_rate(body: Mapping[str, Any], prices: PriceTable) -> float:
    """A lipsync's rate, by ``mode`` (speed, precision)."""
    return prices.lipsync_precision if body.get("mode") == "precision" else prices.lipsync_speed


def _trimmed(body: Mapping[str, Any], total: float | None) -> Seconds | None:
    start, end = body.get("start_time"), body.get("end_time")
    if end is not None:
        return Seconds(float(end) - float(start or 0))
    if total is not None:
        return Seconds(max(total - float(start or 0), 0.0))
    return None


def _measured(body: Mapping[str, Any], measure: MediaLength, *fields: str) -> float | None:
    """The length of the first of ``fields`` (AssetInputs of the request) whose length can be read."""
    for name in fields:
        source = body.get(name)
        if isinstance(source, Mapping):
            seconds = measure(source)
            if seconds is not None:
                return seconds
    return None


def source_seconds(body: Mapping[str, Any], known: float | None, measure: MediaLength) -> Seconds | None:
    """Seconds of source a translation works on: its trim window, else the source's length (given or read)."""
    if body.get("end_time") is not None or known is not None:
        return _trimmed(body, known)
    return _trimmed(body, _measured(body, measure, "video"))


def lipsync_seconds(body: Mapping[str, Any], known: float | None, measure: MediaLength) -> Seconds | None:
    """Seconds a lipsync renders: its trim window, else the new audio's length, else the video's."""
    if body.get("end_time") is not None or known is not None:
        return _trimmed(body, known)
    return _trimmed(body, _measured(body, measure, "audio", "video"))


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
    """How a job kind is priced: an estimate from the request, and the cost once its output length is known.

    ``known``: a length the caller knows (a source's seconds, the agent's longest video); ``measure`` reads a
    source's length from its file when the request alone does not tell.
    """

    def estimate(
        self,
        body: Mapping[str, Any],
        known: float | None = None,
        *,
        measure: MediaLength = no_probe,
        prices: PriceTable = DEFAULT_PRICES,
    ) -> CreditEstimate: ...

    def cost(
        self, body: Mapping[str, Any], output_seconds: float | None, *, prices: PriceTable = DEFAULT_PRICES
    ) -> float | None: ...


@dataclass(frozen=True)
class PerSecond:
    """Credits per second of output: the rate and (when knowable) the output length both read from the request.

    ``seconds`` gets the request, a length the caller knows and ``measure``; ``unknown`` says why the length may
    not be known before rendering and ``hint`` what would make it known; ``per_language`` multiplies by the
    number of ``output_languages`` (one job, and one bill, per language).
    """

    rate: Callable[[Mapping[str, Any], PriceTable], float]
    seconds: Callable[[Mapping[str, Any], float | None, MediaLength], Seconds | None]
    unknown: str
    hint: str = ""
    per_language: bool = False
    digits: int = 4

    def estimate(
        self,
        body: Mapping[str, Any],
        known: float | None = None,
        *,
        measure: MediaLength = no_probe,
        prices: PriceTable = DEFAULT_PRICES,
    ) -> CreditEstimate:
        rate, seconds = self.rate(body, prices), self.seconds(body, known, measure)
        copies = len(body.get("output_languages") or [None]) if self.per_language else 1
        times = f" x {copies}" if self.per_language else ""
        if seconds is None:
            return CreditEstimate(None, f"{rate} credits/s{times}; {self.unknown}", hint=self.hint)
        credits = round(seconds.value * rate * copies, self.digits)
        if seconds.bound:
            basis = f"<= {seconds.value:.0f}s{times} of output at {rate} credits/s: {seconds.bound}"
            return CreditEstimate(credits, basis, upper_bound=True, hint=self.hint)
        return CreditEstimate(credits, f"~{seconds.value:.0f}s{times} of output at {rate} credits/s")

    def cost(
        self, body: Mapping[str, Any], output_seconds: float | None, *, prices: PriceTable = DEFAULT_PRICES
    ) -> float | None:
        # The length comes from HeyGen's answer: one that is not a number of seconds leaves the cost unknown.
        seconds = finite_number(output_seconds)
        return None if seconds is None or seconds < 0 else round(seconds * self.rate(body, prices), self.digits)


@dataclass(frozen=True)
class PerCall:
    """A fixed price per create call, whatever comes of it (avatar creation): ``rate`` names it in the table."""

    rate: Callable[[PriceTable], float]

    def estimate(
        self,
        body: Mapping[str, Any],
        known: float | None = None,
        *,
        measure: MediaLength = no_probe,
        prices: PriceTable = DEFAULT_PRICES,
    ) -> CreditEstimate:
        credits = self.rate(prices)
        return CreditEstimate(credits, f"{credits:g} credit(s) per call")

    def cost(
        self, body: Mapping[str, Any], output_seconds: float | None, *, prices: PriceTable = DEFAULT_PRICES
    ) -> float | None:
        return self.rate(prices)


@dataclass(frozen=True)
class Unpriced:
    """A kind whose price HeyGen's table does not give: estimates and costs are unknown, never zero."""

    def estimate(
        self,
        body: Mapping[str, Any],
        known: float | None = None,
        *,
        measure: MediaLength = no_probe,
        prices: PriceTable = DEFAULT_PRICES,
    ) -> CreditEstimate:
        return CreditEstimate(None, "no price known for this kind", hint="nothing: HeyGen's table has no rate for it")

    def cost(
        self, body: Mapping[str, Any], output_seconds: float | None, *, prices: PriceTable = DEFAULT_PRICES
    ) -> float | None:
        return None


def _speech_length(body: Mapping[str, Any], known: float | None, measure: MediaLength) -> Seconds:
    return Seconds(_speech_seconds(body.get("text", ""), body.get("speed") or 1.0))


def _agent_length(body: Mapping[str, Any], known: float | None, measure: MediaLength) -> Seconds | None:
    """The agent decides the length: only the caller's longest expected video bounds it."""
    return None if known is None else Seconds(known, bound="the longest video expected (max_duration)")


VIDEO = PerSecond(video_rate, video_seconds, "a video scene's source length unknown", hint=SOURCE_HINT)
VIDEO_AGENT = PerSecond(
    lambda body, prices: prices.video_agent,
    _agent_length,
    "the agent decides the length",
    hint="max_duration= (the longest video you expect, in seconds)",
)
_SOURCE_HINT = f"source_duration=, end_time, or {SOURCE_HINT}"
TRANSLATION = PerSecond(translation_rate, source_seconds, "source length unknown", _SOURCE_HINT, per_language=True)
PROOFREAD = PerSecond(
    lambda body, prices: prices.proofread, source_seconds, "source length unknown", _SOURCE_HINT, per_language=True
)
LIPSYNC = PerSecond(lipsync_rate, lipsync_seconds, "source length unknown", _SOURCE_HINT)
UNPRICED = Unpriced()
AVATAR_CREATION = PerCall(lambda prices: prices.avatar_creation_per_call)
#: Text to speech is synchronous (not a job kind), priced per second of audio.
SPEECH = PerSecond(lambda body, prices: prices.speech_starfish, _speech_length, "", digits=6)
