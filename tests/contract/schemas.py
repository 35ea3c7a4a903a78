"""Validate bodies against HeyGen's published v3 schemas (tests/contract/heygen-v3-operations.json).

The schemas are OpenAPI-flavoured: ``nullable: true`` and ``oneOf`` + ``discriminator``. Plain JSON Schema
reads ``nullable`` as nothing (nulls fail) and ``oneOf`` as "exactly one" (loose branches clash), so both are
rewritten once before validating with Draft 2020-12.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema

OPERATIONS_FILE = Path(__file__).with_name("heygen-v3-operations.json")
OPENAPI_FILE = Path(__file__).with_name("heygen-openapi-2026-04.json")


def as_json_schema(schema: Any) -> Any:
    """Rewrite ``nullable`` into a null type and a discriminated ``oneOf`` into ``anyOf``, recursively."""
    if isinstance(schema, list):
        return [as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: as_json_schema(value) for key, value in schema.items() if key not in ("nullable", "discriminator")}
    if "discriminator" in schema and "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    if schema.get("nullable"):
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        for key in ("anyOf", "oneOf"):
            if key in out:
                out[key] = [*out[key], {"type": "null"}]
    return out


@functools.cache
def operations() -> list[dict[str, Any]]:
    return json.loads(OPERATIONS_FILE.read_text())["operations"]


def find_operation(method: str, path: str) -> dict[str, Any]:
    """The operation serving a concrete path such as ``/v3/videos/v_1``; literal segments beat templates."""
    path = path.split("?", 1)[0]
    candidates = [
        op
        for op in operations()
        if op["method"] == method.upper() and re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", op["path"]), path)
    ]
    if not candidates:
        raise KeyError(f"HeyGen has no operation {method.upper()} {path}")
    return min(candidates, key=lambda op: op["path"].count("{"))


@functools.cache
def _validator(method: str, template: str, which: str) -> jsonschema.Draft202012Validator | None:
    op = next(o for o in operations() if o["method"] == method and o["path"] == template)
    schema = op.get(f"{which}_schema")
    return jsonschema.Draft202012Validator(as_json_schema(schema)) if schema else None


def _errors(method: str, path: str, body: Any, which: str) -> list[str]:
    op = find_operation(method, path)
    validator = _validator(op["method"], op["path"], which)
    if validator is None:
        return []
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(body)]


def request_errors(method: str, path: str, body: Any) -> list[str]:
    """Schema errors of a request body; [] when it conforms or the operation has no body schema."""
    return _errors(method, path, body, "request")


def response_errors(method: str, path: str, body: Any) -> list[str]:
    """Schema errors of a response body; [] when it conforms or the operation has no response schema."""
    return _errors(method, path, body, "response")


class ContractCheck:
    """An ``on_response`` hook collecting schema violations of answers to HeyGen's known operations."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.checked = 0

    def __call__(self, method: str, path: str, status: int, body: Any) -> None:
        try:
            find_operation(method, path)
        except KeyError:  # not one of HeyGen's operations (e.g. an unknown route answering 404)
            return
        self.checked += 1
        self.violations += [f"{method} {path} -> {status}: {error}" for error in response_errors(method, path, body)]
