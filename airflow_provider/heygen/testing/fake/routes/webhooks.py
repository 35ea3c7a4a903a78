"""Webhooks: endpoint CRUD, the event-type catalogue, the event history, and the events themselves.

When a job reaches a terminal state the fake makes an event ``{"event_type", "event_data", "event_id",
"created_at"}`` and POSTs it, off the request path (see ``delivery``):

* signed, to every registered endpoint whose ``events`` include the type (``null`` = all) and whose
  ``entity_id``, if set, is the job's id; those events go into ``GET /v3/webhooks/events``;
* unsigned, to the job's own ``callback_url`` (the event data echoes ``callback_id``).

Job kind -> event type (``.success`` / ``.fail``): ``video`` -> ``avatar_video`` (a Video Agent's video is
reported by its session instead), ``video_agent`` -> ``video_agent``, ``video_translation`` and ``lipsync``
-> ``video_translate`` (HeyGen documents no lipsync event; lipsync runs on the translation pipeline),
``proofread`` -> ``proofread_creation``, ``avatar`` -> ``photo_avatar_train`` (photo), ``instant_avatar``
(digital twin) or ``photo_avatar_generation`` (prompt). Voice clones send nothing.

The fake accepts ``http://`` endpoint URLs (HeyGen wants public HTTPS) so tests can receive on localhost.
"""

from __future__ import annotations

import hashlib
import logging
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.routing import BaseRoute

from airflow_provider.heygen.testing.fake import pagination
from airflow_provider.heygen.testing.fake.delivery import (
    Delivery,
    DeliveryHeaders,
    DeliveryWorker,
    build_delivery,
)
from airflow_provider.heygen.testing.fake.errors import invalid_parameter, not_found
from airflow_provider.heygen.testing.fake.routes import api_route, data
from airflow_provider.heygen.testing.fake.routes.avatars import AVATAR
from airflow_provider.heygen.testing.fake.routes.lipsyncs import LIPSYNC
from airflow_provider.heygen.testing.fake.routes.translations import PROOFREAD, VIDEO_TRANSLATION
from airflow_provider.heygen.testing.fake.routes.video_agents import VIDEO_AGENT
from airflow_provider.heygen.testing.fake.routes.videos import VIDEO
from airflow_provider.heygen.testing.fake.state import Job, State

__all__ = ["EVENT_TYPES", "Webhooks", "job_event", "routes", "webhooks_for"]

log = logging.getLogger(__name__)

EVENT_TYPES: dict[str, str] = {
    "avatar_video.success": "An avatar video finished rendering.",
    "avatar_video.fail": "An avatar video failed to render.",
    "avatar_video_gif.success": "The GIF preview of an avatar video is ready.",
    "avatar_video_gif.fail": "The GIF preview of an avatar video could not be made.",
    "video_translate.success": "A video translation finished.",
    "video_translate.fail": "A video translation failed.",
    "video_translate.preflight.validation_failed": "A translation source failed validation before starting.",
    "video_translate.preflight.download_failed": "A translation source could not be downloaded.",
    "personalized_video": "A personalized video was generated.",
    "instant_avatar.success": "A digital twin (instant avatar) finished training.",
    "instant_avatar.fail": "A digital twin (instant avatar) failed to train.",
    "photo_avatar_generation.success": "A photo avatar was generated from a prompt.",
    "photo_avatar_generation.fail": "A photo avatar could not be generated from a prompt.",
    "photo_avatar_train.success": "A photo avatar finished training.",
    "photo_avatar_train.fail": "A photo avatar failed to train.",
    "photo_avatar_add_motion.success": "Motion was added to a photo avatar.",
    "photo_avatar_add_motion.fail": "Motion could not be added to a photo avatar.",
    "proofread_creation.success": "A translation proofread is ready for review.",
    "proofread_creation.fail": "A translation proofread could not be created.",
    "live_avatar.success": "A live avatar is ready.",
    "live_avatar.fail": "A live avatar could not be created.",
    "avatar_video_caption.success": "The captioned version of an avatar video is ready.",
    "avatar_video_caption.fail": "The captioned version of an avatar video could not be made.",
    "video_agent.success": "A Video Agent session produced its video.",
    "video_agent.fail": "A Video Agent session failed.",
    "hyperframes_video.success": "A HyperFrames video finished rendering.",
    "hyperframes_video.fail": "A HyperFrames video failed to render.",
    "ai_clipping.success": "An AI clipping job finished.",
    "ai_clipping.fail": "An AI clipping job failed.",
    "batch.finished": "Every item of a batch reached a terminal state.",
}
_AVATAR_EVENTS = {
    "photo": "photo_avatar_train",
    "digital_twin": "instant_avatar",
    "prompt": "photo_avatar_generation",
}


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Endpoint:
    """A registered webhook endpoint; ``events`` None means every event type."""

    endpoint_id: str
    url: str
    events: list[str] | None
    secret: str
    created_at: str
    entity_id: str | None = None
    status: str = "enabled"

    def wants(self, event_type: str, entity_id: str) -> bool:
        in_events = self.events is None or event_type in self.events
        return self.status == "enabled" and in_events and self.entity_id in (None, entity_id)

    def public(self, *, with_secret: bool = False) -> dict[str, Any]:
        return {
            "endpoint_id": self.endpoint_id,
            "url": self.url,
            "events": self.events,
            "status": self.status,
            "created_at": self.created_at,
            "secret": self.secret if with_secret else None,
        }


