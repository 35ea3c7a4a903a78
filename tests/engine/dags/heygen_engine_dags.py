"""DAGs of the engine suite's crash scenarios (the backfill runs the localisation example itself).

- ``heygen_engine_in_worker``: a video and a translation that wait in the worker, for a task process killed
  while its job runs; the retry must reconnect to the first try's job.
- ``heygen_engine_deferred``: three videos (the fake's cap) that wait in the triggerer, for a triggerer or
  scheduler killed while they wait.

Every job title carries the run id, so the suite finds each task's jobs at the fake. Retries come fast: the
suite waits for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator

try:  # Airflow 3 (the engine suite runs 3.3 only)
    from airflow.sdk import DAG
except ImportError:  # pragma: no cover
    from airflow.models import DAG

#: About 2.5 spoken words a second at the fake, so this script lasts its word count / 2.5 seconds.
SCRIPT = " ".join(["Every deferred task waits in the triggerer and holds no worker slot."] * 30)
WAITING = {"poll_interval": 2.0, "timeout": timedelta(minutes=10)}
ARGS = {"retries": 2, "retry_delay": timedelta(seconds=2)}


def render(task_id: str, **kwargs: object) -> HeyGenCreateVideoOperator:
    request = {
        "type": "avatar",
        "avatar_id": "look_1",
        "voice_id": "voice_1",
        "title": f"{task_id} {{{{ run_id }}}}",
        "script": SCRIPT,
    }
    return HeyGenCreateVideoOperator(task_id=task_id, request=request, **WAITING, **kwargs)  # type: ignore[arg-type]


with DAG(dag_id="heygen_engine_in_worker", schedule=None, start_date=datetime(2026, 1, 1), default_args=ARGS):
    render("video", deferrable=False)
    HeyGenTranslateVideoOperator(
        task_id="translate",
        request={
            "video": {"type": "url", "url": "https://cdn.example.com/engine/source.mp4"},
            "output_languages": ["Spanish (Spain)"],
            "title": "translate {{ run_id }}",
        },
        deferrable=False,
        **WAITING,  # type: ignore[arg-type]
    )

with DAG(dag_id="heygen_engine_deferred", schedule=None, start_date=datetime(2026, 1, 1), default_args=ARGS):
    for number in range(3):  # the suite's cap: all three run at HeyGen at once
        render(f"video_{number}", deferrable=True)
