"""Check requests the way HeyGen does: the operation's published JSON Schema, then the documented limits.

Independent of the provider's own models on purpose (the fake exists to catch the client's mistakes). The
schemas come from ``data/heygen-v3-operations.json`` (a copy of HeyGen's operations file, see its README).
They are OpenAPI-flavoured, so they are rewritten once: ``nullable`` becomes a null type, and a discriminated
``oneOf`` becomes "the discriminator must be one of the mapping's values, and then the matching branch
applies" (an unknown ``type`` is rejected, and a known one is checked against its own branch only).

Every failure is a 400 ``invalid_parameter`` whose ``param`` names the field: ``script``, ``scenes``,
``scenes[2].duration``, ``voice_settings.speed``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from .errors import ApiError, invalid_parameter

__all__ = [
    "LIMIT_CHECKS",
    "TRANSLATION_LANGUAGES",
    "check_query",
    "check_request",
    "operation",
    "operations",
    "register_check",
]

#: Target language names accepted by video translation (what GET /v3/video-translations/languages lists).
TRANSLATION_LANGUAGES = (
    "Arabic",
    "Bengali",
    "Chinese (Cantonese, Traditional)",
    "Chinese (Mandarin, Simplified)",
    "Czech",
    "Danish",
    "Dutch",
    "English",
    "English (United Kingdom)",
    "English (United States)",
    "Filipino",
    "Finnish",
    "French",
    "French (Canada)",
    "French (France)",
    "German",
    "German (Germany)",
    "Greek",
    "Hebrew",
    "Hindi",
    "Hungarian",
    "Indonesian",
    "Italian",
    "Italian (Italy)",
    "Japanese",
    "Japanese (Japan)",
    "Korean",
    "Malay",
    "Norwegian",
    "Polish",
    "Portuguese (Brazil)",
    "Portuguese (Portugal)",
    "Romanian",
    "Russian",
    "Spanish (Mexico)",
    "Spanish (Spain)",
    "Swedish",
    "Tamil",
    "Thai",
    "Turkish",
    "Ukrainian",
    "Vietnamese",
)

MAX_SCRIPT_CHARS = 5_000
MAX_PROMPT_CHARS = 10_000
MAX_AGENT_FILES = 20
MAX_SCENES = 50
MAX_IMAGE_SCENE_SECONDS = 300
CINEMATIC_SECONDS = (4, 15)
CINEMATIC_ASPECT_RATIOS = ("16:9", "9:16", "1:1")
MAX_CINEMATIC_AVATARS = 3

Check = Callable[[dict[str, Any]], None]

#: Documented limits beyond the schema, per (method, path template); add more with ``register_check``.
LIMIT_CHECKS: dict[tuple[str, str], list[Check]] = {}


def register_check(method: str, path: str, check: Check) -> Check:
    """Run ``check(body)`` after the schema for this operation; it raises ``ApiError`` to reject."""
    LIMIT_CHECKS.setdefault((method.upper(), path), []).append(check)
    return check


@functools.cache
def operations() -> dict[tuple[str, str], dict[str, Any]]:
    """HeyGen's operations keyed by (method, path template)."""
    text = (resources.files(__package__) / "data" / "heygen-v3-operations.json").read_text("utf-8")
    return {(op["method"], op["path"]): op for op in json.loads(text)["operations"]}


def operation(method: str, path: str) -> dict[str, Any] | None:
    return operations().get((method.upper(), path))


def check_request(method: str, path: str, body: Any) -> None:
    """Reject a request body that breaks the operation's schema or a documented limit (400)."""
    validator = _validator(method.upper(), path)
    if validator is not None:
        error = best_match(validator.iter_errors(body))
        if error is not None:
            raise _as_api_error(error)
    for check in LIMIT_CHECKS.get((method.upper(), path), []):
        check(body)


def check_query(method: str, path: str, query: Mapping[str, str]) -> None:
    """Reject query parameters outside their documented enum or not integers where integers are due."""
    op = operation(method, path)
    for param in op["parameters"] if op else []:
        value = query.get(param["name"])
        if param["in"] != "query" or value in (None, "") or param["name"] == "limit":
            continue
        if param["enum"] and value not in param["enum"]:
            raise invalid_parameter(param["name"], f"{param['name']} must be one of {', '.join(param['enum'])}")
        if param["type"] == "int" and not re.fullmatch(r"-?\d+", value):
            raise invalid_parameter(param["name"], f"{param['name']} must be an integer")


@functools.cache
def _validator(method: str, path: str) -> jsonschema.Draft202012Validator | None:
    op = operation(method, path)
    schema = op.get("request_schema") if op else None
    return jsonschema.Draft202012Validator(_rewrite(schema)) if schema else None