@dataclass
class Event:
    """One event that was sent to at least one registered endpoint."""

    payload: dict[str, Any]
    entity_id: str


def _outcome(state: State, job: Job) -> str:
    return "success" if job.status == state.kind(job.kind).success else "fail"


def _failure(job: Job) -> dict[str, Any]:
    return {"failure_code": job.failure_code, "failure_message": job.failure_message}


def job_event(state: State, job: Job) -> tuple[str, dict[str, Any]] | None:
    """The event type and data for a job that just ended, or None when its kind sends no event."""
    outcome = _outcome(state, job)
    ok = outcome == "success"
    echo = {"callback_id": job.callback_id}
    if job.kind == VIDEO:
        if "session_id" in job.extra:
            return None
        if not ok:
            return "avatar_video.fail", {
                "video_id": job.id,
                "msg": job.failure_message,
                **_failure(job),
                **echo,
            }
        video = state.render(job)
        return "avatar_video.success", {
            "video_id": job.id,
            "url": video["video_url"],
            "gif_download_url": video["gif_url"],
            "video_page_url": video["video_page_url"],
            "folder_id": video["folder_id"],
            **echo,
        }
    if job.kind == VIDEO_AGENT:
        video_job = state.find_job(job.extra["video_id"])
        url = state.render(video_job)["video_url"] if ok and video_job is not None else None
        details = {"url": url} if ok else {"msg": job.failure_message, **_failure(job)}
        return f"video_agent.{outcome}", {
            "session_id": job.id,
            "video_id": job.extra["video_id"],
            **details,
            **echo,
        }
    if job.kind in (VIDEO_TRANSLATION, LIPSYNC):
        rendered = state.render(job)
        details = {"url": rendered["video_url"]} if ok else {"message": job.failure_message}
        language = {"output_language": job.extra["output_language"]} if job.kind == VIDEO_TRANSLATION else {}
        return f"video_translate.{outcome}", {"video_translate_id": job.id, **language, **details, **echo}
    if job.kind == PROOFREAD:
        details = {} if ok else {"message": job.failure_message}
        return f"proofread_creation.{outcome}", {"proofread_id": job.id, **details, **echo}
    if job.kind == AVATAR:
        details = {} if ok else {"message": job.failure_message}
        ids = {"avatar_id": job.id, "avatar_group_id": job.extra["group_id"]}
        return f"{_AVATAR_EVENTS[job.request['type']]}.{outcome}", {**ids, **details}
    return None


