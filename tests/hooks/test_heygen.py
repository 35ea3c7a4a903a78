"""HeyGenHook: connection -> clients, test_connection, escape hatches, and the key kept out of sight."""

from __future__ import annotations

import json
import logging
import re
import uuid
from types import SimpleNamespace

import httpx
import pytest
import respx

from airflow_provider.heygen.api.errors import InvalidRequestError, NotFoundError
from airflow_provider.heygen.hooks.heygen import HeyGenHook

KEY = "hg-secret-key-xyz"
BASE = "http://heygen.test:8080"


@pytest.fixture(autouse=True)
def heygen_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = {"conn_type": "heygen", "password": KEY, "host": BASE, "extra": {"timeout": 12, "max_retries": 2}}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(conn))


def test_client_is_built_from_the_connection() -> None:
    client = HeyGenHook().get_conn()
    assert client.base_url == BASE
    assert client.timeout.read == 12
    assert client.retry.max_attempts == 3
    assert KEY not in repr(client)


def test_uri_form_extras_arrive_as_strings_and_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_URI", f"heygen://:{KEY}@heygen.test:9000/?timeout=7&max_retry_wait=3")
    client = HeyGenHook("heygen_uri").get_conn()
    assert client.timeout.read == 7
    assert client.retry.max_wait == 3
    assert client.base_url == "https://heygen.test:9000"


@pytest.mark.parametrize(
    ("host", "schema", "port", "expected"),
    [
        pytest.param(None, None, None, "https://api.heygen.com", id="default"),
        pytest.param("", None, None, "https://api.heygen.com", id="empty"),
        pytest.param("http://127.0.0.1:8000/", None, None, "http://127.0.0.1:8000", id="full-url"),
        pytest.param("api.heygen.com", None, None, "https://api.heygen.com", id="bare-host"),
        pytest.param("localhost", "http", 8000, "http://localhost:8000", id="host-schema-port"),
    ],
)
def test_base_url_of(host: str | None, schema: str | None, port: int | None, expected: str) -> None:
    assert HeyGenHook.base_url_of(SimpleNamespace(host=host, schema=schema, port=port)) == expected


def test_missing_key_names_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_NOKEY", json.dumps({"conn_type": "heygen", "host": BASE}))
    with pytest.raises(ValueError, match="'nokey' has no API key"):
        HeyGenHook("nokey").get_conn()


