"""Cursor pagination like HeyGen's: ``limit`` and ``token`` in, ``{"data", "has_more", "next_token"}`` out.

Per-endpoint default and maximum ``limit`` come from HeyGen's limits page (the seed table); list endpoints it
does not name use the default of the operation's CLI flag and a maximum of 100. A ``limit`` outside
``1..max`` or a token this fake did not issue is a 400 ``invalid_parameter``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import invalid_parameter

__all__ = ["LIMITS", "limits_for", "page"]

#: (default, max) per list path template.
LIMITS: dict[str, tuple[int, int]] = {
    "/v3/videos": (10, 100),
    "/v3/avatars": (20, 50),
    "/v3/avatars/looks": (20, 50),
    "/v3/voices": (20, 100),
    "/v3/video-agents": (20, 100),
    "/v3/video-agents/styles": (20, 100),
    "/v3/video-translations": (10, 100),
    "/v3/lipsyncs": (10, 100),
    "/v3/webhooks/endpoints": (10, 100),
    "/v3/webhooks/events": (10, 100),
    "/v3/assets": (10, 100),
    "/v3/assets/search": (10, 50),
    "/v3/audio/sounds": (10, 50),
}
_FALLBACK = (10, 100)


def limits_for(path_template: str) -> tuple[int, int]:
    """(default, max) ``limit`` of a list endpoint."""
    return LIMITS.get(path_template, _FALLBACK)


def page(query: Mapping[str, str], items: Sequence[Any], path_template: str) -> dict[str, Any]:
    """One page of ``items`` (already in the endpoint's order) as HeyGen's list envelope."""
    default, maximum = limits_for(path_template)
    raw_limit = query.get("limit")
    try:
        limit = default if raw_limit in (None, "") else int(raw_limit)  # type: ignore[arg-type]
    except ValueError:
        limit = 0
    if not 1 <= limit <= maximum:
        raise invalid_parameter("limit", f"limit must be between 1 and {maximum}")
    start = _decode(query["token"]) if query.get("token") else 0
    chunk = list(items[start : start + limit])
    has_more = start + limit < len(items)
    return {"data": chunk, "has_more": has_more, "next_token": _encode(start + limit) if has_more else None}


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode(token: str) -> int:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise invalid_parameter("token", "token is not a valid pagination cursor")
    return offset
