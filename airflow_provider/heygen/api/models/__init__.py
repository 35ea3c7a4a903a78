"""Pydantic models of HeyGen's v3 API: strict request bodies with the documented limits, tolerant responses.

Validate a body with ``Model.parse(data)`` (``parse_video_request(data)`` or ``parse_avatar_request(data)``
for the unions) and send ``model.to_body()``. A broken limit raises ``InvalidRequestError``, which names the
field and the limit, before any HTTP call.

The submodules are imported on the first use of one of their names (PEP 562), so that a DAG file that only
builds operators does not pay for building every model class each time the dag-processor parses it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider.heygen.api.models._base import RequestModel, ResponseModel, parse_request
    from airflow_provider.heygen.api.models.assets import (
        ASSET_EXTENSION_TYPES,
        ASSET_MAX_BYTES,
        ASSET_MIME_TYPES,
        Asset,
        AssetBase64,
        AssetDetail,
        AssetId,
        AssetInput,
        AssetUrl,
        DirectUpload,
        DirectUploadRequest,
        UrlOrAssetId,
        check_upload,
    )
    from airflow_provider.heygen.api.models.avatar import (
        AvatarCreated,
        AvatarCreateRequest,
        AvatarError,
        AvatarGroup,
        AvatarLook,
        DigitalTwinAvatarRequest,
        PhotoAvatarRequest,
        PromptAvatarRequest,
        parse_avatar_request,
    )
    from airflow_provider.heygen.api.models.lipsync import Lipsync, LipsyncCreated, LipsyncRequest
    from airflow_provider.heygen.api.models.proofread import (
        Proofread,
        ProofreadGenerated,
        ProofreadGenerateRequest,
        ProofreadRequest,
        ProofreadsCreated,
        ProofreadSrt,
        ProofreadSrtUpdate,
    )
    from airflow_provider.heygen.api.models.speech import SPEECH_MAX_CHARS, Speech, SpeechRequest, WordTimestamp
    from airflow_provider.heygen.api.models.user import (
        AutoReload,
        CreditBalance,
        Subscription,
        SubscriptionCredits,
        UsageBased,
        User,
        Wallet,
    )
    from airflow_provider.heygen.api.models.video import (
        CINEMATIC_MAX_IMAGES,
        CINEMATIC_MAX_VIDEOS,
        SCRIPT_MAX_CHARS,
        STUDIO_MAX_SCENES,
        AspectRatio,
        AvatarIIIEngine,
        AvatarIVEngine,
        AvatarVEngine,
        AvatarVideoRequest,
        AvatarVideoScene,
        Background,
        Caption,
        CinematicAvatarVideoRequest,
        ElevenLabsSettings,
        FishSettings,
        ImageScene,
        ImageVideoRequest,
        Resolution,
        Scene,
        StarfishSettings,
        StudioAvatarInput,
        StudioColorBackground,
        StudioImageInput,
        StudioInput,
        StudioVideoRequest,
        Video,
        VideoCreated,
        VideoCreateRequest,
        VideoEngine,
        VideoPlayback,
        VideoScene,
        VideoStatusItem,
        VoiceEngineSettings,
        VoiceSettings,
        Watermark,
        WatermarkPlacement,
        parse_video_request,
    )
    from airflow_provider.heygen.api.models.video_agent import (
        AGENT_FILE_MIME_TYPES,
        AGENT_MAX_FILES,
        AGENT_PROMPT_MAX_CHARS,
        VideoAgentMessage,
        VideoAgentRequest,
        VideoAgentSession,
        VideoAgentStyle,
    )
    from airflow_provider.heygen.api.models.video_translation import (
        OutputLanguages,
        StockVoiceConfig,
        TranslationMode,
        VideoTranslation,
        VideoTranslationRequest,
        VideoTranslationsCreated,
    )
    from airflow_provider.heygen.api.models.voice import Voice, VoiceDetail
    from airflow_provider.heygen.api.models.webhook import (
        WEBHOOK_EVENT_NAMES,
        WebhookEndpoint,
        WebhookEndpointRequest,
        WebhookEndpointUpdate,
        WebhookEvent,
        WebhookEventName,
        WebhookEventType,
    )

__all__ = [
    "AGENT_FILE_MIME_TYPES",
    "AGENT_MAX_FILES",
    "AGENT_PROMPT_MAX_CHARS",
    "ASSET_EXTENSION_TYPES",
    "ASSET_MAX_BYTES",
    "ASSET_MIME_TYPES",
    "CINEMATIC_MAX_IMAGES",
    "CINEMATIC_MAX_VIDEOS",
    "SCRIPT_MAX_CHARS",
    "SPEECH_MAX_CHARS",
    "STUDIO_MAX_SCENES",
    "WEBHOOK_EVENT_NAMES",
    "AspectRatio",
    "Asset",
    "AssetBase64",
    "AssetDetail",
    "AssetId",
    "AssetInput",
    "AssetUrl",
    "AutoReload",
    "AvatarCreateRequest",
    "AvatarCreated",
    "AvatarError",
    "AvatarGroup",
    "AvatarIIIEngine",
    "AvatarIVEngine",
    "AvatarLook",
    "AvatarVEngine",
    "AvatarVideoRequest",
    "AvatarVideoScene",
    "Background",
    "Caption",
    "CinematicAvatarVideoRequest",
    "CreditBalance",
    "DigitalTwinAvatarRequest",
    "DirectUpload",
    "DirectUploadRequest",
    "ElevenLabsSettings",
    "FishSettings",
    "ImageScene",
    "ImageVideoRequest",
    "Lipsync",
    "LipsyncCreated",
    "LipsyncRequest",
    "OutputLanguages",
    "PhotoAvatarRequest",
    "PromptAvatarRequest",
    "Proofread",
    "ProofreadGenerateRequest",
    "ProofreadGenerated",
    "ProofreadRequest",
    "ProofreadSrt",
    "ProofreadSrtUpdate",
    "ProofreadsCreated",
    "RequestModel",
    "Resolution",
    "ResponseModel",
    "Scene",
    "Speech",
    "SpeechRequest",
    "StarfishSettings",
    "StockVoiceConfig",
    "StudioAvatarInput",
    "StudioColorBackground",
    "StudioImageInput",
    "StudioInput",
    "StudioVideoRequest",
    "Subscription",
    "SubscriptionCredits",
    "TranslationMode",
    "UrlOrAssetId",
    "UsageBased",
    "User",
    "Video",
    "VideoAgentMessage",
    "VideoAgentRequest",
    "VideoAgentSession",
    "VideoAgentStyle",
    "VideoCreateRequest",
    "VideoCreated",
    "VideoEngine",
    "VideoPlayback",
    "VideoScene",
    "VideoStatusItem",
    "VideoTranslation",
    "VideoTranslationRequest",
    "VideoTranslationsCreated",
    "Voice",
    "VoiceDetail",
    "VoiceEngineSettings",
    "VoiceSettings",
    "Wallet",
    "Watermark",
    "WatermarkPlacement",
    "WebhookEndpoint",
    "WebhookEndpointRequest",
    "WebhookEndpointUpdate",
    "WebhookEvent",
    "WebhookEventName",
    "WebhookEventType",
    "WordTimestamp",
    "check_upload",
    "parse_avatar_request",
    "parse_request",
    "parse_video_request",
]

_SUBMODULES = (
    "_base",
    "assets",
    "avatar",
    "lipsync",
    "proofread",
    "speech",
    "user",
    "video",
    "video_agent",
    "video_translation",
    "voice",
    "webhook",
)


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name``, on first use."""
    if name in __all__:
        for submodule in _SUBMODULES:
            module = importlib.import_module(f"{__name__}.{submodule}")
            if hasattr(module, name):
                value = getattr(module, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
