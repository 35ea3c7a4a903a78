"""A voice-over and a new presenter: text-to-speech, an asset upload, a photo avatar, and a video of both.

1. **speech**: a Starfish voice reads ``params.text``; the MP3 is stored under ``<output root>/speech/<ds>/``
   (HeyGen's audio URL expires, the stored file does not);
2. **upload**: the stored MP3 becomes a HeyGen asset, so any later request can use it by ``asset_id``;
3. **avatar**: a photo avatar is created from ``params.photo`` (a small PNG shipped in ``data/``) and trained;
4. **render**: the new avatar speaks the uploaded voice-over (``audio_asset_id``), and the video is stored.

Runs on demand (``schedule=None``). Against HeyGen, pass a real portrait in ``photo`` (a path or any fsspec URL)
and a Starfish voice id in ``voice_id`` (or the Variable ``heygen_voice_id``); the shipped drawing is only
good enough for the fake.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow_provider.heygen.operators.assets import HeyGenUploadAssetOperator
from airflow_provider.heygen.operators.avatar import HeyGenCreateAvatarOperator
from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.operators.speech import HeyGenTextToSpeechOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator

try:  # Airflow 3
    from airflow.sdk import DAG, Param, task
except ImportError:  # Airflow 2.10+
    from airflow.decorators import task
    from airflow.models import DAG
    from airflow.models.param import Param

PHOTO = Path(__file__).parent / "data" / "presenter.png"
POOL = "heygen"
POLL_INTERVAL = float(os.environ.get("HEYGEN_POLL_INTERVAL", "30"))
#: Per run, else the Variable, else "Aria - Warm Narrator", a Starfish voice of the fake.
VOICE_ID = "{{ params.voice_id or var.value.get('heygen_voice_id', '3a218e750e0e0372a2ff95e13e012b73') }}"


def output_root() -> str:
    """``$HEYGEN_OUTPUT_ROOT``, else ``demo-output/`` next to this repository, else a temp dir (see the weekly DAG)."""
    configured = os.environ.get("HEYGEN_OUTPUT_ROOT", "").strip()
    if configured:
        return configured.rstrip("/")
    repo = Path(__file__).resolve().parent.parent
    if (repo / "airflow_provider" / "heygen").is_dir():
        return str(repo / "demo-output")
    return str(Path(tempfile.gettempdir()) / "heygen-output")


with DAG(
    dag_id="heygen_speech_and_assets",
    description="Voice-over by text-to-speech, uploaded as an asset, spoken by a new photo avatar",
    schedule=None,
    start_date=datetime(2026, 1, 5),
    catchup=False,
    params={
        "text": Param(
            "Welcome to the team! In the next two minutes you will learn where everything lives.",
            type="string",
            maxLength=5000,
        ),
        "voice_id": Param(None, type=["null", "string"], description="A Starfish voice (empty: Variable)"),
        "photo": Param(str(PHOTO), type="string", description="Portrait for the avatar: a path or fsspec URL"),
        "presenter": Param("Onboarding host", type="string", description="Name of the new avatar"),
    },
    user_defined_macros={"output_root": output_root},
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["heygen", "example"],
    doc_md=__doc__,
) as dag:
    # --8<-- [start:speech]
    speech = HeyGenTextToSpeechOperator(
        task_id="speech",
        # Text-to-speech is synchronous (no job to wait for) and speaks with Starfish voices only.
        request={"text": "{{ params.text }}", "voice_id": VOICE_ID, "speed": 1.0},
        # Keep the audio: HeyGen's URL expires. A folder (trailing /) gets <request_id>.mp3 inside it.
        destination="{{ output_root() }}/speech/{{ ds }}/",
        include_word_timestamps=False,  # not needed here, and it keeps the XCom small
    )
    # --8<-- [end:speech]

    # --8<-- [start:upload]
    upload = HeyGenUploadAssetOperator(
        task_id="upload",
        source="{{ ti.xcom_pull(task_ids='speech')['path'] }}",  # any local path or fsspec URL
        filename="voice-over-{{ ds }}.mp3",
    )
    # A retry uploads nothing twice: the Idempotency-Key is derived from the task instance and the file.
    speech >> upload
    # --8<-- [end:upload]

    # --8<-- [start:avatar]
    avatar = HeyGenCreateAvatarOperator(
        task_id="avatar",
        request={"type": "photo", "name": "{{ params.presenter }}"},
        file="{{ params.photo }}",  # sent inline as base64 (png or jpeg, up to 32 MB)
        # Training takes minutes: wait in the triggerer, in the pool like every HeyGen job.
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=1),
        pool=POOL,
    )
    render = HeyGenCreateVideoOperator(
        task_id="render",
        request={
            "type": "avatar",
            "title": "Onboarding welcome {{ ds }}",
            "avatar_id": "{{ ti.xcom_pull(task_ids='avatar')['avatar_id'] }}",  # the new look
            "audio_asset_id": "{{ ti.xcom_pull(task_ids='upload')['asset_id'] }}",  # the uploaded voice-over
        },
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=1),
        pool=POOL,
    )
    [avatar, upload] >> render
    # --8<-- [end:avatar]

    download = HeyGenDownloadOperator(
        task_id="download",
        job_ids=render.output,
        outputs=["video", "thumbnail"],
        destination="{{ output_root() }}/speech/{{ ds }}",
    )

    @task
    def summary(
        voice_over: dict[str, Any], asset: dict[str, Any], look: dict[str, Any], video: dict[str, Any], stored: Any
    ) -> dict[str, Any]:
        """What was made and what it cost (speech per second of audio, 1 credit per avatar, the video's seconds)."""
        spent = {"speech": voice_over["credits"], "avatar": look["credits"], "render": video["credits"]}
        report = {
            "audio": voice_over["path"],
            "asset_id": asset["asset_id"],
            "avatar_id": look["avatar_id"],
            "video_id": video["job_ids"][0],
            "credits": spent,
            "total_credits": round(sum(value or 0 for value in spent.values()), 4),
            "files": sorted([voice_over["path"], *(p for job in stored["files"].values() for p in job.values())]),
        }
        print(f"Avatar {report['avatar_id']} spoke {report['asset_id']}: {report['total_credits']} credits {spent}")
        return report

    summary(speech.output, upload.output, avatar.output, render.output, download.output)
