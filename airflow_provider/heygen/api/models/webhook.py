"""Webhooks: endpoint registration (POST/PATCH /v3/webhooks/endpoints), event types and delivered events."""

from typing import Any

from pydantic import model_validator
from typing_extensions import Self

from airflow_provider.heygen.api.events import EVENT_TYPES, WebhookEventName
from airflow_provider.heygen.api.models._base import HttpUrlStr, RequestModel, ResponseModel

__all__ = [
    "WEBHOOK_EVENT_NAMES",
    "WebhookEndpoint",
    "WebhookEndpointRequest",
    "WebhookEndpointUpdate",
    "WebhookEvent",
    "WebhookEventName",
    "WebhookEventType",
]

WEBHOOK_EVENT_NAMES = EVENT_TYPES
"""All 30 subscribable event types."""


class WebhookEndpointRequest(RequestModel):
    """Body of POST /v3/webhooks/endpoints; the answer carries the signing secret, shown only once."""

    url: HttpUrlStr
    """Public HTTPS URL that receives the events."""
    events: list[WebhookEventName] | None = None
    """Event types to receive (all of them when omitted)."""
    entity_id: str | None = None
    """Only events of this entity (e.g. a personalized video project)."""


class WebhookEndpointUpdate(RequestModel):
    """Body of PATCH /v3/webhooks/endpoints/{endpoint_id}; ``events`` replaces the whole list."""

    url: HttpUrlStr | None = None
    """New URL."""
    events: list[WebhookEventName] | None = None
    """New full list of event types (not merged with the old one)."""

    @model_validator(mode="after")
    def _check_not_empty(self) -> Self:
        if self.url is None and self.events is None:
            raise ValueError("give url, events or both: an update without them changes nothing")
        return self


class WebhookEndpoint(ResponseModel):
    """A registered endpoint."""

    endpoint_id: str
    """Endpoint id."""
    url: str | None = None
    """Receiving URL."""
    events: list[str] | None = None
    """Subscribed event types (None means all)."""
    status: str | None = None
    """``enabled`` or ``disabled``."""
    created_at: str | None = None
    """Creation time, ISO 8601 (unlike most HeyGen timestamps)."""
    secret: str | None = None
    """Signing secret; only in the answers of create and rotate-secret."""


class WebhookEventType(ResponseModel):
    """An entry of GET /v3/webhooks/event-types."""

    event_type: str
    """Event type, e.g. ``avatar_video.success``."""
    description: str | None = None
    """When it fires."""


class WebhookEvent(ResponseModel):
    """A delivered event (GET /v3/webhooks/events)."""

    event_id: str
    """Unique per event; use it to drop duplicates."""
    event_type: str
    """Event type (unknown types are kept as they are)."""
    event_data: dict[str, Any] | None = None
    """The payload; re-fetch the resource rather than trusting its shape."""
    created_at: str | None = None
    """Creation time, ISO 8601."""
