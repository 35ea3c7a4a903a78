"""When any avatar video finishes at HeyGen, even one made in HeyGen's web app: store it (Airflow 3 only).

The Asset ``heygen://events/avatar-video-success`` is watched by ``HeyGenEventTrigger``: the triggerer reads
HeyGen's event history (``GET /v3/webhooks/events``) every ``HEYGEN_POLL_INTERVAL`` seconds and turns each new
``avatar_video.success`` event into an asset event whose ``extra["payload"]`` is the HeyGen event. This DAG
runs on those asset events (several at once when they come close together), takes each video id from them
and stores the videos under ``<output root>/events/<date of the run>/``.

HeyGen records an event in its history only when a registered webhook endpoint wants it: register one
once (``HeyGenHook().create_webhook_endpoint({"url": ..., "events": ["avatar_video.success"]})``; any URL
that accepts POSTs will do). Then unpause this DAG: the watcher starts with the DAG, from "now". See
docs/howto/events.md for what a triggerer restart repeats or skips.

``AssetWatcher`` is Airflow 3's: on Airflow 2 this file stops with an ImportError that says so.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.triggers.events import HeyGenEventTrigger

try:
    from airflow.sdk import DAG, Asset, AssetWatcher, task
    from airflow.sdk.exceptions import AirflowSkipException
except ImportError as exc:  # Airflow 2
    raise ImportError("heygen_on_heygen_event needs Airflow 3: AssetWatcher does not exist on Airflow 2") from exc

POOL = "heygen"
POLL_INTERVAL = float(os.environ.get("HEYGEN_POLL_INTERVAL", "30"))


def output_root() -> str:
    """``$HEYGEN_OUTPUT_ROOT``, else ``demo-output/`` next to this repository, else a temp dir (see the weekly DAG)."""
    configured = os.environ.get("HEYGEN_OUTPUT_ROOT", "").strip()
    if configured:
        return configured.rstrip("/")
    repo = Path(__file__).resolve().parent.parent
    if (repo / "airflow_provider" / "heygen").is_dir():
        return str(repo / "demo-output")
    return str(Path(tempfile.gettempdir()) / "heygen-output")


# --8<-- [start:watch]
FINISHED_VIDEOS = Asset(
    "heygen_finished_videos",
    uri="heygen://events/avatar-video-success",
    watchers=[
        AssetWatcher(
            name="heygen_avatar_video_success",
            trigger=HeyGenEventTrigger("avatar_video.success", poll_interval=POLL_INTERVAL),
        )
    ],
)
# --8<-- [end:watch]


def video_ids(events: Any) -> list[str]:
    """The video ids of the HeyGen events among a run's asset events, oldest first, each once.

    Both HeyGenEventTrigger (``from_trigger``) and the webhook receiver (``from_webhook``) put the HeyGen event
    under ``extra["payload"]``; an event made by hand has none and is passed over."""
    ids = [
        event.extra["payload"]["event_data"]["video_id"]
        for event in events
        if "payload" in (event.extra or {}) and "video_id" in event.extra["payload"].get("event_data", {})
    ]
    return list(dict.fromkeys(ids))


with DAG(
    dag_id="heygen_on_heygen_event",
    description="Store every avatar video that finishes at HeyGen",
    schedule=[FINISHED_VIDEOS],
    start_date=datetime(2026, 1, 5),
    catchup=False,
    user_defined_macros={"output_root": output_root},
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["heygen", "example"],
    doc_md=__doc__,
) as dag:
    # --8<-- [start:use]
    @task
    def finished_videos(triggering_asset_events: Any = None) -> list[str]:
        """The videos of the HeyGen events that started this run."""
        ids = video_ids((triggering_asset_events or {}).get(FINISHED_VIDEOS, []))
        if not ids:
            raise AirflowSkipException("No HeyGen event started this run: nothing to store")
        print(f"HeyGen finished {len(ids)} video(s): {', '.join(ids)}")
        return ids

    store = HeyGenDownloadOperator(
        task_id="store",
        job_ids=finished_videos(),
        kind="video",
        outputs=["video", "thumbnail"],
        destination="{{ output_root() }}/events/{{ dag_run.run_after | ds }}",  # an asset run has no logical date
        pool=POOL,
    )
    # --8<-- [end:use]
