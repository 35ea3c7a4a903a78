"""heygen_speech_and_assets end to end against the fake: speech from a Starfish voice stored as an MP3, uploaded
as an asset, a photo avatar trained from the shipped PNG, and a video of that avatar speaking that asset."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.examples.helpers import EXAMPLES, import_example, is_mp4, result, run_on, states, tree

pytestmark = [pytest.mark.e2e]


def test_speech_becomes_an_asset_that_a_new_photo_avatar_speaks(example_env: FakeHeyGen, output_root: Path) -> None:
    heygen = example_env
    module = import_example("heygen_speech_and_assets")

    dagrun = run_on(module.dag, "2026-01-05T09:00:00")

    assert dagrun.state == "success", states(dagrun)
    (speech,) = heygen.requests_to("POST", "/v3/voices/speech")
    assert speech.body["voice_id"] == "3a218e750e0e0372a2ff95e13e012b73"  # "Aria", a Starfish voice
    voice_over = result(dagrun, "speech")
    audio = Path(voice_over["path"])
    assert audio.parent == output_root / "speech" / "2026-01-05" and audio.suffix == ".mp3"

    (upload,) = heygen.requests_to("POST", "/v3/assets")
    assert upload.headers.get("idempotency-key")  # a retry would get this upload back, not a second copy
    asset = result(dagrun, "upload")
    assert asset["mime_type"] == "audio/mpeg" and asset["size_bytes"] == audio.stat().st_size

    (avatar,) = heygen.jobs("avatar")
    photo = avatar.request["file"]
    assert photo["type"] == "base64" and photo["media_type"] == "image/png"
    assert base64.b64decode(photo["data"]) == (EXAMPLES / "data" / "presenter.png").read_bytes()
    assert avatar.request["name"] == "Onboarding host"

    (video,) = heygen.jobs("video")
    assert video.request["avatar_id"] == avatar.id and video.request["audio_asset_id"] == asset["asset_id"]
    assert "script" not in video.request and "voice_id" not in video.request  # the uploaded voice-over speaks

    summary = result(dagrun, "summary")
    assert (summary["asset_id"], summary["avatar_id"], summary["video_id"]) == (asset["asset_id"], avatar.id, video.id)
    assert summary["total_credits"] == pytest.approx(heygen.credits_spent, abs=1e-3)  # speech is rounded to 4 places
    day = output_root / "speech" / "2026-01-05"
    assert tree(day) == sorted([audio.name, f"{video.id}/thumbnail.png", f"{video.id}/video.mp4"])
    assert is_mp4(day / video.id / "video.mp4")
    assert summary["files"] == sorted(str(day / name) for name in tree(day))
