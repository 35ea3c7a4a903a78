"""verify_delivery: a signed delivery passes; each check fails on its own with a message naming it, never the
secret; SeenEvents rejects replays within its ttl and stays bounded."""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
from typing import Any

import pytest

from airflow_provider.heygen.api.errors import WebhookVerificationError
from airflow_provider.heygen.api.models.webhook import WebhookEvent
from airflow_provider.heygen.api.webhooks import SeenEvents, WebhookHeaders, sign, verify_delivery

SECRET = "whsec_" + "ab12" * 16
NOW = 1_800_000_000.0
PAYLOAD = {
    "event_type": "avatar_video.success",
    "event_data": {"video_id": "v_1", "url": "https://files.test/v_1.mp4", "callback_id": "run-42"},
    "event_id": "evt_1",
    "created_at": "2027-01-15T08:00:00Z",
}


def delivery(payload: Any = PAYLOAD, *, secret: str = SECRET, at: float = NOW, **headers: str) -> tuple[bytes, dict]:
    """A delivery as HeyGen sends it: raw body and the three headers (override or drop one with ``name=...``)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    sent = {
        "Content-Type": "application/json",
        "Heygen-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "Heygen-Timestamp": str(int(at)),
        "Heygen-Event-Id": payload["event_id"] if isinstance(payload, dict) and "event_id" in payload else "evt_h",
    }
    for name, value in headers.items():
        key = name.replace("_", "-")
        if value == "":
            sent.pop(key, None)
        else:
            sent[key] = value
    return body, sent


def verify(body: bytes, headers: dict, **options: Any) -> WebhookEvent:
    options.setdefault("now", lambda: NOW)
    return verify_delivery(body, headers, options.pop("secret", SECRET), **options)


def failure(body: bytes, headers: dict, **options: Any) -> WebhookVerificationError:
    with pytest.raises(WebhookVerificationError) as info:
        verify(body, headers, **options)
    error = info.value
    assert SECRET not in str(error) and SECRET not in repr(error)
    assert SECRET.encode() not in pickle.dumps(error)
    if "Heygen-Signature" in headers:  # nor any signature, received or expected
        assert headers["Heygen-Signature"] not in str(error) and sign(SECRET, bytes(body)) not in str(error)
    return error


def test_a_signed_delivery_is_verified_and_parsed_into_its_event() -> None:
    body, headers = delivery()

    event = verify(body, headers)

    assert isinstance(event, WebhookEvent)
    assert (event.event_id, event.event_type) == ("evt_1", "avatar_video.success")
    assert event.created_at == PAYLOAD["created_at"]
    assert event.event_data == PAYLOAD["event_data"]


def test_sign_is_the_lowercase_hex_hmac_sha256_of_the_body_under_the_whole_secret() -> None:
    body, headers = delivery()
    assert sign(SECRET, body) == headers["Heygen-Signature"] == headers["Heygen-Signature"].lower()
    assert len(sign(SECRET, body)) == 64


def test_header_names_are_matched_in_any_case() -> None:
    body, headers = delivery()
    assert verify(body, {key.lower(): value for key, value in headers.items()}).event_id == "evt_1"
    assert verify(body, {key.upper(): value for key, value in headers.items()}).event_id == "evt_1"


def test_an_uppercase_hex_signature_still_verifies() -> None:
    body, headers = delivery()
    assert verify(body, {**headers, "Heygen-Signature": headers["Heygen-Signature"].upper()}).event_id == "evt_1"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(json.dumps({**PAYLOAD, "event_type": "avatar_video.fail"}).encode(), id="changed-field"),
        pytest.param(json.dumps(PAYLOAD, indent=2).encode(), id="re-encoded-same-json"),
        pytest.param(json.dumps(PAYLOAD).encode() + b" ", id="trailing-space"),
    ],
)
def test_a_tampered_body_fails_the_signature(body: bytes) -> None:
    _, headers = delivery()

    error = failure(body, headers)

    assert error.check == "signature" and error.event_id == "evt_1"
    assert "Heygen-Signature does not match" in str(error)


def test_a_delivery_signed_with_another_secret_fails_the_signature() -> None:
    body, headers = delivery(secret="whsec_" + "00" * 32)
    assert failure(body, headers).check == "signature"


def test_during_a_rotation_the_old_and_the_new_secret_are_both_accepted() -> None:
    old, new = SECRET, "whsec_" + "cd34" * 16
    for used in (old, new):
        body, headers = delivery(secret=used)
        assert verify(body, headers, secret=[new, old]).event_id == "evt_1"
    body, headers = delivery(secret="whsec_other")
    assert failure(body, headers, secret=[new, old]).check == "signature"


@pytest.mark.parametrize(
    ("at", "side"),
    [
        pytest.param(NOW - 301, "301s in the past", id="stale"),
        pytest.param(NOW + 301, "301s in the future", id="future"),
    ],
)
def test_a_timestamp_outside_the_tolerance_fails_with_the_numbers(at: float, side: str) -> None:
    body, headers = delivery(at=at)

    error = failure(body, headers)

    assert error.check == "timestamp"
    assert f"Heygen-Timestamp {int(at)} is {side}, outside the 300s tolerance" in str(error)
    assert f"clock reads {int(NOW)}" in str(error)


@pytest.mark.parametrize("offset", [-300, 0, 300], ids=["300s-old", "now", "300s-ahead"])
def test_timestamps_at_the_tolerance_edges_pass(offset: int) -> None:
    body, headers = delivery(at=NOW + offset)
    assert verify(body, headers).event_id == "evt_1"


def test_the_tolerance_can_be_tightened() -> None:
    body, headers = delivery(at=NOW - 60)
    assert verify(body, headers, tolerance=120).event_id == "evt_1"
    assert "outside the 30s tolerance" in str(failure(body, headers, tolerance=30))


def test_a_timestamp_that_is_not_unix_seconds_is_refused() -> None:
    body, headers = delivery(Heygen_Timestamp="2027-01-15T08:00:00Z")
    error = failure(body, headers)
    assert error.check == "header" and "is not Unix seconds" in str(error)


def test_a_replayed_event_id_is_refused_within_the_stores_ttl() -> None:
    seen = SeenEvents()
    body, headers = delivery()
    assert verify(body, headers, seen=seen).event_id == "evt_1"

    error = failure(body, headers, seen=seen)

    assert (error.check, error.event_id) == ("replay", "evt_1")
    assert "evt_1 was already handled" in str(error)


def test_a_replay_with_a_fresh_timestamp_is_still_refused() -> None:
    """The timestamp is not signed: an attacker can refresh it, so only the event id catches the replay."""
    seen = SeenEvents()
    body, headers = delivery()
    verify(body, headers, seen=seen)
    later = {**headers, "Heygen-Timestamp": str(int(NOW + 3600))}

    assert failure(body, later, seen=seen, now=lambda: NOW + 3600).check == "replay"


def test_a_failed_check_does_not_remember_the_event_and_discard_forgets_one() -> None:
    seen = SeenEvents()
    good_body, good = delivery()
    failure(good_body, {**good, "Heygen-Timestamp": str(int(NOW - 3600))}, seen=seen)
    failure(json.dumps({**PAYLOAD, "event_type": "x"}).encode(), good, seen=seen)

    assert len(seen) == 0
    verify(good_body, good, seen=seen)
    seen.discard("evt_1")  # its handling failed: HeyGen's retry must get through
    assert verify(good_body, good, seen=seen).event_id == "evt_1"


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        pytest.param("Heygen_Signature", "no Heygen-Signature header", id="signature"),
        pytest.param("Heygen_Timestamp", "no Heygen-Timestamp header", id="timestamp"),
    ],
)
def test_a_missing_header_is_named(drop: str, named: str) -> None:
    body, headers = delivery(**{drop: ""})

    error = failure(body, headers)

    assert error.check == "header" and named in str(error)


def test_an_unsigned_callback_post_names_both_missing_headers() -> None:
    body, headers = delivery(Heygen_Signature="", Heygen_Timestamp="", Heygen_Event_Id="")
    assert "no Heygen-Signature and no Heygen-Timestamp header" in str(failure(body, headers))


def test_the_event_id_header_must_match_the_bodys() -> None:
    body, headers = delivery(Heygen_Event_Id="evt_other")

    error = failure(body, headers)

    assert error.check == "event_id"
    assert "'evt_other' is not its body's event_id 'evt_1'" in str(error)


def test_either_event_id_alone_is_enough() -> None:
    without_body_id = {key: value for key, value in PAYLOAD.items() if key != "event_id"}
    body, headers = delivery(without_body_id, Heygen_Event_Id="evt_h")
    assert verify(body, headers).event_id == "evt_h"
    body, headers = delivery(Heygen_Event_Id="")
    assert verify(body, headers).event_id == "evt_1"
    body, headers = delivery(without_body_id, Heygen_Event_Id="")
    assert failure(body, headers).check == "header"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        pytest.param(b"not json", "not a JSON object", id="not-json"),
        pytest.param(b"[1, 2]", "not a JSON object", id="a-list"),
        pytest.param(json.dumps({"event_id": "evt_1", "event_data": {}}).encode(), "event_type", id="no-type"),
    ],
)
def test_a_signed_body_that_is_not_an_event_is_refused(body: bytes, named: str) -> None:
    _, headers = delivery()
    headers["Heygen-Signature"] = sign(SECRET, body)

    error = failure(body, headers)

    assert error.check == "payload" and named in str(error)


def test_the_legacy_signature_header_is_read_only_when_the_v3_one_is_absent() -> None:
    body, headers = delivery()
    legacy = {key: value for key, value in headers.items() if key != "Heygen-Signature"}
    legacy["Signature"] = headers["Heygen-Signature"]
    assert verify(body, legacy).event_id == "evt_1"

    both = {**legacy, "Heygen-Signature": "0" * 64}  # the v3 header wins, and it is wrong
    assert failure(body, both).check == "signature"
    assert failure(body, legacy, names=WebhookHeaders(legacy_signature=None)).check == "header"


def test_header_names_can_be_changed() -> None:
    body, headers = delivery()
    renamed = {"X-Sig": headers["Heygen-Signature"], "X-Ts": headers["Heygen-Timestamp"], "X-Id": "evt_1"}
    names = WebhookHeaders(signature="X-Sig", timestamp="X-Ts", event_id="X-Id")
    assert verify(body, renamed, names=names).event_id == "evt_1"


def test_the_body_must_be_the_raw_bytes_and_a_secret_is_required() -> None:
    body, headers = delivery()
    with pytest.raises(TypeError, match="raw request bytes"):
        verify(body.decode(), headers)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="secret is required"):
        verify(body, headers, secret="")
    assert verify(bytearray(body), headers).event_id == "evt_1"


# --- SeenEvents ------------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_seen_events_forgets_an_id_after_its_ttl() -> None:
    clock = Clock()
    seen = SeenEvents(ttl=10, clock=clock)
    assert seen.add("a") is True
    clock.now = 9.9
    assert seen.add("a") is False
    clock.now = 10.0
    assert seen.add("a") is True
    assert len(seen) == 1


def test_seen_events_keeps_at_most_max_events_dropping_the_oldest() -> None:
    seen = SeenEvents(max_events=2, clock=Clock())
    assert [seen.add(event_id) for event_id in ("a", "b", "c")] == [True, True, True]
    assert len(seen) == 2
    assert seen.add("a") is True  # forgotten to make room
    assert seen.add("c") is False
    assert "remembered=2" in repr(seen)


@pytest.mark.parametrize(("ttl", "max_events"), [(0, 10), (10, 0)])
def test_seen_events_refuses_an_empty_window(ttl: float, max_events: int) -> None:
    with pytest.raises(ValueError, match="must be > 0 seconds"):
        SeenEvents(ttl, max_events=max_events)
