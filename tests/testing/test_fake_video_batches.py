"""The fake's video batches over HTTP: validation per item, queueing behind the cap, in-data pagination,
``batch_ids`` in bulk statuses, idempotent replay, and an account without batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen

VIDEO = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "Five words are spoken here."}
BATCHES = "/v3/videos/batches"


def call(fake: FakeHeyGen, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"x-api-key": fake.api_key, **kwargs.pop("headers", {})}
    return httpx.request(method, fake.url + path, headers=headers, timeout=10, **kwargs)


def create(fake: FakeHeyGen, videos: list[dict[str, Any]], **extra: Any) -> str:
    answer = call(fake, "POST", BATCHES, json={"videos": videos, **extra})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["data"]["batch_id"])


def test_each_item_becomes_an_ordinary_video_job(fake: FakeHeyGen) -> None:
    batch_id = create(fake, [VIDEO, {**VIDEO, "script": "Another one."}], title="Weekly")
    batch = call(fake, "GET", f"{BATCHES}/{batch_id}").json()["data"]
    jobs = fake.jobs("video")
    assert [item["video_id"] for item in batch["items"]] == [job.id for job in jobs] and len(jobs) == 2
    assert [item["item_index"] for item in batch["items"]] == [0, 1]
    assert batch["status"] == "processing" and batch["total_items"] == 2 and batch["title"] == "Weekly"
    assert call(fake, "GET", f"/v3/videos/{jobs[0].id}").json()["data"]["status"] == "pending"
    fake.advance(60)
    batch = call(fake, "GET", f"{BATCHES}/{batch_id}").json()["data"]
    assert batch["status"] == "completed" and batch["counts_by_status"] == {"completed": 2}
    assert fake.credits_spent == pytest.approx(sum(job.credits for job in jobs)) and fake.credits_spent > 0


def test_items_beyond_the_concurrency_cap_queue_without_a_video_id_instead_of_a_429(
    make_fake: Callable[..., FakeHeyGen],
) -> None:
    fake = make_fake(concurrency_limit=2)
    batch_id = create(fake, [VIDEO] * 3)
    items = call(fake, "GET", f"{BATCHES}/{batch_id}").json()["data"]["items"]
    assert [item["video_id"] is None for item in items] == [False, False, True]
    assert items[2]["status"] == "queued" and len(fake.jobs("video")) == 2
    fake.advance(60)  # the first two end: the third gets its video
    batch = call(fake, "GET", f"{BATCHES}/{batch_id}").json()["data"]
    assert batch["items"][2]["video_id"] == fake.jobs("video")[2].id and batch["status"] == "processing"
    fake.advance(60)
    assert call(fake, "GET", f"{BATCHES}/{batch_id}").json()["data"]["status"] == "completed"


def test_a_failed_item_fails_the_batch_once_every_item_is_terminal(fake: FakeHeyGen) -> None:
    fake.inject("job_failure", BATCHES, method="POST", times=1, failure_code="avatar_not_found")
    batch_id = create(fake, [VIDEO, VIDEO])
    fake.advance(60)
    batch = call(fake, "GET", f"{BATCHES}/{batch_id}").json()["data"]
    assert batch["status"] == "failed" and batch["counts_by_status"] == {"failed": 1, "completed": 1}
    assert batch["items"][0]["error"]["code"] == "avatar_not_found" and batch["items"][1]["error"] is None


def test_an_item_the_wallet_cannot_cover_fails_without_a_video(make_fake: Callable[..., FakeHeyGen]) -> None:
    fake = make_fake(wallet_credits=0.3)  # the first video (2 s at 0.1/s) fits, the second does not
    batch_id = create(fake, [VIDEO, VIDEO])
    items = call(fake, "GET", f"{BATCHES}/{batch_id}").json()["data"]["items"]
    assert items[0]["video_id"] and items[1] == {
        "item_index": 1,
        "video_id": None,
        "status": "failed",
        "error": {"code": "insufficient_credit", "message": items[1]["error"]["message"]},
    }


@pytest.mark.parametrize(
    ("video", "param"),
    [
        pytest.param({**VIDEO, "script": "   "}, "videos[1].script", id="limit-check"),
        pytest.param({**VIDEO, "type": "hologram"}, "videos[1].type", id="schema"),
    ],
)
def test_an_invalid_item_refuses_the_whole_batch_naming_it(fake: FakeHeyGen, video: dict[str, Any], param: str) -> None:
    answer = call(fake, "POST", BATCHES, json={"videos": [VIDEO, video]})
    assert answer.status_code == 400 and answer.json()["error"]["param"] == param
    assert fake.jobs("video") == []


def test_more_than_100_videos_are_refused(fake: FakeHeyGen) -> None:
    answer = call(fake, "POST", BATCHES, json={"videos": [VIDEO] * 101})
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "videos"


def test_items_are_paged_inside_data(make_fake: Callable[..., FakeHeyGen]) -> None:
    fake = make_fake(concurrency_limit=None)
    batch_id = create(fake, [VIDEO] * 5)
    seen, token = [], None
    while True:
        params = {"limit": 2, **({"token": token} if token else {})}
        page = call(fake, "GET", f"{BATCHES}/{batch_id}", params=params).json()["data"]
        assert page["total_items"] == 5 and len(page["items"]) <= 2
        seen += [item["item_index"] for item in page["items"]]
        if not page["has_more"]:
            break
        token = page["next_token"]
    assert seen == [0, 1, 2, 3, 4]
    assert call(fake, "GET", f"{BATCHES}/{batch_id}", params={"limit": 101}).status_code == 400


def test_bulk_statuses_expand_batch_ids_into_their_items(make_fake: Callable[..., FakeHeyGen]) -> None:
    fake = make_fake(concurrency_limit=1)
    batch_id = create(fake, [VIDEO, VIDEO])
    first = fake.jobs("video")[0].id
    entries = call(fake, "GET", "/v3/videos/statuses", params={"batch_ids": f"{batch_id},batch_nope"}).json()["data"]
    assert entries == [
        {"item_index": 0, "video_id": first, "status": "queued", "error": None, "batch_id": batch_id},
        {"item_index": 1, "video_id": None, "status": "queued", "error": None, "batch_id": batch_id},
        {"video_id": None, "batch_id": "batch_nope", "status": "not_found", "error": None},
    ]


def test_the_same_idempotency_key_replays_the_batch(fake: FakeHeyGen) -> None:
    headers = {"Idempotency-Key": "batch-key-1"}
    first = call(fake, "POST", BATCHES, json={"videos": [VIDEO]}, headers=headers)
    again = call(fake, "POST", BATCHES, json={"videos": [VIDEO]}, headers=headers)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(fake.jobs("video")) == 1


def test_an_account_without_batches_answers_404(make_fake: Callable[..., FakeHeyGen]) -> None:
    fake = make_fake(video_batches=False)
    answer = call(fake, "POST", BATCHES, json={"videos": [VIDEO]})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert fake.jobs("video") == []
    fake.video_batches = True
    batch_id = create(fake, [VIDEO])
    fake.video_batches = False
    assert call(fake, "GET", f"{BATCHES}/{batch_id}").status_code == 404
    (entry,) = call(fake, "GET", "/v3/videos/statuses", params={"batch_ids": batch_id}).json()["data"]
    assert entry["status"] == "not_found"