def _rewrite(schema: Any) -> Any:
    """OpenAPI ``nullable``/``discriminator`` -> plain JSON Schema (see the module docstring)."""
    if isinstance(schema, list):
        return [_rewrite(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _rewrite(value) for key, value in schema.items() if key not in ("nullable", "discriminator")}
    if "discriminator" in schema and "oneOf" in out:
        out = _discriminated(schema["discriminator"], out.pop("oneOf"), schema["oneOf"], out)
    if schema.get("nullable"):
        if isinstance(out.get("type"), str) and "discriminator" not in schema:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _discriminated(
    discriminator: dict[str, Any], branches: list[Any], originals: list[Any], rest: dict[str, Any]
) -> dict[str, Any]:
    prop = discriminator["propertyName"]
    values = list(discriminator["mapping"])
    tags = _branch_tags(prop, values, originals)
    out = {**rest, "type": "object", "required": [prop], "properties": {prop: {"enum": values}}}
    if tags is None:
        out["anyOf"] = branches
    else:
        out["allOf"] = [
            {"if": {"properties": {prop: {"const": tag}}}, "then": branch}
            for tag, branch in zip(tags, branches, strict=True)
        ]
    return out


def _branch_tags(prop: str, values: list[str], branches: list[dict[str, Any]]) -> list[str] | None:
    """Each branch's discriminator value: from its enum/default, its "Must be 'x'" text, or its fields."""
    tags: list[str | None] = []
    for branch in branches:
        spec = branch.get("properties", {}).get(prop, {})
        said = re.search(r"Must be '([^']+)'", spec.get("description", ""))
        candidates = [
            *(spec.get("enum") or []),
            spec.get("default"),
            said.group(1) if said else None,
            *(name for name in branch.get("required", []) if name != prop),
        ]
        tags.append(next((value for value in candidates if value in values), None))
    left = [value for value in values if value not in tags]
    if tags.count(None) == 1 and len(left) == 1:
        tags[tags.index(None)] = left[0]
    return None if None in tags or len(set(tags)) != len(tags) else tags  # type: ignore[return-value]


def _param(path: Any) -> str | None:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or None


def _join(prefix: str | None, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _as_api_error(error: ValidationError) -> ApiError:
    param = _param(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = next(name for name in error.validator_value if name not in error.instance)
        name = _join(param, missing)
        return invalid_parameter(name, f"{name} is required")
    label = param or "request body"
    if error.validator == "enum":
        allowed = ", ".join(str(value) for value in error.validator_value if value is not None)
        return invalid_parameter(param, f"{label} must be one of: {allowed}")
    if error.validator == "type":
        return invalid_parameter(param, f"{label} must be of type {error.validator_value}")
    return invalid_parameter(param, f"{label}: {error.message}")


# --- documented limits -----------------------------------------------------------------------------------


def _require(condition: bool, param: str, message: str) -> None:
    if not condition:
        raise invalid_parameter(param, message)


def _in_range(body: Mapping[str, Any], name: str, low: float, high: float, prefix: str | None = None) -> None:
    value = body.get(name)
    if value is not None:
        param = _join(prefix, name)
        _require(low <= value <= high, param, f"{param} must be between {low} and {high}")


def _voice_settings(body: Mapping[str, Any], prefix: str | None) -> None:
    settings = body.get("voice_settings") or {}
    where = _join(prefix, "voice_settings")
    _in_range(settings, "speed", 0.5, 1.5, where)
    _in_range(settings, "pitch", -50, 50, where)
    _in_range(settings, "volume", 0, 1, where)


def _speech(body: Mapping[str, Any], prefix: str | None, *, voice_required: bool, optional: bool = False) -> None:
    """Script/audio rules shared by avatar and image videos and by studio scenes."""
    script = body.get("script")
    has_audio = bool(body.get("audio_url") or body.get("audio_asset_id"))
    param = _join(prefix, "script")
    if script is not None:
        _require(len(script) <= MAX_SCRIPT_CHARS, param, f"{param} must be at most {MAX_SCRIPT_CHARS} characters")
        _require(bool(script.strip()), param, f"{param} must not be empty")
        _require(not has_audio, param, f"{param} cannot be combined with audio_url or audio_asset_id")
        if voice_required:
            voice = _join(prefix, "voice_id")
            _require(bool(body.get("voice_id")), voice, f"{voice} is required with {param}")
    elif not optional:
        _require(has_audio, param, f"one of {param}, audio_url or audio_asset_id is required")
    _require(
        not (body.get("audio_url") and body.get("audio_asset_id")),
        _join(prefix, "audio_url"),
        "audio_url and audio_asset_id are mutually exclusive",
    )
    _voice_settings(body, prefix)


def _create_video(body: dict[str, Any]) -> None:
    kind = body["type"]
    if kind in ("avatar", "image"):
        _speech(body, None, voice_required=kind == "image")
        _require(
            not (body.get("output_format") == "webm" and body.get("background")),
            "background",
            "background cannot be set when output_format is webm (the background is removed)",
        )
        _in_range(body.get("watermark") or {}, "opacity", 0, 1, "watermark")
    elif kind == "cinematic_avatar":
        _require(bool(body["prompt"].strip()), "prompt", "prompt must not be empty")
        avatars = body["avatar_id"]
        _require(
            1 <= len(avatars) <= MAX_CINEMATIC_AVATARS,
            "avatar_id",
            "avatar_id must list 1 to 3 avatar look ids",
        )
        if body.get("duration") is not None:
            _require(not body.get("auto_duration"), "duration", "omit duration when auto_duration is true")
            _in_range(body, "duration", *CINEMATIC_SECONDS)
        ratio = body.get("aspect_ratio", "16:9")
        _require(
            ratio in CINEMATIC_ASPECT_RATIOS,
            "aspect_ratio",
            f"aspect_ratio for cinematic_avatar must be one of: {', '.join(CINEMATIC_ASPECT_RATIOS)}",
        )
    elif kind == "studio":
        scenes = body["scenes"]
        _require(1 <= len(scenes) <= MAX_SCENES, "scenes", f"scenes must contain 1 to {MAX_SCENES} scenes")
        for index, scene in enumerate(scenes):
            _studio_scene(scene, f"scenes[{index}]")
        _in_range(body.get("watermark") or {}, "opacity", 0, 1, "watermark")


def _studio_scene(scene: dict[str, Any], prefix: str) -> None:
    if scene["type"] == "avatar_video":
        # The schema: voice_id is "required when script is provided, unless avatar_id is set".
        _speech(scene["input"], f"{prefix}.input", voice_required=scene["input"]["type"] == "image")
    elif scene["type"] == "image":
        duration = scene.get("duration")
        narrated = any(scene.get(name) for name in ("script", "audio_url", "audio_asset_id"))
        param = f"{prefix}.duration"
        if duration is not None:
            _require(not narrated, param, f"{param} cannot be combined with an audio source")
            _require(
                0 < duration <= MAX_IMAGE_SCENE_SECONDS,
                param,
                f"{param} must be greater than 0 and at most {MAX_IMAGE_SCENE_SECONDS}",
            )
        else:
            _require(narrated, param, f"{param} or an audio source (script, audio_url, audio_asset_id) is required")
            _speech(scene, prefix, voice_required=True)
    elif scene["type"] == "video":
        _in_range(scene.get("playback") or {}, "volume", 0, 1, f"{prefix}.playback")


def _agent_message(field: str) -> Check:
    def check(body: dict[str, Any]) -> None:
        text = body[field]
        _require(
            1 <= len(text) <= MAX_PROMPT_CHARS,
            field,
            f"{field} must be between 1 and {MAX_PROMPT_CHARS} characters",
        )
        files = body.get("files") or []
        _require(len(files) <= MAX_AGENT_FILES, "files", f"files must contain at most {MAX_AGENT_FILES} files")

    return check


def _output_languages(body: dict[str, Any]) -> None:
    languages = body["output_languages"]
    _require(bool(languages), "output_languages", "output_languages must contain at least one language")
    for language in languages:
        _require(
            language in TRANSLATION_LANGUAGES,
            "output_languages",
            f"unsupported output language {language!r}; see GET /v3/video-translations/languages",
        )
    _require(len(set(languages)) == len(languages), "output_languages", "output_languages has duplicates")


def _time_window(body: dict[str, Any]) -> None:
    _in_range(body, "start_time", 0, float("inf"))
    _in_range(body, "end_time", 0, float("inf"))
    start, end = body.get("start_time"), body.get("end_time")
    _require(start is None or end is None or start < end, "end_time", "end_time must be after start_time")


register_check("POST", "/v3/videos", _create_video)
register_check("POST", "/v3/video-agents", _agent_message("prompt"))
register_check("POST", "/v3/video-agents/{session_id}", _agent_message("message"))
register_check("POST", "/v3/video-translations", _output_languages)
register_check("POST", "/v3/video-translations", _time_window)
register_check("POST", "/v3/video-translations/proofreads", _output_languages)
register_check("POST", "/v3/lipsyncs", _time_window)
