"""DAGs for the lipsync operator's end-to-end tests: one per waiting mode, against the fake HeyGen API."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.lipsync import HeyGenLipsyncOperator

if AIRFLOW_V_3:
    from airflow.sdk import DAG
else:
    from airflow.models import DAG

REQUEST = {
    "video": {"type": "url", "url": "https://cdn.example.com/{{ params.clip }}.mp4"},
    "audio": {"type": "url", "url": "https://cdn.example.com/{{ params.clip }}-dub.mp3"},
    "title": "{{ params.clip }} {{ ds }}",
    "enable_caption": True,
}


def lipsync_dag(dag_id: str, *, deferrable: bool) -> DAG:
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        params={"clip": "keynote"},
        default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
    ) as dag:
        HeyGenLipsyncOperator(task_id="lipsync", request=REQUEST, deferrable=deferrable, poll_interval=0.2, timeout=60)
    return dag


lipsync_sync = lipsync_dag("heygen_lipsync_sync", deferrable=False)
lipsync_deferrable = lipsync_dag("heygen_lipsync_deferrable", deferrable=True)
