"""The models against HeyGen's published schemas: bodies validate, fields and enums match, responses parse."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from airflow_provider.heygen.api import models as m
from tests.api.examples import (
    AGENT,
    AVATAR_AUDIO,
    AVATAR_FULL,
    CINEMATIC,
    HTTPS,
    IMAGE_VIDEO,
    LIPSYNC,
    PROOFREAD,
    SPEECH,
    STUDIO,
    TRANSLATION,
)
from tests.contract.schemas import find_operation, request_errors, response_errors

Parse = Callable[[Mapping[str, Any]], m.RequestModel]

REQUEST_EXAMPLES = [
    pytest.param(m.parse_video_request, AVATAR_FULL, "POST", "/v3/videos", id="video-avatar-script"),
    pytest.param(m.parse_video_request, AVATAR_AUDIO, "POST", "/v3/videos", id="video-avatar-audio-webm"),
    pytest.param(m.parse_video_request, IMAGE_VIDEO, "POST", "/v3/videos", id="video-image"),
    pytest.param(m.parse_video_request, CINEMATIC, "POST", "/v3/videos", id="video-cinematic"),
    pytest.param(m.parse_video_request, STUDIO, "POST", "/v3/videos", id="video-studio"),
    pytest.param(m.VideoAgentRequest.parse, AGENT, "POST", "/v3/video-agents", id="agent-with-files"),
    pytest.param(
        m.VideoAgentMessageRequest.parse,
        {"message": "Shorter, please", "files": AGENT["files"], "voice_id": "v", "avatar_id": "a", "brand_kit_id": "b"},
        "POST",
        "/v3/video-agents/s_1",
        id="agent-message",
    ),
    pytest.param(m.VideoTranslationRequest.parse, TRANSLATION, "POST", "/v3/video-translations", id="translation"),
    pytest.param(
        m.ProofreadRequest.parse,
        PROOFREAD,
        "POST",
        "/v3/video-translations/proofreads",
        id="proofread-create",
    ),
    pytest.param(
        m.ProofreadGenerateRequest.parse,
        {
            "captions": True,
            "translate_audio_only": False,
            "callback_url": "https://hooks.example.com/p",
            "callback_id": "p",
        },
        "POST",
        "/v3/video-translations/proofreads/pr_1/generate",
        id="proofread-generate",
    ),
    pytest.param(
        m.ProofreadSrtUpdate.parse,
        {"srt": {"type": "url", "url": f"{HTTPS}/edited.srt"}},
        "PUT",
        "/v3/video-translations/proofreads/pr_1/srt",
        id="proofread-srt-put",
    ),
    pytest.param(m.LipsyncRequest.parse, LIPSYNC, "POST", "/v3/lipsyncs", id="lipsync"),
    pytest.param(m.SpeechRequest.parse, SPEECH, "POST", "/v3/voices/speech", id="speech"),
    pytest.param(
        m.parse_avatar_request,
        {
            "type": "photo",
            "name": "Ada",
            "file": {"type": "url", "url": f"{HTTPS}/ada.jpg"},
            "avatar_group_id": "g_1",
        },
        "POST",
        "/v3/avatars",
        id="avatar-photo",
    ),
    pytest.param(
        m.parse_avatar_request,
        {
            "type": "digital_twin",
            "name": "Ada on stage",
            "file": {"type": "asset_id", "asset_id": "ast_footage"},
        },
        "POST",
        "/v3/avatars",
        id="avatar-digital-twin",
    ),
    pytest.param(
        m.parse_avatar_request,
        {
            "type": "prompt",
            "name": "Captain Nova",
            "prompt": "A cheerful astronaut in a white suit, studio lighting",
            "reference_images": [
                {"type": "url", "url": f"{HTTPS}/suit.png"},
                {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQSkZJRg=="},
            ],
            "avatar_id": "look_base",
            "avatar_group_id": "g_nova",
        },
        "POST",
        "/v3/avatars",
        id="avatar-prompt",
    ),
    pytest.param(
        m.WebhookEndpointRequest.parse,
        {
            "url": "https://hooks.example.com/heygen",
            "events": ["avatar_video.success", "avatar_video.fail", "video_translate.success"],
            "entity_id": "proj_1",
        },
        "POST",
        "/v3/webhooks/endpoints",
        id="webhook-create",
    ),
    pytest.param(
        m.WebhookEndpointUpdate.parse,
        {"url": "https://hooks.example.com/heygen/v2", "events": ["batch.finished"]},
        "PATCH",
        "/v3/webhooks/endpoints/ep_1",
        id="webhook-update",
    ),
    pytest.param(
        m.DirectUploadRequest.parse,
        {
            "filename": "keynote.mp4",
            "content_type": "video/mp4",
            "size_bytes": 734_003_200,
            "checksum_sha256": "ab" * 32,
        },
        "POST",
        "/v3/assets/direct-uploads",
        id="direct-upload",
    ),
]


@pytest.mark.parametrize(("parse", "data", "method", "path"), REQUEST_EXAMPLES)
def test_body_of_a_realistic_request_validates_against_heygens_schema(
    parse: Parse, data: dict[str, Any], method: str, path: str
) -> None:
    body = parse(data).to_body()
    assert request_errors(method, path, body) == []
    assert body == data  # to_body sends exactly what was given, with HeyGen's field names


def test_schema_check_catches_a_broken_body() -> None:
    """The contract check is not vacuous: a body HeyGen's schema rejects does produce errors."""
    assert request_errors("POST", "/v3/voices/speech", {"text": "x", "speed": "fast"}) != []


