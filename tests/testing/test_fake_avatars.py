"""Avatars over real HTTP: the public catalogue of groups and looks, filters and limits, private avatars
trained on the fake's clock, rename and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from tests.testing.helpers import error_of


def _image_asset(client: httpx.Client) -> dict[str, str]:
    asset_id = client.post("/v3/assets", files={"file": ("me.png", media.thumbnail_png())}).json()["data"]["asset_id"]
    return {"type": "asset_id", "asset_id": asset_id}


def _without_urls(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if not key.endswith("_url")}


def _create(client: httpx.Client, **body: Any) -> httpx.Response:
    return client.post("/v3/avatars", json=body)


@pytest.fixture
def photo_avatar(client: httpx.Client) -> dict[str, Any]:
    """A private photo avatar just created (still training)."""
    response = _create(client, type="photo", name="Me", file=_image_asset(client))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_public_catalogue_has_groups_whose_looks_add_up(client: httpx.Client) -> None:
    groups = client.get("/v3/avatars").json()
    looks = client.get("/v3/avatars/looks", params={"limit": 50}).json()["data"]

    assert groups["has_more"] is False and len(groups["data"]) >= 3
    assert sum(group["looks_count"] for group in groups["data"]) == len(looks)
    for group in groups["data"]:
        assert group["default_voice_id"]
        assert client.get(f"/v3/voices/{group['default_voice_id']}").status_code == 200
        detail = client.get(f"/v3/avatars/{group['id']}").json()["data"]
        assert _without_urls(detail) == _without_urls(group)  # presigned URLs are minted afresh on every read


def test_public_looks_are_ready_to_use(client: httpx.Client) -> None:
    for look in client.get("/v3/avatars/looks", params={"limit": 50}).json()["data"]:
        assert look["supported_api_engines"]
        assert look["image_width"] > 0 and look["image_height"] > 0
        assert client.get(look["preview_image_url"]).content.startswith(b"\x89PNG")
        assert client.get(f"/v3/avatars/looks/{look['id']}").json()["data"]["id"] == look["id"]


def test_catalogue_ids_are_stable_across_fakes(client: httpx.Client) -> None:
    with (
        FakeHeyGen() as other,
        httpx.Client(base_url=other.url, headers={"x-api-key": other.api_key}) as second,
    ):
        theirs = [look["id"] for look in second.get("/v3/avatars/looks", params={"limit": 50}).json()["data"]]
    ours = [look["id"] for look in client.get("/v3/avatars/looks", params={"limit": 50}).json()["data"]]

    assert ours == theirs


def test_a_public_look_id_is_an_avatar_id_for_videos(client: httpx.Client) -> None:
    look = client.get("/v3/avatars/looks", params={"limit": 1}).json()["data"][0]
    body = {
        "type": "avatar",
        "avatar_id": look["id"],
        "voice_id": look["default_voice_id"],
        "script": "Hello",
    }

    assert client.post("/v3/videos", json=body).status_code == 200


def test_looks_filter_by_group_and_type_and_page(client: httpx.Client) -> None:
    group = client.get("/v3/avatars").json()["data"][0]
    of_group = client.get("/v3/avatars/looks", params={"group_id": group["id"]}).json()["data"]
    photos = client.get("/v3/avatars/looks", params={"avatar_type": "photo_avatar"}).json()["data"]
    paged = client.get("/v3/avatars/looks", params={"limit": 2}).json()

    assert len(of_group) == group["looks_count"] and {look["group_id"] for look in of_group} == {group["id"]}
    assert photos and {look["avatar_type"] for look in photos} == {"photo_avatar"}
    assert len(paged["data"]) == 2 and paged["has_more"] is True and paged["next_token"]


@pytest.mark.parametrize(
    ("path", "params", "param"),
    [
        pytest.param("/v3/avatars", {"limit": 51}, "limit", id="groups-limit-over-50"),
        pytest.param("/v3/avatars/looks", {"limit": 51}, "limit", id="looks-limit-over-50"),
        pytest.param("/v3/avatars", {"ownership": "shared"}, "ownership", id="unknown-ownership"),
        pytest.param("/v3/avatars/looks", {"avatar_type": "robot"}, "avatar_type", id="unknown-avatar-type"),
    ],
)
def test_invalid_list_queries_name_the_parameter(
    client: httpx.Client, path: str, params: dict[str, Any], param: str
) -> None:
    response = client.get(path, params=params)

    assert response.status_code == 400
    assert error_of(response)["param"] == param


def test_unknown_group_and_look_are_404(client: httpx.Client) -> None:
    assert client.get("/v3/avatars/no_such_group").status_code == 404
    assert client.get("/v3/avatars/looks/no_such_look").status_code == 404


def test_photo_avatar_trains_then_has_a_preview_and_a_size(
    fake: FakeHeyGen, client: httpx.Client, photo_avatar: dict[str, Any]
) -> None:
    look, group = photo_avatar["avatar_item"], photo_avatar["avatar_group"]

    assert (look["status"], group["status"], look["avatar_type"]) == (
        "processing",
        "processing",
        "photo_avatar",
    )
    assert (look["preview_image_url"], look["image_width"], look["image_height"]) == (None, None, None)
    assert fake.credits_spent == 1.0

    fake.advance(30)
    trained = client.get(f"/v3/avatars/looks/{look['id']}").json()["data"]
    assert trained["status"] == "completed"
    assert trained["image_width"] > 0 and trained["image_height"] > 0
    assert client.get(trained["preview_image_url"]).content.startswith(b"\x89PNG")
    assert client.get(f"/v3/avatars/{group['id']}").json()["data"]["status"] == "completed"


def test_private_avatars_are_listed_by_ownership(client: httpx.Client, photo_avatar: dict[str, Any]) -> None:
    private_groups = client.get("/v3/avatars", params={"ownership": "private"}).json()["data"]
    private_looks = client.get("/v3/avatars/looks", params={"ownership": "private"}).json()["data"]
    public_looks = client.get("/v3/avatars/looks", params={"ownership": "public", "limit": 50}).json()["data"]

    assert [group["id"] for group in private_groups] == [photo_avatar["avatar_group"]["id"]]
    assert [look["id"] for look in private_looks] == [photo_avatar["avatar_item"]["id"]]
    assert photo_avatar["avatar_item"]["id"] not in {look["id"] for look in public_looks}


@pytest.mark.parametrize(
    ("avatar_type", "seconds", "looks_type"),
    [
        pytest.param("digital_twin", 120, "digital_twin", id="digital-twin"),
        pytest.param("prompt", 60, "photo_avatar", id="prompt"),
    ],
)
def test_other_avatar_types_train_for_their_own_time(
    fake: FakeHeyGen, client: httpx.Client, avatar_type: str, seconds: int, looks_type: str
) -> None:
    if avatar_type == "digital_twin":
        clip = client.post("/v3/assets", files={"file": ("me.mp4", media.video_bytes("mp4"))}).json()["data"]
        body: dict[str, Any] = {"file": {"type": "asset_id", "asset_id": clip["asset_id"]}}
    else:
        body = {"prompt": "a friendly teacher in a bright classroom"}
    look = _create(client, type=avatar_type, name="Twin", **body).json()["data"]["avatar_item"]

    fake.advance(seconds - 1)
    assert client.get(f"/v3/avatars/looks/{look['id']}").json()["data"]["status"] == "processing"
    fake.advance(1)
    done = client.get(f"/v3/avatars/looks/{look['id']}").json()["data"]
    assert (done["status"], done["avatar_type"]) == ("completed", looks_type)


def test_adding_a_look_to_an_existing_group(client: httpx.Client, photo_avatar: dict[str, Any]) -> None:
    group_id = photo_avatar["avatar_group"]["id"]
    second = _create(client, type="photo", name="Me again", file=_image_asset(client), avatar_group_id=group_id)

    assert second.json()["data"]["avatar_group"]["id"] == group_id
    assert client.get(f"/v3/avatars/{group_id}").json()["data"]["looks_count"] == 2


@pytest.mark.parametrize(
    ("body", "param"),
    [
        pytest.param({"type": "photo", "name": "x", "file": {"type": "asset_id", "asset_id": "nope"}}, "file.asset_id"),
        pytest.param({"type": "photo", "name": "x", "file": {"type": "url", "url": "ftp://x/y.png"}}, "file.url"),
        pytest.param({"type": "photo", "name": " ", "file": {"type": "url", "url": "https://x/y.png"}}, "name"),
        pytest.param({"type": "cartoon", "name": "x"}, "type"),
        pytest.param({"type": "prompt", "name": "x", "prompt": "p", "avatar_group_id": "ag_nope"}, "avatar_group_id"),
        pytest.param(
            {
                "type": "prompt",
                "name": "x",
                "prompt": "p",
                "reference_images": [{"type": "url", "url": "https://x"}] * 4,
            },
            "reference_images",
        ),
    ],
    ids=["unknown-asset", "non-http-url", "blank-name", "unknown-type", "unknown-group", "four-references"],
)
def test_invalid_create_requests_name_the_parameter(
    fake: FakeHeyGen, client: httpx.Client, body: dict[str, Any], param: str
) -> None:
    response = _create(client, **body)

    assert response.status_code == 400
    assert error_of(response)["param"] == param
    assert fake.credits_spent == 0.0


def test_digital_twin_from_an_image_is_refused(client: httpx.Client) -> None:
    response = _create(client, type="digital_twin", name="Twin", file=_image_asset(client))

    assert response.status_code == 400
    assert error_of(response)["param"] == "file"


def test_create_with_an_empty_wallet_is_402_and_creates_nothing(make_fake: Callable[..., FakeHeyGen]) -> None:
    fake = make_fake(wallet_credits=0.0)
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as client:
        response = _create(client, type="prompt", name="x", prompt="a chef")
        private = client.get("/v3/avatars", params={"ownership": "private"}).json()["data"]

    assert response.status_code == 402
    assert private == []


def test_injected_failure_fails_the_look_and_its_group(fake: FakeHeyGen, client: httpx.Client) -> None:
    fake.inject("job_failure", "/v3/avatars", method="POST", failure_code="bad_photo", failure_message="No face")
    created = _create(client, type="photo", name="Me", file=_image_asset(client)).json()["data"]
    fake.advance(30)

    look = client.get(f"/v3/avatars/looks/{created['avatar_item']['id']}").json()["data"]
    group = client.get(f"/v3/avatars/{created['avatar_group']['id']}").json()["data"]
    assert (look["status"], look["error"]) == ("failed", {"code": "bad_photo", "message": "No face"})
    assert look["preview_image_url"] is None
    assert (group["status"], group["error"]) == ("failed", look["error"])


def test_rename_and_delete_a_private_look_deleting_its_last_look_deletes_the_group(
    client: httpx.Client, photo_avatar: dict[str, Any]
) -> None:
    look_id, group_id = photo_avatar["avatar_item"]["id"], photo_avatar["avatar_group"]["id"]

    renamed = client.patch(f"/v3/avatars/looks/{look_id}", json={"name": "Renamed"}).json()["data"]
    assert renamed["name"] == "Renamed"
    assert client.delete(f"/v3/avatars/looks/{look_id}").json() == {"data": {"id": look_id}}
    assert client.get(f"/v3/avatars/looks/{look_id}").status_code == 404
    assert client.get(f"/v3/avatars/{group_id}").status_code == 404


def test_deleting_a_group_deletes_its_looks(client: httpx.Client, photo_avatar: dict[str, Any]) -> None:
    group_id, look_id = photo_avatar["avatar_group"]["id"], photo_avatar["avatar_item"]["id"]

    assert client.delete(f"/v3/avatars/{group_id}").json() == {"data": {"id": group_id}}
    assert client.get(f"/v3/avatars/looks/{look_id}").status_code == 404
    assert client.delete(f"/v3/avatars/{group_id}").status_code == 404


def test_public_groups_and_looks_cannot_be_changed(client: httpx.Client) -> None:
    look = client.get("/v3/avatars/looks", params={"limit": 1}).json()["data"][0]

    assert client.patch(f"/v3/avatars/looks/{look['id']}", json={"name": "Mine"}).status_code == 403
    assert client.delete(f"/v3/avatars/looks/{look['id']}").status_code == 403
    assert client.delete(f"/v3/avatars/{look['group_id']}").status_code == 403


def test_consent_answers_a_url_for_a_private_group(client: httpx.Client, photo_avatar: dict[str, Any]) -> None:
    group_id = photo_avatar["avatar_group"]["id"]
    consent = client.post(f"/v3/avatars/{group_id}/consent", json={}).json()["data"]

    assert consent["url"].startswith("https://")
    assert consent["avatar_group"]["id"] == group_id
