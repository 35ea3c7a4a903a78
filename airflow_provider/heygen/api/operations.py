"""Typed HeyGen operations, written once over ``request`` and ``paginate``.

Mixed into ``HeyGenClient`` (plain Python) and ``HeyGenHook`` (Airflow). Every create validates its request
model first, so a bad input raises ``InvalidRequestError`` before any HTTP call, and sends an
``Idempotency-Key`` (the caller's, or a fresh one that at least makes this call's own retries safe).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from pydantic import ValidationError

from . import models as m
from . import probe
from .errors import ConflictError, HeyGenError, InvalidRequestError, MalformedResponseError, PermissionDeniedError
from .jobs import JobStatus, job_kind, status_requests, statuses_from_responses
from .storage import SupportsOpen, iter_chunks, put_file

_R = TypeVar("_R", bound=m.ResponseModel)

log = logging.getLogger("airflow_provider.heygen.api")

#: Direct uploads started at most by one ``upload_asset_file`` call (each after storage refused the last).
DIRECT_UPLOAD_ROUNDS = 3


def _upload_type(filename: str, content_type: str | None) -> str:
    """The MIME type to declare for a direct upload: ``check_upload``'s type rule without its 32 MB rule."""
    return m.check_upload(filename, 0, content_type)


def _key(idempotency_key: str | None) -> str:
    return idempotency_key or f"heygen-{uuid.uuid4()}"


