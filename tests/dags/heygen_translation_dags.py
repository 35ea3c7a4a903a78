"""DAGs for the translation operator's end-to-end tests, against the fake HeyGen API: a translation per waiting
mode, a backfill mapped over videos, the proofread flow per waiting mode, and a review between two tasks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator

if AIRFLOW_V_3:
    from airflow.sdk import DAG, task
else:
    from airflow.decorators import task
    from airflow.models import DAG

LANGUAGES = ["Spanish (Spain)", "French (France)"]
BACKFILL_VIDEOS = ["https://cdn.example.com/intro.mp4", "https://cdn.example.com/pricing.mp4"]
REVIEWED_SRT = "https://cdn.example.com/reviewed/spanish.srt"
REQUEST = {
    "video": {"type": "url", "url": "https://cdn.example.com/{{ params.video }}.mp4"},
    "output_languages": LANGUAGES,
    "title": "{{ params.video }} {{ ds }}",
    "enable_caption": True,
}
WAIT = {"poll_interval": 0.2, "timeout": 60}


def new_dag(dag_id: str) -> DAG:
    return DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        params={"video": "launch"},
        default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
    )


def translation_dag(dag_id: str, *, deferrable: bool, **kwargs: Any) -> DAG:
    with new_dag(dag_id) as dag:
        HeyGenTranslateVideoOperator(task_id="translate", request=REQUEST, deferrable=deferrable, **WAIT, **kwargs)
    return dag


translation_sync = translation_dag("heygen_translation_sync", deferrable=False)
translation_deferrable = translation_dag("heygen_translation_deferrable", deferrable=True)
proofread_sync = translation_dag("heygen_translation_proofread_sync", deferrable=False, proofread=True)
proofread_deferrable = translation_dag("heygen_translation_proofread_deferrable", deferrable=True, proofread=True)


with new_dag("heygen_translation_backfill") as translation_backfill:

    @task
    def catalogue() -> list[dict[str, Any]]:
        """One request per video of the back catalogue, each into every language (one trigger per video)."""
        return [{"video": {"type": "url", "url": url}, "output_languages": LANGUAGES} for url in BACKFILL_VIDEOS]

    HeyGenTranslateVideoOperator.partial(task_id="translate", deferrable=True, **WAIT).expand(request=catalogue())


with new_dag("heygen_translation_review") as translation_review:
    review = HeyGenTranslateVideoOperator(task_id="review", request=REQUEST, review=True, deferrable=True, **WAIT)

    @task
    def edit(proofreads: dict[str, Any]) -> None:
        """Stands in for a human: replace the Spanish subtitles with a reviewed SRT."""
        from airflow_provider.heygen.hooks.heygen import HeyGenHook

        spanish = proofreads["languages"][LANGUAGES[0]]["proofread_id"]
        HeyGenHook().update_proofread_srt(spanish, {"srt": {"type": "url", "url": REVIEWED_SRT}})

    publish = HeyGenTranslateVideoOperator(
        task_id="publish", request=REQUEST, proofread_ids=review.output, deferrable=True, **WAIT
    )
    edit(review.output) >> publish
