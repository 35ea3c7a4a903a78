"""DAGs for the webhook receiver's tests (Airflow 3 only: the receiver is an api-server plugin).

``heygen_webhook_consumer`` is scheduled on an Asset that takes ``avatar_video.success`` deliveries from the
receiver; ``heygen_webhook_any`` on one that takes every type; ``heygen_webhook_plain`` on one that never
opted in (the receiver must refuse it).
"""

from __future__ import annotations

from datetime import datetime

from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.plugins.feeds import webhook_feed

if AIRFLOW_V_3:
    from airflow.sdk import DAG, Asset, task

    PUSHED_VIDEOS = Asset("heygen_pushed_videos", extra=webhook_feed("avatar_video.success"))
    ANY_EVENT = Asset("heygen/pushed/any", extra=webhook_feed())
    PLAIN = Asset("heygen_plain_asset")

    for dag_id, asset in (
        ("heygen_webhook_consumer", PUSHED_VIDEOS),
        ("heygen_webhook_any", ANY_EVENT),
        ("heygen_webhook_plain", PLAIN),
    ):
        with DAG(dag_id=dag_id, schedule=[asset], start_date=datetime(2026, 1, 1), catchup=False):

            @task
            def noop() -> None:
                pass

            noop()
