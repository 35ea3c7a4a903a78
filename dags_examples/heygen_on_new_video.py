"""When the weekly video lands: dub it into other languages, re-voice its opening, and make a social clip.

Scheduled on the Asset ``heygen://videos/weekly-update`` (a Dataset on Airflow 2), which
``heygen_weekly_render`` updates when it has stored a new video. Three branches run side by side at HeyGen:

- **translate**: the video dubbed into ``LANGUAGES`` (one HeyGen job per language, one deferred wait for all),
  the dubbed videos and their captions stored under ``<output root>/translations/<ds>/``;
- **lipsync**: the opening line re-voiced for another audience: speech from a Starfish voice, then the first
  seconds of the video lip-synced to it, stored under ``<output root>/cuts/<ds>/``;
- **agent**: a short vertical clip made by HeyGen's Video Agent from a prompt, with the weekly video's
  thumbnail attached, stored under ``<output root>/social/<ds>/``.

Which video: the one named by the asset event that started the run. Run by hand, it takes the Param
``video_id``, else the latest event of the asset (the last weekly video). Nothing else is fake-specific: the
same DAG runs against HeyGen once the ``heygen_default`` connection holds a real key (see
``heygen_weekly_render`` for the pool, Variables and environment it shares).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow_provider.heygen.operators.agent import HeyGenVideoAgentOperator
from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.operators.lipsync import HeyGenLipsyncOperator
from airflow_provider.heygen.operators.speech import HeyGenTextToSpeechOperator
from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator

try:  # Airflow 3
    from airflow.sdk import DAG, Asset, Param, task
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 2.10+, where Assets are called Datasets
    from airflow.datasets import Dataset as Asset
    from airflow.decorators import task
    from airflow.exceptions import AirflowFailException
    from airflow.models import DAG
    from airflow.models.param import Param

WEEKLY_VIDEO = Asset("heygen://videos/weekly-update")
#: Target languages (names as GET /v3/video-translations/languages lists them). HeyGen runs one job per
#: language, so the translate task takes one pool slot per language.
LANGUAGES = ["Spanish (Spain)", "French (France)"]
POOL = "heygen"
POLL_INTERVAL = float(os.environ.get("HEYGEN_POLL_INTERVAL", "30"))
#: Per run (trigger form or ``--conf``), else the Variable, else a public look and a Starfish voice of the fake.
AVATAR_ID = "{{ params.avatar_id or var.value.get('heygen_avatar_id', 'Abigail_Office_Front_public') }}"
VOICE_ID = "{{ params.voice_id or var.value.get('heygen_voice_id', '3a218e750e0e0372a2ff95e13e012b73') }}"
#: The part of the video that the new opening line replaces, in seconds from the start.
CUT = (0.0, 6.0)


def output_root() -> str:
    """``$HEYGEN_OUTPUT_ROOT``, else ``demo-output/`` next to this repository, else a temp dir (see the weekly DAG)."""
    configured = os.environ.get("HEYGEN_OUTPUT_ROOT", "").strip()
    if configured:
        return configured.rstrip("/")
    repo = Path(__file__).resolve().parent.parent
    if (repo / "airflow_provider" / "heygen").is_dir():
        return str(repo / "demo-output")
    return str(Path(tempfile.gettempdir()) / "heygen-output")


def latest_delivery(events: Any) -> dict[str, Any] | None:
    """The ``extra`` of the newest asset event that carries stored files (``HeyGenDownloadOperator`` fills it).

    ``events`` is a sequence of events, or a mapping of asset -> events (``triggering_asset_events`` on
    Airflow 3, ``triggering_dataset_events`` on 2); both versions order each asset's events oldest first.
    """
    batches = events.values() if hasattr(events, "values") else [events]
    extras = [dict(event.extra or {}) for batch in batches for event in batch]
    return next((extra for extra in reversed(extras) if extra.get("files")), None)


with DAG(
    dag_id="heygen_on_new_video",
    description="Translate, re-voice and clip each new weekly video",
    schedule=[WEEKLY_VIDEO],
    start_date=datetime(2026, 1, 5),
    catchup=False,
    params={
        "video_id": Param(None, type=["null", "string"], description="A HeyGen video id (run by hand)"),
        "avatar_id": Param(None, type=["null", "string"], description="Avatar look for the Video Agent"),
        "voice_id": Param(None, type=["null", "string"], description="Starfish voice of the new opening"),
        "opening": Param(
            "Hello partners, and welcome to this week's product update.",
            type="string",
            description="The new opening line, lip-synced over the first seconds of the video",
        ),
        "clip_prompt": Param(
            "A 20-second upbeat vertical clip for LinkedIn announcing this week's product update video. "
            "Open on the attached thumbnail and end with: watch the full update on our blog.",
            type="string",
        ),
    },
    user_defined_macros={"output_root": output_root},
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["heygen", "example"],
    doc_md=__doc__,
) as dag:

    @task(multiple_outputs=True, inlets=[WEEKLY_VIDEO])
    def find_video(**context: Any) -> dict[str, Any]:
        """The new video: its id, a fresh URL (HeyGen's URLs expire), and the stored thumbnail to attach."""
        from airflow_provider.heygen.hooks.heygen import HeyGenHook

        video_id, stored = context["params"].get("video_id"), {}
        if not video_id:
            run_type = context["dag_run"].run_type
            if getattr(run_type, "value", run_type) in ("asset_triggered", "dataset_triggered"):  # Airflow 3, 2
                events = context.get("triggering_asset_events") or context.get("triggering_dataset_events")
            else:  # run by hand: the asset's events so far (readable because of inlets=[WEEKLY_VIDEO])
                events = context["inlet_events"][WEEKLY_VIDEO]
            delivery = latest_delivery(events or {})
            if delivery is not None:
                video_id, stored = next(iter(delivery["files"].items()))
        if not video_id:
            # No retry can help: fail at once, with what to do.
            raise AirflowFailException("No weekly video yet: run heygen_weekly_render, or trigger with a video_id")
        video = HeyGenHook().get_job("video", video_id)
        if video.get("status") != "completed" or not video.get("video_url"):
            raise ValueError(f"HeyGen video {video_id} is {video.get('status')}, not a completed video")
        print(f"New video {video_id} ({video.get('duration')} s), stored files: {stored or 'none'}")
        return {
            "video_id": video_id,
            "video_url": video["video_url"],
            # A path the weekly DAG wrote: readable by every worker when the output root is shared (s3://...).
            "attachments": [stored["thumbnail"]] if "thumbnail" in stored else [],
        }

    video = find_video()

    # --8<-- [start:translate]
    translate = HeyGenTranslateVideoOperator(
        task_id="translate",
        request={
            "video": {"type": "url", "url": video["video_url"]},
            "output_languages": LANGUAGES,
            "title": "Weekly update {{ ds }}",
            "mode": "speed",
            "enable_caption": True,
        },
        # HeyGen makes one job per language; the task waits for all of them in one deferred trigger.
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=2),
        pool=POOL,
        pool_slots=len(LANGUAGES),  # one slot per HeyGen job, so the pool keeps matching the plan's cap
    )
    download_translations = HeyGenDownloadOperator(
        task_id="download_translations",
        job_ids=translate.output,  # the kind (video_translation) comes with the result
        outputs=["video", "captions"],
        destination="{{ output_root() }}/translations/{{ ds }}",
    )
    # --8<-- [end:translate]

    # --8<-- [start:lipsync]
    opening = HeyGenTextToSpeechOperator(
        task_id="opening",
        request={"text": "{{ params.opening }}", "voice_id": VOICE_ID},  # speech needs a Starfish voice
    )
    lipsync = HeyGenLipsyncOperator(
        task_id="lipsync",
        request={
            "video": {"type": "url", "url": video["video_url"]},
            "audio": {"type": "url", "url": "{{ ti.xcom_pull(task_ids='opening')['audio_url'] }}"},
            "start_time": CUT[0],
            "end_time": CUT[1],
            "title": "Weekly update {{ ds }}, partner opening",
        },
        source_duration=CUT[1] - CUT[0],  # lets max_credits be checked before submitting
        max_credits=5,
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        pool=POOL,
    )
    opening >> lipsync
    download_cut = HeyGenDownloadOperator(
        task_id="download_cut",
        job_ids=lipsync.output,
        outputs=["video"],
        destination="{{ output_root() }}/cuts/{{ ds }}",
    )
    # --8<-- [end:lipsync]

    # --8<-- [start:agent]
    agent = HeyGenVideoAgentOperator(
        task_id="agent",
        request={"prompt": "{{ params.clip_prompt }}", "orientation": "portrait", "avatar_id": AVATAR_ID},
        files=video["attachments"],  # local files go inline (base64), URLs and asset ids as they are
        # The agent decides the length: the prompt asks for 20 s, so the budget holds a ceiling of 60 s before
        # submitting, and the real length once the video exists (see the operator's docstring).
        max_duration=60,
        max_credits=15,
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        pool=POOL,
    )
    download_clip = HeyGenDownloadOperator(
        task_id="download_clip",
        job_ids=agent.output,  # a Video Agent session delivers the video it made
        outputs=["video", "thumbnail"],
        destination="{{ output_root() }}/social/{{ ds }}",
    )
    # --8<-- [end:agent]

    @task
    def summary(video_id: str, results: dict[str, dict[str, Any]], stored: list[dict[str, Any]]) -> dict[str, Any]:
        """Credits per step (from each job's real duration) and the files stored, for the run's XCom and log."""
        spent = {step: result.get("credits") for step, result in results.items()}
        files = sorted(path for result in stored for job in result["files"].values() for path in job.values())
        report = {
            "video_id": video_id,
            "languages": {
                language: outputs["status"] for language, outputs in results["translate"]["languages"].items()
            },
            "lipsync_id": results["lipsync"]["job_ids"][0],
            "clip_video_id": results["agent"]["video_id"],
            "credits": spent,
            "total_credits": round(sum(value or 0 for value in spent.values()), 4),
            "files": files,
        }
        print(f"Video {video_id}: {report['total_credits']} credits {spent}; {len(files)} files")
        return report

    summary(
        video["video_id"],
        {"translate": translate.output, "opening": opening.output, "lipsync": lipsync.output, "agent": agent.output},
        [download_translations.output, download_cut.output, download_clip.output],
    )
