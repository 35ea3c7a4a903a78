"""HeyGenTranslateVideoOperator: dub one video into N languages, optionally through an SRT proofread first."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

from airflow_provider.heygen._compat import Context
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.credits import CreditEstimate
from airflow_provider.heygen.api.errors import InvalidRequestError
from airflow_provider.heygen.api.jobs import JobState, job_kind
from airflow_provider.heygen.inputs import parse_job_ids, parse_languages
from airflow_provider.heygen.operators.base import HeyGenJobOperator
from airflow_provider.heygen.triggers.job import JobEvent

__all__ = [
    "PROOFREAD_IDS_XCOM_KEY",
    "HeyGenTranslateVideoOperator",
    "by_language",
    "proofread_requests",
    "step_key",
]

PROOFREAD = "proofread"
#: XCom key under which the proofread ids are pushed as soon as they exist (to review or resume them).
PROOFREAD_IDS_XCOM_KEY = "heygen_proofread_ids"
# Translation field -> its name in the proofread request (POST .../proofreads) or the generate request.
_PROOFREAD_FIELDS = {
    **{
        name: name
        for name in (
            "video",
            "output_languages",
            "title",
            "mode",
            "srt",
            "speaker_num",
            "folder_id",
            "brand_glossary_id",
            "brand_voice_id",
            "enable_speech_enhancement",
            "disable_music_track",
            "keep_the_same_format",
        )
    },
    "enable_dynamic_duration": "enable_video_stretching",
}
_GENERATE_FIELDS = {
    "enable_caption": "captions",
    "translate_audio_only": "translate_audio_only",
    "callback_url": "callback_url",
    "callback_id": "callback_id",
}


def step_key(key: str, step: str, item: str = "") -> str:
    """The idempotency key of one step of a multi-request submit, derived from the task's key.

    Every try derives the same key for the same step (and item: a language or a proofread id, hashed so that
    the key keeps to HeyGen's ``[A-Za-z0-9_-:.]`` alphabet), so a retried try gets HeyGen's replay.
    """
    suffix = f"-{hashlib.sha256(item.encode()).hexdigest()[:12]}" if item else ""
    return f"{key}:{step}{suffix}"


def proofread_requests(
    body: m.VideoTranslationRequest, default_title: str
) -> tuple[m.ProofreadRequest, m.ProofreadGenerateRequest]:
    """Split a translation request into its proofread request and its generate request.

    A translation field that neither endpoint takes (``start_time``, ``audio``, ...) is an error naming it,
    raised before any HTTP call. The proofread needs a title: ``default_title`` when the request has none.
    """
    payload = body.to_body()
    unsupported = sorted(set(payload) - set(_PROOFREAD_FIELDS) - set(_GENERATE_FIELDS))
    if unsupported:
        raise InvalidRequestError(
            [
                f"{name}: not taken by the proofread endpoints; remove it or translate without proofread"
                for name in unsupported
            ],
            model="VideoTranslationRequest",
        )
    proofread = {_PROOFREAD_FIELDS[name]: value for name, value in payload.items() if name in _PROOFREAD_FIELDS}
    generate = {_GENERATE_FIELDS[name]: value for name, value in payload.items() if name in _GENERATE_FIELDS}
    return m.ProofreadRequest.parse({"title": default_title, **proofread}), m.ProofreadGenerateRequest.parse(generate)


def by_language(jobs: Sequence[Mapping[str, Any]], languages: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Index per-job results by their ``output_language`` (else the requested language at the same position)."""
    indexed = {}
    for position, job in enumerate(jobs):
        fallback = languages[position] if position < len(languages) else str(position)
        indexed[str(job.get("output_language") or fallback)] = {
            name: value for name, value in job.items() if name != "output_language"
        }
    return indexed


class _ReadyForReview(Exception):
    """Carries the review result out of ``create``: with ``review=True`` the task ends once proofreads are ready."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__("proofreads ready for review")
        self.result = result


class HeyGenTranslateVideoOperator(HeyGenJobOperator):
    """Translate a video into one or more languages with ``POST /v3/video-translations`` and wait for them.

    ``request`` is a ``VideoTranslationRequest`` or a dict with its fields: ``video`` (``{"type": "url", "url"}``
    or ``{"type": "asset_id", "asset_id"}``), ``output_languages``, ``mode`` (``speed``/``precision``),
    ``translate_audio_only``, ``enable_caption``, ... HeyGen starts one job per language; the task waits on all
    of them in one trigger. Returns (to XCom) ``{"kind", "job_ids", "status", "credits", "jobs": [...],
    "languages": {language: {"video_translation_id", "status", "video_url", "audio_url", "srt_caption_url",
    "vtt_caption_url", "duration", "credits", "failure_code", "failure_message"}}}``; the ids go to
    ``heygen_job_ids`` right after submitting.

    Retries: every try sends the same ``Idempotency-Key``, so it gets the first try's jobs back. When some of
    them failed, only the failed languages are submitted again, one request each (key
    ``<key>:retry<n>-<position>``, the same on every later try, so a retry never renders a language twice and
    never renders a completed one again). Try ``n`` resubmits a language at most ``n - 1`` times.

    Proofread (``proofread=True``): subtitles are translated first, so they can be checked before dubbing.

    1. create the proofreads (``POST .../proofreads``, one per language; key ``<key>:proofreads``) and push
       their ids to XCom ``heygen_proofread_ids``;
    2. wait for them (in the worker, or deferred: back in ``resume_after_proofreads``, which runs the task
       again: steps 1 and 3 replay their keys, so nothing is created twice);
    3. ``review=True`` stops here and returns ``{"kind": "proofread", "job_ids", "proofread_ids", "status",
       "jobs", "languages": {language: {"proofread_id", "status", "srt_url", "original_srt_url"}}}``: edit
       the SRTs (``HeyGenHook.update_proofread_srt``), then a later task with ``proofread_ids=`` (the ids or
       that result) and the same ``request`` resumes at step 4;
    4. generate each translation (``POST .../proofreads/{id}/generate``, key ``<key>:generate-<id hash>``)
       and wait for them like plain translations (a second deferral).

    On a retry, failed proofreads and failed generated translations are redone one by one in the same way
    (keys ``<key>:proofreads:retry<n>-<position>`` and ``<key>:retry<n>-<position>``). Each wait gets ``timeout``;
    ``wait_for_completion=False`` skips only the wait for the translations (generating needs ready
    proofreads). With proofreads, ``enable_caption``, ``translate_audio_only`` and the
    callback fields go to the generate step; fields neither step takes (``start_time``, ``audio``, ...)
    fail the task before any request.

    :param output_languages: target languages; override the request's (templated).
    :param source_duration: the source video's length in seconds. HeyGen prices translations per second of
        source; without it (or an ``end_time``), the estimate reads the length from the video's file (an asset,
        or a URL that answers range requests) when a cost guard or dry run needs it, and a length still
        unknown makes ``max_credits`` refuse (unless ``allow_unknown_cost``).
    :param proofread: translate the subtitles first (steps above).
    :param review: with proofreads, stop once they are ready and return them for review.
    :param proofread_ids: resume from these ready proofreads (ids, or a review result; templated).
    """

    job_kind = "video_translation"
    template_fields: Sequence[str] = (*HeyGenJobOperator.template_fields, "output_languages", "proofread_ids")

    def __init__(
        self,
        *,
        output_languages: str | Sequence[str] | None = None,
        source_duration: float | None = None,
        proofread: bool = False,
        review: bool = False,
        proofread_ids: str | Sequence[str] | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if source_duration is not None and source_duration < 0:
            raise ValueError(f"source_duration must be >= 0 seconds, got {source_duration}")
        self.output_languages = output_languages
        self.source_duration = source_duration
        self.proofread = proofread or review
        self.review = review
        self.proofread_ids = proofread_ids
        self._context: Context | None = None
        self._proofread_ids: list[str] = []

    @property
    def proofreading(self) -> bool:
        """Whether the translations are generated from proofreads (created here or given)."""
        return self.proofread or self.proofread_ids is not None

    # --- the lifecycle's hook points -------------------------------------------------------------------

    def parse_request(self) -> m.RequestModel:
        data = dict(self.request)
        if self.output_languages is not None:
            data["output_languages"] = parse_languages(self.output_languages)
        body = m.VideoTranslationRequest.parse(data)
        if self.proofreading:
            if self.proofread_ids is not None and not parse_job_ids(self.proofread_ids, field="proofread_ids")[0]:
                raise InvalidRequestError(["proofread_ids: no proofread id given"])
            proofread_requests(body, self._default_title())
        return body

    def estimate(self, body: m.RequestModel) -> CreditEstimate:
        payload = body.to_body()
        translation = self.estimate_with(self.spec, payload, self.source_duration)
        if not self.proofread or self.proofread_ids is not None:
            return translation  # no proofreads to create
        return translation + self.estimate_with(job_kind(PROOFREAD), payload, self.source_duration)

    def create(self, body: m.RequestModel, idempotency_key: str) -> list[str]:
        request = cast("m.VideoTranslationRequest", body)
        if not self.proofreading:
            return self.hook.create_video_translation(request, idempotency_key=idempotency_key).video_translation_ids
        proofread, generate = proofread_requests(request, self._default_title())
        self._proofread_ids = self._ready_proofreads(proofread, idempotency_key)
        if self.review:
            raise _ReadyForReview(self._review_result(self._proofread_ids, request.output_languages))
        return [
            self.hook.generate_proofread(
                proofread_id, generate, idempotency_key=step_key(idempotency_key, "generate", proofread_id)
            ).video_translation_id
            for proofread_id in self._proofread_ids
        ]

    def resubmit(self, body: m.RequestModel, index: int, idempotency_key: str) -> str:
        """Translate the failed job's language alone again (from its proofread, when there are proofreads)."""
        request = cast("m.VideoTranslationRequest", body)
        if not self.proofreading:
            single = request.model_copy(update={"output_languages": [request.output_languages[index]]})
            (job_id,) = self.hook.create_video_translation(
                single, idempotency_key=idempotency_key
            ).video_translation_ids
            return job_id
        _, generate = proofread_requests(request, self._default_title())
        proofread_id = self._proofread_ids[index]
        return self.hook.generate_proofread(
            proofread_id, generate, idempotency_key=idempotency_key
        ).video_translation_id

    def get_job_result(self, external_id: Any, context: Context) -> dict[str, Any]:
        """The base result plus ``languages``: each language's outputs."""
        result = super().get_job_result(external_id, context)
        if "languages" not in result:
            languages = cast("m.VideoTranslationRequest", self.parse_request()).output_languages
            result["languages"] = by_language(result["jobs"], languages)
        return result

    def job_costs(self, jobs: Sequence[dict[str, Any]]) -> list[float | None]:
        """The translations' costs, and the proofreads' when this task made them (it paid for them too): each at
        its translation's length (a proofread reports none), also shown as the job's ``proofread_credits``."""
        costs = super().job_costs(jobs)
        if self.proofread and self.proofread_ids is None:
            proofread = job_kind(PROOFREAD)
            for job in jobs:
                job["proofread_credits"] = proofread.cost_of(self.request, job.get("duration"), self.hook.prices)
                costs.append(job["proofread_credits"])
        return costs

    # --- entry points ----------------------------------------------------------------------------------

    def execute(self, context: Context) -> Any:
        self._context = context
        try:
            return super().execute(context)
        except _ReadyForReview as ready:
            return ready.result

    def resume_after_proofreads(self, context: Context, event: Any = None, job_ids: list[str] | None = None) -> Any:
        """Back from the proofread trigger: raise if one failed or timed out, else run the task again.

        The second run replays the proofread key (same ids, now ready) and goes on to generate.
        """
        self.settle(self.resumed_event(event, job_ids))
        return self.run_again(context)

    # --- helpers ---------------------------------------------------------------------------------------

    def _default_title(self) -> str:
        return f"{self.dag_id}.{self.task_id}"

    def _ready_proofreads(self, proofread: m.ProofreadRequest, key: str) -> list[str]:
        """The proofread ids (given, or created idempotently), once every proofread is completed."""
        if self.proofread_ids is not None:
            ids = parse_job_ids(self.proofread_ids, field="proofread_ids")[0]
        else:
            assert self._context is not None, "create() runs inside execute()"
            proofreads_key = step_key(key, "proofreads")
            created = self.hook.create_proofread(proofread, idempotency_key=proofreads_key)

            def resubmit(index: int, job_key: str) -> str:
                single = proofread.model_copy(update={"output_languages": [proofread.output_languages[index]]})
                return self.hook.create_proofread(single, idempotency_key=job_key).proofread_ids[0]

            ids = self.resubmit_failed(PROOFREAD, created.proofread_ids, proofreads_key, resubmit, self._context)
            self._context["ti"].xcom_push(key=PROOFREAD_IDS_XCOM_KEY, value=ids)
            self.log.info("HeyGen proofread(s) %s for %s", ", ".join(ids), ", ".join(proofread.output_languages))
        statuses = self.hook.get_job_statuses(PROOFREAD, ids)
        if all(status.state.is_terminal for status in statuses.values()):
            JobEvent.from_statuses(PROOFREAD, statuses).raise_for_status()
        else:
            self.settle(self.wait_for(PROOFREAD, ids, time.time() + self.timeout, "resume_after_proofreads"))
        return ids

    def _review_result(self, proofread_ids: list[str], languages: Sequence[str]) -> dict[str, Any]:
        """The ready proofreads with fresh links to their SRTs (presigned: they expire)."""
        jobs = []
        for proofread_id in proofread_ids:
            resource = self.hook.get_job(PROOFREAD, proofread_id)
            srt = self.hook.get_proofread_srt(proofread_id)
            jobs.append(
                {
                    "proofread_id": proofread_id,
                    "output_language": resource.get("output_language"),
                    "status": resource.get("status"),
                    "srt_url": srt.srt_url,
                    "original_srt_url": srt.original_srt_url,
                }
            )
        self.log.info("HeyGen proofread(s) %s are ready for review", ", ".join(proofread_ids))
        return {
            "kind": PROOFREAD,
            "job_ids": proofread_ids,
            "proofread_ids": proofread_ids,
            "status": JobState.SUCCEEDED.value,
            "jobs": jobs,
            "languages": by_language(jobs, languages),
        }

    def lineage_sources(self) -> list[tuple[str, str]]:
        """The source video, and the reviewed proofreads the translations were generated from."""
        given = [] if self.proofread_ids is None else parse_job_ids(self.proofread_ids, field="proofread_ids")[0]
        return [*super().lineage_sources(), *((PROOFREAD, proofread_id) for proofread_id in given)]
