"""Fault injection over real HTTP, one test per fault, plus matching, seeding and the CLI spelling."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake.faults import Fault, FaultSet, parse_fault
from tests.testing.helpers import AVATAR_VIDEO, create_video, error_of


def test_a_5xx_fault_answers_the_error_envelope(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("error", "/v3/videos", method="POST", status=503)

    response = client.post("/v3/videos", json=AVATAR_VIDEO)

    assert response.status_code == 503
    assert error_of(response)["code"] == "internal_error"
    assert fake.jobs() == []


def test_a_5xx_fault_without_envelope_answers_plain_text(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("error", "/v3/users/me", status=502, envelope=False)

    response = client.get("/v3/users/me")

    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/plain")
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_a_delay_fault_slows_the_answer_down(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("delay", "/v3/users/me", delay=0.3)

    started = time.monotonic()
    response = client.get("/v3/users/me")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_a_delay_longer_than_the_client_timeout_times_it_out(fake: FakeHeyGen) -> None:
    fake.inject("delay", "/v3/users/me", delay=0.5)

    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{fake.url}/v3/users/me", headers={"x-api-key": fake.api_key}, timeout=0.1)


def test_a_drop_fault_closes_the_connection_without_an_answer(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("drop", "/v3/videos/*", method="GET")

    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        client.get("/v3/videos/v_1")
    assert fake.requests[-1].status is None


def test_a_malformed_fault_answers_200_with_broken_json(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("malformed", "/v3/users/me")

    response = client.get("/v3/users/me")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_a_rate_limit_fault_answers_429_with_retry_after(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("rate_limit", "/v3/videos", retry_after=7)

    response = client.post("/v3/videos", json=AVATAR_VIDEO)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert error_of(response)["code"] == "rate_limit_exceeded"


def test_an_html_fault_answers_a_proxy_error_page(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("html", "/v3/users/me", status=502)

    response = client.get("/v3/users/me")

    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<html>")


def test_an_empty_fault_answers_200_without_a_body(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("empty", "/v3/users/me")

    response = client.get("/v3/users/me")

    assert (response.status_code, response.content) == (200, b"")


def test_a_huge_fault_pads_the_real_answer(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("huge", "/v3/users/me", size=3_000_000)

    response = client.get("/v3/users/me")

    assert response.status_code == 200 and len(response.content) > 3_000_000
    assert response.json()["data"] == client.get("/v3/users/me").json()["data"]


def test_a_truncate_fault_cuts_the_body_short_of_its_length(fake: FakeHeyGen, client: httpx.Client) -> None:
    url = fake.state.file_url("clip.mp4", b"x" * 10_000)
    fake.inject("truncate", "/files/*", times=1)

    with httpx.stream("GET", url) as response:
        assert response.headers["content-length"] == "10000"
        with pytest.raises(httpx.RemoteProtocolError, match="received 5000 bytes"):
            response.read()
    assert httpx.get(url).content == b"x" * 10_000  # the next try gets it whole


def test_an_expire_fault_cuts_the_download_and_the_url_answers_403_after(fake: FakeHeyGen) -> None:
    url = fake.state.file_url("clip.mp4", b"x" * 10_000)
    fresh = fake.state.file_url("clip.mp4", b"x" * 10_000)
    fake.inject("expire", "/files/*", times=1)

    with pytest.raises(httpx.RemoteProtocolError), httpx.stream("GET", url) as response:
        response.read()
    assert httpx.get(url).status_code == 403
    assert "expired" in httpx.get(url).text
    assert httpx.get(fresh).content == b"x" * 10_000  # a newly minted URL works


def test_a_job_failure_fault_fails_the_job_with_its_code_and_message(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("job_failure", "/v3/videos", failure_code="download_failed", failure_message="cannot fetch audio")
    video_id = create_video(client)

    assert client.get(f"/v3/videos/{video_id}").json()["data"]["status"] == "pending"
    fake.advance(2)
    video = client.get(f"/v3/videos/{video_id}").json()["data"]
    assert (video["status"], video["failure_code"], video["failure_message"]) == (
        "failed",
        "download_failed",
        "cannot fetch audio",
    )


def test_a_job_stuck_fault_never_finishes_and_keeps_its_slot(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.concurrency_limit = 1
    fake.inject("job_stuck", "/v3/videos")
    video_id = create_video(client)
    fake.advance(3600)

    assert client.get(f"/v3/videos/{video_id}").json()["data"]["status"] == "processing"
    refused = client.post("/v3/videos", json=AVATAR_VIDEO)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"


def test_a_lost_answer_retried_with_the_same_key_makes_one_job_paid_once(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    fake.inject("drop", "/v3/videos", method="POST", after=True, times=1)
    headers = {"Idempotency-Key": "retry-me"}

    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/v3/videos", json=AVATAR_VIDEO, headers=headers)
    retried = client.post("/v3/videos", json=AVATAR_VIDEO, headers=headers)
    fake.advance(5)

    assert retried.headers["idempotent-replayed"] == "true"
    assert [job.id for job in fake.jobs()] == [retried.json()["data"]["video_id"]]
    assert fake.credits_spent == pytest.approx(0.2)


def test_times_limits_how_often_a_fault_fires(fake: FakeHeyGen, client: httpx.Client) -> None:
    fault = fake.inject("error", "/v3/users/me", times=2)

    assert [client.get("/v3/users/me").status_code for _ in range(4)] == [500, 500, 200, 200]
    assert fault.hits == 2


def test_faults_match_method_glob_and_regex(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("error", re.compile(r"/v3/video-translations/vt_\d+"), status=504)
    fake.inject("error", "/v3/lipsyncs*", method="DELETE", status=502)

    assert client.get("/v3/video-translations/vt_12").status_code == 504
    assert client.get("/v3/video-translations/vt_ab").status_code == 404
    assert client.get("/v3/lipsyncs/ls_1").status_code == 404
    assert client.delete("/v3/lipsyncs/ls_1").status_code == 502


def test_a_seeded_rate_gives_the_same_pattern_every_run() -> None:
    def pattern(seed: int) -> list[bool]:
        faults = FaultSet(seed)
        faults.add(Fault(kind="error", path="/v3/videos", rate=0.5))
        return [faults.pick("POST", "/v3/videos", ("error",)) is not None for _ in range(40)]

    assert pattern(1) == pattern(1)
    assert pattern(1) != pattern(2)
    assert 5 < sum(pattern(1)) < 35


def test_a_seeded_fake_repeats_its_faults_and_ids() -> None:
    def run() -> tuple[list[int], list[str]]:
        with FakeHeyGen(seed=3, clock_speed=0) as other:
            other.inject_spec("POST /v3/videos:500:0.5")
            with httpx.Client(base_url=other.url, headers={"x-api-key": other.api_key}) as http:
                codes = [http.post("/v3/videos", json=AVATAR_VIDEO).status_code for _ in range(12)]
            return codes, [job.id for job in other.jobs()]

    first, second = run(), run()
    assert first == second
    assert set(first[0]) == {200, 500}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("POST /v3/videos:500:0.5", {"kind": "error", "status": 500, "rate": 0.5}, id="500"),
        pytest.param("GET /v3/*:503-raw:1", {"kind": "error", "status": 503, "envelope": False}, id="raw"),
        pytest.param("/v3/users/me:429=9:1", {"kind": "rate_limit", "retry_after": 9, "method": "*"}, id="429"),
        pytest.param("* /v3/*:slow=2.5:0.1", {"kind": "delay", "delay": 2.5}, id="slow"),
        pytest.param("GET /v3/videos/*:drop:0.2", {"kind": "drop", "after": False}, id="drop"),
        pytest.param("POST /v3/videos:drop-after:1", {"kind": "drop", "after": True}, id="drop-after"),
        pytest.param("GET /v3/users/me:malformed:1", {"kind": "malformed"}, id="malformed"),
        pytest.param("POST /v3/videos:fail=download_failed:1", {"kind": "job_failure"}, id="fail"),
        pytest.param("POST /v3/lipsyncs:stuck:1", {"kind": "job_stuck", "path": "/v3/lipsyncs"}, id="stuck"),
        pytest.param("GET /v3/*:html=504:1", {"kind": "html", "status": 504}, id="html"),
        pytest.param("GET /v3/*:empty-after:1", {"kind": "empty", "after": True}, id="empty-after"),
        pytest.param("GET /v3/*:huge=1000:1", {"kind": "huge", "size": 1000}, id="huge"),
        pytest.param("GET /files/*:truncate:0.5", {"kind": "truncate", "rate": 0.5}, id="truncate"),
        pytest.param("GET /files/*:expire:1", {"kind": "expire"}, id="expire"),
    ],
)
def test_cli_fault_specs_parse(spec: str, expected: dict[str, object]) -> None:
    fault = parse_fault(spec)

    assert {key: getattr(fault, key) for key in expected} == expected
    if fault.kind == "job_failure":
        assert fault.failure_code == "download_failed"


@pytest.mark.parametrize(
    "spec",
    ["POST /v3/videos:500", "POST /v3/videos:teapot:1", "POST /v3/videos:500:2", "GET /files/*:truncate-after:1"],
)
def test_bad_fault_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match=r"fault|rate|kind"):
        parse_fault(spec)
