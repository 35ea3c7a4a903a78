"""Templated operator and sensor arguments, read into what HeyGen takes: job ids, languages, files.

Templates render to strings unless the DAG renders native objects, so each reader accepts the value itself and
its rendering (JSON or a Python literal). A value that cannot be read raises ``InvalidRequestError`` naming the
argument, before any HTTP call.
"""

from __future__ import annotations

import ast
import base64
import json
import os
from collections.abc import Collection, Iterable, Mapping
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from airflow_provider.heygen._compat import ObjectStoragePath
from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.errors import InvalidRequestError
from airflow_provider.heygen.api.media import sniff_media_type
from airflow_provider.heygen.delivery import storage_path

__all__ = ["asset_input", "parse_job_ids", "parse_languages"]


def _rendered(text: str, field: str) -> Any:
    """A list or dict that a template rendered as JSON or as a Python literal."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise InvalidRequestError([f"{field}: {text!r} is neither a list nor a result of a HeyGen task"]) from None


def parse_job_ids(value: Any, *, field: str = "job_ids") -> tuple[list[str], str | None]:
    """Job ids, and their kind when a job operator's result names it, from what XCom or a template gives.

    Accepts one id, ``"a, b"``, a list of ids, a job operator's result (``{"kind", "job_ids", ...}``), a list of
    such results (mapped tasks), or any of these rendered. Ids keep their first order, without repeats.
    """
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith(("[", "{")):
            return [part.strip().strip("'\"") for part in text.split(",") if part.strip()], None
        value = _rendered(text, field)
    if isinstance(value, Mapping):
        return parse_job_ids(list(value.get("job_ids") or []), field=field)[0], value.get("kind")
    if value is not None and not isinstance(value, Iterable):
        return [str(value)], None
    ids: list[str] = []
    kinds: set[str] = set()
    for item in value or []:
        more, kind = parse_job_ids(item, field=field) if isinstance(item, Mapping) else ([str(item)], None)
        ids.extend(more)
        kinds.update([kind] if kind else [])
    if len(kinds) > 1:
        raise InvalidRequestError([f"{field}: mixes job kinds {sorted(kinds)}; use one kind per task"])
    return list(dict.fromkeys(ids)), next(iter(kinds), None)


def parse_languages(value: str | Iterable[str], *, field: str = "output_languages") -> list[str]:
    """Language names from a list or its rendering; a plain string is one name (names may hold commas)."""
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            return [text]
        value = _rendered(text, field)
        if not isinstance(value, list):
            raise InvalidRequestError([f"{field}: {text!r} is not a list of language names"])
    return [str(name) for name in value]


def asset_input(source: Any, *, field: str, allowed: Collection[str], expected: str, model: str) -> dict[str, Any]:
    """One file of a request as HeyGen's AssetInput (``{"type": "url" | "asset_id" | "base64", ...}``).

    An AssetInput model or dict is kept as given (the request model validates it); an ``http(s)://`` string
    becomes ``{"type": "url"}``; anything else is a file to read and send inline as base64: a local path, an
    ``ObjectStoragePath``, or a ``scheme://`` string such as ``s3://bucket/deck.pdf``. Its media type is sniffed
    from the content (else the extension) and must be in ``allowed``; files above 32 MB are refused (upload
    them as assets and pass the asset id). Problems raise ``InvalidRequestError`` naming ``field``.
    """
    if isinstance(source, m.RequestModel):
        return source.to_body()
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, str) and urlsplit(source).scheme in ("http", "https"):
        return {"type": "url", "url": source}
    if not isinstance(source, str | os.PathLike | ObjectStoragePath):
        raise InvalidRequestError([f"{field}: {source!r} is not an AssetInput dict, a URL or a path"], model=model)
    try:
        path = storage_path(source)
    except (ValueError, ImportError) as exc:  # an unknown protocol, or its fsspec package missing
        raise InvalidRequestError([f"{field}: cannot open {str(source)!r}: {exc}"], model=model) from None
    try:
        with path.open("rb") as handle:
            content = handle.read(m.ASSET_MAX_BYTES + 1)
    except (FileNotFoundError, IsADirectoryError):
        raise InvalidRequestError([f"{field}: no file at {source}"], model=model) from None
    name = path.name
    problems = []
    if len(content) > m.ASSET_MAX_BYTES:
        problems.append(
            f"{field}: {name!r} is larger than {m.ASSET_MAX_BYTES:,} bytes (32 MB); "
            "upload it as an asset and pass {'type': 'asset_id', ...}"
        )
    media_type = sniff_media_type(content) or m.ASSET_EXTENSION_TYPES.get(PurePath(name).suffix.lower())
    if media_type not in allowed:
        what = f"type {media_type!r}" if media_type else "type"
        problems.append(f"{field}: {what} of {name!r} is not allowed, expected {expected}")
    if problems:
        raise InvalidRequestError(problems, model=model)
    assert media_type is not None
    return {"type": "base64", "media_type": media_type, "data": base64.b64encode(content).decode("ascii")}
