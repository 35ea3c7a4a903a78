"""The asynchronous job kinds of HeyGen: the one registry every layer reads a kind from.

Each ``JobKind`` names its create, status, bulk-status and cancel paths, its status vocabulary, its price,
the fields its result keeps and the files it can deliver. ``JobKind.state`` maps any raw status to a
``JobState``; values HeyGen adds later are kept as-is and count as still running, so the operator, the sync
wait, the trigger and the sensor can never disagree about what is terminal. A new kind is one entry here
(plus its models, typed operations and operator).
"""

from __future__ import annotations

import enum
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from . import credits
from .credits import CreditEstimate
from .errors import MalformedResponseError
from .media import AUDIO_TYPES, CAPTION_TYPES, IMAGE_TYPES, VIDEO_TYPES

__all__ = [
    "JOB_KINDS",
    "MIN_POLL_INTERVAL",
    "JobKind",
    "JobState",
    "JobStatus",
    "Output",
    "check_poll_interval",
    "check_timeout",
    "job_kind",
    "known_kinds",
    "overall_state",
]

APP_URL = "https://app.heygen.com"


class JobState(str, enum.Enum):
    """A job's status, normalised over every kind's own vocabulary."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self is not JobState.RUNNING

    @property
    def is_success(self) -> bool:
        return self is JobState.SUCCEEDED


@dataclass(frozen=True)
class Output:
    """One file a finished job offers: the resource fields holding its URL (first set wins), its media types."""

    fields: tuple[str, ...]
    accept: frozenset[str]

    def url(self, resource: Mapping[str, Any]) -> str | None:
        """The file's (presigned, expiring) URL in a job's resource, if it has one."""
        return next((resource[name] for name in self.fields if resource.get(name)), None)


@dataclass(frozen=True)
class JobKind:
    """Everything the provider knows about one kind of HeyGen job, read by every layer.

    ``id_field`` names the job's id in results (``video_id``, ...); ``result_fields`` are the resource fields a
    finished job's result keeps; ``outputs`` the files it can deliver, by name; ``outputs_via`` a resource field
    naming the video whose outputs these are (a Video Agent session delivers the video it made).
    """

    name: str
    create_path: str
    status_path: str
    id_field: str
    success: frozenset[str]
    failure: frozenset[str]
    price: credits.Price
    result_fields: tuple[str, ...] = ()
    outputs: Mapping[str, Output] = field(default_factory=dict)
    outputs_via: str | None = None
    bulk_status_path: str | None = None
    bulk_ids_param: str | None = None
    cancel_path: str | None = None
    app_path: str | None = None

    def state(self, status: str | None) -> JobState:
        """The normalised state of a raw status; unknown and missing statuses count as running."""
        if status in self.success:
            return JobState.SUCCEEDED
        if status in self.failure:
            return JobState.FAILED
        return JobState.RUNNING

    def status_url_path(self, job_id: str) -> str:
        return self.status_path.format(id=job_id)

    def cancel_url_path(self, job_id: str) -> str | None:
        return self.cancel_path.format(id=job_id) if self.cancel_path else None

    def app_url(self, job_id: str) -> str | None:
        """The job's page in the HeyGen web app, for extra links."""
        return f"{APP_URL}{self.app_path.format(id=job_id)}" if self.app_path else None

    def estimate(
        self,
        body: Mapping[str, Any],
        known: float | None = None,
        *,
        measure: credits.MediaLength = credits.no_probe,
        prices: credits.PriceTable = credits.DEFAULT_PRICES,
    ) -> CreditEstimate:
        """The credits a create request will cost, before submitting.

        ``known``: a length the caller knows (the source's seconds); ``measure`` reads a source's length from its
        file; ``prices``: the contract's rates.
        """
        return self.price.estimate(body, known, measure=measure, prices=prices)

    def cost_of(
        self, body: Mapping[str, Any], output_seconds: float | None, prices: credits.PriceTable = credits.DEFAULT_PRICES
    ) -> float | None:
        """The credits a finished job cost, from its output length (None when unknown)."""
        return self.price.cost(body, output_seconds, prices=prices)

    def describe(self, job_id: str, resource: Mapping[str, Any]) -> dict[str, Any]:
        """A finished job's part of a task result: its id, status, ``result_fields`` and failure reason."""
        status = JobStatus.from_resource(self, job_id, resource)
        return {
            self.id_field: job_id,
            "status": status.status,
            **{name: resource.get(name) for name in self.result_fields},
            "failure_code": status.failure_code,
            "failure_message": status.failure_message,
        }


