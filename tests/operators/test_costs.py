"""Cost control against the fake: no silent pass on an unknown cost, a contract's prices, dry runs, the wallet
floor, and estimate beside actual on every result."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider.heygen._compat import AirflowFailException
from airflow_provider.heygen.api.credits import PRICES
from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.operators.agent import HeyGenVideoAgentOperator
from airflow_provider.heygen.operators.avatar import HeyGenCreateAvatarOperator
from airflow_provider.heygen.operators.base import ESTIMATE_XCOM_KEY, HeyGenBilledOperator
from airflow_provider.heygen.operators.lipsync import HeyGenLipsyncOperator
from airflow_provider.heygen.operators.speech import HeyGenTextToSpeechOperator
from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from airflow_provider.heygen.testing.fake.routes.voices import CATALOGUE
from tests.operators.support import context

SCRIPT = " ".join(["word"] * 25)  # 10 s at 2.5 words a second: 1 credit with Avatar IV
VIDEO = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": SCRIPT}
#: A source nobody can read the length of: the fake's own host, a path it does not serve (404).
UNREADABLE = "/files/nothing/here.mp4"
FRENCH, GERMAN = "French (France)", "German (Germany)"
STARFISH_VOICE = next(v.voice_id for v in CATALOGUE if v.name.startswith("Aria"))
FILES = re.compile("/files/.+")
WAIT = {"poll_interval": 0.1, "timeout": 60, "deferrable": False}


def unreadable(heygen: FakeHeyGen) -> dict[str, str]:
    return {"type": "url", "url": f"{heygen.url}{UNREADABLE}"}


def rendered_video_url(seconds_of_script: int = 10) -> tuple[str, float]:
    """A finished fake video's URL (its header states its length) and that length."""
    hook = HeyGenHook()
    video_id = hook.create_video({**VIDEO, "script": " ".join(["word"] * int(seconds_of_script * 2.5))}).video_id
    hook.wait_for_jobs("video", [video_id], poll_interval=0.1, deadline=time.time() + 60)
    resource = hook.get_job("video", video_id)
    return resource["video_url"], resource["duration"]


def creates(heygen: FakeHeyGen) -> list[Any]:
    return [request for request in heygen.requests if request.method == "POST"]


def use_prices(heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch, prices: Any) -> None:
    """Give the ``heygen_default`` connection a ``prices`` extra (a contract's rates)."""
    connection = {**json.loads(heygen.airflow_conn_env()), "extra": {"max_retries": 1, "prices": prices}}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))


# --- 1. no silent pass -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "hint"),
    [
        pytest.param(
            lambda fake: HeyGenTranslateVideoOperator(
                task_id="t", request={"video": unreadable(fake), "output_languages": [FRENCH]}, max_credits=50
            ),
            "source_duration=, end_time, or a source whose length can be read",
            id="translation",
        ),
        pytest.param(
            lambda fake: HeyGenLipsyncOperator(
                task_id="t", request={"video": unreadable(fake), "audio": unreadable(fake)}, max_credits=50
            ),
            "source_duration=, end_time",
            id="lipsync",
        ),
        pytest.param(
            lambda fake: HeyGenVideoAgentOperator(task_id="t", request={"prompt": "A launch video"}, max_credits=50),
            "max_duration=",
            id="agent",
        ),
        pytest.param(
            lambda fake: HeyGenCreateVideoOperator(
                task_id="t",
                request={"type": "studio", "scenes": [{"type": "video", "source": unreadable(fake)}]},
                max_credits=50,
            ),
            "a source whose length can be read",
            id="studio-video-scene",
        ),
    ],
)
def test_an_unknown_cost_with_a_budget_is_refused_naming_the_input_and_nothing_is_created(
    heygen: FakeHeyGen, make: Callable[[FakeHeyGen], HeyGenBilledOperator], hint: str
) -> None:
    with pytest.raises(AirflowFailException, match=r"cost cannot be estimated") as info:
        make(heygen).execute(context())
    assert hint in str(info.value) and "allow_unknown_cost=True" in str(info.value)
    assert creates(heygen) == [] and heygen.jobs() == []


