"""DAGs for the sensor's end-to-end tests: a render that does not wait, and a sensor per mode that does."""

from __future__ import annotations

from datetime import datetime

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator
from airflow_provider.heygen.sensors.job import HeyGenJobSensor

if AIRFLOW_V_3:
    from airflow.sdk import DAG
else:
    from airflow.models import DAG

REQUEST = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "Started here, awaited there."}


def sensor_dag(dag_id: str, **sensor_kwargs: object) -> DAG:
    with DAG(dag_id=dag_id, schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
        render = HeyGenCreateVideoOperator(task_id="render", request=REQUEST, wait_for_completion=False)
        wait = HeyGenJobSensor(
            task_id="wait",
            kind="video",
            job_ids="{{ ti.xcom_pull(task_ids='render', key='heygen_job_ids') }}",
            poke_interval=0.2,
            timeout=60,
            **sensor_kwargs,
        )
        render >> wait
    return dag


sensor_poke = sensor_dag("heygen_sensor_poke", deferrable=False, mode="poke")
sensor_deferrable = sensor_dag("heygen_sensor_deferrable", deferrable=True)
