"""HeyGenTextToSpeechOperator: synthesise speech with a Starfish voice, and optionally store the audio."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from airflow_provider.heygen._compat import Context
from airflow_provider.heygen.api import credits
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.media import AUDIO_TYPES
from airflow_provider.heygen.delivery import Destination, download, storage_path
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.lineage import Lineage, speech_lineage
from airflow_provider.heygen.operators.base import (
    HeyGenBilledOperator,
    check_idempotency_key,
    fail_fast,
    idempotency_key_for,
)

__all__ = ["HeyGenTextToSpeechOperator"]


class HeyGenTextToSpeechOperator(HeyGenBilledOperator):
    """Turn text or SSML into speech with ``POST /v3/voices/speech`` (synchronous: no job to wait for).

    Returns (to XCom) ``{"audio_url", "duration", "request_id", "word_timestamps", "credits", "estimate"}``, plus
    ``"path"`` and ``"size_bytes"`` when ``destination`` is set. ``audio_url`` expires: set ``destination``
    to keep the audio. ``word_timestamps`` (``[{"word", "start", "end"}]``) is bounded by the 5,000-character
    text limit (about 120 KB of XCom at worst, ~40 KB for ordinary prose); ``include_word_timestamps=False``
    leaves it out (None).

    The text (1-5,000 characters), ``speed`` (0.5-2.0) and ``input_type`` are checked before any request, and
    so are the cost guards (``max_credits``, ``min_remaining_credits``; ``dry_run`` stops there, see
    ``HeyGenBilledOperator``) against the estimate; those failures, and HeyGen's 400s (for example a voice that
    is not Starfish-compatible), fail the task without retries. A retried try sends the same
    ``Idempotency-Key`` and gets HeyGen's replay of the first answer, so the speech is billed once; if the
    replayed URL has expired by the time it is downloaded, the text is synthesised (and billed) again under a
    derived key.

    :param request: a ``SpeechRequest`` or a dict with the API's fields (``text``, ``voice_id``, ``input_type``,
        ``speed``, ``language``, ``locale``); templated, shown as JSON.
    :param destination: where to store the audio (templated): a file path, or a directory (ending in ``/``
        or existing) to get ``<request_id>.<ext>`` in it; local, ``file://`` or any ``ObjectStoragePath``.
    :param heygen_conn_id: the ``heygen`` connection.
    :param idempotency_key: templated; by default derived from dag, task, run, map index and the request.
    :param include_word_timestamps: keep the per-word timing in the result.
    """

    template_fields: Sequence[str] = ("request", "destination", "idempotency_key", "heygen_conn_id")
    template_fields_renderers: ClassVar[dict[str, str]] = {"request": "json"}

    def __init__(
        self,
        *,
        request: m.SpeechRequest | Mapping[str, Any],
        destination: Destination | None = None,
        heygen_conn_id: str = HeyGenHook.default_conn_name,
        idempotency_key: str | None = None,
        include_word_timestamps: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(heygen_conn_id=heygen_conn_id, **kwargs)
        self.request = request.to_body() if isinstance(request, m.RequestModel) else dict(request)
        self.destination = destination
        self.idempotency_key = idempotency_key
        self.include_word_timestamps = include_word_timestamps

    def execute(self, context: Context) -> dict[str, Any]:
        with fail_fast():  # nothing was sent yet
            body = m.SpeechRequest.parse(self.request)
            check_idempotency_key(self.idempotency_key)
            estimate = self.estimate_with(credits.SPEECH, body.to_body())
            self.guard_cost("speech", estimate, context)
        if self.is_dry_run:
            return self.dry_run_result("speech", estimate)
        key = self.idempotency_key or idempotency_key_for(context, body.to_body())
        speech = self._synthesise(body, key)
        self.log.info("HeyGen speech %s: %.2fs of audio", speech.request_id, speech.duration or 0)
        if self.destination:
            speech, stored = self._store(body, key, speech)
        result: dict[str, Any] = {
            "audio_url": speech.audio_url,
            "duration": speech.duration,
            "request_id": speech.request_id,
            "word_timestamps": (
                [stamp.model_dump(include={"word", "start", "end"}) for stamp in speech.word_timestamps or []]
                if self.include_word_timestamps and speech.word_timestamps is not None
                else None
            ),
            "credits": credits.SPEECH.cost(body.to_body(), speech.duration, prices=self.hook.prices),
            "estimate": estimate.to_dict(),
        }
        self.log_cost("speech", result)
        if self.destination:
            result.update(stored)
        return self.returned(result)

    def heygen_lineage(self, task_instance: Any) -> Lineage:
        """The stored audio out, the cost as the ``heygen`` run facet."""
        return speech_lineage(self.finished_result(task_instance))

    def _synthesise(self, body: m.SpeechRequest, key: str) -> m.Speech:
        with fail_fast():  # e.g. a voice Starfish cannot speak with
            return self.hook.create_speech(body, idempotency_key=key)

    def _store(self, body: m.SpeechRequest, key: str, speech: m.Speech) -> tuple[m.Speech, dict[str, Any]]:
        """Download the audio to ``destination``; an expired URL is replaced by synthesising again."""
        target = storage_path(self.destination)  # type: ignore[arg-type]
        into_directory = str(self.destination).endswith("/") or target.is_dir()
        if into_directory:
            target = target / (speech.request_id or key)
        latest = [speech]

        def refresh() -> str:
            latest.append(self._synthesise(body, f"{key[:200]}-renewed-{len(latest)}"))
            self.log.info("The audio URL expired; synthesised it again as %s", latest[-1].request_id)
            return latest[-1].audio_url

        stored = download(
            speech.audio_url,
            target,
            refresh=refresh,
            accept=AUDIO_TYPES,
            add_extension=into_directory,
            allowed_origins=[self.hook.client.base_url],
        )
        return latest[-1], {"path": stored.path, "size_bytes": stored.size_bytes}
