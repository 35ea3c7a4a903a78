"""HeyGenDownloadOperator: store the outputs of finished HeyGen jobs in any storage, and announce them."""

from __future__ import annotations

import ast
import json
import os
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider.heygen._compat import AirflowFailException, Asset, Context, ObjectStoragePath
from airflow_provider.heygen.api.errors import JobFailedError
from airflow_provider.heygen.api.jobs import JobState, JobStatus, job_kind
from airflow_provider.heygen.delivery import (
    AUDIO_TYPES,
    CAPTION_TYPES,
    IMAGE_TYPES,
    VIDEO_TYPES,
    DeliveryError,
    Destination,
    download,
    storage_path,
)
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.operators.base import HeyGenOperator

__all__ = ["OUTPUTS", "HeyGenDownloadOperator", "Output", "parse_job_ids"]


@dataclass(frozen=True)
class Output:
    """One downloadable output of a job kind: the resource fields holding its URL (first set wins), its types."""

    fields: tuple[str, ...]
    accept: frozenset[str]


_VIDEO = Output(("video_url",), VIDEO_TYPES)

#: Per job kind, the outputs a download can ask for. A Video Agent session delivers the video it rendered.
OUTPUTS: dict[str, dict[str, Output]] = {
    "video": {
        "video": _VIDEO,
        "thumbnail": Output(("thumbnail_url",), IMAGE_TYPES),
        "captions": Output(("subtitle_url",), CAPTION_TYPES),
        "captioned_video": Output(("captioned_video_url",), VIDEO_TYPES),
    },
    "video_translation": {
        "video": _VIDEO,
        "audio": Output(("audio_url",), AUDIO_TYPES),
        "captions": Output(("srt_caption_url", "vtt_caption_url"), CAPTION_TYPES),
    },
    "lipsync": {"video": _VIDEO, "captions": Output(("caption_url",), CAPTION_TYPES)},
    "avatar": {
        "thumbnail": Output(("preview_image_url",), IMAGE_TYPES),
        "video": Output(("preview_video_url",), VIDEO_TYPES),
    },
    "voice_clone": {"audio": Output(("preview_audio_url",), AUDIO_TYPES)},
}
OUTPUTS["video_agent"] = OUTPUTS["video"]


def parse_job_ids(value: Any) -> tuple[list[str], str | None]:
    """Job ids (and the kind, when a job operator's result says it) from what XCom or a template gives.

    Accepts one id, a list of ids, a job operator's result (``{"kind", "job_ids", ...}``), a list of such
    results (mapped tasks), or any of these rendered as JSON or as a Python literal.
    """
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith(("[", "{")):
            return ([text] if text else []), None
        try:
            value = json.loads(text)
        except ValueError:
            value = ast.literal_eval(text)
    if isinstance(value, Mapping):
        return parse_job_ids(list(value.get("job_ids") or []))[0], value.get("kind")
    if value is not None and not isinstance(value, Iterable):
        return [str(value)], None
    ids: list[str] = []
    kinds: set[str] = set()
    for item in value or []:
        more, kind = parse_job_ids(item)
        ids.extend(more)
        if kind:
            kinds.add(kind)
    if len(kinds) > 1:
        raise ValueError(f"job_ids mixes job kinds {sorted(kinds)}; download one kind per task")
    return list(dict.fromkeys(ids)), next(iter(kinds), None)


