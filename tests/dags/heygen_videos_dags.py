"""DAGs for the end-to-end tests of the many-videos operator: one per waiting mode, against the fake HeyGen API."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.video import HeyGenCreateVideosOperator

if AIRFLOW_V_3:
    from airflow.sdk import DAG
else:
    from airflow.models import DAG

PRODUCTS = ("Airflow", "HeyGen", "Starlette")
REQUESTS = [
    {
        "type": "avatar",
        "avatar_id": "look_1",
        "voice_id": "voice_1",
        "script": f"This week {product} shipped three features on {{{{ ds }}}}.",
        "title": f"{product} weekly",
    }
    for product in PRODUCTS
]


def videos_dag(dag_id: str, *, deferrable: bool) -> DAG:
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
    ) as dag:
        HeyGenCreateVideosOperator(
            task_id="render_all",
            requests=REQUESTS,
            batch_title="Weekly updates {{ ds }}",
            deferrable=deferrable,
            poll_interval=0.2,
            timeout=60,
        )
    return dag


videos_sync = videos_dag("heygen_videos_sync", deferrable=False)
videos_deferrable = videos_dag("heygen_videos_deferrable", deferrable=True)
