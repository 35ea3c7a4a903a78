"""DAGs for the end-to-end test of delivery: render a video, store its files, and announce them as an asset
that a second DAG is scheduled on."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta

from airflow_provider.heygen._compat import AIRFLOW_V_3, Asset
from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator

if AIRFLOW_V_3:
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
else:
    from airflow.models import DAG
    from airflow.operators.empty import EmptyOperator

#: What the delivery announces; ``heygen_publish`` runs when it changes.
WEEKLY_VIDEOS = Asset("file:///srv/heygen/weekly-videos")
REQUEST = {
    "type": "avatar",
    "avatar_id": "look_1",
    "voice_id": "voice_1",
    "script": "Here is what {{ params.product }} changed this week, in under a minute.",
    "caption": {"file_format": "srt"},
}

with DAG(
    dag_id="heygen_download",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"product": "Airflow", "out": tempfile.gettempdir()},
    default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
) as download_dag:
    render = HeyGenCreateVideoOperator(task_id="render", request=REQUEST, poll_interval=0.2, timeout=60)
    HeyGenDownloadOperator(
        task_id="download",
        job_ids=render.output,
        outputs=["video", "captions"],
        destination="{{ params.out }}/{{ ds }}",
        outlets=[WEEKLY_VIDEOS],
    )

with DAG(
    dag_id="heygen_publish",
    schedule=[WEEKLY_VIDEOS],
    start_date=datetime(2026, 1, 1),
    catchup=False,
) as publish_dag:
    EmptyOperator(task_id="publish")
