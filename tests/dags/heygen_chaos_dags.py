"""DAGs of the chaos suite (tests/reliability): render a video and translate one, wait, store the render's files.

One DAG per way of waiting: in the triggerer (``heygen_chaos_deferred``) or in the worker
(``heygen_chaos_in_worker``). Each task gets one retry, so a fault that outlasts a try's own retries is seen
again by a second try, which must reconnect to the first try's jobs instead of paying for new ones. The
failure callback keeps every exception text, for the suite to check that a failure names its job.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from typing import Any

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator

if AIRFLOW_V_3:
    from airflow.sdk import DAG
else:
    from airflow.models import DAG

#: Seconds a task waits for its jobs, and for a full account to free a slot (429s are waited out only within
#: it): long enough for every fault but a job that never finishes.
WAIT_TIMEOUT = 10.0
RENDER = {
    "type": "avatar",
    "avatar_id": "look_1",
    "voice_id": "voice_1",
    "title": "chaos render {{ run_id }}",
    "script": "A short script, rendered while the fake HeyGen API misbehaves on purpose.",
    "caption": {"file_format": "srt"},
}
TRANSLATE = {
    "video": {"type": "url", "url": "https://cdn.example.com/chaos/source.mp4"},
    "output_languages": ["Spanish (Spain)", "French (France)"],
    "title": "chaos translation {{ run_id }}",
}
#: ``task_id: str(exception)`` of every failed try, in order (the DAGs run in this process under dag.test()).
FAILURES: list[tuple[str, str]] = []


def record_failure(context: Any) -> None:
    FAILURES.append((context["ti"].task_id, str(context.get("exception"))))


def chaos_dag(dag_id: str, *, deferrable: bool) -> DAG:
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        params={"out": tempfile.gettempdir()},
        default_args={"retries": 1, "retry_delay": timedelta(seconds=0), "on_failure_callback": record_failure},
    ) as dag:
        waiting: dict[str, Any] = {"deferrable": deferrable, "poll_interval": 0.2, "timeout": WAIT_TIMEOUT}
        render = HeyGenCreateVideoOperator(task_id="render", request=RENDER, **waiting)
        HeyGenTranslateVideoOperator(task_id="translate", request=TRANSLATE, **waiting)
        HeyGenDownloadOperator(
            task_id="download", job_ids=render.output, destination="{{ params.out }}/{{ run_id | replace(':', '_') }}"
        )
    return dag


deferred_dag = chaos_dag("heygen_chaos_deferred", deferrable=True)
in_worker_dag = chaos_dag("heygen_chaos_in_worker", deferrable=False)