@dataclass(frozen=True)
class JobStatus:
    """One observation of one job: raw status, normalised state, progress and failure details."""

    kind: str
    job_id: str
    status: str | None
    state: JobState
    progress: float | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_resource(cls, kind: JobKind, job_id: str, data: Mapping[str, Any]) -> JobStatus:
        """Read a job's status from its GET resource (or one item of a bulk-status answer).

        Tolerant of what a broken answer may hold: a status that is not a string counts as unknown (running),
        failure details that are not strings are shown as text, a progress that is not a finite number is
        dropped. An answer that is not a JSON object at all is a ``MalformedResponseError``.
        """
        if not isinstance(data, Mapping):
            raise MalformedResponseError.of_answer(
                f"status of {kind.name} {job_id} is not a JSON object: {type(data).__name__}",
                method="GET",
                path=kind.status_url_path(job_id),
            )
        status = data.get("status")
        error = data.get("error")
        failure_code = data.get("failure_code")
        failure_message = data.get("failure_message") or data.get("message")
        if isinstance(error, Mapping):
            failure_code = failure_code or error.get("code")
            failure_message = failure_message or error.get("message")
        elif isinstance(error, str):
            failure_message = failure_message or error
        return cls(
            kind=kind.name,
            job_id=job_id,
            status=status if isinstance(status, str) else None,
            state=kind.state(status if isinstance(status, str) else None),
            progress=credits.finite_number(data.get("progress")),
            failure_code=_text(failure_code),
            failure_message=_text(failure_message),
            data=dict(data),
        )


def _text(value: Any) -> str | None:
    """A failure detail as text: strings as they are, anything else HeyGen sent (a number, a list) as JSON."""
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return str(value)


# Bulk status endpoints speak their own vocabulary (queued|processing|completed|failed|not_found).
_DONE = frozenset({"completed"})
_FAILED = frozenset({"failed"})

_VIDEO_OUTPUTS = {
    "video": Output(("video_url",), VIDEO_TYPES),
    "thumbnail": Output(("thumbnail_url",), IMAGE_TYPES),
    "captions": Output(("subtitle_url",), CAPTION_TYPES),
    "captioned_video": Output(("captioned_video_url",), VIDEO_TYPES),
}
_VIDEO_FIELDS = ("video_url", "thumbnail_url", "subtitle_url", "captioned_video_url", "duration")

