"""``FakeHeyGen``'s surface: connection strings, request log, response hook, reset, lazy import, fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.contract.schemas import ContractCheck
from tests.testing.helpers import AVATAR_VIDEO, create_video


def test_the_airflow_connection_points_at_the_fake(fake: FakeHeyGen) -> None:
    assert json.loads(fake.airflow_conn_env()) == {
        "conn_type": "heygen",
        "password": fake.api_key,
        "host": fake.url,
    }
    assert fake.airflow_conn_uri() == f"heygen://:{fake.api_key}@{fake.url.removeprefix('http://')}"
    assert fake.url.startswith("http://127.0.0.1:")


def test_the_airflow_connection_json_is_read_by_airflow(fake: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.models.connection import Connection

    connection = Connection.from_json(fake.airflow_conn_env(), conn_id="heygen_default")

    assert (connection.conn_type, connection.password, connection.host) == ("heygen", fake.api_key, fake.url)


def test_requests_are_logged_without_the_api_key(fake: FakeHeyGen, client: httpx.Client) -> None:
    create_video(client, **{"Idempotency-Key": "k-1"})
    client.get("/v3/videos", params={"limit": 5}, headers={"authorization": f"Bearer {fake.api_key}"})

    post, listing = fake.requests
    assert (post.method, post.path, post.status, post.body) == ("POST", "/v3/videos", 200, AVATAR_VIDEO)
    assert post.headers["idempotency-key"] == "k-1"
    assert (listing.query, listing.status) == ("limit=5", 200)
    for request in fake.requests:
        assert "x-api-key" not in request.headers and "authorization" not in request.headers
        assert fake.api_key not in repr(request)
    assert fake.requests_to("POST", "/v3/videos") == [post]


def test_on_response_sees_every_json_answer() -> None:
    seen: list[tuple[str, str, int, Any]] = []
    with FakeHeyGen(on_response=lambda *answer: seen.append(answer)) as fake:
        httpx.get(f"{fake.url}/v3/users/me")
        httpx.get(f"{fake.url}/v3/users/me", headers={"x-api-key": fake.api_key})

    assert [(method, path, status) for method, path, status, _ in seen] == [
        ("GET", "/v3/users/me", 401),
        ("GET", "/v3/users/me", 200),
    ]
    assert seen[1][3]["data"]["username"] == "fake-user"


def test_the_contract_check_catches_an_answer_that_breaks_the_schema() -> None:
    check = ContractCheck()
    check("GET", "/v3/videos/v_1", 200, {"data": {"id": "v_1", "status": "rendering"}})
    check("GET", "/not/heygen", 200, {"anything": True})

    assert check.checked == 1
    assert len(check.violations) == 1
    assert "rendering" in check.violations[0]


def test_reset_forgets_jobs_requests_faults_and_refills_the_wallet(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("error", "/v3/users/me")
    create_video(client)
    fake.advance(5)

    fake.reset()

    assert (fake.jobs(), fake.requests, fake.credits_spent, fake.wallet_balance) == ([], [], 0, 1000.0)
    assert client.get("/v3/users/me").status_code == 200


def test_unknown_routes_answer_the_error_envelope(client: httpx.Client) -> None:
    response = client.get("/v3/nothing-here")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_every_answer_carries_a_request_id(client: httpx.Client) -> None:
    ids = {client.get("/v3/users/me").headers["x-request-id"] for _ in range(3)}

    assert len(ids) == 3


def test_importing_the_testing_package_and_plugin_loads_no_server_library() -> None:
    code = (
        "import sys, airflow_provider.heygen.testing, airflow_provider.heygen.testing.pytest_plugin;"
        "print(sorted(m for m in ('starlette', 'uvicorn', 'jsonschema') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"


def test_the_heygen_fake_fixture_runs_a_fast_fake_and_sets_the_connection(heygen_fake: FakeHeyGen) -> None:
    assert heygen_fake.clock_speed == 60.0
    assert os.environ["AIRFLOW_CONN_HEYGEN_DEFAULT"] == heygen_fake.airflow_conn_env()
    response = httpx.get(f"{heygen_fake.url}/v3/users/me", headers={"x-api-key": heygen_fake.api_key})
    assert response.status_code == 200


def test_start_twice_is_refused_and_stop_twice_is_harmless() -> None:
    fake = FakeHeyGen().start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            fake.start()
    finally:
        fake.stop()
    fake.stop()
