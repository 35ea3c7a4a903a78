"""OpenLineage for HeyGen tasks: what a task read and made, as datasets, and what it cost, as a run facet.

Built from plain data (a task's rendered request and its result) by pure functions; OpenLineage itself (the
``openlineage`` extra, ``apache-airflow-providers-openlineage``) is imported only when Airflow's OpenLineage
listener asks a finished task for its facets, so parsing a DAG never loads it.

Names follow OpenLineage's convention (namespace ``scheme://authority``, name the path within it):

- HeyGen resources: namespace ``heygen://<API host>`` (``heygen://api.heygen.com``, or the connection's host),
  name ``<kind>/<id>``: the jobs a task started (``video/<id>``, ``video_translation/<id>``,
  ``avatar/<look id>``; a Video Agent session also names its ``video/<id>``), the uploaded assets it read or
  made (``asset/<id>``), the avatar looks a video uses (``avatar/<look id>``) and the proofreads a translation
  is generated from (``proofread/<id>``). So the output of one task is the input of the next one that uses it;
- source URLs: ``https://host`` + the path. The query string and fragment (where presigned URLs carry their
  signatures and expiry) and any ``user:password@`` are dropped;
- stored files: ``s3://bucket`` + the key, ``gs://bucket`` + the key, local files ``file`` + the absolute
  path; an ``ObjectStoragePath``'s connection id (``s3://conn_id@bucket/...``) is dropped;
- files sent inline (base64) have no name anywhere: they are not recorded.

Run facet ``heygen`` (``HeyGenRunFacet``): ``kind``, ``jobIds``, ``status``, ``credits`` (what the jobs cost)
and ``estimate`` (``{"credits", "upper_bound", "basis"}``, made before submitting); for deliveries also
``totalBytes``. Stored files carry the ``outputStatistics`` facet (``size``, ``fileCount``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "HEYGEN_SCHEME",
    "Dataset",
    "Lineage",
    "delivery_lineage",
    "heygen_namespace",
    "job_lineage",
    "location_dataset",
    "pulled_result",
    "request_sources",
    "scrub_url",
    "sources_of",
    "speech_lineage",
    "to_operator_lineage",
    "upload_lineage",
]

#: The scheme of the namespace of HeyGen's resources.
HEYGEN_SCHEME = "heygen"
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Object stores whose authority is a bucket; the dataset name is then the key, without a leading ``/``.
_BUCKET_SCHEMES = {"s3": "s3", "s3a": "s3", "s3n": "s3", "gs": "gs", "gcs": "gs"}
#: Request fields that hold URLs but are not inputs.
_NOT_SOURCES = frozenset({"callback_url"})
#: A result's fields copied into the run facet: result key -> facet field.
_FACET_FIELDS = {
    "kind": "kind",
    "job_ids": "jobIds",
    "status": "status",
    "credits": "credits",
    "estimate": "estimate",
    "total_bytes": "totalBytes",
}


@dataclass(frozen=True)
class Dataset:
    """One OpenLineage dataset as plain data: its namespace and name, and a stored file's size in bytes."""

    namespace: str
    name: str
    size_bytes: int | None = None


@dataclass(frozen=True)
class Lineage:
    """What a finished task read and made, and the fields of its ``heygen`` run facet (None: no facet)."""

    inputs: tuple[Dataset, ...] = ()
    outputs: tuple[Dataset, ...] = ()
    run: Mapping[str, Any] | None = field(default=None)


def scrub_url(url: str) -> str:
    """``url`` without what may be secret: ``user:password@``, the query string and the fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = _port(parts)
    netloc = f"{host}:{port}" if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()) else host
    return parts._replace(netloc=netloc, query="", fragment="").geturl()


def _port(parts: Any) -> int | None:
    try:
        return int(parts.port) if parts.port is not None else None
    except ValueError:  # not a number: drop it rather than fail the event
        return None


def heygen_namespace(base_url: str) -> str:
    """The namespace of HeyGen's resources behind ``base_url``: ``heygen://api.heygen.com``."""
    return f"{HEYGEN_SCHEME}://{urlsplit(scrub_url(base_url)).netloc}"


