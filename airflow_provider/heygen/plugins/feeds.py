"""Which assets HeyGen's webhook deliveries may feed: those whose ``extra`` says so, nothing else.

An asset opts in with ``extra={"heygen_webhook": {...}}`` (built by ``webhook_feed``): its DAG author names the
event types it takes and the ``heygen`` connection whose ``webhook_secret`` extra signs them. The receiver
reads that back with ``Feed.from_extra``; every other asset answers 404, so the URL cannot feed any asset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider.heygen.api.events import check_event_types

__all__ = ["EXTRA_KEY", "SECRET_EXTRA", "Feed", "webhook_feed"]

#: The key of an asset's ``extra`` that lets the receiver feed it.
EXTRA_KEY = "heygen_webhook"
#: The key of the ``heygen`` connection's extra that holds the endpoint's ``whsec_...`` secret (or a list of them).
SECRET_EXTRA = "webhook_secret"


@dataclass(frozen=True)
class Feed:
    """What an asset takes from the receiver: ``event_types`` (None: every type) signed under ``conn_id``."""

    event_types: tuple[str, ...] | None = None
    conn_id: str = "heygen_default"

    def to_extra(self) -> dict[str, Any]:
        """The asset's ``extra`` entry (plain JSON)."""
        types = list(self.event_types) if self.event_types is not None else None
        return {EXTRA_KEY: {"event_types": types, "conn_id": self.conn_id}}

    @classmethod
    def from_extra(cls, extra: Any) -> Feed | None:
        """The feed an asset's ``extra`` asks for; None when it asks for none; ValueError when it is malformed."""
        value = extra.get(EXTRA_KEY) if isinstance(extra, Mapping) else None
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if not isinstance(value, Mapping):
            raise ValueError(f"asset extra {EXTRA_KEY!r} must be true or a mapping, not {type(value).__name__}")
        types = value.get("event_types")
        conn_id = value.get("conn_id") or "heygen_default"
        if not isinstance(conn_id, str):
            raise ValueError(f"asset extra {EXTRA_KEY}.conn_id must be a connection id, not {conn_id!r}")
        if types is None:
            return cls(None, conn_id)
        return cls(tuple(check_event_types(types, f"{EXTRA_KEY}.event_types")), conn_id)

    def takes(self, event_type: str) -> bool:
        """Whether an event of this type becomes an asset event."""
        return self.event_types is None or event_type in self.event_types


def webhook_feed(event_types: str | Iterable[str] | None = None, conn_id: str = "heygen_default") -> dict[str, Any]:
    """The ``extra`` that lets the webhook receiver feed an asset (checked when the DAG is parsed).

    ``Asset("heygen_videos", extra=webhook_feed("avatar_video.success"))`` then takes the signed deliveries
    POSTed to ``<api-server>/heygen/events/heygen_videos`` whose type is listed (None: every type).
    """
    types = tuple(check_event_types(event_types)) if event_types is not None else None
    return Feed(types, conn_id).to_extra()
