"""HeyGen's event types and a cursor over its event history (``GET /v3/webhooks/events``), without Airflow.

The history lists events newest first; a new event is put in front. So what is new since a reading is the
run of events in front of the first one already seen, whatever their timestamps say (HeyGen's ``created_at``
has one-second resolution, and an event can be recorded after a later-finishing job's). ``HistoryCursor``
keeps the ids of the newest events seen (a few, in case one is deleted) and the newest ``created_at``;
when none of those ids is found any more, the scan stops ``LATE_EVENT_GRACE`` before that time instead of
reading the whole history again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, get_args

__all__ = [
    "EVENT_TYPES",
    "HISTORY_PAGE_LIMIT",
    "KEPT_EVENT_IDS",
    "LATE_EVENT_GRACE",
    "HistoryCursor",
    "WebhookEventName",
    "check_event_types",
    "check_since",
    "parse_time",
]

WebhookEventName = Literal[
    "avatar_video.success",
    "avatar_video.fail",
    "avatar_video_gif.success",
    "avatar_video_gif.fail",
    "video_translate.success",
    "video_translate.fail",
    "video_translate.preflight.validation_failed",
    "video_translate.preflight.download_failed",
    "personalized_video",
    "instant_avatar.success",
    "instant_avatar.fail",
    "photo_avatar_generation.success",
    "photo_avatar_generation.fail",
    "photo_avatar_train.success",
    "photo_avatar_train.fail",
    "photo_avatar_add_motion.success",
    "photo_avatar_add_motion.fail",
    "proofread_creation.success",
    "proofread_creation.fail",
    "live_avatar.success",
    "live_avatar.fail",
    "avatar_video_caption.success",
    "avatar_video_caption.fail",
    "video_agent.success",
    "video_agent.fail",
    "hyperframes_video.success",
    "hyperframes_video.fail",
    "ai_clipping.success",
    "ai_clipping.fail",
    "batch.finished",
]
"""An event type an endpoint can subscribe to."""

#: HeyGen's webhook event types, as a tuple (the CLI's enum of 30 values; GET /v3/webhooks/event-types).
EVENT_TYPES: tuple[str, ...] = get_args(WebhookEventName)
#: The most events GET /v3/webhooks/events returns per page.
HISTORY_PAGE_LIMIT = 100
#: Ids of the newest seen events a cursor keeps.
KEPT_EVENT_IDS = 20
#: How far before its newest seen event a cursor that lost all its ids still reads.
LATE_EVENT_GRACE = timedelta(minutes=10)


def check_event_types(value: str | Iterable[str], name: str = "event_types") -> list[str]:
    """The event types as a sorted list without repeats, each one of HeyGen's (the message lists them)."""
    types = [value] if isinstance(value, str) else list(value)
    allowed = f"(allowed: {', '.join(EVENT_TYPES)})"
    if not types:
        raise ValueError(f"{name} is empty: name at least one HeyGen event type {allowed}")
    unknown = [item for item in types if item not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"{name} has unknown HeyGen event type(s) {', '.join(map(repr, unknown))} {allowed}")
    return sorted(set(types))


def check_since(value: str | datetime, name: str = "since") -> str:
    """``"now"`` or an aware moment as an ISO string (``Z``): where a history's first reading starts."""
    hint = '(allowed: "now", or an ISO 8601 time with a zone such as "2026-05-01T00:00:00Z", or an aware datetime)'
    if value == "now":
        return "now"
    moment = value if isinstance(value, datetime) else _from_iso(value)
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"{name}={value!r} is not a moment with a time zone {hint}")
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 ``created_at`` as an aware datetime (UTC when it names no zone); None if it is not one."""
    moment = _from_iso(value)
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class HistoryCursor:
    """Where one history (one event type) was last read: the newest seen ids, newest first, and their time.

    ``floor``: events older than this are never new (a trigger's ``since``).
    """

    seen: tuple[str, ...] = ()
    newest_at: str | None = None
    floor: str | None = field(default=None, compare=False)

    @classmethod
    def seeded(cls, newest_first: Sequence[Mapping[str, Any]], floor: str | None = None) -> HistoryCursor:
        """A cursor that counts every event of a first page as seen (``since="now"``)."""
        ids = tuple(str(item["event_id"]) for item in newest_first[:KEPT_EVENT_IDS])
        newest_at = newest_first[0].get("created_at") if newest_first else None
        return cls(ids, newest_at if isinstance(newest_at, str) else None, floor)

    def is_past_new(self, item: Mapping[str, Any]) -> bool:
        """Whether a scan, newest first, has reached events that are not new: a seen one, or one too old."""
        if str(item.get("event_id")) in self.seen:
            return True
        at = parse_time(item.get("created_at"))
        if at is None:
            return False
        floor = parse_time(self.floor)
        if floor is not None and at < floor:
            return True
        newest = parse_time(self.newest_at)
        return newest is not None and at < newest - LATE_EVENT_GRACE

    def after(self, item: Mapping[str, Any]) -> HistoryCursor:
        """The cursor once ``item`` (newer than every seen event) has been handed on."""
        created_at = item.get("created_at")
        newest_at = created_at if isinstance(created_at, str) else self.newest_at
        return replace(self, seen=(str(item["event_id"]), *self.seen)[:KEPT_EVENT_IDS], newest_at=newest_at)

    def to_json(self) -> dict[str, Any]:
        return {"seen": list(self.seen), "newest_at": self.newest_at}

    @classmethod
    def from_json(cls, value: Any, floor: str | None = None) -> HistoryCursor | None:
        """A stored cursor, or None when ``value`` is not one (a missing or foreign key)."""
        if not isinstance(value, Mapping) or not isinstance(value.get("seen"), list):
            return None
        newest_at = value.get("newest_at")
        seen = tuple(str(item) for item in value["seen"][:KEPT_EVENT_IDS])
        return cls(seen, newest_at if isinstance(newest_at, str) else None, floor)
