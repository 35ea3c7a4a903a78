"""The HeyGen error tree: every error survives pickle with its fields, and none carries the API key."""

from __future__ import annotations

import importlib
import pickle
import pkgutil

import httpx
import pytest

import airflow_provider.heygen
from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.api import errors
from airflow_provider.heygen.delivery import DeliveryError, DeliveryRefused

KEY = "sk-secret-123"


def status_error(cls: type[errors.APIStatusError], status_code: int) -> errors.APIStatusError:
    """An HTTP error with every field set, so that a field lost on the way shows."""
    return cls(
        "script is too long",
        status_code=status_code,
        code="invalid_parameter",
        param="script",
        doc_url="https://docs.heygen.com/reference/errors",
        request_id="req_42",
        method="POST",
        path="/v3/videos",
        retry_after=2.5,
    )


#: One instance of each class of the tree (``test_every_error_class_has_a_sample`` keeps it complete).
SAMPLES = [
    errors.HeyGenError("something went wrong"),
    status_error(errors.APIStatusError, 418),
    status_error(errors.BadRequestError, 400),
    status_error(errors.AuthenticationError, 401),
    status_error(errors.InsufficientCreditError, 402),
    status_error(errors.PermissionDeniedError, 403),
    status_error(errors.NotFoundError, 404),
    status_error(errors.ConflictError, 409),
    status_error(errors.PayloadTooLargeError, 413),
    status_error(errors.RateLimitError, 429),
    status_error(errors.ConcurrencyLimitError, 429),
    status_error(errors.ServerError, 503),
    status_error(errors.MalformedResponseError, 200),
    errors.HeyGenConnectionError("connection refused", request_sent=False),
    errors.HeyGenTimeoutError("read timed out"),
    errors.InvalidRequestError(["script: too long", "title: empty"], model="AvatarVideoRequest"),
    errors.JobFailedError(
        "video", "v_1", status="error", failure_code="download_failed", failure_message="could not fetch the image"
    ),
    errors.JobTimeoutError("video_translation", ["vt_1", "vt_2"], waited_seconds=1800),
    errors.CostGuardError("refused by a cost guard"),
    errors.BudgetExceededError(12.5, 10, detail="4 languages x 3 minutes"),
    errors.UnknownCostError(10, detail="source length unknown", hint="source_duration="),
    errors.WalletFloorError(40.0, 50.0, estimate=12.5),
    errors.InvalidTriggerEventError("HeyGen trigger event must be a mapping, got list"),
    errors.PollerStoppedError("the HeyGen video status poller stopped: RuntimeError: a bug"),
    errors.WebhookVerificationError("Webhook event evt_1 was already handled", check="replay", event_id="evt_1"),
    DeliveryError("v_1: the captions are no longer offered"),
    DeliveryRefused("Refusing to download http://storage.test/v.mp4: only https:// URLs or allowed origins"),
]


#: Modules that import what only Airflow 3 brings (the api-server's FastAPI).
AIRFLOW_3_MODULES = {"airflow_provider.heygen.plugins.receiver"}


def error_tree() -> set[type[errors.HeyGenError]]:
    """``HeyGenError`` and its subclasses defined in the provider, once every module of it is imported."""
    package = airflow_provider.heygen.__name__
    for module in pkgutil.walk_packages(airflow_provider.heygen.__path__, prefix=f"{package}."):
        if AIRFLOW_V_3 or module.name not in AIRFLOW_3_MODULES:
            importlib.import_module(module.name)
    found: set[type[errors.HeyGenError]] = set()
    pending = [errors.HeyGenError]
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return {cls for cls in found if cls.__module__.startswith(f"{package}.")}


def test_every_error_class_has_a_sample() -> None:
    sampled = [type(error) for error in SAMPLES]
    assert len(sampled) == len(set(sampled)), "one sample per class"
    assert set(sampled) == error_tree()


@pytest.mark.parametrize("error", [pytest.param(error, id=type(error).__name__) for error in SAMPLES])
def test_error_survives_pickle_with_its_fields(error: errors.HeyGenError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert copy.__dict__ == error.__dict__


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(
            400,
            '{"error": {"code": "invalid_parameter", "message": "script is too long", "param": "script"}}',
            id="bad-request-envelope",
        ),
        pytest.param(401, '{"error": {"code": "unauthorized", "message": "API key invalid"}}', id="unauthorized"),
        pytest.param(
            429,
            '{"error": {"code": "concurrency_limit_exceeded", "message": "too many concurrent jobs"}}',
            id="concurrency-limit",
        ),
        pytest.param(502, "<html>Bad Gateway</html>", id="gateway-page"),
    ],
)
def test_error_from_a_response_never_carries_the_api_key(status: int, body: str) -> None:
    request = httpx.Request("POST", "https://api.heygen.com/v3/videos", headers={"x-api-key": KEY})
    response = httpx.Response(status, request=request, headers={"x-request-id": "req_42"}, text=body)
    error = errors.error_from_response(response, retry_after=1.0)
    assert error.status_code == status and error.request_id == "req_42"
    assert KEY.encode() not in pickle.dumps(error)
    assert KEY not in str(error) and KEY not in repr(error)
