"""DAGs for the event trigger's end-to-end tests (Airflow 3 only: ``AssetWatcher`` does not exist on 2.x).

``heygen_event_consumer`` is scheduled on an Asset that a ``HeyGenEventTrigger`` watches; its task returns
the video ids of the HeyGen events that triggered the run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.triggers.events import HeyGenEventTrigger

if AIRFLOW_V_3:
    from airflow.sdk import DAG, Asset, AssetWatcher, task

    VIDEO_EVENTS = Asset(
        "heygen_event_videos",
        uri="heygen://events/avatar-video",
        watchers=[
            AssetWatcher(
                name="heygen_avatar_video_events",
                trigger=HeyGenEventTrigger(["avatar_video.success", "avatar_video.fail"], poll_interval=0.2),
            )
        ],
    )

    with DAG(
        dag_id="heygen_event_consumer", schedule=[VIDEO_EVENTS], start_date=datetime(2026, 1, 1), catchup=False
    ) as event_consumer:

        @task
        def video_ids(triggering_asset_events: Any = None) -> list[str]:
            return [
                event.extra["payload"]["event_data"]["video_id"]
                for event in triggering_asset_events[VIDEO_EVENTS]
                if event.extra.get("from_trigger")
            ]

        video_ids()
