"""DAGs for the end-to-end tests of the avatar operator: train a digital twin, then render a video with it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import airflow_provider.heygen.testing
from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.avatar import HeyGenCreateAvatarOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator

if AIRFLOW_V_3:
    from airflow.sdk import DAG
else:
    from airflow.models import DAG

#: A 1-second mp4 shipped with the fake, standing in for the footage of a digital twin.
FOOTAGE = Path(airflow_provider.heygen.testing.__file__).parent / "fake" / "media" / "sample.mp4"


def avatar_dag(dag_id: str, *, deferrable: bool) -> DAG:
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        params={"presenter": "Ada", "footage": str(FOOTAGE)},
        default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
    ) as dag:
        avatar = HeyGenCreateAvatarOperator(
            task_id="avatar",
            request={"type": "digital_twin", "name": "{{ params.presenter }} (studio)"},
            file="{{ params.footage }}",
            deferrable=deferrable,
            poll_interval=0.2,
            timeout=60,
        )
        render = HeyGenCreateVideoOperator(
            task_id="render",
            request={
                "type": "avatar",
                "avatar_id": "{{ ti.xcom_pull(task_ids='avatar')['avatar_id'] }}",
                "voice_id": "voice_1",
                "script": "Hello from {{ params.presenter }}'s new digital twin.",
            },
            deferrable=deferrable,
            poll_interval=0.2,
            timeout=60,
        )
        avatar >> render
    return dag


avatar_sync = avatar_dag("heygen_avatar_sync", deferrable=False)
avatar_deferrable = avatar_dag("heygen_avatar_deferrable", deferrable=True)
