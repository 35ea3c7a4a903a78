"""Voices: the items of GET /v3/voices and the detail of GET /v3/voices/{voice_id}."""

from airflow_provider.heygen.api.models._base import ResponseModel

__all__ = ["Voice", "VoiceDetail"]


class Voice(ResponseModel):
    """A voice in the list of GET /v3/voices."""

    voice_id: str
    """Voice id."""
    name: str | None = None
    """Display name."""
    language: str | None = None
    """Main language."""
    gender: str | None = None
    """Gender."""
    type: str | None = None
    """``public`` or ``private``."""
    support_pause: bool | None = None
    """Whether SSML breaks work."""
    support_locale: bool | None = None
    """Whether locale variants work."""
    preview_audio_url: str | None = None
    """Short audio preview."""


class VoiceDetail(ResponseModel):
    """One voice (GET /v3/voices/{voice_id}); ``status`` is set for cloned voices only."""

    voice_id: str
    """Voice id."""
    name: str | None = None
    """Display name."""
    language: str | None = None
    """Main language."""
    gender: str | None = None
    """Gender."""
    status: str | None = None
    """Clone status: ``processing``, ``complete`` (not ``completed``) or ``failed``."""
    support_pause: bool | None = None
    """Whether SSML breaks work."""
    support_interactive_avatar: bool | None = None
    """Whether interactive avatar streaming works."""
    preview_audio_url: str | None = None
    """Short audio preview (completed voices)."""
    created_at: int | None = None
    """Creation time, Unix seconds."""
    failure_message: str | None = None
    """Why cloning failed."""