def location_dataset(location: Any) -> Dataset | None:
    """The dataset of a URL, an ``ObjectStoragePath`` or a local path (made absolute); None for nothing."""
    text = os.fspath(location) if isinstance(location, os.PathLike) else str(location or "")
    if not text:
        return None
    parts = urlsplit(scrub_url(text))
    scheme = parts.scheme.lower()
    if scheme in ("", "file") or len(scheme) == 1:  # a one-letter scheme is a Windows drive
        path = parts.path if scheme == "file" else text
        host = parts.netloc if scheme == "file" and parts.netloc not in ("", "localhost") else ""
        return Dataset(f"file://{host}" if host else "file", path if host else os.path.abspath(path))
    if not parts.netloc:
        return None
    return Dataset(f"{_BUCKET_SCHEMES.get(scheme, scheme)}://{parts.netloc}", parts.path.lstrip("/"))


def request_sources(payload: Any) -> list[tuple[str, str]]:
    """The inputs a HeyGen request names, in order and once each: ``("url", url)``, ``("asset", id)``,
    ``("avatar", look id)``.

    Found anywhere in the request: AssetInputs (``{"type": "url", "url"}``, ``{"type": "asset_id",
    "asset_id"}``), ``*_url`` and ``*_asset_id`` fields (``audio_url``, ``audio_asset_id``; not
    ``callback_url``) and ``avatar_id`` (one look, or a list of them).
    """
    found: list[tuple[str, str]] = []

    def visit(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                name = str(key)
                if isinstance(item, str) and item:
                    if (name == "url" or name.endswith("_url")) and name not in _NOT_SOURCES:
                        found.append(("url", item))
                    elif name == "asset_id" or name.endswith("_asset_id"):
                        found.append(("asset", item))
                    elif name == "avatar_id":
                        found.append(("avatar", item))
                elif name == "avatar_id" and isinstance(item, list):
                    found.extend(("avatar", look) for look in item if isinstance(look, str) and look)
                else:
                    visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)

    visit(payload)
    return list(dict.fromkeys(found))


def sources_of(given: Any) -> list[tuple[str, str]]:
    """The inputs of an operator's file arguments (``files``, ``file``, ``reference_images``): AssetInputs, URLs
    and paths (``("path", location)``), as ``asset_input`` reads them."""
    items = [] if given is None else [given] if isinstance(given, str | os.PathLike | Mapping) else list(given)
    found: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, Mapping):
            found.extend(request_sources(item))
        elif hasattr(item, "to_body"):  # an AssetInput model
            found.extend(request_sources(item.to_body()))
        elif isinstance(item, str) and urlsplit(item).scheme in ("http", "https"):
            found.append(("url", item))
        elif item:
            found.append(("path", os.fspath(item) if isinstance(item, os.PathLike) else str(item)))
    return found


def _source_datasets(namespace: str, sources: Iterable[tuple[str, str]]) -> list[Dataset]:
    datasets = []
    for kind, value in sources:
        dataset = location_dataset(value) if kind in ("url", "path") else Dataset(namespace, f"{kind}/{value}")
        if dataset is not None and dataset not in datasets:
            datasets.append(dataset)
    return datasets


