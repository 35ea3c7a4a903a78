"""Video batch models and operations: per-item validation before any HTTP call, the contract's request schema,
and ``get_video_batch`` reading every page of items (over HTTP to the fake)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import respx

from airflow_provider.heygen.api import models as m
from airflow_provider.heygen.api.client import HeyGenClient
from airflow_provider.heygen.api.errors import InvalidRequestError, MalformedResponseError
from airflow_provider.heygen.testing import FakeHeyGen
from tests.contract.schemas import request_errors

VIDEO = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "Hello from a batch."}


def client(fake: FakeHeyGen) -> HeyGenClient:
    return HeyGenClient(fake.api_key, base_url=fake.url)


def test_a_bad_item_is_named_by_its_place_before_any_request(fake: FakeHeyGen) -> None:
    videos = [VIDEO] * 3 + [{**VIDEO, "script": "x" * 5001}]
    with pytest.raises(InvalidRequestError, match=r"videos\[3\]\.script: 5,001 characters") as info:
        client(fake).create_video_batch({"videos": videos})
    assert info.value.problems == ["videos[3].script: 5,001 characters, the limit is 5,000"]
    assert fake.requests == []


def test_a_batch_holds_1_to_100_videos_while_a_task_may_list_more() -> None:
    with pytest.raises(InvalidRequestError, match=r"videos: 101 items, must be 1-100"):
        m.VideoBatchRequest.parse({"videos": [VIDEO] * 101})
    with pytest.raises(InvalidRequestError, match=r"videos: 0 items"):
        m.VideoBatchRequest.parse({"videos": []})
    many = m.parse_video_requests([VIDEO] * 250)
    batches = many.batches("Launch")
    assert [len(batch.videos) for batch in batches] == [100, 100, 50]
    assert [batch.title for batch in batches] == ["Launch (1/3)", "Launch (2/3)", "Launch (3/3)"]
    assert m.parse_video_requests([VIDEO]).batches("Launch")[0].title == "Launch"


@pytest.mark.parametrize("given", ["not a list", {"videos": [VIDEO]}, 7])
def test_requests_must_be_a_list(given: object) -> None:
    with pytest.raises(InvalidRequestError, match="expected a list of video requests"):
        m.parse_video_requests(given)  # type: ignore[arg-type]


def test_the_body_sent_validates_against_heygens_schema_and_carries_the_key(fake: FakeHeyGen) -> None:
    models = [m.parse_video_request(VIDEO), {**VIDEO, "engine": {"type": "avatar_iii"}}]
    request = m.VideoBatchRequest.parse(
        {"videos": [m.parse_video_request(v).to_body() for v in models[:1]] + models[1:]}
    )
    created = client(fake).create_video_batch(request, idempotency_key="key-1")
    (post,) = fake.requests_to("POST", "/v3/videos/batches")
    assert request_errors("POST", "/v3/videos/batches", post.body) == []
    assert post.headers["idempotency-key"] == "key-1" and created.batch_id.startswith("batch_")


def test_get_video_batch_reads_every_page(
    make_fake: Callable[..., FakeHeyGen], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = make_fake(concurrency_limit=None)
    api = client(fake)
    batch_id = api.create_video_batch({"videos": [VIDEO] * 5}).batch_id
    real_get = api._get

    def small_pages(path, model, params=None):  # type: ignore[no-untyped-def]
        return real_get(path, model, {**(params or {}), "limit": 2})

    monkeypatch.setattr(api, "_get", small_pages)
    batch = api.get_video_batch(batch_id)
    assert [item.item_index for item in batch.items] == [0, 1, 2, 3, 4] and not batch.has_more
    assert [item.video_id for item in batch.items] == [job.id for job in fake.jobs("video")]
    assert len(fake.requests_to("GET", f"/v3/videos/batches/{batch_id}")) == 3


@respx.mock(base_url="https://heygen.test")
def test_a_batch_page_token_that_repeats_is_a_malformed_answer_not_a_silent_cut(respx_mock: respx.MockRouter) -> None:
    page = {"batch_id": "b_1", "status": "processing", "total_items": 3, "counts_by_status": {}, "created_at": 1}
    item = {"item_index": 0, "video_id": "v_1", "status": "queued"}
    respx_mock.get("/v3/videos/batches/b_1").respond(
        json={"data": {**page, "items": [item], "has_more": True, "next_token": "t1"}}
    )
    with pytest.raises(MalformedResponseError, match="repeats a token"):
        HeyGenClient("key", base_url="https://heygen.test").get_video_batch("b_1")
    assert len(respx_mock.calls) == 2  # the first page, then the page after t1, which named t1 again
