"""DAGs for the end-to-end tests of the Video Agent operators: one per waiting mode, against the fake HeyGen API."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import airflow_provider.heygen.testing
from airflow_provider.heygen._compat import AIRFLOW_V_3
from airflow_provider.heygen.operators.agent import HeyGenVideoAgentFollowUpOperator, HeyGenVideoAgentOperator

if AIRFLOW_V_3:
    from airflow.sdk import DAG
else:
    from airflow.models import DAG

#: A 1-second mp4 shipped with the fake: attached from a local path, so it goes inline as base64.
CLIP = Path(airflow_provider.heygen.testing.__file__).parent / "fake" / "media" / "sample.mp4"
REQUEST = {
    "prompt": "A 30-second launch video for {{ params.product }}: what changed this week and why it matters.",
    "orientation": "landscape",
    "files": [{"type": "url", "url": "https://example.com/{{ params.product }}/logo.png"}],
}


def agent_dag(dag_id: str, *, deferrable: bool) -> DAG:
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        params={"product": "Airflow", "clip": str(CLIP)},
        default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
    ) as dag:
        HeyGenVideoAgentOperator(
            task_id="agent",
            request=REQUEST,
            files=["{{ params.clip }}"],
            deferrable=deferrable,
            poll_interval=0.2,
            timeout=60,
        )
    return dag


agent_sync = agent_dag("heygen_agent_sync", deferrable=False)
agent_deferrable = agent_dag("heygen_agent_deferrable", deferrable=True)


def revision_dag(dag_id: str, *, deferrable: bool) -> DAG:
    """A short chat-mode session, then a follow-up message asking for a revision of its video."""
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        params={"product": "Airflow"},
        default_args={"retries": 1, "retry_delay": timedelta(seconds=0)},
    ) as dag:
        draft = HeyGenVideoAgentOperator(
            task_id="draft",
            request={"prompt": "A 20-second teaser for {{ params.product }} 3.3", "mode": "chat"},
            deferrable=deferrable,
            poll_interval=0.2,
            timeout=60,
        )
        HeyGenVideoAgentFollowUpOperator(
            task_id="revise",
            session_id=draft.output["heygen_job_ids"],
            message="Make it warmer and end on the {{ params.product }} logo.",
            deferrable=deferrable,
            poll_interval=0.2,
            timeout=60,
        )
    return dag


revision_sync = revision_dag("heygen_agent_revision_sync", deferrable=False)
revision_deferrable = revision_dag("heygen_agent_revision_deferrable", deferrable=True)
