"""Video translations (one job per output language) and proofreads (SRT review before the final render).

Output length: the source video's, cut to ``start_time``..``end_time`` (see ``source_seconds``). Price per
second: ``speed`` mode and ``translate_audio_only`` 0.05 credits, ``precision`` 0.1; proofreads 0.00833 and
they do not count toward the concurrency cap. Translation statuses ``pending`` (first 20%), ``running``,
``completed`` | ``failed``; proofreads ``processing`` then ``completed`` | ``failed``. A completed translation
has an MP4 ``video_url`` (none when audio only), an MP3 ``audio_url``, and SRT/VTT captions when
``enable_caption`` (or a proofread's ``captions``) was set.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from airflow_provider.heygen.testing.fake import media
from airflow_provider.heygen.testing.fake.errors import conflict
from airflow_provider.heygen.testing.fake.routes import (
    api_route,
    bulk_statuses,
    callback_fields,
    data,
    job_listing,
    output_url,
    retitle,
    source_seconds,
)
from airflow_provider.heygen.testing.fake.state import Job, JobKind, NewJob, State
from airflow_provider.heygen.testing.fake.validation import TRANSLATION_LANGUAGES

__all__ = ["PROOFREAD", "VIDEO_TRANSLATION", "routes"]

VIDEO_TRANSLATION = "video_translation"
PROOFREAD = "proofread"
PRICE_SPEED = 0.05
PRICE_PRECISION = 0.1
PRICE_PROOFREAD = 0.00833
DEFAULT_INPUT_LANGUAGE = "English"


def _transcript(job: Job) -> str:
    return f"Translated narration in {job.extra['output_language']} of {job.title or 'the source video'}."


def render_translation(state: State, job: Job) -> dict[str, Any]:
    seconds = job.output_seconds
    audio_only = bool(job.request.get("translate_audio_only"))
    captions = bool(job.request.get("enable_caption"))

    def caption_url(fmt: str) -> str | None:
        return (
            output_url(state, job, f".{fmt}", lambda: media.captions(_transcript(job), seconds, fmt))
            if captions
            else None
        )

    return {
        "id": job.id,
        "status": job.status,
        "title": job.title,
        "input_language": job.request.get("input_language") or DEFAULT_INPUT_LANGUAGE,
        "output_language": job.extra["output_language"],
        "duration": seconds if job.status == "completed" else None,
        "created_at": int(job.created_at),
        "callback_id": job.callback_id,
        "translate_audio_only": audio_only,
        "video_url": None
        if audio_only
        else output_url(state, job, ".mp4", lambda: media.video_bytes("mp4", seconds), seconds=seconds),
        "audio_url": output_url(state, job, ".mp3", lambda: media.audio_bytes("mp3", seconds), seconds=seconds),
        "srt_caption_url": caption_url("srt"),
        "vtt_caption_url": caption_url("vtt"),
        "failure_message": job.failure_message if job.status == "failed" else None,
    }


def render_proofread(state: State, job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "title": job.title,
        "input_language": job.request.get("input_language") or DEFAULT_INPUT_LANGUAGE,
        "output_language": job.extra["output_language"],
        "created_at": int(job.created_at),
        "submitted_for_review": False,
        "failure_message": job.failure_message if job.status == "failed" else None,
    }


def _price(body: dict[str, Any]) -> float:
    if body.get("translate_audio_only"):
        return PRICE_SPEED
    return PRICE_PRECISION if body.get("mode") == "precision" else PRICE_SPEED


def routes(state: State) -> list[BaseRoute]:
    state.register_kind(
        JobKind(
            name=VIDEO_TRANSLATION,
            id_prefix="vt",
            phases=(("pending", 0.2), ("running", 0.8)),
            price_per_second=PRICE_SPEED,
            render=render_translation,
        )
    )
    state.register_kind(
        JobKind(
            name=PROOFREAD,
            id_prefix="pr",
            phases=(("processing", 1.0),),
            price_per_second=PRICE_PROOFREAD,
            concurrent=False,
            render=render_proofread,
        )
    )

    def per_language(kind: str, body: dict[str, Any], price: float) -> list[Job]:
        seconds = source_seconds(state, body, body["video"])
        return state.create_jobs(
            [
                NewJob(
                    kind,
                    body,
                    seconds,
                    price_per_second=price,
                    extra={"output_language": language},
                    **callback_fields(body),
                )
                for language in body["output_languages"]
            ]
        )

    def create(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        jobs = per_language(VIDEO_TRANSLATION, body, _price(body))
        return data({"video_translation_ids": [job.id for job in jobs]})

    def get(request: Request, body: None) -> dict[str, Any]:
        return data(
            state.render(
                state.get_job(VIDEO_TRANSLATION, request.path_params["video_translation_id"], "Video translation")
            )
        )

    def listing(request: Request, body: None) -> dict[str, Any]:
        return job_listing(state, request, VIDEO_TRANSLATION, "/v3/video-translations")

    def update(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return retitle(state, request, VIDEO_TRANSLATION, "video_translation_id", body["title"], "Video translation")

    def delete(request: Request, body: None) -> dict[str, Any]:
        job = state.delete_job(VIDEO_TRANSLATION, request.path_params["video_translation_id"], "Video translation")
        return data({"id": job.id})

    def languages(request: Request, body: None) -> dict[str, Any]:
        return data({"languages": list(TRANSLATION_LANGUAGES)})

    def statuses(request: Request, body: None) -> dict[str, Any]:
        return bulk_statuses(state, request, [VIDEO_TRANSLATION], "video_translation_ids")

    def completed_proofread(request: Request) -> Job:
        job = state.get_job(PROOFREAD, request.path_params["proofread_id"], "Proofread")
        if job.status != "completed":
            raise conflict(f"proofread {job.id} is {job.status}, not completed")
        return job

    def create_proofread(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        jobs = per_language(PROOFREAD, body, PRICE_PROOFREAD)
        return data({"proofread_ids": [job.id for job in jobs], "status": "processing"})

    def get_proofread(request: Request, body: None) -> dict[str, Any]:
        return data(state.render(state.get_job(PROOFREAD, request.path_params["proofread_id"], "Proofread")))

    def get_srt(request: Request, body: None) -> dict[str, Any]:
        job = completed_proofread(request)

        def srt() -> str:
            return media.captions(_transcript(job), job.output_seconds, "srt")

        original = state.file_url(f"{job.id}-original.srt", srt)
        edited = job.extra.get("edited_srt")
        return data(
            {
                "srt_url": edited["url"] if edited and edited.get("url") else original,
                "original_srt_url": original,
            }
        )

    def put_srt(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        job = completed_proofread(request)
        with state.lock:
            job.extra["edited_srt"] = body["srt"]
        return data(state.render(job))

    def generate(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        proofread = completed_proofread(request)
        source = {**proofread.request, **{key: value for key, value in body.items() if key != "captions"}}
        source["enable_caption"] = bool(body.get("captions"))
        translation = state.create_job(
            VIDEO_TRANSLATION,
            source,
            proofread.output_seconds,
            price_per_second=_price(source),
            extra={"output_language": proofread.extra["output_language"], "proofread_id": proofread.id},
            **callback_fields(source),
        )
        return data({"video_translation_id": translation.id, "status": "processing"})

    return [
        api_route("POST", "/v3/video-translations", create),
        api_route("GET", "/v3/video-translations", listing),
        api_route("GET", "/v3/video-translations/languages", languages),
        api_route("GET", "/v3/video-translations/statuses", statuses),
        api_route("POST", "/v3/video-translations/proofreads", create_proofread),
        api_route("GET", "/v3/video-translations/proofreads/{proofread_id}", get_proofread),
        api_route("GET", "/v3/video-translations/proofreads/{proofread_id}/srt", get_srt),
        api_route("PUT", "/v3/video-translations/proofreads/{proofread_id}/srt", put_srt),
        api_route("POST", "/v3/video-translations/proofreads/{proofread_id}/generate", generate),
        api_route("GET", "/v3/video-translations/{video_translation_id}", get),
        api_route("PATCH", "/v3/video-translations/{video_translation_id}", update),
        api_route("DELETE", "/v3/video-translations/{video_translation_id}", delete),
    ]