def _run_fields(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not result:
        return None
    return {facet: result[key] for key, facet in _FACET_FIELDS.items() if result.get(key) is not None}


def job_lineage(
    namespace: str,
    kind: str,
    result: Mapping[str, Any] | None,
    sources: Iterable[tuple[str, str]] = (),
    *,
    outputs_via: str | None = None,
) -> Lineage:
    """A job task's lineage: its sources in, its jobs out (each job's ``outputs_via`` resource too: a Video
    Agent session's ``video/<id>``), and the result's cost and state as the run facet."""
    result = result or {}
    kind = str(result.get("kind") or kind)
    outputs = [Dataset(namespace, f"{kind}/{job_id}") for job_id in result.get("job_ids") or ()]
    if outputs_via:
        for job in result.get("jobs") or ():
            if isinstance(job, Mapping) and job.get(outputs_via):
                outputs.append(Dataset(namespace, f"video/{job[outputs_via]}"))
    return Lineage(tuple(_source_datasets(namespace, sources)), tuple(dict.fromkeys(outputs)), _run_fields(result))


def delivery_lineage(namespace: str, result: Mapping[str, Any] | None) -> Lineage:
    """A delivery's lineage: the jobs whose files it fetched in, the stored files out (with their sizes)."""
    if not result:
        return Lineage()
    kind = str(result.get("kind") or "video")
    files: Mapping[str, Mapping[str, str]] = result.get("files") or {}
    sizes: Mapping[str, Mapping[str, int]] = result.get("sizes") or {}
    outputs = []
    for job_id, stored in files.items():
        for output, path in stored.items():
            dataset = location_dataset(path)
            if dataset is not None:
                outputs.append(Dataset(dataset.namespace, dataset.name, (sizes.get(job_id) or {}).get(output)))
    run = {**(_run_fields(result) or {}), "jobIds": list(files)}
    return Lineage(tuple(Dataset(namespace, f"{kind}/{job_id}") for job_id in files), tuple(outputs), run)


def speech_lineage(result: Mapping[str, Any] | None) -> Lineage:
    """A speech's lineage: the stored audio out (when it was stored), the cost as the run facet."""
    if not result:
        return Lineage()
    stored = location_dataset(result.get("path"))
    outputs = () if stored is None else (Dataset(stored.namespace, stored.name, result.get("size_bytes")),)
    request_id = result.get("request_id")
    run = {"kind": "speech", **(_run_fields(result) or {}), "jobIds": [request_id] if request_id else []}
    return Lineage((), outputs, run)


def upload_lineage(namespace: str, source: Any, result: Mapping[str, Any] | None) -> Lineage:
    """An upload's lineage: the file in, the HeyGen asset out."""
    inputs = tuple(dataset for dataset in (location_dataset(source),) if dataset is not None)
    asset_id = (result or {}).get("asset_id")
    if not asset_id:
        return Lineage(inputs)
    return Lineage(inputs, (Dataset(namespace, f"asset/{asset_id}"),), {"kind": "asset", "jobIds": [asset_id]})


def pulled_result(task_instance: Any) -> Mapping[str, Any] | None:
    """The task's return value from XCom, when the operator instance did not keep it; None if it cannot be read."""
    try:
        value = task_instance.xcom_pull(
            task_ids=task_instance.task_id, key="return_value", map_indexes=getattr(task_instance, "map_index", -1)
        )
    except Exception:  # lineage is best effort: never fail the listener on a missing XCom
        return None
    return value if isinstance(value, Mapping) else None


def to_operator_lineage(lineage: Lineage) -> Any:
    """``lineage`` as the OpenLineage provider's ``OperatorLineage`` (imports OpenLineage: call it only from the
    ``get_openlineage_facets_*`` methods)."""
    from airflow.providers.common.compat.openlineage.facet import (
        InputDataset,
        OutputDataset,
        OutputStatisticsOutputDatasetFacet,
    )
    from airflow.providers.openlineage.extractors import OperatorLineage

    outputs = []
    for dataset in lineage.outputs:
        facets: dict[str, Any] = (
            {}
            if dataset.size_bytes is None
            else {"outputStatistics": OutputStatisticsOutputDatasetFacet(size=dataset.size_bytes, fileCount=1)}
        )
        outputs.append(OutputDataset(namespace=dataset.namespace, name=dataset.name, outputFacets=facets))
    run_facets = {} if lineage.run is None else {"heygen": _run_facet_class()(**lineage.run)}
    return OperatorLineage(
        inputs=[InputDataset(namespace=dataset.namespace, name=dataset.name) for dataset in lineage.inputs],
        outputs=outputs,
        run_facets=run_facets,
    )


@functools.cache
def _run_facet_class() -> Any:
    """The ``heygen`` run facet's class, defined on first use (it derives from OpenLineage's ``RunFacet``)."""
    import attrs
    from airflow.providers.common.compat.openlineage.facet import RunFacet

    @attrs.define(kw_only=True)
    class HeyGenRunFacet(RunFacet):  # type: ignore[misc]
        """What a HeyGen task did: the job kind, its jobs' ids and state, and its credits spent and estimated."""

        # OpenLineage's facets name their fields in camelCase.
        kind: str | None = None
        jobIds: list[str] = attrs.field(factory=list)
        status: str | None = None
        credits: float | None = None
        estimate: dict[str, Any] | None = None
        totalBytes: int | None = None

    return HeyGenRunFacet