JOB_KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind(
            name="video",
            create_path="/v3/videos",
            status_path="/v3/videos/{id}",
            id_field="video_id",
            success=_DONE,
            failure=_FAILED,
            price=credits.VIDEO,
            result_fields=_VIDEO_FIELDS,
            outputs=_VIDEO_OUTPUTS,
            bulk_status_path="/v3/videos/statuses",
            bulk_ids_param="video_ids",
            app_path="/videos/{id}",
        ),
        # A batch of videos (POST /v3/videos/batches): done once every item is terminal; its items are
        # videos, priced and described as such by whoever expands them (HeyGenCreateVideosOperator).
        JobKind(
            name="video_batch",
            create_path="/v3/videos/batches",
            status_path="/v3/videos/batches/{id}",
            id_field="batch_id",
            success=_DONE,
            failure=_FAILED,
            price=credits.UNPRICED,
            result_fields=("title", "total_items", "counts_by_status"),
        ),
        JobKind(
            name="video_agent",
            create_path="/v3/video-agents",
            status_path="/v3/video-agents/{id}",
            id_field="session_id",
            success=_DONE,
            failure=_FAILED,
            price=credits.VIDEO_AGENT,
            result_fields=("title", "video_id"),
            outputs=_VIDEO_OUTPUTS,
            outputs_via="video_id",
            cancel_path="/v3/video-agents/{id}/stop",
            app_path="/video-agent/{id}",
        ),
        JobKind(
            name="video_translation",
            create_path="/v3/video-translations",
            status_path="/v3/video-translations/{id}",
            id_field="video_translation_id",
            success=_DONE,
            failure=_FAILED,
            price=credits.TRANSLATION,
            result_fields=(
                "output_language",
                "video_url",
                "audio_url",
                "srt_caption_url",
                "vtt_caption_url",
                "duration",
            ),
            outputs={
                "video": Output(("video_url",), VIDEO_TYPES),
                "audio": Output(("audio_url",), AUDIO_TYPES),
                "captions": Output(("srt_caption_url", "vtt_caption_url"), CAPTION_TYPES),
            },
            bulk_status_path="/v3/video-translations/statuses",
            bulk_ids_param="video_translation_ids",
            app_path="/video-translate/{id}",
        ),
        JobKind(
            name="proofread",
            create_path="/v3/video-translations/proofreads",
            status_path="/v3/video-translations/proofreads/{id}",
            id_field="proofread_id",
            success=_DONE,
            failure=_FAILED,
            price=credits.PROOFREAD,
            result_fields=("output_language",),
            app_path="/video-translate/proofread/{id}",
        ),
        JobKind(
            name="lipsync",
            create_path="/v3/lipsyncs",
            status_path="/v3/lipsyncs/{id}",
            id_field="lipsync_id",
            success=_DONE,
            failure=_FAILED,
            price=credits.LIPSYNC,
            result_fields=("video_url", "caption_url", "duration"),
            outputs={"video": Output(("video_url",), VIDEO_TYPES), "captions": Output(("caption_url",), CAPTION_TYPES)},
            bulk_status_path="/v3/lipsyncs/statuses",
            bulk_ids_param="lipsync_ids",
            app_path="/lipsync/{id}",
        ),
        JobKind(
            name="avatar",
            create_path="/v3/avatars",
            status_path="/v3/avatars/looks/{id}",
            id_field="avatar_id",
            success=_DONE,
            failure=_FAILED,
            price=credits.AVATAR_CREATION,
            result_fields=(
                "group_id",
                "name",
                "avatar_type",
                "preview_image_url",
                "preview_video_url",
                "image_width",
                "image_height",
                "preferred_orientation",
                "supported_api_engines",
            ),
            outputs={
                "thumbnail": Output(("preview_image_url",), IMAGE_TYPES),
                "video": Output(("preview_video_url",), VIDEO_TYPES),
            },
            app_path="/avatars/{id}",
        ),
        JobKind(
            name="voice_clone",
            create_path="/v3/voices/clone",
            status_path="/v3/voices/{id}",
            id_field="voice_id",
            success=frozenset({"complete", "completed"}),
            failure=_FAILED,
            price=credits.UNPRICED,
            result_fields=("name", "preview_audio_url"),
            outputs={"audio": Output(("preview_audio_url",), AUDIO_TYPES)},
        ),
    )
}
#: Seconds between status polls at the least: HeyGen advises 30; below this a wait is a request storm.
MIN_POLL_INTERVAL = 0.1


def _seconds(value: Any, name: str) -> float:
    """``value`` as a number of seconds; a value that is not a number names the argument."""
    if isinstance(value, bool):
        raise ValueError(f"{name}={value!r} is not a number of seconds")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} is not a number of seconds") from None


def check_poll_interval(value: float, name: str = "poll_interval") -> float:
    """``value`` in seconds, refused below ``MIN_POLL_INTERVAL`` (the message names the argument and the floor)."""
    allowed = f"(allowed: {MIN_POLL_INTERVAL} s and up, finite; HeyGen advises 30 s)"
    try:
        seconds = _seconds(value, name)
    except ValueError as exc:
        raise ValueError(f"{exc} {allowed}") from None
    if not seconds >= MIN_POLL_INTERVAL:
        raise ValueError(f"{name}={value!r} is below the floor of {MIN_POLL_INTERVAL} s between status polls {allowed}")
    if math.isinf(seconds):
        raise ValueError(f"{name}={value!r} is not finite {allowed}")
    return seconds


def check_timeout(value: timedelta | float, name: str = "timeout") -> float:
    """A wait's length in seconds (a ``timedelta`` or a number), refused unless positive and finite."""
    rule = "must be more than 0 seconds and finite"
    try:
        seconds = value.total_seconds() if isinstance(value, timedelta) else _seconds(value, name)
    except ValueError as exc:
        raise ValueError(f"{exc}; it {rule}") from None
    if not (seconds > 0 and math.isfinite(seconds)):
        shown = f" ({seconds:g} s)" if isinstance(value, timedelta) else ""
        raise ValueError(f"{name}={value!r}{shown} {rule}")
    return seconds


def known_kinds(kinds: Iterable[str] | None = None) -> str:
    """The job kinds (all, or ``kinds``) as a sorted, comma-separated list for messages."""
    return ", ".join(sorted(JOB_KINDS if kinds is None else kinds))