# --- request models match the schemas field by field -------------------------------------------------

# The schema lists all six ratios for cinematic avatars, but its own description (and the prose) allow three.
NARROWER_ENUMS = {("CinematicAvatarVideoRequest", "aspect_ratio")}
# Plain strings in the schema whose values its description lists; validated as enums here.
EXTRA_ENUMS = {("LipsyncRequest", "fps_mode"), ("SpeechRequest", "input_type")}


def flatten(annotation: Any) -> list[Any]:
    """The member types of an annotation, without Annotated, None, unions and list."""
    origin = get_origin(annotation)
    if origin is Annotated or origin is list:
        return flatten(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [member for arg in get_args(annotation) for member in flatten(arg)]
    return [] if annotation is type(None) else [annotation]


def nested_models(annotation: Any, base: type[BaseModel]) -> list[type[BaseModel]]:
    return [t for t in flatten(annotation) if isinstance(t, type) and issubclass(t, base)]


def literal_values(annotation: Any) -> set[Any]:
    return {value for t in flatten(annotation) if get_origin(t) is Literal for value in get_args(t)}


def tag_of(model: type[BaseModel], discriminator: str) -> Any:
    return model.model_fields[discriminator].default


def is_tag_field(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields[name]
    return len(literal_values(field.annotation)) == 1 and not field.is_required()


def schema_of_members(
    models: list[type[BaseModel]], schema: dict[str, Any], where: str, problems: list[str]
) -> list[tuple[type[BaseModel], dict[str, Any]]]:
    """Pair each union member with its schema variant: by the tag in the variant's text, else by fields."""
    entries = schema.get("oneOf", [schema])
    discriminator = schema.get("discriminator", {}).get("propertyName")
    if len(entries) != len(models):
        problems.append(f"{where}: {len(models)} model(s) for {len(entries)} schema variant(s)")
    if discriminator and {tag_of(mm, discriminator) for mm in models} != set(schema["discriminator"]["mapping"]):
        problems.append(f"{where}: tags differ from {sorted(schema['discriminator']['mapping'])}")
    pairs = []
    for model in models:
        tag = tag_of(model, discriminator) if discriminator else None
        by_tag = [e for e in entries if f"'{tag}'" in e["properties"].get(discriminator, {}).get("description", "")]
        by_fields = [e for e in entries if set(e.get("properties", {})) == set(model.model_fields)]
        found = by_tag if len(by_tag) == 1 else by_fields
        if len(found) == 1:
            pairs.append((model, found[0]))
        else:
            problems.append(f"{where}: no single schema variant for {model.__name__}")
    return pairs


def compare_request(model: type[BaseModel], schema: dict[str, Any], where: str, problems: list[str]) -> None:
    props: dict[str, Any] = schema.get("properties", {})
    fields = model.model_fields
    if set(fields) != set(props):
        only_model, only_schema = sorted(set(fields) - set(props)), sorted(set(props) - set(fields))
        problems.append(f"{where}: only in model {only_model}, only in schema {only_schema}")
    required = {name for name, field in fields.items() if field.is_required()}
    schema_required = {
        name for name in schema.get("required", []) if not (name in fields and is_tag_field(model, name))
    }
    if required != schema_required:
        problems.append(f"{where}: required {sorted(required)}, schema requires {sorted(schema_required)}")
    for name in sorted(set(fields) & set(props)):
        prop = props[name]
        item = prop.get("items", prop) if prop.get("type") == "array" else prop
        literals, enum = literal_values(fields[name].annotation), set(item.get("enum") or [])
        key = (model.__name__, name)
        if enum and key in NARROWER_ENUMS:
            if not literals < enum:
                problems.append(f"{where}.{name}: {sorted(literals)} is not a narrowing of {sorted(enum)}")
        elif enum and literals != enum:
            problems.append(f"{where}.{name}: enum {sorted(literals)}, schema {sorted(enum)}")
        elif not enum and literals and not is_tag_field(model, name) and key not in EXTRA_ENUMS:
            problems.append(f"{where}.{name}: enum {sorted(literals)} where the schema has none")
        members = nested_models(fields[name].annotation, m.RequestModel)
        if members:
            for member, entry in schema_of_members(members, item, f"{where}.{name}", problems):
                compare_request(member, entry, f"{where}.{name}<{member.__name__}>", problems)


REQUEST_OPERATIONS = [
    pytest.param(m.VideoCreateRequest, "POST", "/v3/videos", id="videos"),
    pytest.param(m.VideoAgentRequest, "POST", "/v3/video-agents", id="video-agents"),
    pytest.param(m.VideoAgentMessageRequest, "POST", "/v3/video-agents/s_1", id="video-agent-message"),
    pytest.param(m.VideoTranslationRequest, "POST", "/v3/video-translations", id="video-translations"),
    pytest.param(m.ProofreadRequest, "POST", "/v3/video-translations/proofreads", id="proofreads"),
    pytest.param(
        m.ProofreadGenerateRequest,
        "POST",
        "/v3/video-translations/proofreads/pr_1/generate",
        id="proofread-generate",
    ),
    pytest.param(m.ProofreadSrtUpdate, "PUT", "/v3/video-translations/proofreads/pr_1/srt", id="proofread-srt"),
    pytest.param(m.LipsyncRequest, "POST", "/v3/lipsyncs", id="lipsyncs"),
    pytest.param(m.SpeechRequest, "POST", "/v3/voices/speech", id="speech"),
    pytest.param(m.AvatarCreateRequest, "POST", "/v3/avatars", id="avatars"),
    pytest.param(m.WebhookEndpointRequest, "POST", "/v3/webhooks/endpoints", id="webhook-create"),
    pytest.param(m.WebhookEndpointUpdate, "PATCH", "/v3/webhooks/endpoints/ep_1", id="webhook-update"),
    pytest.param(m.DirectUploadRequest, "POST", "/v3/assets/direct-uploads", id="direct-upload"),
]


@pytest.mark.parametrize(("target", "method", "path"), REQUEST_OPERATIONS)
def test_request_model_has_the_schemas_fields_required_fields_and_enums(target: Any, method: str, path: str) -> None:
    schema = find_operation(method, path)["request_schema"]
    problems: list[str] = []
    for model, entry in schema_of_members(nested_models(target, m.RequestModel), schema, path, problems):
        compare_request(model, entry, model.__name__, problems)
    assert problems == []


# --- responses ---------------------------------------------------------------------------------------


def example_of(schema: dict[str, Any]) -> Any:
    """A value with every property the schema lists (first enum value, first variant, one item per array)."""
    if "oneOf" in schema:
        return example_of(schema["oneOf"][0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "array":
        return [example_of(schema.get("items", {}))]
    scalars: dict[str, Any] = {"string": "text", "integer": 7, "number": 2.5, "boolean": True}
    if kind in scalars:
        return scalars[kind]
    return {name: example_of(prop) for name, prop in schema.get("properties", {}).items()}


def resource_schema(method: str, path: str) -> dict[str, Any]:
    data = find_operation(method, path)["response_schema"]["properties"]["data"]
    return data["items"] if data.get("type") == "array" else data


def compare_response(model: type[BaseModel], schema: dict[str, Any], where: str, problems: list[str]) -> None:
    props: dict[str, Any] = schema.get("properties", {})
    fields = model.model_fields
    if missing := set(props) - set(fields):
        problems.append(f"{where}: schema fields not modelled {sorted(missing)}")
    required = {name for name, field in fields.items() if field.is_required()}
    if too_strict := required - set(schema.get("required", [])):
        problems.append(f"{where}: required here but optional in the schema {sorted(too_strict)}")
    for name in sorted(set(fields) & set(props)):
        prop = props[name]
        item = prop.get("items", prop) if prop.get("type") == "array" else prop
        for member in nested_models(fields[name].annotation, m.ResponseModel):
            compare_response(member, item, f"{where}.{name}", problems)


def project(dumped: Any, example: Any) -> Any:
    """``dumped`` limited to the keys ``example`` has, recursively."""
    if isinstance(example, dict) and isinstance(dumped, dict):
        return {key: project(dumped.get(key), value) for key, value in example.items()}
    if isinstance(example, list) and isinstance(dumped, list):
        return [project(d, e) for d, e in zip(dumped, example, strict=True)]
    return dumped


RESPONSE_OPERATIONS = [
    pytest.param(m.VideoCreated, "POST", "/v3/videos", id="video-created"),
    pytest.param(m.Video, "GET", "/v3/videos/v_1", id="video"),
    pytest.param(m.Video, "GET", "/v3/videos", id="video-list"),
    pytest.param(m.Video, "GET", "/v3/video-agents/s_1/videos", id="agent-videos"),
    pytest.param(m.VideoStatusItem, "GET", "/v3/videos/statuses", id="video-statuses"),
    pytest.param(m.VideoStatusItem, "GET", "/v3/video-translations/statuses", id="translation-statuses"),
    pytest.param(m.VideoStatusItem, "GET", "/v3/lipsyncs/statuses", id="lipsync-statuses"),
    pytest.param(m.VideoAgentSession, "POST", "/v3/video-agents", id="agent-created"),
    pytest.param(m.VideoAgentSession, "GET", "/v3/video-agents/s_1", id="agent-session"),
    pytest.param(m.VideoAgentRun, "POST", "/v3/video-agents/s_1", id="agent-message-sent"),
    pytest.param(m.VideoAgentStyle, "GET", "/v3/video-agents/styles", id="agent-styles"),
    pytest.param(m.Asset, "POST", "/v3/assets", id="asset-uploaded"),
    pytest.param(m.Asset, "POST", "/v3/assets/ast_1/complete", id="asset-completed"),
    pytest.param(m.AssetDetail, "GET", "/v3/assets/ast_1", id="asset-detail"),
    pytest.param(m.AssetDetail, "GET", "/v3/assets", id="asset-list"),
    pytest.param(m.DirectUpload, "POST", "/v3/assets/direct-uploads", id="direct-upload"),
    pytest.param(m.VideoTranslationsCreated, "POST", "/v3/video-translations", id="translations-created"),
    pytest.param(m.VideoTranslation, "GET", "/v3/video-translations/vt_1", id="translation"),
    pytest.param(m.VideoTranslation, "GET", "/v3/video-translations", id="translation-list"),
    pytest.param(m.ProofreadsCreated, "POST", "/v3/video-translations/proofreads", id="proofreads-created"),
    pytest.param(m.Proofread, "GET", "/v3/video-translations/proofreads/pr_1", id="proofread"),
    pytest.param(m.Proofread, "PUT", "/v3/video-translations/proofreads/pr_1/srt", id="proofread-srt-put"),
    pytest.param(m.ProofreadSrt, "GET", "/v3/video-translations/proofreads/pr_1/srt", id="proofread-srt"),
    pytest.param(m.ProofreadGenerated, "POST", "/v3/video-translations/proofreads/pr_1/generate", id="generated"),
    pytest.param(m.LipsyncCreated, "POST", "/v3/lipsyncs", id="lipsync-created"),
    pytest.param(m.Lipsync, "GET", "/v3/lipsyncs/ls_1", id="lipsync"),
    pytest.param(m.Lipsync, "GET", "/v3/lipsyncs", id="lipsync-list"),
    pytest.param(m.Speech, "POST", "/v3/voices/speech", id="speech"),
    pytest.param(m.Voice, "GET", "/v3/voices", id="voice-list"),
    pytest.param(m.VoiceDetail, "GET", "/v3/voices/vc_1", id="voice"),
    pytest.param(m.AvatarCreated, "POST", "/v3/avatars", id="avatar-created"),
    pytest.param(m.AvatarGroup, "GET", "/v3/avatars/g_1", id="avatar-group"),
    pytest.param(m.AvatarGroup, "GET", "/v3/avatars", id="avatar-groups"),
    pytest.param(m.AvatarLook, "GET", "/v3/avatars/looks/l_1", id="avatar-look"),
    pytest.param(m.AvatarLook, "GET", "/v3/avatars/looks", id="avatar-looks"),
    pytest.param(m.User, "GET", "/v3/users/me", id="user"),
    pytest.param(m.WebhookEndpoint, "POST", "/v3/webhooks/endpoints", id="webhook-created"),
    pytest.param(m.WebhookEndpoint, "PATCH", "/v3/webhooks/endpoints/ep_1", id="webhook-updated"),
    pytest.param(m.WebhookEndpoint, "GET", "/v3/webhooks/endpoints", id="webhook-list"),
    pytest.param(m.WebhookEndpoint, "POST", "/v3/webhooks/endpoints/ep_1/rotate-secret", id="webhook-rotated"),
    pytest.param(m.WebhookEventType, "GET", "/v3/webhooks/event-types", id="webhook-event-types"),
    pytest.param(m.WebhookEvent, "GET", "/v3/webhooks/events", id="webhook-events"),
]


@pytest.mark.parametrize(("model", "method", "path"), RESPONSE_OPERATIONS)
def test_response_model_covers_every_schema_field_and_requires_no_optional_one(
    model: type[BaseModel], method: str, path: str
) -> None:
    problems: list[str] = []
    compare_response(model, resource_schema(method, path), model.__name__, problems)
    assert problems == []


@pytest.mark.parametrize(("model", "method", "path"), RESPONSE_OPERATIONS)
def test_response_built_from_the_schema_parses_with_every_value_kept(
    model: type[BaseModel], method: str, path: str
) -> None:
    envelope = example_of(find_operation(method, path)["response_schema"])
    assert response_errors(method, path, envelope) == []
    resource = envelope["data"][0] if isinstance(envelope["data"], list) else envelope["data"]
    parsed = model.model_validate(resource)
    assert project(parsed.model_dump(mode="json"), resource) == resource


def test_realistic_completed_video_parses() -> None:
    envelope = {
        "data": {
            "id": "v_7f3c2a",
            "status": "completed",
            "title": "Q3 update",
            "created_at": 1711929600,
            "completed_at": 1711930200,
            "duration": 30.5,
            "video_url": "https://files.heygen.ai/video/v_7f3c2a.mp4?Expires=1711933800&Signature=abc",
            "thumbnail_url": "https://files.heygen.ai/thumb/v_7f3c2a.jpg",
            "gif_url": None,
            "captioned_video_url": None,
            "subtitle_url": "https://files.heygen.ai/srt/v_7f3c2a.srt",
            "folder_id": None,
            "output_language": None,
            "failure_code": None,
            "failure_message": None,
            "video_page_url": "https://app.heygen.com/video/v_7f3c2a",
        }
    }
    assert response_errors("GET", "/v3/videos/v_7f3c2a", envelope) == []
    video = m.Video.model_validate(envelope["data"])
    assert (video.status, video.duration, video.completed_at) == ("completed", 30.5, 1711930200)
    assert video.video_url == envelope["data"]["video_url"]


def test_realistic_failed_video_keeps_the_failure() -> None:
    data = {
        "id": "v_9",
        "status": "failed",
        "failure_code": "download_failed",
        "failure_message": "403 on image",
    }
    assert response_errors("GET", "/v3/videos/v_9", {"data": data}) == []
    video = m.Video.model_validate(data)
    assert (video.failure_code, video.failure_message, video.video_url) == (
        "download_failed",
        "403 on image",
        None,
    )


def test_realistic_agent_session_parses_with_messages() -> None:
    data = {
        "session_id": "sess_81ab",
        "status": "waiting_for_input",
        "progress": 40,
        "title": "Pricing explainer",
        "video_id": None,
        "created_at": 1711929600,
        "messages": [
            {
                "role": "model",
                "type": "text",
                "content": "Which voice do you prefer?",
                "created_at": 1711929700,
            },
            {
                "role": "user",
                "type": "resource",
                "content": "Draft",
                "resource_ids": ["res_1"],
                "created_at": 1711929650,
            },
        ],
    }
    assert response_errors("GET", "/v3/video-agents/sess_81ab", {"data": data}) == []
    session = m.VideoAgentSession.model_validate(data)
    assert session.messages is not None
    assert [(msg.role, msg.type) for msg in session.messages] == [("model", "text"), ("user", "resource")]
    assert session.messages[1].resource_ids == ["res_1"]


def test_realistic_translation_and_its_creation_parse() -> None:
    created = {"video_translation_ids": ["vt_es_01", "vt_fr_02"]}
    running = {
        "id": "vt_es_01",
        "status": "running",
        "title": "Launch (ES)",
        "input_language": "English",
        "output_language": "Spanish (Spain)",
        "duration": None,
        "created_at": 1711929600,
        "callback_id": "run-42",
        "translate_audio_only": False,
        "video_url": None,
        "audio_url": None,
        "srt_caption_url": None,
        "vtt_caption_url": None,
        "failure_message": None,
    }
    assert response_errors("POST", "/v3/video-translations", {"data": created}) == []
    assert response_errors("GET", "/v3/video-translations/vt_es_01", {"data": running}) == []
    assert m.VideoTranslationsCreated.model_validate(created).video_translation_ids == [
        "vt_es_01",
        "vt_fr_02",
    ]
    assert m.VideoTranslation.model_validate(running).output_language == "Spanish (Spain)"


def test_realistic_speech_parses_with_word_timings() -> None:
    data = {
        "audio_url": "https://resource.heygen.ai/tts/abc.mp3",
        "duration": 3.42,
        "request_id": "tts_9f1",
        "word_timestamps": [
            {"word": "Hello", "start": 0.0, "end": 0.38},
            {"word": "world", "start": 0.4, "end": 0.9},
        ],
    }
    assert response_errors("POST", "/v3/voices/speech", {"data": data}) == []
    speech = m.Speech.model_validate(data)
    assert speech.word_timestamps is not None
    assert [(w.word, w.end) for w in speech.word_timestamps] == [("Hello", 0.38), ("world", 0.9)]


@pytest.mark.parametrize(
    ("data", "block"),
    [
        pytest.param(
            {
                "username": "ada",
                "email": "ada@example.com",
                "first_name": "Ada",
                "last_name": "L",
                "billing_type": "wallet",
                "wallet": {
                    "currency": "usd",
                    "remaining_balance": 42.5,
                    "auto_reload": {"enabled": True, "amount_usd": 50, "threshold_usd": 10},
                },
            },
            "wallet",
            id="wallet",
        ),
        pytest.param(
            {
                "username": "bo",
                "email": None,
                "first_name": None,
                "last_name": None,
                "billing_type": "subscription",
                "subscription": {
                    "plan": "creator",
                    "credits": {"premium_credits": {"remaining": 120, "resets_at": "2026-08-01T00:00:00Z"}},
                },
            },
            "subscription",
            id="subscription",
        ),
    ],
)
def test_realistic_user_parses_with_its_billing_block(data: dict[str, Any], block: str) -> None:
    assert response_errors("GET", "/v3/users/me", {"data": data}) == []
    user = m.User.model_validate(data)
    assert user.billing_type == block
    assert getattr(user, block) is not None
    assert project(user.model_dump(mode="json"), data) == data


def test_realistic_webhook_endpoint_and_event_parse() -> None:
    endpoint = {
        "endpoint_id": "ep_abc123",
        "url": "https://example.com/hooks/heygen",
        "events": ["avatar_video.success", "avatar_video.fail"],
        "status": "enabled",
        "created_at": "2026-03-25T12:00:00Z",
        "secret": "whsec_k7x9m2",
    }
    event = {
        "event_id": "evt_1",
        "event_type": "avatar_video.success",
        "event_data": {"video_id": "v_1", "url": "https://files.heygen.ai/v_1.mp4", "callback_id": "run-1"},
        "created_at": "2026-03-25T12:05:00Z",
    }
    assert response_errors("POST", "/v3/webhooks/endpoints", {"data": endpoint}) == []
    assert response_errors("GET", "/v3/webhooks/events", {"data": [event], "has_more": False, "next_token": None}) == []
    assert m.WebhookEndpoint.model_validate(endpoint).secret == "whsec_k7x9m2"
    assert m.WebhookEvent.model_validate(event).event_data == event["event_data"]