class Webhooks:
    """The webhook side of one fake: endpoints, history and deliveries (in ``state`` buckets, so ``reset``
    clears them), the header names, and the delivery worker."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.headers = DeliveryHeaders()
        self.worker = DeliveryWorker()

    @property
    def _bucket(self) -> dict[str, Any]:
        bucket = self.state.bucket("webhooks")
        bucket.setdefault("endpoints", {})
        bucket.setdefault("events", [])
        bucket.setdefault("deliveries", [])
        return bucket

    @property
    def endpoints(self) -> dict[str, Endpoint]:
        return self._bucket["endpoints"]

    @property
    def events(self) -> list[Event]:
        """Events sent to registered endpoints, oldest first."""
        return self._bucket["events"]

    @property
    def deliveries(self) -> list[Delivery]:
        """Every POST made or attempted (endpoints and callback URLs), in the order they were queued."""
        return self._bucket["deliveries"]

    def new_secret(self) -> str:
        return "whsec_" + hashlib.sha256(self.state.new_id("whsec").encode()).hexdigest()

    def on_job_end(self, job: Job) -> None:
        """Turn a finished job into its event and queue the POSTs; quick, as ``State.subscribe`` asks.

        Listeners may run inside whichever request noticed the job ending, so a fault here is logged, never
        raised: a broken event must not fail an unrelated request.
        """
        try:
            self._send_event(job)
        except Exception:
            log.exception("fake HeyGen: could not make the webhook event for %s %s", job.kind, job.id)

    def _send_event(self, job: Job) -> None:
        if job.deleted:
            return
        made = job_event(self.state, job)
        if made is None:
            return
        event_type, event_data = made
        payload = {
            "event_type": event_type,
            "event_data": event_data,
            "event_id": self.state.new_id("evt"),
            "created_at": _iso(job.completed_at or self.state.now()),
        }
        with self.state.lock:
            targets = [endpoint for endpoint in self.endpoints.values() if endpoint.wants(event_type, job.id)]
            queued = [
                build_delivery(payload, ep.url, secret=ep.secret, endpoint_id=ep.endpoint_id, names=self.headers)
                for ep in targets
            ]
            if job.callback_url:
                queued.append(build_delivery(payload, job.callback_url))
            if targets:
                self.events.append(Event(payload, job.id))
            self.deliveries.extend(queued)
        for delivery in queued:
            self.worker.submit(delivery)


_WEBHOOKS: weakref.WeakKeyDictionary[State, Webhooks] = weakref.WeakKeyDictionary()


def webhooks_for(state: State) -> Webhooks:
    """The one ``Webhooks`` of a state, subscribed to its job endings the first time it is asked for."""
    with state.lock:
        hooks = _WEBHOOKS.get(state)
        if hooks is None:
            hooks = _WEBHOOKS[state] = Webhooks(state)
            state.subscribe(hooks.on_job_end)
    return hooks


def _check_url(url: str | None, param: str = "url") -> None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid_parameter(param, f"{param} must be an absolute http(s) URL")


def _check_events(events: list[str] | None) -> list[str] | None:
    if events is None:
        return None
    if not events:
        raise invalid_parameter("events", "events must list at least one event type, or be null for all")
    return list(dict.fromkeys(events))


def routes(state: State) -> list[BaseRoute]:
    hooks = webhooks_for(state)

    def endpoint_of(request: Request) -> Endpoint:
        endpoint_id = request.path_params["endpoint_id"]
        endpoint = hooks.endpoints.get(endpoint_id)
        if endpoint is None:
            raise not_found("Webhook endpoint", endpoint_id)
        return endpoint

    def create(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        _check_url(body["url"])
        endpoint = Endpoint(
            endpoint_id=state.new_id("ep"),
            url=body["url"],
            events=_check_events(body.get("events")),
            secret=hooks.new_secret(),
            created_at=_iso(state.now()),
            entity_id=body.get("entity_id"),
        )
        with state.lock:  # a job ending on another thread may be reading the endpoints
            hooks.endpoints[endpoint.endpoint_id] = endpoint
        return data(endpoint.public(with_secret=True))

    def listing(request: Request, body: None) -> dict[str, Any]:
        endpoints = list(reversed(hooks.endpoints.values()))
        envelope = pagination.page(request.query_params, endpoints, "/v3/webhooks/endpoints")
        envelope["data"] = [endpoint.public() for endpoint in envelope["data"]]
        return envelope

    def update(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        endpoint = endpoint_of(request)
        if body.get("url") is not None:
            _check_url(body["url"])
        if "events" in body:
            endpoint.events = _check_events(body["events"])
        endpoint.url = body.get("url") or endpoint.url
        return data(endpoint.public())

    def delete(request: Request, body: None) -> dict[str, Any]:
        with state.lock:
            hooks.endpoints.pop(endpoint_of(request).endpoint_id)
        return data({})

    def rotate(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        endpoint = endpoint_of(request)
        endpoint.secret = hooks.new_secret()
        return data({"endpoint_id": endpoint.endpoint_id, "secret": endpoint.secret})

    def event_types(request: Request, body: None) -> dict[str, Any]:
        items = [{"event_type": name, "description": text} for name, text in EVENT_TYPES.items()]
        return {"data": items, "has_more": False, "next_token": None}

    def events(request: Request, body: None) -> dict[str, Any]:
        query = request.query_params
        event_type, entity_id = query.get("event_type"), query.get("entity_id")
        found = [
            event
            for event in reversed(hooks.events)
            if (not event_type or event.payload["event_type"] == event_type)
            and (not entity_id or event.entity_id == entity_id)
        ]
        envelope = pagination.page(query, found, "/v3/webhooks/events")
        envelope["data"] = [event.payload for event in envelope["data"]]
        return envelope

    return [
        api_route("POST", "/v3/webhooks/endpoints", create),
        api_route("GET", "/v3/webhooks/endpoints", listing),
        api_route("PATCH", "/v3/webhooks/endpoints/{endpoint_id}", update),
        api_route("DELETE", "/v3/webhooks/endpoints/{endpoint_id}", delete),
        api_route("POST", "/v3/webhooks/endpoints/{endpoint_id}/rotate-secret", rotate),
        api_route("GET", "/v3/webhooks/event-types", event_types),
        api_route("GET", "/v3/webhooks/events", events),
    ]
