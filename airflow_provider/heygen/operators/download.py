"""HeyGenDownloadOperator: store the outputs of finished HeyGen jobs in any storage, and announce them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from airflow_provider.heygen._compat import AirflowFailException, Asset, Context, ObjectStoragePath
from airflow_provider.heygen.api.errors import InvalidRequestError, JobFailedError
from airflow_provider.heygen.api.jobs import JOB_KINDS, JobKind, JobState, JobStatus, Output, job_kind, known_kinds
from airflow_provider.heygen.delivery import (
    DEFAULT_MAX_BYTES,
    DeliveryError,
    DeliveryRefused,
    Destination,
    download,
    safe_part,
    storage_path,
)
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.inputs import parse_job_ids
from airflow_provider.heygen.lineage import Lineage, delivery_lineage
from airflow_provider.heygen.operators.base import HeyGenOperator

__all__ = ["HeyGenDownloadOperator"]

#: The job kinds with files to deliver (each kind's ``outputs`` in the registry).
DOWNLOADABLE = tuple(name for name, kind in JOB_KINDS.items() if kind.outputs)


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
    :param kind: a job kind with outputs (``JobKind.outputs`` in ``airflow_provider.heygen.api.jobs``; the error
        for any other lists them); default the one named by a job operator's result, else ``video``.
    :param outputs: which of the kind's outputs to store (its ``JobKind.outputs``, e.g. ``video``,
        ``thumbnail``, ``captions`` for a video); each must exist. Default: every output the job has.
    :param destination: templated; a local path, ``file://`` URL, any fsspec URL or ``ObjectStoragePath``.
        Default: ``<tmp>/heygen/<dag_id>/<run_id>`` on the worker (only useful on one machine).
    :param max_bytes: the largest file stored (default 5 GiB); a bigger one fails the task without retries.
    :param heygen_conn_id: the ``heygen`` connection.

    Only ``https://`` file URLs are fetched, or URLs on the connection's own origin (a local fake); a job id
    that is not one plain path part (``..``, ``/``, ``\\``, ...) fails the task before any download.
    """

    template_fields: Sequence[str] = ("job_ids", "destination", "heygen_conn_id")

    def __init__(
        self,
        *,
        job_ids: Any,
        kind: str | None = None,
        outputs: Collection[str] | None = None,
        destination: Destination | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        heygen_conn_id: str = HeyGenHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(heygen_conn_id=heygen_conn_id, **kwargs)
        if kind is not None and kind not in DOWNLOADABLE:
            raise ValueError(f"kind {kind!r} has no downloadable outputs; expected one of {known_kinds(DOWNLOADABLE)}")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
            raise ValueError(f"max_bytes {max_bytes!r} must be a whole number of bytes > 0")
        self.max_bytes = max_bytes
        self.job_ids = job_ids
        self.kind = kind
        self.outputs = tuple(outputs) if outputs is not None else None
        self.destination = destination

    def execute(self, context: Context) -> dict[str, Any]:
        try:
            job_ids, named_kind = parse_job_ids(self.job_ids)
        except InvalidRequestError as exc:
            raise AirflowFailException(str(exc)) from exc
        kind = job_kind(self.kind or named_kind or "video")
        if not kind.outputs:
            raise AirflowFailException(
                f"kind {kind.name!r} has no downloadable outputs; expected one of {known_kinds(DOWNLOADABLE)}"
            )
        unknown = sorted(set(self.outputs or ()) - set(kind.outputs))
        if unknown or not job_ids:
            problem = f"outputs {unknown} are not outputs of {kind.name}" if unknown else "job_ids is empty"
            raise AirflowFailException(f"{problem}; {kind.name} outputs: {', '.join(kind.outputs)}")
        try:  # every file lands in root/<job_id>/<output>: no id may climb out of it
            for part in (*job_ids, *(self.outputs or kind.outputs)):
                safe_part(part)
        except DeliveryRefused as exc:
            raise AirflowFailException(str(exc)) from exc
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
            kind.name,
            f"{total:,}",
            root,
        )
        self._announce(context, kind.name, files)
        return self.returned(
            {"kind": kind.name, "destination": str(root), "files": files, "sizes": sizes, "total_bytes": total}
        )

    def heygen_lineage(self, task_instance: Any) -> Lineage:
        """The jobs whose files were fetched in, the stored files out."""
        return delivery_lineage(self.lineage_namespace, self.finished_result(task_instance))

    def _download_job(self, kind: JobKind, job_id: str, root: ObjectStoragePath) -> dict[str, tuple[str, int]]:
        """Store the chosen outputs of one job under ``root/<job_id>/``: output name -> (path, size)."""
        resource = self._finished_resource(kind, job_id)
        chosen = self.outputs or [name for name, output in kind.outputs.items() if output.url(resource)]
        stored = {}
        for name in chosen:
            output = kind.outputs[name]
            url = output.url(resource)
            if not url:
                raise AirflowFailException(
                    f"HeyGen {kind.name} {job_id} has no {name} (none of {', '.join(output.fields)} is set)"
                )

            def refresh(output: Output = output) -> str | None:
                return output.url(self._finished_resource(kind, job_id))

            try:
                written = download(
                    url,
                    root / safe_part(job_id) / safe_part(name),
                    refresh=refresh,
                    accept=output.accept,
                    add_extension=True,
                    allowed_origins=[self.hook.client.base_url],
                    max_bytes=self.max_bytes,
                )
            except DeliveryRefused as exc:  # the same file breaks the same rule on every try
                raise AirflowFailException(f"HeyGen {kind.name} {job_id} {name}: {exc}") from exc
            stored[name] = (written.path, written.size_bytes)
        return stored

    def _finished_resource(self, kind: JobKind, job_id: str) -> Mapping[str, Any]:
        """The job's resource with fresh URLs; for a kind with ``outputs_via`` (a Video Agent session), the video's."""
        resource = self.hook.get_job(kind.name, job_id)
        status = JobStatus.from_resource(kind, job_id, resource)
        if status.state is JobState.FAILED:
            raise JobFailedError(
                kind.name,
                job_id,
                status=status.status or "failed",
                failure_code=status.failure_code,
                failure_message=status.failure_message,
            )
        if status.state is not JobState.SUCCEEDED:
            raise DeliveryError(
                f"HeyGen {kind.name} {job_id} is {status.status or 'not finished'}: nothing to download yet"
            )
        if kind.outputs_via:
            if not resource.get(kind.outputs_via):
                raise DeliveryError(f"HeyGen {kind.name} {job_id} finished without a {kind.outputs_via}")
            return self._finished_resource(job_kind("video"), str(resource[kind.outputs_via]))
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
