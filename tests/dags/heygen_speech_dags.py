"""DAG for the end-to-end test of speech and asset upload: synthesise a voice-over, store it, upload it to HeyGen."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.assets import HeyGenUploadAssetOperator
from airflow_provider.heygen.operators.speech import HeyGenTextToSpeechOperator
from airflow_provider.heygen.testing.fake.routes.voices import CATALOGUE

if AIRFLOW_V_3:
    from airflow.sdk import DAG
else:
    from airflow.models import DAG

#: A public voice the fake's Starfish engine speaks with.
VOICE_ID = next(voice.voice_id for voice in CATALOGUE if voice.name.startswith("Aria"))

with DAG(
    dag_id="heygen_speech",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"product": "Airflow", "out": tempfile.gettempdir()},
    default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
) as speech_dag:
    speak = HeyGenTextToSpeechOperator(
        task_id="speak",
        request={"text": "This week {{ params.product }} shipped three features.", "voice_id": VOICE_ID},
        destination="{{ params.out }}/voice-over.mp3",
    )
    upload = HeyGenUploadAssetOperator(
        task_id="upload",
        source="{{ ti.xcom_pull(task_ids='speak')['path'] }}",
        filename="voice-over-{{ ds }}.mp3",
    )
    speak >> upload