def test_allow_unknown_cost_submits_what_cannot_be_estimated(heygen: FakeHeyGen) -> None:
    request = {"video": unreadable(heygen), "output_languages": [FRENCH]}
    op = HeyGenTranslateVideoOperator(
        task_id="t", request=request, max_credits=0.01, allow_unknown_cost=True, wait_for_completion=False
    )
    op.execute(context())
    assert len(heygen.jobs("video_translation")) == 1


def test_an_audio_driven_video_is_held_to_the_audio_limit_when_its_length_cannot_be_read(heygen: FakeHeyGen) -> None:
    request = {"type": "avatar", "avatar_id": "look_1", "audio_url": unreadable(heygen)["url"]}
    with pytest.raises(AirflowFailException, match=r"Up to 60 credits \(a ceiling\) exceeds max_credits=5") as info:
        HeyGenCreateVideoOperator(task_id="t", request=request, max_credits=5).execute(context())
    assert "audio input is at most 600s" in str(info.value) and creates(heygen) == []
    # The ceiling within the budget passes: the video cannot cost more than that.
    HeyGenCreateVideoOperator(task_id="t", request=request, max_credits=60, wait_for_completion=False).execute(
        context()
    )
    assert len(heygen.jobs("video")) == 1


def test_an_uploaded_audio_is_measured_so_the_budget_holds_its_real_length(heygen: FakeHeyGen) -> None:
    asset = HeyGenHook().upload_asset(media.audio_bytes("wav", 12.0), filename="dub.wav")
    request = {"type": "avatar", "avatar_id": "look_1", "audio_asset_id": asset.asset_id}
    with pytest.raises(AirflowFailException, match=r"Estimated 1.2 credits exceeds max_credits=1"):
        HeyGenCreateVideoOperator(task_id="t", request=request, max_credits=1).execute(context())
    result = HeyGenCreateVideoOperator(task_id="t", request=request, max_credits=1.5, **WAIT).execute(context())
    assert result["estimate"]["credits"] == pytest.approx(1.2) and not result["estimate"]["upper_bound"]
    assert result["credits"] == pytest.approx(1.2)


def test_a_translation_of_a_rendered_video_reads_its_length_and_estimates_what_it_costs(heygen: FakeHeyGen) -> None:
    url, seconds = rendered_video_url(8)
    request = {"video": {"type": "url", "url": url}, "output_languages": [FRENCH, GERMAN], "mode": "precision"}
    expected = seconds * PRICES["translation_precision"] * 2
    with pytest.raises(AirflowFailException, match="exceeds max_credits"):
        HeyGenTranslateVideoOperator(task_id="t", request=request, max_credits=expected - 0.01).execute(context())
    assert heygen.jobs("video_translation") == []
    result = HeyGenTranslateVideoOperator(task_id="t", request=request, max_credits=expected, **WAIT).execute(context())
    assert result["estimate"]["credits"] == pytest.approx(expected, abs=0.01)
    assert result["credits"] == pytest.approx(expected, abs=0.01)
    ranged = [r for r in heygen.requests if r.method == "GET" and r.path.startswith("/files/")]
    assert ranged and all("range" in r.headers for r in ranged)  # read by ranges, never downloaded whole
    assert all("authorization" not in r.headers and "x-api-key" not in r.headers for r in ranged)


def test_without_a_guard_no_source_is_read(heygen: FakeHeyGen) -> None:
    url, _ = rendered_video_url()
    reads = len(heygen.requests_to("GET", FILES))
    request = {"video": {"type": "url", "url": url}, "output_languages": [FRENCH]}
    result = HeyGenTranslateVideoOperator(task_id="t", request=request, wait_for_completion=False).execute(context())
    assert len(heygen.requests_to("GET", FILES)) == reads
    assert result["estimate"]["credits"] is None


