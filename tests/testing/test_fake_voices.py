"""Voices over real HTTP: the catalogue and its filters, speech (real MP3, timing, limits, credits), design,
clones."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from typing import Any

import httpx
import mutagen.mp3
import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from tests.testing.helpers import error_of


def _voices(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every voice the list returns for these filters, following ``next_token``."""
    found, token = [], None
    while True:
        page = client.get("/v3/voices", params={**params, **({"token": token} if token else {})}).json()
        found += page["data"]
        token = page["next_token"]
        if not page["has_more"]:
            return found


@pytest.fixture
def starfish_voice(client: httpx.Client) -> dict[str, Any]:
    return client.get("/v3/voices", params={"engine": "starfish", "limit": 1}).json()["data"][0]


def _speak(client: httpx.Client, **body: Any) -> httpx.Response:
    return client.post("/v3/voices/speech", json=body)


def test_list_pages_twenty_at_a_time_through_thirty_public_voices(client: httpx.Client) -> None:
    first = client.get("/v3/voices").json()
    second = client.get("/v3/voices", params={"token": first["next_token"]}).json()

    assert len(first["data"]) == 20 and first["has_more"] is True
    assert len(second["data"]) == 10 and second["has_more"] is False and second["next_token"] is None
    ids = [voice["voice_id"] for voice in first["data"] + second["data"]]
    assert len(set(ids)) == 30
    assert {voice["type"] for voice in first["data"]} == {"public"}


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_limit_outside_1_to_100_is_invalid(client: httpx.Client, limit: str) -> None:
    response = client.get("/v3/voices", params={"limit": limit})

    assert response.status_code == 400
    assert error_of(response)["param"] == "limit"


def test_catalogue_is_the_same_on_every_fake(client: httpx.Client) -> None:
    with (
        FakeHeyGen() as other,
        httpx.Client(base_url=other.url, headers={"x-api-key": other.api_key}) as second,
    ):
        assert [v["voice_id"] for v in _voices(second)] == [v["voice_id"] for v in _voices(client)]


def test_filters_combine_engine_language_and_gender(client: httpx.Client) -> None:
    everything = _voices(client, limit=100)
    starfish = _voices(client, engine="starfish")
    spanish_women = _voices(client, language="spanish", gender="female")

    assert 0 < len(starfish) < len(everything)
    assert any(voice["support_pause"] for voice in starfish)
    assert spanish_women and {(v["language"], v["gender"]) for v in spanish_women} == {("Spanish", "female")}
    assert _voices(client, engine="no-such-engine") == []


def test_type_must_be_public_or_private(client: httpx.Client) -> None:
    response = client.get("/v3/voices", params={"type": "shared"})

    assert response.status_code == 400
    assert error_of(response)["param"] == "type"


def test_get_voice_returns_details_and_unknown_is_404(client: httpx.Client, starfish_voice: dict) -> None:
    detail = client.get(f"/v3/voices/{starfish_voice['voice_id']}").json()["data"]
    missing = client.get("/v3/voices/0123456789abcdef0123456789abcdef")

    assert detail["name"] == starfish_voice["name"]
    assert detail["status"] is None  # only clones have a status
    assert client.get(detail["preview_audio_url"]).headers["content-type"] == "audio/mpeg"
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"


def test_every_starfish_voice_speaks_and_every_other_voice_is_refused(client: httpx.Client) -> None:
    starfish = {voice["voice_id"] for voice in _voices(client, engine="starfish")}
    for voice in _voices(client, limit=100):
        response = _speak(client, text="Hello", voice_id=voice["voice_id"])
        if voice["voice_id"] in starfish:
            assert response.status_code == 200, response.text
        else:
            assert response.status_code == 400
            assert error_of(response)["param"] == "voice_id"