def job_kind(name: str) -> JobKind:
    """The job kind called ``name``; the error lists the known kinds."""
    try:
        return JOB_KINDS[name]
    except KeyError:
        raise ValueError(f"Unknown HeyGen job kind {name!r}; known kinds: {known_kinds()}") from None


# Bulk status answers carry every kind's id in ``video_id``; HeyGen accepts up to 100 ids a request.
BULK_ID_FIELD = "video_id"
BULK_MAX_IDS = 100


def _uses_bulk(kind: JobKind, job_ids: list[str]) -> bool:
    return bool(kind.bulk_status_path and kind.bulk_ids_param) and len(job_ids) > 1


def status_requests(kind: JobKind, job_ids: list[str]) -> list[tuple[str, dict[str, str] | None]]:
    """The GETs (path, query) reading the status of ``job_ids``: bulk where HeyGen can, else one per id."""
    if _uses_bulk(kind, job_ids):
        assert kind.bulk_status_path and kind.bulk_ids_param
        return [
            (kind.bulk_status_path, {kind.bulk_ids_param: ",".join(job_ids[i : i + BULK_MAX_IDS])})
            for i in range(0, len(job_ids), BULK_MAX_IDS)
        ]
    return [(kind.status_url_path(job_id), None) for job_id in job_ids]


def statuses_from_responses(
    kind: JobKind,
    job_ids: list[str],
    responses: Sequence[Mapping[str, Any]],
    previous: Mapping[str, JobStatus] | None = None,
) -> dict[str, JobStatus]:
    """Read the answers of ``status_requests`` back into one status per requested id.

    An id that a bulk answer reports as ``not_found`` (or leaves out) stays running: a job just created may
    not be visible to the bulk endpoint yet, and the caller's deadline bounds the wait. A status in
    ``previous`` read from an equal answer is kept as it is (a poller's round of unchanged jobs builds none).
    """
    previous = previous or {}

    def read(job_id: str, data: Mapping[str, Any]) -> JobStatus:
        known = previous.get(job_id)
        return known if known is not None and known.data == data else JobStatus.from_resource(kind, job_id, data)

    found: dict[str, JobStatus] = {}
    if _uses_bulk(kind, job_ids):
        assert kind.bulk_status_path
        for envelope in responses:
            items = envelope.get("data") if isinstance(envelope, Mapping) else envelope
            if items is None:
                continue
            if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
                raise MalformedResponseError.of_answer(
                    f"bulk status answer is not a list of objects: {str(items)[:200]}",
                    method="GET",
                    path=kind.bulk_status_path,
                )
            for item in items:
                item_id = item.get(BULK_ID_FIELD)
                if isinstance(item_id, str) and item_id and item.get("status") != "not_found":
                    found[item_id] = read(item_id, item)
    else:
        for job_id, envelope in zip(job_ids, responses, strict=True):
            if isinstance(envelope, Mapping) and isinstance(data := envelope.get("data"), Mapping):
                found[job_id] = read(job_id, data)
    return {
        job_id: found.get(job_id) or JobStatus(kind=kind.name, job_id=job_id, status=None, state=JobState.RUNNING)
        for job_id in job_ids
    }


def describe_changes(previous: Mapping[str, JobStatus], current: Mapping[str, JobStatus], elapsed: float) -> list[str]:
    """One log line per job whose status or progress changed since the last look (not one per poll)."""
    lines = []
    for job_id, status in current.items():
        before = previous.get(job_id)
        if before is not None and (before.status, before.progress) == (status.status, status.progress):
            continue
        progress = f" ({status.progress:.0f}%)" if status.progress is not None else ""
        lines.append(f"HeyGen {status.kind} {job_id}: {status.status or 'not visible yet'}{progress} at {elapsed:.0f}s")
    return lines


def jittered(interval: float, spread: float = 0.1) -> float:
    """``interval`` +/- 10%, so that many waits started together do not poll in lockstep."""
    return interval * random.uniform(1 - spread, 1 + spread)


def overall_state(states: Iterable[JobState]) -> JobState:
    """One state for many jobs: running while any runs, failed if any failed, else succeeded."""
    seen = set(states)
    if JobState.RUNNING in seen:
        return JobState.RUNNING
    return JobState.FAILED if JobState.FAILED in seen else JobState.SUCCEEDED