# --- 2. a contract's prices -----------------------------------------------------------------------------


def test_a_contracts_price_changes_the_estimate_and_the_reported_cost(
    heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = HeyGenCreateVideoOperator(task_id="t", request=VIDEO, **WAIT).execute(context())
    assert default["estimate"]["credits"] == pytest.approx(1.0) and default["credits"] == pytest.approx(1.0)
    use_prices(heygen, monkeypatch, {"avatar_iv": 0.04})
    ctx = context(run_id="r2")
    contract = HeyGenCreateVideoOperator(task_id="t", request=VIDEO, max_credits=0.5, **WAIT).execute(ctx)
    assert contract["estimate"]["credits"] == pytest.approx(0.4) and contract["credits"] == pytest.approx(0.4)
    assert ctx["ti"].xcoms[ESTIMATE_XCOM_KEY]["credits"] == pytest.approx(0.4)


def test_the_prices_extra_may_be_json_text_as_the_connection_form_stores_it(
    heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_prices(heygen, monkeypatch, '{"avatar_iv": 0.2}')
    assert HeyGenHook().prices.avatar_iv == 0.2


def test_a_bad_prices_extra_fails_before_any_request(heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> None:
    use_prices(heygen, monkeypatch, {"avatar_iv": -0.1, "avatar_vi": 1})
    with pytest.raises(
        ValueError,
        match=r"'heygen_default' has a bad prices extra: prices\.avatar_iv: Input should be greater than or equal to 0",
    ) as info:
        HeyGenCreateVideoOperator(task_id="t", request=VIDEO).execute(context())
    assert "prices.avatar_vi: Extra inputs are not permitted" in str(info.value)
    assert heygen.requests == []
    ok, message = HeyGenHook().test_connection()
    assert not ok and "bad prices extra" in message and heygen.requests == []


# --- 3. dry run -----------------------------------------------------------------------------------------

DRY_RUNS = {
    "video": (lambda: HeyGenCreateVideoOperator(task_id="t", request=VIDEO, dry_run=True), 1.0),
    "lipsync": (
        lambda: HeyGenLipsyncOperator(
            task_id="t",
            request={"video": {"type": "url", "url": "https://cdn.example.com/a.mp4"}, "audio": VIDEO_AUDIO},
            source_duration=20,
            dry_run=True,
        ),
        20 * PRICES["lipsync_speed"],
    ),
    "video_agent": (
        lambda: HeyGenVideoAgentOperator(task_id="t", request={"prompt": "A teaser"}, max_duration=30, dry_run=True),
        30 * PRICES["video_agent"],
    ),
    "avatar": (
        lambda: HeyGenCreateAvatarOperator(
            task_id="t",
            request={"type": "photo", "name": "Ada", "file": {"type": "url", "url": "https://example.com/ada.png"}},
            dry_run=True,
        ),
        PRICES["avatar_creation_per_call"],
    ),
    "speech": (
        lambda: HeyGenTextToSpeechOperator(
            task_id="t", request={"text": SCRIPT, "voice_id": STARFISH_VOICE}, dry_run=True
        ),
        round(10 * PRICES["speech_starfish"], 6),
    ),
}
VIDEO_AUDIO = {"type": "url", "url": "https://cdn.example.com/a.mp3"}


@pytest.mark.parametrize("kind", sorted(DRY_RUNS))
def test_a_dry_run_validates_estimates_and_sends_nothing(heygen: FakeHeyGen, kind: str) -> None:
    make, expected = DRY_RUNS[kind]
    wallet = heygen.wallet_balance
    result = make().execute(context())
    assert result["dry_run"] is True and result["status"] == "dry_run" and result["job_ids"] == []
    assert result["estimate"]["credits"] == pytest.approx(expected)
    assert creates(heygen) == [] and heygen.jobs() == [] and heygen.wallet_balance == wallet


def test_a_dry_run_of_a_translation_reads_the_source_and_sends_no_create(heygen: FakeHeyGen) -> None:
    url, seconds = rendered_video_url()
    posts = len(creates(heygen))
    request = {"video": {"type": "url", "url": url}, "output_languages": [FRENCH, GERMAN]}
    result = HeyGenTranslateVideoOperator(task_id="t", request=request, proofread=True, dry_run=True).execute(context())
    per_language = PRICES["translation_speed"] + PRICES["proofread"]
    assert result["estimate"]["credits"] == pytest.approx(seconds * per_language * 2, abs=0.001)
    assert len(creates(heygen)) == posts  # only the video made for the source
    assert heygen.jobs("video_translation") == [] and heygen.jobs("proofread") == []


def test_a_dry_run_still_fails_on_bad_input_and_on_its_guards(heygen: FakeHeyGen) -> None:
    with pytest.raises(AirflowFailException, match="script"):
        HeyGenCreateVideoOperator(task_id="t", request={**VIDEO, "script": ""}, dry_run=True).execute(context())
    with pytest.raises(AirflowFailException, match=r"exceeds max_credits=0\.5"):
        HeyGenCreateVideoOperator(task_id="t", request=VIDEO, max_credits=0.5, dry_run=True).execute(context())
    assert creates(heygen) == []


# --- 4. wallet guard ------------------------------------------------------------------------------------


def test_the_wallet_guard_refuses_a_job_that_would_take_the_balance_below_its_floor(heygen: FakeHeyGen) -> None:
    heygen.wallet_balance = 10.0
    with pytest.raises(AirflowFailException, match=r"min_remaining_credits=9.5: 10 credits remain and the job takes 1"):
        HeyGenCreateVideoOperator(task_id="t", request=VIDEO, min_remaining_credits=9.5).execute(context())
    assert creates(heygen) == [] and len(heygen.requests_to("GET", "/v3/users/me")) == 1
    result = HeyGenCreateVideoOperator(task_id="t", request=VIDEO, min_remaining_credits=9.0, **WAIT).execute(context())
    assert result["status"] == "succeeded" and heygen.wallet_balance == pytest.approx(9.0)


def test_a_retry_checks_the_balance_alone_since_its_submit_may_be_a_replay(heygen: FakeHeyGen) -> None:
    heygen.wallet_balance = 9.5
    op = HeyGenCreateVideoOperator(task_id="t", request=VIDEO, min_remaining_credits=9.0, wait_for_completion=False)
    op.execute(context(try_number=2))
    assert len(heygen.jobs("video")) == 1
    heygen.wallet_balance = 8.0
    with pytest.raises(AirflowFailException, match="8 credits remain; not submitted"):
        op.execute(context(try_number=3, run_id="r2"))


def test_the_wallet_guard_refuses_a_cost_it_cannot_count_unless_allowed(heygen: FakeHeyGen) -> None:
    request = {"prompt": "A launch video"}
    with pytest.raises(AirflowFailException, match=r"min_remaining_credits=5 cannot be checked.*max_duration="):
        HeyGenVideoAgentOperator(task_id="t", request=request, min_remaining_credits=5).execute(context())
    HeyGenVideoAgentOperator(
        task_id="t", request=request, min_remaining_credits=5, allow_unknown_cost=True, wait_for_completion=False
    ).execute(context())
    assert len(heygen.jobs("video_agent")) == 1


def test_floors_and_budgets_must_be_credits(heygen: FakeHeyGen) -> None:
    with pytest.raises(ValueError, match="min_remaining_credits=-1 must be a number of credits at least 0"):
        HeyGenCreateVideoOperator(task_id="t", request=VIDEO, min_remaining_credits=-1)
    with pytest.raises(ValueError, match="max_duration=0 must be a number of seconds above 0"):
        HeyGenVideoAgentOperator(task_id="t", request={"prompt": "p"}, max_duration=0)