def test_speech_serves_an_mp3_as_long_as_the_reported_duration(client: httpx.Client, starfish_voice: dict) -> None:
    text = "The quick brown fox jumps over the lazy dog near the river bank"  # 13 words: 5.2 s
    speech = _speak(client, text=text, voice_id=starfish_voice["voice_id"]).json()["data"]

    assert speech["duration"] == pytest.approx(13 / 2.5, abs=0.01)
    assert speech["request_id"]
    audio = client.get(speech["audio_url"])
    assert audio.headers["content-type"] == "audio/mpeg"
    assert mutagen.mp3.MP3(io.BytesIO(audio.content)).info.length == pytest.approx(speech["duration"], abs=0.05)


def test_word_timestamps_cover_each_word_in_order(client: httpx.Client, starfish_voice: dict) -> None:
    speech = _speak(client, text="one two three four", voice_id=starfish_voice["voice_id"]).json()["data"]
    stamps = speech["word_timestamps"]

    assert [stamp["word"] for stamp in stamps] == ["one", "two", "three", "four"]
    assert stamps[0]["start"] == 0.0
    assert all(a["end"] <= b["start"] + 1e-9 and a["start"] < a["end"] for a, b in itertools.pairwise(stamps))
    assert stamps[-1]["end"] == pytest.approx(speech["duration"])


def test_speed_two_halves_the_duration(client: httpx.Client, starfish_voice: dict) -> None:
    text = "one two three four five six seven eight nine ten"
    normal = _speak(client, text=text, voice_id=starfish_voice["voice_id"]).json()["data"]
    fast = _speak(client, text=text, voice_id=starfish_voice["voice_id"], speed=2.0).json()["data"]

    assert fast["duration"] == pytest.approx(normal["duration"] / 2, abs=0.01)


def test_ssml_break_adds_its_pause_between_the_words(client: httpx.Client) -> None:
    voice = next(v for v in _voices(client, engine="starfish") if v["support_pause"])
    ssml = '<speak>Hello <break time="1500ms"/> world</speak>'
    speech = _speak(client, text=ssml, voice_id=voice["voice_id"], input_type="ssml").json()["data"]
    hello, world = speech["word_timestamps"]

    assert (hello["word"], world["word"]) == ("Hello", "world")
    assert world["start"] - hello["end"] == pytest.approx(1.5)
    assert speech["duration"] == pytest.approx(2 / 2.5 + 1.5, abs=0.01)


def test_ssml_break_on_a_voice_without_pause_support_is_refused(client: httpx.Client) -> None:
    voice = next(v for v in _voices(client, engine="starfish") if not v["support_pause"])
    response = _speak(client, text='Hi <break time="1s"/> there', voice_id=voice["voice_id"], input_type="ssml")

    assert response.status_code == 400
    assert error_of(response)["param"] == "voice_id"


@pytest.mark.parametrize(
    ("change", "param"),
    [
        pytest.param({"text": ""}, "text", id="empty-text"),
        pytest.param({"text": "a" * 5001}, "text", id="text-over-5000"),
        pytest.param({"speed": 0.49}, "speed", id="speed-below-0.5"),
        pytest.param({"speed": 2.01}, "speed", id="speed-above-2"),
        pytest.param({"speed": "fast"}, "speed", id="speed-not-a-number"),
        pytest.param({"input_type": "html"}, "input_type", id="unknown-input-type"),
        pytest.param({"voice_id": "no-such-voice"}, "voice_id", id="unknown-voice"),
        pytest.param({"input_type": "ssml", "text": "<speak>unclosed"}, "text", id="malformed-ssml"),
        pytest.param({"input_type": "ssml", "text": "<speak><break/></speak>"}, "text", id="ssml-without-words"),
    ],
)
def test_invalid_speech_requests_name_the_parameter(
    client: httpx.Client, starfish_voice: dict, change: dict[str, Any], param: str
) -> None:
    body = {"text": "Hello world", "voice_id": starfish_voice["voice_id"], **change}
    response = client.post("/v3/voices/speech", json=body)

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid_parameter",
        "message": error_of(response)["message"],
        "param": param,
        "doc_url": error_of(response)["doc_url"],
    }


