"""DAGs for the end-to-end tests of the video operator: one per waiting mode, against the fake HeyGen API."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator

if AIRFLOW_V_3:
    from airflow.sdk import DAG
else:
    from airflow.models import DAG

REQUEST = {
    "type": "avatar",
    "avatar_id": "look_1",
    "voice_id": "voice_1",
    "script": "This week {{ params.product }} shipped three features and fixed twelve bugs.",
    "title": "Weekly update {{ ds }}",
}


def video_dag(dag_id: str, *, deferrable: bool) -> DAG:
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        params={"product": "Airflow"},
        default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
    ) as dag:
        HeyGenCreateVideoOperator(
            task_id="render",
            request=REQUEST,
            deferrable=deferrable,
            poll_interval=0.2,
            timeout=60,
        )
    return dag


video_sync = video_dag("heygen_video_sync", deferrable=False)
video_deferrable = video_dag("heygen_video_deferrable", deferrable=True)
