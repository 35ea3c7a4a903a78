"""Avatars: groups (characters) and looks, a fixed public catalogue, and private avatars trained on the clock.

A look's ``id`` is the ``avatar_id`` that ``POST /v3/videos`` takes. The public catalogue never changes (ids
derived from names). ``POST /v3/avatars`` (``photo``, ``digital_twin`` or ``prompt``) charges 1 credit and
creates a private look as a job of kind ``avatar``, in a new private group unless ``avatar_group_id`` names
one: ``processing`` for 30 (photo), 60 (prompt) or 120 (digital twin) fake seconds x ``job_seconds``, then
``completed`` with a preview image and its width and height (null until then), or ``failed`` with ``error``.
A group's status follows its looks. Public groups and looks cannot be renamed or deleted (403).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from airflow_provider.heygen.testing.fake import media, pagination
from airflow_provider.heygen.testing.fake.billing import ensure_credit
from airflow_provider.heygen.testing.fake.errors import ApiError, invalid_parameter, not_found
from airflow_provider.heygen.testing.fake.routes import api_route, data
from airflow_provider.heygen.testing.fake.routes.assets import ASSET_TYPES, asset_mime, check_asset_input
from airflow_provider.heygen.testing.fake.routes.voices import CATALOGUE as VOICES
from airflow_provider.heygen.testing.fake.state import Job, JobKind, State
from airflow_provider.heygen.testing.fake.validation import register_check

__all__ = ["AVATAR", "CREATION_CREDITS", "PUBLIC_GROUPS", "find_look", "routes"]

AVATAR = "avatar"
CREATION_CREDITS = 1.0
MAX_REFERENCE_IMAGES = 3
_BUCKET = "avatar_groups"
_PUBLIC_CREATED_AT = 1_717_200_000
_ALL_ENGINES = ["avatar_v", "avatar_iv", "avatar_iii"]
#: orientation -> (image width, image height, preview width, preview height)
_SIZES = {
    "landscape": (1920, 1080, 160, 90),
    "portrait": (1080, 1920, 90, 160),
    "square": (1080, 1080, 120, 120),
}


@dataclass(frozen=True)
class PublicLook:
    name: str
    orientation: str
    engines: tuple[str, ...]
    tags: tuple[str, ...]
    avatar_type: str = "studio_avatar"

    @property
    def id(self) -> str:
        return f"{self.name.replace(' ', '_')}_public"


@dataclass(frozen=True)
class PublicGroup:
    name: str
    gender: str
    voice_name: str
    looks: tuple[PublicLook, ...]

    @property
    def id(self) -> str:
        return hashlib.sha256(f"heygen-fake-avatar-group:{self.name}".encode()).hexdigest()[:32]

    @property
    def default_voice_id(self) -> str:
        return next(voice.voice_id for voice in VOICES if voice.name == self.voice_name)


_ALL, _IV = tuple(_ALL_ENGINES), ("avatar_iv", "avatar_iii")
PUBLIC_GROUPS: tuple[PublicGroup, ...] = (
    PublicGroup(
        "Abigail",
        "female",
        "Aria - Warm Narrator",
        (
            PublicLook("Abigail Office Front", "landscape", _ALL, ("business", "indoor")),
            PublicLook("Abigail Sofa Casual", "landscape", _IV, ("casual", "indoor")),
            PublicLook("Abigail Standing Portrait", "portrait", _IV, ("business", "vertical")),
        ),
    ),
    PublicGroup(
        "Daniel",
        "male",
        "Ben - Friendly Explainer",
        (
            PublicLook("Daniel Studio Suit", "landscape", _ALL, ("business", "studio")),
            PublicLook("Daniel Street Walk", "portrait", ("avatar_v", "avatar_iv"), ("casual", "outdoor")),
        ),
    ),
    PublicGroup(
        "Mei",
        "female",
        "Mei - Clear",
        (
            PublicLook("Mei Classroom", "landscape", _IV, ("education", "indoor")),
            PublicLook("Mei Headshot", "square", _IV, ("social", "studio")),
        ),
    ),
    PublicGroup(
        "Lucas",
        "male",
        "Henry - Documentary",
        (PublicLook("Lucas Newsroom", "landscape", _ALL, ("news", "studio")),),
    ),
    PublicGroup(
        "Rosa",
        "female",
        "Lucia - Cercana",
        (PublicLook("Rosa Garden Photo", "portrait", ("avatar_iv",), ("photo", "outdoor"), "photo_avatar"),),
    ),
)
_PUBLIC_LOOKS = {look.id: (group, look) for group in PUBLIC_GROUPS for look in group.looks}
_PUBLIC_GROUPS = {group.id: group for group in PUBLIC_GROUPS}

#: Per creation type: look ``avatar_type``, orientation, engines, training seconds.
_CREATION = {
    "photo": ("photo_avatar", "portrait", ["avatar_iv", "avatar_iii"], 30.0),
    "prompt": ("photo_avatar", "square", ["avatar_iv"], 60.0),
    "digital_twin": ("digital_twin", "landscape", _ALL_ENGINES, 120.0),
}
#: The file a creation type needs, as the asset type it must sniff to.
_FILE_TYPES = {"photo": "image", "digital_twin": "video"}


def find_look(state: State, look_id: str) -> dict[str, Any] | None:
    """The look (as the API shows it) for an ``avatar_id``, public or private, or None when unknown."""
    if look_id in _PUBLIC_LOOKS:
        return _public_look(state, *_PUBLIC_LOOKS[look_id])
    job = _private_look(state, look_id)
    return state.render(job) if job is not None else None


def _preview(state: State, look_id: str, orientation: str) -> tuple[str, int, int]:
    width, height, small_w, small_h = _SIZES[orientation]
    url = state.file_url(f"{look_id}.png", lambda: media.thumbnail_png(small_w, small_h))
    return url, width, height


def _public_look(state: State, group: PublicGroup, look: PublicLook) -> dict[str, Any]:
    url, width, height = _preview(state, look.id, look.orientation)
    return {
        "id": look.id,
        "name": look.name,
        "avatar_type": look.avatar_type,
        "group_id": group.id,
        "preview_image_url": url,
        "preview_video_url": state.file_url(f"{look.id}.mp4", lambda: media.video_bytes("mp4"), seconds=1.0),
        "gender": group.gender,
        "tags": list(look.tags),
        "default_voice_id": group.default_voice_id,
        "supported_api_engines": list(look.engines),
        "image_width": width,
        "image_height": height,
        "preferred_orientation": look.orientation,
        "status": None,
        "error": None,
    }


def _public_group(state: State, group: PublicGroup) -> dict[str, Any]:
    first = group.looks[0]
    return {
        "id": group.id,
        "name": group.name,
        "gender": group.gender,
        "looks_count": len(group.looks),
        "created_at": _PUBLIC_CREATED_AT,
        "default_voice_id": group.default_voice_id,
        "preview_image_url": _preview(state, first.id, first.orientation)[0],
        "preview_video_url": None,
        "consent_status": None,
        "status": None,
        "error": None,
    }


# --- private avatars --------------------------------------------------------------------------------------


def _groups(state: State) -> dict[str, dict[str, Any]]:
    """Private groups: id -> {"name", "created_at"}; their looks are the ``avatar`` jobs naming them."""
    return state.bucket(_BUCKET)


def _private_look(state: State, look_id: str) -> Job | None:
    job = state.find_job(look_id)
    return job if job is not None and job.kind == AVATAR and not job.deleted else None


def _looks_of(state: State, group_id: str) -> list[Job]:
    return [job for job in state.jobs(AVATAR) if job.extra["group_id"] == group_id]


def _render_look(state: State, job: Job) -> dict[str, Any]:
    """GET /v3/avatars/looks/{look_id} of a private look; preview and size only once trained."""
    avatar_type, orientation, engines, _ = _CREATION[job.request["type"]]
    done = job.status == "completed"
    url, width, height = _preview(state, job.id, orientation) if done else (None, None, None)
    failed = job.status == "failed"
    return {
        "id": job.id,
        "name": job.extra["name"],
        "avatar_type": avatar_type,
        "group_id": job.extra["group_id"],
        "preview_image_url": url,
        "preview_video_url": None,
        "gender": None,
        "tags": [],
        "default_voice_id": None,
        "supported_api_engines": list(engines),
        "image_width": width,
        "image_height": height,
        "preferred_orientation": orientation,
        "status": job.status,
        "error": {"code": job.failure_code or "training_failed", "message": job.failure_message or ""}
        if failed
        else None,
    }


def _group_status(looks: list[Job]) -> str:
    statuses = {job.status for job in looks}
    if "processing" in statuses:
        return "processing"
    return "failed" if statuses == {"failed"} else "completed"


def _private_group(state: State, group_id: str) -> dict[str, Any]:
    group = _groups(state)[group_id]
    looks = _looks_of(state, group_id)
    status = _group_status(looks)
    trained = next((job for job in looks if job.status == "completed"), None)
    failed = next((job for job in looks if job.status == "failed"), None)
    return {
        "id": group_id,
        "name": group["name"],
        "gender": None,
        "looks_count": len(looks),
        "created_at": int(group["created_at"]),
        "default_voice_id": None,
        "preview_image_url": _render_look(state, trained)["preview_image_url"] if trained else None,
        "preview_video_url": None,
        "consent_status": group.get("consent_status"),
        "status": status,
        "error": _render_look(state, failed)["error"] if status == "failed" and failed else None,
    }


def _check_create(body: dict[str, Any]) -> None:
    if not body["name"].strip():
        raise invalid_parameter("name", "name must not be empty")
    if body["type"] == "prompt":
        if not body["prompt"].strip():
            raise invalid_parameter("prompt", "prompt must not be empty")
        if len(body.get("reference_images") or []) > MAX_REFERENCE_IMAGES:
            raise invalid_parameter(
                "reference_images", f"reference_images must contain at most {MAX_REFERENCE_IMAGES} images"
            )


register_check("POST", "/v3/avatars", _check_create)


def routes(state: State) -> list[BaseRoute]:
    state.register_kind(
        JobKind(
            name=AVATAR,
            id_prefix="look",
            phases=(("processing", 1.0),),
            concurrent=False,
            render=_render_look,
        )
    )

    def check_sources(body: dict[str, Any]) -> None:
        if body["type"] == "prompt":
            for index, image in enumerate(body.get("reference_images") or []):
                check_asset_input(state, image, f"reference_images[{index}]")
            if body.get("avatar_id") and find_look(state, body["avatar_id"]) is None:
                raise invalid_parameter("avatar_id", f"avatar look {body['avatar_id']} not found")
            return
        source = body["file"]
        check_asset_input(state, source, "file")
        wanted = _FILE_TYPES[body["type"]]
        mime = asset_mime(state, source["asset_id"]) if source["type"] == "asset_id" else None
        if mime is not None and ASSET_TYPES[mime] != wanted:
            raise invalid_parameter("file", f"{body['type']} avatars need a file of type {wanted}, not {mime}")

    def create(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        group_id = body.get("avatar_group_id")
        if group_id is not None and group_id not in _groups(state):
            raise invalid_parameter("avatar_group_id", f"private avatar group {group_id} not found")
        check_sources(body)
        ensure_credit(state, CREATION_CREDITS, "avatar creation")
        training_seconds = _CREATION[body["type"]][3]
        new_group = group_id is None
        group_id = group_id or state.new_id("ag")
        job = state.create_job(
            AVATAR,
            body,
            training_seconds,
            price_per_second=0.0,
            extra={"name": body["name"], "group_id": group_id},
        )
        if new_group:
            _groups(state)[group_id] = {"name": body["name"], "created_at": job.created_at}
        state.charge(CREATION_CREDITS)
        return data({"avatar_group": _private_group(state, group_id), "avatar_item": state.render(job)})

    def ownership_groups(ownership: str | None) -> list[tuple[str, PublicGroup | None]]:
        private = [(gid, None) for gid in reversed(_groups(state))] if ownership != "public" else []
        public = [(group.id, group) for group in PUBLIC_GROUPS] if ownership != "private" else []
        return [*private, *public]

    def list_groups(request: Request, body: None) -> dict[str, Any]:
        envelope = pagination.page(
            request.query_params, ownership_groups(request.query_params.get("ownership")), "/v3/avatars"
        )
        envelope["data"] = [
            _public_group(state, group) if group else _private_group(state, gid) for gid, group in envelope["data"]
        ]
        return envelope

    def get_group(request: Request, body: None) -> dict[str, Any]:
        group_id = request.path_params["group_id"]
        if group_id in _PUBLIC_GROUPS:
            return data(_public_group(state, _PUBLIC_GROUPS[group_id]))
        if group_id in _groups(state):
            return data(_private_group(state, group_id))
        raise not_found("Avatar group", group_id)

    def delete_group(request: Request, body: None) -> dict[str, Any]:
        group_id = request.path_params["group_id"]
        if group_id in _PUBLIC_GROUPS:
            raise ApiError(403, "forbidden", "public avatar groups cannot be deleted")
        if group_id not in _groups(state):
            raise not_found("Avatar group", group_id)
        for job in _looks_of(state, group_id):
            state.delete_job(AVATAR, job.id, "Avatar look")
        del _groups(state)[group_id]
        return data({"id": group_id})

    def list_looks(request: Request, body: None) -> dict[str, Any]:
        query = request.query_params
        group_id, avatar_type = query.get("group_id"), query.get("avatar_type")
        looks: list[Job | tuple[PublicGroup, PublicLook]] = []
        for gid, group in ownership_groups(query.get("ownership")):
            if group_id and gid != group_id:
                continue
            looks += [(group, look) for look in group.looks] if group else _looks_of(state, gid)
        if avatar_type:
            looks = [
                look
                for look in looks
                if (look[1].avatar_type if isinstance(look, tuple) else _CREATION[look.request["type"]][0])
                == avatar_type
            ]
        envelope = pagination.page(query, looks, "/v3/avatars/looks")
        envelope["data"] = [
            _public_look(state, *look) if isinstance(look, tuple) else state.render(look) for look in envelope["data"]
        ]
        return envelope

    def private_look_or_error(look_id: str, action: str) -> Job:
        if look_id in _PUBLIC_LOOKS:
            raise ApiError(403, "forbidden", f"public avatar looks cannot be {action}")
        job = _private_look(state, look_id)
        if job is None:
            raise not_found("Avatar look", look_id)
        return job

    def get_look(request: Request, body: None) -> dict[str, Any]:
        look = find_look(state, request.path_params["look_id"])
        if look is None:
            raise not_found("Avatar look", request.path_params["look_id"])
        return data(look)

    def rename_look(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        job = private_look_or_error(request.path_params["look_id"], "renamed")
        if body.get("name") is not None:
            if not body["name"].strip():
                raise invalid_parameter("name", "name must not be empty")
            job.extra["name"] = body["name"]
        return data(state.render(job))

    def delete_look(request: Request, body: None) -> dict[str, Any]:
        job = private_look_or_error(request.path_params["look_id"], "deleted")
        state.delete_job(AVATAR, job.id, "Avatar look")
        group_id = job.extra["group_id"]
        if not _looks_of(state, group_id):
            _groups(state).pop(group_id, None)
        return data({"id": job.id})

    def consent(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        group_id = request.path_params["group_id"]
        if group_id not in _groups(state):
            raise not_found("Avatar group", group_id)
        _groups(state)[group_id]["consent_status"] = "pending"
        url = f"https://app.heygen.com/avatar-consent/{group_id}"
        return data({"avatar_group": _private_group(state, group_id), "url": url})

    return [
        api_route("GET", "/v3/avatars/looks", list_looks),
        api_route("GET", "/v3/avatars/looks/{look_id}", get_look),
        api_route("PATCH", "/v3/avatars/looks/{look_id}", rename_look),
        api_route("DELETE", "/v3/avatars/looks/{look_id}", delete_look),
        api_route("GET", "/v3/avatars", list_groups),
        api_route("POST", "/v3/avatars", create),
        api_route("GET", "/v3/avatars/{group_id}", get_group),
        api_route("DELETE", "/v3/avatars/{group_id}", delete_group),
        api_route("POST", "/v3/avatars/{group_id}/consent", consent),
    ]