@pytest.mark.parametrize("text", ["a", "a" * 5000], ids=["1-char", "5000-chars"])
def test_text_length_limits_are_inclusive(client: httpx.Client, starfish_voice: dict, text: str) -> None:
    assert _speak(client, text=text, voice_id=starfish_voice["voice_id"]).status_code == 200


def test_speech_charges_0_000333_credits_per_second(
    fake: FakeHeyGen, client: httpx.Client, starfish_voice: dict
) -> None:
    words = " ".join(["word"] * 25)  # 10 s
    speech = _speak(client, text=words, voice_id=starfish_voice["voice_id"]).json()["data"]

    assert speech["duration"] == pytest.approx(10.0)
    assert fake.credits_spent == pytest.approx(10 * 0.000333)


def test_speech_with_an_empty_wallet_is_402(make_fake: Callable[..., FakeHeyGen]) -> None:
    fake = make_fake(wallet_credits=0.0)
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}) as client:
        voice = client.get("/v3/voices", params={"engine": "starfish"}).json()["data"][0]
        response = _speak(client, text="Hello", voice_id=voice["voice_id"])

    assert response.status_code == 402
    assert error_of(response)["code"] == "insufficient_credit"


def test_design_is_deterministic_per_prompt_and_seed(client: httpx.Client) -> None:
    def design(**body: Any) -> list[str]:
        answer = client.post("/v3/voices", json={"prompt": "warm confident narrator", **body}).json()["data"]
        return [voice["voice_id"] for voice in answer["voices"]]

    first = design()
    assert len(first) == 3
    assert design() == first
    assert design(seed=0) == first
    assert set(design(seed=1)).isdisjoint(first)
    female = client.post("/v3/voices", json={"prompt": "narrator", "gender": "female"}).json()["data"]
    assert {voice["gender"] for voice in female["voices"]} == {"female"}


def test_clone_is_processing_then_complete_and_becomes_a_private_starfish_voice(
    fake: FakeHeyGen, client: httpx.Client
) -> None:
    upload = client.post("/v3/assets", files={"file": ("me.wav", media.audio_bytes("wav", 3.0))}).json()["data"]
    audio = {"type": "asset_id", "asset_id": upload["asset_id"]}
    clone_id = client.post("/v3/voices/clone", json={"voice_name": "Me", "audio": audio}).json()["data"][
        "voice_clone_id"
    ]

    assert client.get(f"/v3/voices/{clone_id}").json()["data"]["status"] == "processing"
    assert _speak(client, text="Hi", voice_id=clone_id).status_code == 400
    assert _voices(client, type="private") == []

    fake.advance(20)
    assert client.get(f"/v3/voices/{clone_id}").json()["data"]["status"] == "complete"
    assert [voice["voice_id"] for voice in _voices(client, type="private")] == [clone_id]
    assert _speak(client, text="Hi", voice_id=clone_id).status_code == 200


def test_clone_from_an_unknown_asset_is_invalid(client: httpx.Client) -> None:
    audio = {"type": "asset_id", "asset_id": "ast_missing"}
    response = client.post("/v3/voices/clone", json={"voice_name": "Me", "audio": audio})

    assert response.status_code == 400
    assert error_of(response)["param"] == "audio.asset_id"


def test_deleting_a_clone_twice_is_voice_not_found_and_public_voices_are_forbidden(
    client: httpx.Client, starfish_voice: dict
) -> None:
    audio = {"type": "url", "url": "https://example.com/me.mp3"}
    clone_id = client.post("/v3/voices/clone", json={"voice_name": "Me", "audio": audio}).json()["data"][
        "voice_clone_id"
    ]

    assert client.delete(f"/v3/voices/{clone_id}").json() == {"data": {"voice_id": clone_id}}
    again = client.delete(f"/v3/voices/{clone_id}")
    assert again.status_code == 404
    assert error_of(again)["code"] == "voice_not_found"
    assert client.get(f"/v3/voices/{clone_id}").status_code == 404
    assert client.delete(f"/v3/voices/{starfish_voice['voice_id']}").status_code == 403