class HeyGenDownloadOperator(HeyGenOperator):
    """Download the outputs of finished HeyGen jobs to ``<destination>/<job_id>/<output>.<ext>``.

    Each job is fetched again first (HeyGen's file URLs are presigned and expire), then each output is
    streamed to a temporary file, checked (size against ``Content-Length``, type by its bytes) and moved into
    place, so the final path never holds a partial file. A URL that expired meanwhile (403/404) is replaced
    by fetching the job again; connection errors and 5xx are retried. A job that failed raises
    ``JobFailedError`` with HeyGen's failure code; one still running fails the try (a retry may find it done).

    Returns (to XCom) ``{"kind", "destination", "files": {job_id: {output: path}}, "sizes": {job_id:
    {output: bytes}}, "total_bytes"}``. Give ``outlets=[Asset(...)]`` to schedule downstream DAGs on the
    delivery: Airflow records the asset event when the task succeeds, with ``files`` in its ``extra``.

    :param job_ids: templated; one id, a list, a job operator's result (``render.output``) or a list of them.
    :param kind: the job kind (``video``, ``video_agent``, ``video_translation``, ``lipsync``, ``avatar``,
        ``voice_clone``); default the one named by a job operator's result, else ``video``.
    :param outputs: which outputs to store (``video``, ``thumbnail``, ``captions``, ``captioned_video``,
        ``audio``, as the kind has them); each must exist. Default: every output the job has.
    :param destination: templated; a local path, ``file://`` URL, any fsspec URL or ``ObjectStoragePath``.
        Default: ``<tmp>/heygen/<dag_id>/<run_id>`` on the worker (only useful on one machine).
    :param heygen_conn_id: the ``heygen`` connection.
    """

    template_fields: Sequence[str] = ("job_ids", "destination")

    def __init__(
        self,
        *,
        job_ids: Any,
        kind: str | None = None,
        outputs: Collection[str] | None = None,
        destination: Destination | None = None,
        heygen_conn_id: str = HeyGenHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(heygen_conn_id=heygen_conn_id, **kwargs)
        if kind is not None and kind not in OUTPUTS:
            raise ValueError(f"kind {kind!r} has no downloadable outputs; expected one of {', '.join(OUTPUTS)}")
        self.job_ids = job_ids
        self.kind = kind
        self.outputs = tuple(outputs) if outputs is not None else None
        self.destination = destination

    def execute(self, context: Context) -> dict[str, Any]:
        try:
            job_ids, named_kind = parse_job_ids(self.job_ids)
        except (ValueError, SyntaxError) as exc:
            raise AirflowFailException(f"job_ids: {exc}") from exc
        kind = self.kind or named_kind or "video"
        if kind not in OUTPUTS:
            raise AirflowFailException(f"kind {kind!r} has no downloadable outputs")
        unknown = sorted(set(self.outputs or ()) - set(OUTPUTS[kind]))
        if unknown or not job_ids:
            problem = f"outputs {unknown} are not outputs of {kind}" if unknown else "job_ids is empty"
            raise AirflowFailException(f"{problem}; {kind} outputs: {', '.join(OUTPUTS[kind])}")
        root = storage_path(self.destination or self._default_destination(context))
        files: dict[str, dict[str, str]] = {}
        sizes: dict[str, dict[str, int]] = {}
        for job_id in job_ids:
            for name, (path, size) in self._download_job(kind, job_id, root).items():
                files.setdefault(job_id, {})[name] = path
                sizes.setdefault(job_id, {})[name] = size
        total = sum(size for job in sizes.values() for size in job.values())
        self.log.info(
            "Stored %d file(s) of %d HeyGen %s job(s) (%s bytes) in %s",
            sum(map(len, files.values())),
            len(job_ids),
            kind,
            f"{total:,}",
            root,
        )
        self._announce(context, kind, files)
        return {"kind": kind, "destination": str(root), "files": files, "sizes": sizes, "total_bytes": total}

    def _download_job(self, kind: str, job_id: str, root: ObjectStoragePath) -> dict[str, tuple[str, int]]:
        """Store the chosen outputs of one job under ``root/<job_id>/``: output name -> (path, size)."""
        resource = self._finished_resource(kind, job_id)
        chosen = self.outputs or [name for name, output in OUTPUTS[kind].items() if _url(resource, output)]
        stored = {}
        for name in chosen:
            output = OUTPUTS[kind][name]
            url = _url(resource, output)
            if not url:
                raise AirflowFailException(
                    f"HeyGen {kind} {job_id} has no {name} (none of {', '.join(output.fields)} is set)"
                )

            def refresh(output: Output = output) -> str | None:
                return _url(self._finished_resource(kind, job_id), output)

            written = download(url, root / job_id / name, refresh=refresh, accept=output.accept, add_extension=True)
            stored[name] = (written.path, written.size_bytes)
        return stored

    def _finished_resource(self, kind: str, job_id: str) -> Mapping[str, Any]:
        """The job's resource with fresh URLs; for a Video Agent session, the video it rendered."""
        resource = self.hook.get_job(kind, job_id)
        status = JobStatus.from_resource(job_kind(kind), job_id, resource)
        if status.state is JobState.FAILED:
            raise JobFailedError(
                kind,
                job_id,
                status=status.status or "failed",
                failure_code=status.failure_code,
                failure_message=status.failure_message,
            )
        if status.state is not JobState.SUCCEEDED:
            raise DeliveryError(f"HeyGen {kind} {job_id} is {status.status or 'not finished'}: nothing to download yet")
        if kind == "video_agent":
            if not resource.get("video_id"):
                raise DeliveryError(f"Video Agent session {job_id} finished without a video")
            return self._finished_resource("video", str(resource["video_id"]))
        return resource

    def _default_destination(self, context: Context) -> str:
        ti = context["ti"]
        return os.path.join(tempfile.gettempdir(), "heygen", ti.dag_id, ti.run_id)

    def _announce(self, context: Context, kind: str, files: dict[str, dict[str, str]]) -> None:
        """Put the stored paths in the ``extra`` of the asset events Airflow emits for this task's outlets."""
        events = context.get("outlet_events")
        extra: dict[str, Any] = {"heygen_kind": kind, "files": files}
        for outlet in self.outlets or ():
            if events is not None and isinstance(outlet, Asset):
                events[outlet].extra = extra


def _url(resource: Mapping[str, Any], output: Output) -> str | None:
    return next((resource[field] for field in output.fields if resource.get(field)), None)
