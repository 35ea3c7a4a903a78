"""DAG for the end-to-end test of OpenLineage: dub a video given by a presigned URL into two languages, then store
the dubs. Its events must name the source without its signature, the translations, and the stored files."""

from __future__ import annotations

import tempfile
from datetime import datetime

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator

if AIRFLOW_V_3:
    from airflow.sdk import DAG
else:
    from airflow.models import DAG

#: A presigned source: its query string is a credential that must never reach a lineage event.
SIGNED_SOURCE = (
    "https://media.example.com/keynotes/launch.mp4"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101&X-Amz-Signature=deadbeef"
)

with DAG(
    dag_id="heygen_lineage",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"out": tempfile.gettempdir()},
) as lineage_dag:
    dub = HeyGenTranslateVideoOperator(
        task_id="dub",
        request={"video": {"type": "url", "url": SIGNED_SOURCE}, "output_languages": ["French", "German"]},
        poll_interval=0.2,
        timeout=60,
    )
    HeyGenDownloadOperator(task_id="store", job_ids=dub.output, outputs=["video"], destination="{{ params.out }}")
