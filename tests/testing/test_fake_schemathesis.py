"""Schemathesis against the fake, with HeyGen's OpenAPI document (2026-04), for its current operations.

Only the operations that are still in the newer operations file are tested (the document also holds v1/v2
paths, the old ``/v3/video-agents/sessions`` layout and a removed caption endpoint). Where the two files
disagree the operations file wins (see ``tests/contract/README.md``), so its enums replace the document's
before loading. Every answer must be no 5xx, use a documented status and content type, and match the
documented schema. Few examples per operation keep the run bounded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from airflow_provider.heygen.testing import FakeHeyGen
from tests.contract.schemas import OPENAPI_FILE, operations

_METHODS = ("get", "put", "post", "patch", "delete")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _operation(method: str, path: str) -> Any:
    return next(op for op in operations() if (op["method"], op["path"]) == (method, path))


def _data_fields(method: str, path: str) -> Any:
    """The properties of ``data`` in an operation's response schema (operations file)."""
    return _operation(method, path)["response_schema"]["properties"]["data"]["properties"]


def current_document() -> dict[str, Any]:
    """The OpenAPI document cut down to the operations that still exist, with the newer enums."""
    doc = json.loads(OPENAPI_FILE.read_text())
    current = {(op["method"].lower(), op["path"]) for op in operations()}
    paths = {}
    for path, item in doc["paths"].items():
        kept = {key: value for key, value in item.items() if key not in _METHODS or (key, path) in current}
        if any(key in _METHODS for key in kept):
            paths[path] = kept
    doc["paths"] = paths
    schemas = doc["components"]["schemas"]
    look = _data_fields("GET", "/v3/avatars/looks/{look_id}")
    schemas["AvatarLookType"]["enum"] = look["avatar_type"]["enum"]
    session = _data_fields("POST", "/v3/video-agents")
    schemas["CreateVideoAgentResponse"]["properties"]["status"]["enum"] = session["status"]["enum"]
    endpoint = _operation("POST", "/v3/webhooks/endpoints")["request_schema"]["properties"]
    schemas["WebhookEventType"]["enum"] = endpoint["events"]["items"]["enum"]
    # The newer file names the video-footage avatar "digital_twin" (the document still says "video").
    schemas["CreateVideoAvatarRequest"]["properties"]["type"]["const"] = "digital_twin"
    schemas["CreateAvatarRequestBody"]["discriminator"]["mapping"] = {
        "photo": "#/components/schemas/CreatePhotoAvatarRequest",
        "prompt": "#/components/schemas/CreatePromptAvatarRequest",
        "digital_twin": "#/components/schemas/CreateVideoAvatarRequest",
    }
    return doc


schema = schemathesis.openapi.from_dict(current_document())


@pytest.fixture(scope="module")
def running_fake() -> Iterator[FakeHeyGen]:
    with FakeHeyGen(clock_speed=0.0, seed=11, concurrency_limit=None) as fake:
        yield fake


def test_only_current_operations_are_exercised() -> None:
    paths = current_document()["paths"]
    kept = {(method.upper(), path) for path, item in paths.items() for method in item if method in _METHODS}

    assert kept <= {(op["method"], op["path"]) for op in operations()}
    assert {("GET", "/v3/voices"), ("POST", "/v3/assets"), ("POST", "/v3/webhooks/endpoints")} <= kept
    assert not any(path.startswith(("/v1/", "/v2/", "/v3/video-agents/sessions")) for _, path in kept)


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_fake_conforms_to_the_openapi_document(case: Any, running_fake: FakeHeyGen) -> None:
    case.call_and_validate(
        base_url=running_fake.url, headers={"x-api-key": running_fake.api_key}, checks=CHECKS, timeout=10
    )