@respx.mock(base_url=BASE)
def test_test_connection_reports_the_account(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get("/v3/users/me").respond(
        json={"data": {"username": "ada", "email": "ada@example.com", "billing_type": "wallet"}}
    )
    assert HeyGenHook().test_connection() == (True, "Connected to HeyGen as ada (billing: wallet)")
    assert route.calls.last.request.headers["x-api-key"] == KEY


@respx.mock(base_url=BASE)
def test_test_connection_failure_is_a_message_without_the_key(
    respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    respx_mock.get("/v3/users/me").respond(401, json={"error": {"code": "unauthorized", "message": "API key invalid"}})
    ok, message = HeyGenHook().test_connection()
    assert not ok
    assert "401" in message and "unauthorized" in message
    assert KEY not in message and KEY not in caplog.text


@respx.mock(base_url=BASE)
def test_request_and_paginate_escape_hatches(respx_mock: respx.MockRouter) -> None:
    respx_mock.get("/v3/brand-kits").mock(
        side_effect=[
            httpx.Response(200, json={"data": [{"id": 1}], "has_more": True, "next_token": "n"}),
            httpx.Response(200, json={"data": [{"id": 2}], "has_more": False, "next_token": None}),
        ]
    )
    post = respx_mock.post("/v3/templates/t1").respond(json={"data": {"video_id": "v9"}})
    hook = HeyGenHook()
    assert [item["id"] for item in hook.paginate("/v3/brand-kits")] == [1, 2]
    assert hook.request("POST", "/v3/templates/t1", json={"title": "x"}, idempotency_key="k-1")["data"] == {
        "video_id": "v9"
    }
    assert post.calls.last.request.headers["idempotency-key"] == "k-1"
    respx_mock.get("/v3/videos/nope").respond(404, json={"error": {"code": "not_found", "message": "no video"}})
    with pytest.raises(NotFoundError):
        hook.request("GET", "/v3/videos/nope")


@respx.mock(base_url=BASE, assert_all_called=False)
def test_typed_create_rejects_bad_input_before_any_http(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("/v3/videos")
    with pytest.raises(InvalidRequestError, match="script"):
        HeyGenHook().create_video({"type": "avatar", "avatar_id": "a1", "script": "x" * 5001, "voice_id": "v"})
    assert not route.called


@respx.mock(base_url=BASE)
def test_typed_create_sends_an_idempotency_key(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("/v3/videos").respond(json={"data": {"video_id": "v1", "status": "waiting"}})
    created = HeyGenHook().create_video({"type": "avatar", "avatar_id": "a1", "script": "Hello", "voice_id": "v"})
    assert created.video_id == "v1"
    assert route.calls.last.request.headers["idempotency-key"]


@respx.mock(base_url=BASE)
async def test_async_client_looks_up_the_connection_inside_the_event_loop(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get("/v3/videos/statuses").respond(
        json={"data": [{"video_id": "a", "status": "completed"}, {"video_id": "b", "status": "processing"}]}
    )
    client = await HeyGenHook().get_async_conn()
    async with client:
        statuses = await client.get_job_statuses("video", ["a", "b"])
    assert statuses["a"].state.is_success and not statuses["b"].state.is_terminal


def test_legacy_form_methods_share_the_provider_info_behaviour() -> None:
    behaviour = HeyGenHook.get_ui_field_behaviour()
    assert behaviour["relabeling"]["password"] == "API key (or OAuth token)"
    assert "login" in behaviour["hidden_fields"]


def test_airflow_2_form_offers_every_conn_field_and_checks_the_auth_type() -> None:
    pytest.importorskip("flask_appbuilder", reason="Airflow 2's connection form (3.2+ reads conn-fields)")
    from werkzeug.datastructures import MultiDict
    from wtforms import Form

    from airflow_provider.heygen.provider_info import CONN_FIELDS

    widgets = HeyGenHook.get_connection_form_widgets()
    form_class = type("HeyGenForm", (Form,), {"auth_type": widgets["auth_type"]})

    def valid(value: str) -> bool:
        return form_class(formdata=MultiDict({"auth_type": value})).validate()

    assert set(widgets) == set(CONN_FIELDS)
    assert valid("oauth") and valid("api_key")
    assert valid("")  # empty: the default, api_key
    assert not valid("bearer")


# --- OAuth access tokens ----------------------------------------------------------------------------------

TOKEN = "hg-oauth-token-abc"


@pytest.fixture
def oauth_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = {"conn_type": "heygen", "password": TOKEN, "host": BASE, "extra": {"auth_type": "oauth"}}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_OAUTH", json.dumps(conn))


@respx.mock(base_url=BASE)
def test_an_oauth_connection_sends_its_token_as_bearer_only(
    respx_mock: respx.MockRouter, oauth_connection: None
) -> None:
    route = respx_mock.get("/v3/users/me").respond(json={"data": {"username": "ada", "billing_type": "subscription"}})
    hook = HeyGenHook("heygen_oauth")

    assert hook.test_connection() == (True, "Connected to HeyGen as ada (billing: subscription)")
    sent = route.calls.last.request
    assert sent.headers["authorization"] == f"Bearer {TOKEN}" and "x-api-key" not in sent.headers
    assert hook.get_conn().auth_type == "oauth" and TOKEN not in repr(hook.get_conn())


@respx.mock(base_url=BASE)
async def test_the_async_client_of_an_oauth_connection_sends_bearer(
    respx_mock: respx.MockRouter, oauth_connection: None
) -> None:
    route = respx_mock.get("/v3/users/me").respond(json={"data": {}})
    async with await HeyGenHook("heygen_oauth").get_async_conn() as client:
        await client.request("GET", "/v3/users/me")
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"


@respx.mock(base_url=BASE)
def test_a_rejected_token_is_a_message_without_the_token(respx_mock: respx.MockRouter, oauth_connection: None) -> None:
    respx_mock.get("/v3/users/me").respond(401, json={"error": {"code": "unauthorized", "message": "token expired"}})
    ok, message = HeyGenHook("heygen_oauth").test_connection()
    assert not ok and "token expired" in message and TOKEN not in message


@pytest.mark.parametrize(
    ("extra", "password", "problem"),
    [
        pytest.param(
            {"auth_type": "bearer"},
            TOKEN,
            "has auth_type 'bearer': use 'api_key' (the default) or 'oauth'",
            id="unknown",
        ),
        pytest.param({"auth_type": "oauth"}, None, "'bad' has no OAuth access token", id="no-token"),
    ],
)
def test_a_bad_auth_setup_names_the_connection_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, extra: dict, password: str | None, problem: str
) -> None:
    conn = {"conn_type": "heygen", "password": password, "host": BASE, "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_BAD", json.dumps(conn))
    with pytest.raises(ValueError, match=re.escape(problem)):
        HeyGenHook("bad").get_conn()


def test_auth_type_is_read_in_any_case_and_defaults_to_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for conn_id, extra, expected in (("upper", {"auth_type": " OAuth "}, "oauth"), ("plain", {}, "api_key")):
        conn = {"conn_type": "heygen", "password": TOKEN, "host": BASE, "extra": extra}
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        assert HeyGenHook(conn_id).get_conn().auth_type == expected


def test_retry_deadline_bounds_the_connections_policy() -> None:
    client = HeyGenHook(retry_deadline=15).get_conn()
    assert client.retry.deadline == 15
    assert client.retry.max_attempts == 3  # still from the connection's max_retries


# --- the key registered with Airflow's secrets masker -----------------------------------------------------


@pytest.fixture
def airflow_masker(monkeypatch: pytest.MonkeyPatch) -> logging.Filter:
    """The secrets masker Airflow's task logs go through, switched on (tests run without Airflow's log setup)."""
    from airflow_provider.heygen._compat import AIRFLOW_V_3

    if AIRFLOW_V_3:
        from airflow.sdk._shared.secrets_masker import SecretsMasker, _secrets_masker

        monkeypatch.setattr(SecretsMasker, "mask_secrets_in_logs", True)
    else:
        from airflow import settings
        from airflow.utils.log.secrets_masker import _secrets_masker  # type: ignore[no-redef]

        monkeypatch.setattr(settings, "MASK_SECRETS_IN_LOGS", True)
    masker: logging.Filter = _secrets_masker()
    return masker


def _logged(masker: logging.Filter, key: str) -> str:
    record = logging.LogRecord("airflow.task", logging.INFO, __file__, 1, "calling HeyGen with %s", (key,), None)
    masker.filter(record)
    return record.getMessage()


def _bare_connection(key: str) -> SimpleNamespace:
    """A connection that is not Airflow's: Airflow's own lookup masks the password, this proves the hook does."""
    return SimpleNamespace(password=key, host=BASE, schema=None, port=None, extra_dejson={})


def test_the_sync_client_registers_its_key_with_the_masker(
    airflow_masker: logging.Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = f"sk-heygen-unit-{uuid.uuid4().hex}"
    assert _logged(airflow_masker, key).endswith(key)  # not masked before: the test can fail

    monkeypatch.setattr(HeyGenHook, "get_connection", classmethod(lambda cls, conn_id: _bare_connection(key)))
    HeyGenHook().get_conn()

    message = _logged(airflow_masker, key)
    assert key not in message
    assert message == "calling HeyGen with ***"


async def test_the_async_client_registers_its_key_with_the_masker(
    airflow_masker: logging.Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = f"sk-heygen-unit-{uuid.uuid4().hex}"
    assert _logged(airflow_masker, key).endswith(key)

    async def lookup(conn_id: str) -> SimpleNamespace:
        return _bare_connection(key)

    monkeypatch.setattr("airflow_provider.heygen.hooks.heygen.aget_connection", lookup)
    async with await HeyGenHook().get_async_conn():
        pass

    assert _logged(airflow_masker, key) == "calling HeyGen with ***"


def test_an_oauth_token_is_registered_with_the_masker(
    airflow_masker: logging.Filter, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = f"hg-oauth-unit-{uuid.uuid4().hex}"
    assert _logged(airflow_masker, token).endswith(token)
    connection = SimpleNamespace(**{**vars(_bare_connection(token)), "extra_dejson": {"auth_type": "oauth"}})

    monkeypatch.setattr(HeyGenHook, "get_connection", classmethod(lambda cls, conn_id: connection))
    client = HeyGenHook().get_conn()

    assert client.auth_type == "oauth"
    assert _logged(airflow_masker, token) == "calling HeyGen with ***"


def test_a_connection_from_the_environment_is_masked_too(airflow_masker: logging.Filter) -> None:
    HeyGenHook().get_conn()
    assert _logged(airflow_masker, KEY) == "calling HeyGen with ***"