def _parse(model: type[_R], envelope: Mapping[str, Any], method: str, path: str) -> _R:
    """The envelope's ``data`` as ``model``; an answer missing required fields is a typed error."""
    try:
        return model.model_validate(envelope.get("data") or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise MalformedResponseError.of_answer(
            f"answer is not a {model.__name__}: {problems}", method=method, path=path
        ) from None


class HeyGenOperations:
    """The HeyGen v3 operations the provider uses, typed; anything else goes through ``request``."""

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    # --- helpers -----------------------------------------------------------------------------------

    def _get(self, path: str, model: type[_R], params: Mapping[str, Any] | None = None) -> _R:
        return _parse(model, self.request("GET", path, params=params), "GET", path)

    def _create(self, path: str, body: m.RequestModel, model: type[_R], idempotency_key: str | None) -> _R:
        envelope = self.request("POST", path, json=body.to_body(), idempotency_key=_key(idempotency_key))
        return _parse(model, envelope, "POST", path)

    def _create_job(self, kind: str, body: m.RequestModel, model: type[_R], idempotency_key: str | None) -> _R:
        return self._create(job_kind(kind).create_path, body, model, idempotency_key)

    def _get_job(self, kind: str, job_id: str, model: type[_R]) -> _R:
        return self._get(job_kind(kind).status_url_path(job_id), model)

    def _send(self, method: str, path: str, body: m.RequestModel, model: type[_R]) -> _R:
        return _parse(model, self.request(method, path, json=body.to_body()), method, path)

    def _data(self, path: str) -> Any:
        return self.request("GET", path).get("data")

    def _list(self, path: str, model: type[_R], filters: Mapping[str, Any]) -> Iterator[_R]:
        params = {name: value for name, value in filters.items() if value is not None}
        return (_parse(model, {"data": item}, "GET", path) for item in self.paginate(path, params))

    # --- account -----------------------------------------------------------------------------------

    def get_current_user(self) -> m.User:
        """The account behind the key, with its billing and remaining credits (not billed)."""
        return self._get("/v3/users/me", m.User)

    # --- videos ------------------------------------------------------------------------------------

    def create_video(
        self, request: m.VideoCreateRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.VideoCreated:
        """Start rendering a video (types avatar, image, studio, cinematic_avatar)."""
        body = m.parse_video_request(request)
        return self._create_job("video", body, m.VideoCreated, idempotency_key)

    def get_video(self, video_id: str) -> m.Video:
        """A video's status and, once completed, fresh presigned URLs of its files."""
        return self._get_job("video", video_id, m.Video)

    def list_videos(self, *, limit: int | None = None, folder_id: str | None = None) -> Iterator[m.Video]:
        return self._list("/v3/videos", m.Video, {"limit": limit, "folder_id": folder_id})

    def delete_video(self, video_id: str) -> None:
        self.request("DELETE", f"/v3/videos/{video_id}")

    def create_video_batch(
        self, request: m.VideoBatchRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.VideoBatchCreated:
        """Submit 1-100 videos at once (``POST /v3/videos/batches``); poll the batch for their ids."""
        body = m.VideoBatchRequest.parse(request)
        return self._create_job("video_batch", body, m.VideoBatchCreated, idempotency_key)

    def get_video_batch(self, batch_id: str) -> m.VideoBatch:
        """A batch with every item: its pages (``limit``/``token`` inside ``data``) read in full."""
        path = job_kind("video_batch").status_url_path(batch_id)
        params: dict[str, Any] = {"limit": 100}
        batch = self._get(path, m.VideoBatch, params)
        items, tokens = list(batch.items), set()
        while batch.has_more and batch.next_token:
            if batch.next_token in tokens:  # it would loop forever, as the client's paginate refuses too
                raise MalformedResponseError.of_answer(
                    f"next_token {batch.next_token[:40]!r} repeats a token already sent",
                    method="GET",
                    path=path,
                    code="malformed_response",
                )
            tokens.add(batch.next_token)
            batch = self._get(path, m.VideoBatch, {**params, "token": batch.next_token})
            items += batch.items
        return batch.model_copy(update={"items": items, "has_more": False, "next_token": None})

    # --- video agent -------------------------------------------------------------------------------

    def create_video_agent(
        self, request: m.VideoAgentRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.VideoAgentSession:
        """Start a Video Agent session (prompt to video)."""
        body = m.VideoAgentRequest.parse(request)
        return self._create_job("video_agent", body, m.VideoAgentSession, idempotency_key)

    def get_video_agent(self, session_id: str) -> m.VideoAgentSession:
        return self._get_job("video_agent", session_id, m.VideoAgentSession)

    def stop_video_agent(self, session_id: str) -> None:
        """Stop a session; stopping twice is harmless."""
        self.cancel_job("video_agent", session_id)

    def send_video_agent_message(
        self,
        session_id: str,
        request: m.VideoAgentMessageRequest | Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> m.VideoAgentRun:
        """Send a follow-up message to a ``chat`` session (an answer or a revision); it starts a new run."""
        body = m.VideoAgentMessageRequest.parse(request)
        return self._create(f"/v3/video-agents/{session_id}", body, m.VideoAgentRun, idempotency_key)

    def list_video_agent_videos(self, session_id: str) -> Iterator[m.Video]:
        """The videos a session has made (a revision adds one), as ``GET /v3/videos/{video_id}`` shows them."""
        return self._list(f"/v3/video-agents/{session_id}/videos", m.Video, {})

    def list_video_agent_styles(
        self, *, tag: str | None = None, limit: int | None = None
    ) -> Iterator[m.VideoAgentStyle]:
        return self._list("/v3/video-agents/styles", m.VideoAgentStyle, {"tag": tag, "limit": limit})

    # --- translations and proofreads ----------------------------------------------------------------

    def create_video_translation(
        self, request: m.VideoTranslationRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.VideoTranslationsCreated:
        """Translate one video into one or more languages: one translation id per output language."""
        body = m.VideoTranslationRequest.parse(request)
        return self._create_job("video_translation", body, m.VideoTranslationsCreated, idempotency_key)

    def get_video_translation(self, translation_id: str) -> m.VideoTranslation:
        return self._get_job("video_translation", translation_id, m.VideoTranslation)

    def list_translation_languages(self) -> list[str]:
        """Output language names accepted by translations (e.g. ``"Spanish (Spain)"``)."""
        return list((self._data("/v3/video-translations/languages") or {}).get("languages") or [])

    def create_proofread(
        self, request: m.ProofreadRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.ProofreadsCreated:
        body = m.ProofreadRequest.parse(request)
        return self._create_job("proofread", body, m.ProofreadsCreated, idempotency_key)

    def get_proofread(self, proofread_id: str) -> m.Proofread:
        return self._get_job("proofread", proofread_id, m.Proofread)

    def get_proofread_srt(self, proofread_id: str) -> m.ProofreadSrt:
        return self._get(f"/v3/video-translations/proofreads/{proofread_id}/srt", m.ProofreadSrt)

    def update_proofread_srt(self, proofread_id: str, request: m.ProofreadSrtUpdate | Mapping[str, Any]) -> m.Proofread:
        """Replace a proofread's subtitles with a reviewed SRT (an asset id or URL)."""
        body = m.ProofreadSrtUpdate.parse(request)
        return self._send("PUT", f"/v3/video-translations/proofreads/{proofread_id}/srt", body, m.Proofread)

    def generate_proofread(
        self,
        proofread_id: str,
        request: m.ProofreadGenerateRequest | Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> m.ProofreadGenerated:
        """Render the translation from an approved proofread; poll the returned translation id."""
        body = m.ProofreadGenerateRequest.parse(request or {})
        path = f"/v3/video-translations/proofreads/{proofread_id}/generate"
        return self._create(path, body, m.ProofreadGenerated, idempotency_key)

    # --- lipsync -----------------------------------------------------------------------------------

    def create_lipsync(
        self, request: m.LipsyncRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.LipsyncCreated:
        body = m.LipsyncRequest.parse(request)
        return self._create_job("lipsync", body, m.LipsyncCreated, idempotency_key)

    def get_lipsync(self, lipsync_id: str) -> m.Lipsync:
        return self._get_job("lipsync", lipsync_id, m.Lipsync)

    # --- voices and speech ---------------------------------------------------------------------------

    def create_speech(
        self, request: m.SpeechRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.Speech:
        """Synthesise speech now (synchronous): an audio URL, its duration and word timestamps."""
        body = m.SpeechRequest.parse(request)
        return self._create("/v3/voices/speech", body, m.Speech, idempotency_key)

    def list_voices(
        self,
        *,
        type: str | None = None,
        engine: str | None = None,
        language: str | None = None,
        gender: str | None = None,
        limit: int | None = None,
    ) -> Iterator[m.Voice]:
        filters = {"type": type, "engine": engine, "language": language, "gender": gender, "limit": limit}
        return self._list("/v3/voices", m.Voice, filters)

    def get_voice(self, voice_id: str) -> m.Voice:
        return self._get(f"/v3/voices/{voice_id}", m.Voice)

    # --- assets ------------------------------------------------------------------------------------

    def upload_asset(
        self,
        file: bytes | IO[bytes] | str | Path,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
    ) -> m.Asset:
        """Upload a file of at most 32 MB (multipart); type and size are checked before sending."""
        if isinstance(file, str | Path):
            path = Path(file)
            filename = filename or path.name
            content = path.read_bytes()
        elif isinstance(file, bytes):
            content = file
        else:
            content = file.read()
        name = filename or "upload"
        mime = m.check_upload(name, len(content), content_type)
        envelope = self.request(
            "POST", "/v3/assets", files={"file": (name, content, mime)}, idempotency_key=_key(idempotency_key)
        )
        return _parse(m.Asset, envelope, "POST", "/v3/assets")

    def get_asset(self, asset_id: str) -> m.AssetDetail:
        return self._get(f"/v3/assets/{asset_id}", m.AssetDetail)

    def source_seconds(self, source: Mapping[str, Any]) -> float | None:
        """How long a source (an AssetInput: url, asset_id or base64) plays, read from its file's header.

        An asset is looked up for its URL (not billed); a URL is read with a few range requests, without the
        API key. None when the length cannot be read (see ``probe``): the estimate then stays unknown.
        """
        kind = source.get("type")
        if kind == "url" and isinstance(source.get("url"), str):
            return probe.url_seconds(source["url"])
        if kind == "asset_id" and isinstance(source.get("asset_id"), str):
            try:
                url = self.get_asset(source["asset_id"]).url
            except HeyGenError as exc:
                log.info("Could not look up asset %s for its length: %s", source["asset_id"], exc)
                return None
            return probe.url_seconds(url) if url else None
        if kind == "base64" and isinstance(source.get("data"), str):
            return probe.bytes_seconds(base64.b64decode(source["data"]))
        return None

    def create_direct_upload(
        self, request: m.DirectUploadRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.DirectUpload:
        """Start a presigned upload (any size): an asset id, and the URL and headers to PUT the bytes with."""
        body = m.DirectUploadRequest.parse(request)
        return self._create("/v3/assets/direct-uploads", body, m.DirectUpload, idempotency_key)

    def put_direct_upload(self, upload: m.DirectUpload, file: SupportsOpen, size_bytes: int) -> None:
        """PUT a file's bytes to a direct upload's presigned ``upload_url``, streamed, ``upload_headers`` verbatim.

        The URL is HeyGen's storage, not the API (see ``storage.put_file``): no API key, connection errors and 5xx
        retried from the first byte; a 403 means the URL expired or was used up.
        """
        put_file(upload.upload_url, file, size_bytes, headers=upload.upload_headers)

    def complete_direct_upload(
        self, asset_id: str, *, checksum_sha256: str | None = None, idempotency_key: str | None = None
    ) -> m.Asset:
        """Finalise a direct upload once its bytes are stored; repeating it returns the same asset."""
        path = f"/v3/assets/{asset_id}/complete"
        body = {"checksum_sha256": checksum_sha256} if checksum_sha256 else {}
        envelope = self.request("POST", path, json=body, idempotency_key=_key(idempotency_key))
        return _parse(m.Asset, envelope, "POST", path)

    def upload_asset_file(
        self,
        file: str | os.PathLike[str] | SupportsOpen,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
    ) -> m.Asset:
        """Upload a local path or ``ObjectStoragePath`` of any size: multipart up to 32 MB, else a direct upload.

        Type (by ``content_type``, else the file name) and emptiness are checked before any HTTP call. A large
        file is read twice, streamed both times: once for its size and SHA-256 (which storage then enforces),
        once for the PUT. With the same ``idempotency_key``, a retry gets the asset of the first call: HeyGen
        replays the create, and a completed upload answers its PUT with 403 but its completion with the asset.
        An upload whose URL expired before any byte arrived is started afresh, under a key derived from it.
        """
        source = cast("SupportsOpen", Path(file)) if isinstance(file, str | os.PathLike) else file
        name = filename or source.name or "upload"
        with source.open("rb") as stream:
            head = stream.read(m.ASSET_MAX_BYTES + 1)
            digest, size = hashlib.sha256(head), len(head)
            if size > m.ASSET_MAX_BYTES:
                for chunk in iter_chunks(stream):
                    digest.update(chunk)
                    size += len(chunk)
        if not size:
            raise InvalidRequestError([f"file: {name!r} is empty"], model="AssetUpload")
        if size <= m.ASSET_MAX_BYTES:
            return self.upload_asset(head, filename=name, content_type=content_type, idempotency_key=idempotency_key)
        del head
        request = m.DirectUploadRequest(
            filename=name,
            content_type=_upload_type(name, content_type),
            size_bytes=size,
            checksum_sha256=digest.hexdigest(),
        )
        key, refused = _key(idempotency_key), None
        for _ in range(DIRECT_UPLOAD_ROUNDS):
            upload = self.create_direct_upload(request, idempotency_key=key)
            try:
                self.put_direct_upload(upload, source, size)
            except PermissionDeniedError as exc:
                refused = exc
                try:  # an earlier call with this key may have completed this upload already
                    return self.complete_direct_upload(upload.asset_id, checksum_sha256=request.checksum_sha256)
                except ConflictError:  # no: the URL expired (or was refused) before any byte arrived
                    log.info("Storage refused the upload of asset %s (%s); starting a new one", upload.asset_id, exc)
                key = f"{key[:200]}-{upload.asset_id}"
                continue
            log.info("Uploaded %s (%d bytes) to asset %s; completing it", name, size, upload.asset_id)
            return self.complete_direct_upload(upload.asset_id, checksum_sha256=request.checksum_sha256)
        assert refused is not None
        raise refused

    # --- avatars -----------------------------------------------------------------------------------

    def list_avatar_groups(self, *, ownership: str | None = None, limit: int | None = None) -> Iterator[m.AvatarGroup]:
        return self._list("/v3/avatars", m.AvatarGroup, {"ownership": ownership, "limit": limit})

    def list_avatar_looks(
        self,
        *,
        group_id: str | None = None,
        avatar_type: str | None = None,
        ownership: str | None = None,
        limit: int | None = None,
    ) -> Iterator[m.AvatarLook]:
        filters = {"group_id": group_id, "avatar_type": avatar_type, "ownership": ownership, "limit": limit}
        return self._list("/v3/avatars/looks", m.AvatarLook, filters)

    def get_avatar_look(self, look_id: str) -> m.AvatarLook:
        return self._get_job("avatar", look_id, m.AvatarLook)

    def create_avatar(
        self, request: m.AvatarCreateRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.AvatarCreated:
        """Create a photo, digital-twin or prompt avatar; its look trains asynchronously."""
        body = m.parse_avatar_request(request)
        return self._create_job("avatar", body, m.AvatarCreated, idempotency_key)

    # --- webhooks ----------------------------------------------------------------------------------

    def create_webhook_endpoint(
        self, request: m.WebhookEndpointRequest | Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> m.WebhookEndpoint:
        """Register an endpoint; the returned ``secret`` is shown only now (and on rotation)."""
        body = m.WebhookEndpointRequest.parse(request)
        return self._create("/v3/webhooks/endpoints", body, m.WebhookEndpoint, idempotency_key)

    def list_webhook_endpoints(self, *, limit: int | None = None) -> Iterator[m.WebhookEndpoint]:
        return self._list("/v3/webhooks/endpoints", m.WebhookEndpoint, {"limit": limit})

    def update_webhook_endpoint(
        self, endpoint_id: str, request: m.WebhookEndpointUpdate | Mapping[str, Any]
    ) -> m.WebhookEndpoint:
        """Change an endpoint's URL or events (``events`` replaces the whole list)."""
        body = m.WebhookEndpointUpdate.parse(request)
        return self._send("PATCH", f"/v3/webhooks/endpoints/{endpoint_id}", body, m.WebhookEndpoint)

    def delete_webhook_endpoint(self, endpoint_id: str) -> None:
        self.request("DELETE", f"/v3/webhooks/endpoints/{endpoint_id}")

    def rotate_webhook_secret(self, endpoint_id: str) -> m.WebhookEndpoint:
        """Issue a new signing secret; the old one stops working at once."""
        path = f"/v3/webhooks/endpoints/{endpoint_id}/rotate-secret"
        return _parse(m.WebhookEndpoint, self.request("POST", path, idempotency_key=_key(None)), "POST", path)

    def list_webhook_event_types(self) -> list[m.WebhookEventType]:
        path = "/v3/webhooks/event-types"
        return [_parse(m.WebhookEventType, {"data": item}, "GET", path) for item in self._data(path) or []]

    def list_webhook_events(
        self, *, event_type: str | None = None, entity_id: str | None = None, limit: int | None = None
    ) -> Iterator[m.WebhookEvent]:
        filters = {"event_type": event_type, "entity_id": entity_id, "limit": limit}
        return self._list("/v3/webhooks/events", m.WebhookEvent, filters)

    # --- any job kind ------------------------------------------------------------------------------

    def get_job_statuses(self, kind: str, job_ids: Sequence[str]) -> dict[str, JobStatus]:
        """The status of many jobs of one kind, through the bulk endpoint where HeyGen has one."""
        spec, ids = job_kind(kind), list(job_ids)
        responses = [self.request("GET", path, params=query) for path, query in status_requests(spec, ids)]
        return statuses_from_responses(spec, ids, responses)

    def get_job(self, kind: str, job_id: str) -> dict[str, Any]:
        """A job's whole resource (fresh URLs, duration, failure details), as HeyGen sent it."""
        path = job_kind(kind).status_url_path(job_id)
        data = self._data(path)
        if data is not None and not isinstance(data, Mapping):
            raise MalformedResponseError.of_answer(
                f"answer is not a {kind} resource: data is {type(data).__name__}", method="GET", path=path
            )
        return dict(data or {})

    def cancel_job(self, kind: str, job_id: str) -> None:
        """Stop a job where HeyGen can (Video Agent sessions); a no-op for other kinds."""
        if path := job_kind(kind).cancel_url_path(job_id):
            self.request("POST", path, json={}, idempotency_key=f"cancel-{job_id}")
