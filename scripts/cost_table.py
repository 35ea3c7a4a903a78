"""Estimate beside actual for each kind of HeyGen job, on the fake: the table in docs/concepts/credits.md.

Each request is estimated the way the operators do before submitting (the registry's price, the connection's
prices, sources' lengths read from their files), then run on an in-process fake; the table shows the estimate,
the cost the provider reports from the finished job's length, and what the fake's wallet was charged.

    .venvs/airflow-3.3.2/bin/python scripts/cost_table.py            # print the table
    .venvs/airflow-3.3.2/bin/python scripts/cost_table.py --write    # refresh docs/.snippets/cost-table.md
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SNIPPET = ROOT / "docs" / ".snippets" / "cost-table.md"
WORDS_25 = " ".join(["word"] * 25)  # 10 s at 2.5 words a second
SPEECH_VOICE = "3a218e750e0e0372a2ff95e13e012b73"  # the fake's Starfish voice "Aria"


@dataclass(frozen=True)
class Case:
    """One row: what the request is, and the operator (class and arguments, given a hook to make sources)."""

    what: str
    operator: Callable[[Any], tuple[type[Any], dict[str, Any]]]


def _audio_asset(hook: Any, seconds: float) -> dict[str, str]:
    from airflow_provider.heygen.testing.fake import media

    asset = hook.upload_asset(media.audio_bytes("wav", seconds), filename="voice-over.wav")
    return {"type": "asset_id", "asset_id": asset.asset_id}


def _rendered_video(hook: Any, words: int) -> dict[str, str]:
    """A finished fake video (its file's header states its length), the source of translations."""
    video_id = hook.create_video(
        {"type": "avatar", "avatar_id": "look_1", "script": " ".join(["word"] * words)}
    ).video_id
    hook.wait_for_jobs("video", [video_id], poll_interval=0.1, deadline=time.time() + 60)
    return {"type": "url", "url": hook.get_job("video", video_id)["video_url"]}


def _video(**request: Any) -> tuple[type[Any], dict[str, Any]]:
    from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator

    return HeyGenCreateVideoOperator, {"request": request}


def _translation(**kwargs: Any) -> tuple[type[Any], dict[str, Any]]:
    from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator

    return HeyGenTranslateVideoOperator, kwargs


def _other(name: str, **kwargs: Any) -> tuple[type[Any], dict[str, Any]]:
    from airflow_provider.heygen.operators import agent, avatar, lipsync, speech

    classes = {
        "lipsync": lipsync.HeyGenLipsyncOperator,
        "agent": agent.HeyGenVideoAgentOperator,
        "avatar": avatar.HeyGenCreateAvatarOperator,
        "speech": speech.HeyGenTextToSpeechOperator,
    }
    return classes[name], kwargs


AVATAR = {"type": "avatar", "avatar_id": "look_1"}
TALK = {"type": "url", "url": "https://cdn.example.com/talk.mp4"}
CASES = [
    Case("avatar, 25-word script", lambda hook: _video(**AVATAR, script=WORDS_25)),
    Case(
        "avatar, 25-word script, Avatar III",
        lambda hook: _video(**AVATAR, script=WORDS_25, engine={"type": "avatar_iii"}),
    ),
    Case(
        "avatar, 12 s audio asset (length read from its file)",
        lambda hook: _video(**AVATAR, audio_asset_id=_audio_asset(hook, 12)["asset_id"]),
    ),
    Case(
        "avatar, audio URL whose length cannot be read",
        lambda hook: _video(**AVATAR, audio_url="https://media.example.invalid/voice-over.mp3"),
    ),
    Case(
        "studio: a 10 s script scene and a 4 s image",
        lambda hook: _video(
            type="studio",
            scenes=[
                {"type": "avatar_video", "input": {**AVATAR, "script": WORDS_25}},
                {"type": "image", "duration": 4, "source": {"type": "url", "url": "https://example.com/slide.png"}},
            ],
        ),
    ),
    Case(
        "cinematic, 8 s",
        lambda hook: _video(type="cinematic_avatar", avatar_id=["look_1"], prompt="A walk", duration=8),
    ),
    Case(
        "translation, speed, 2 languages, of a 20 s video URL (read by range requests)",
        lambda hook: _translation(
            request={"video": _rendered_video(hook, 50), "output_languages": ["French", "German"]}
        ),
    ),
    Case(
        "translation, precision, 1 language, end_time 30",
        lambda hook: _translation(
            request={"video": TALK, "output_languages": ["French"], "mode": "precision", "end_time": 30}
        ),
    ),
    Case(
        "translation with proofreads, 2 languages, source_duration 60",
        lambda hook: _translation(
            request={"video": TALK, "output_languages": ["French", "German"]}, proofread=True, source_duration=60
        ),
    ),
    Case(
        "lipsync, speed, 12 s audio asset on a video",
        lambda hook: _other("lipsync", request={"video": TALK, "audio": _audio_asset(hook, 12)}),
    ),
    Case(
        "Video Agent, a prompt, max_duration 60",
        lambda hook: _other("agent", request={"prompt": "A 20-second product teaser"}, max_duration=60),
    ),
    Case(
        "photo avatar",
        lambda hook: _other(
            "avatar",
            request={"type": "photo", "name": "Ada", "file": {"type": "url", "url": "https://example.com/ada.png"}},
        ),
    ),
    Case(
        "text to speech, 25 words", lambda hook: _other("speech", request={"text": WORDS_25, "voice_id": SPEECH_VOICE})
    ),
]


@contextmanager
def _fake() -> Iterator[Any]:
    """An in-process fake as the ``heygen_default`` connection, its clock fast enough for minutes of renders."""
    from airflow_provider.heygen.testing import FakeHeyGen

    with FakeHeyGen(clock_speed=2000.0, seed=1) as fake:
        saved = os.environ.get("AIRFLOW_CONN_HEYGEN_DEFAULT")
        os.environ["AIRFLOW_CONN_HEYGEN_DEFAULT"] = fake.airflow_conn_env()
        try:
            yield fake
        finally:
            if saved is None:
                os.environ.pop("AIRFLOW_CONN_HEYGEN_DEFAULT", None)
            else:
                os.environ["AIRFLOW_CONN_HEYGEN_DEFAULT"] = saved


def _row(fake: Any, hook: Any, number: int, case: Case) -> list[str]:
    """Dry run (the estimate), then the real run (the cost it reports), and what the fake charged meanwhile."""
    from airflow_provider.heygen.api.credits import shown_estimate
    from airflow_provider.heygen.testing.task import task_context

    cls, kwargs = case.operator(hook)
    waiting = {} if cls.__name__ == "HeyGenTextToSpeechOperator" else {"deferrable": False, "poll_interval": 0.1}
    dry = cls(task_id=f"t{number}", dry_run=True, **kwargs).execute(task_context(task_id=f"t{number}"))
    before = fake.credits_spent
    result = cls(task_id=f"t{number}", allow_unknown_cost=True, **waiting, **kwargs).execute(
        task_context(task_id=f"t{number}")
    )
    cost = "unknown" if result.get("credits") is None else f"{result['credits']:g}"
    estimate = dry["estimate"]
    return [case.what, shown_estimate(estimate), estimate["basis"], cost, f"{fake.credits_spent - before:g}"]


def build_table() -> str:
    """The Markdown table: one row per case, on a fresh fake."""
    from airflow_provider.heygen.hooks.heygen import HeyGenHook

    headers = ["request", "estimate", "basis", "reported cost", "charged by the fake"]
    with _fake() as fake:
        hook = HeyGenHook()
        rows = [_row(fake, hook, number, case) for number, case in enumerate(CASES)]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {SNIPPET.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    table = build_table()
    print(table, end="")
    if args.write:
        SNIPPET.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
