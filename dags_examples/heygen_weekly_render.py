"""Weekly product update: metrics from a CSV -> a script -> an avatar video -> files in storage -> an Asset.

Every Monday this DAG reads the numbers of the week that just ended (a CSV shipped with the example; in
production, a query against your warehouse), writes a short script from them, and has HeyGen render an avatar
video of it, plus a 9:16 teaser for social media. The video, its thumbnail and its captions are stored under
``<output root>/weekly/<ds>/``, and the Asset ``heygen://videos/weekly-update`` is updated with the stored
paths: that starts ``heygen_on_new_video``.

It runs unchanged against HeyGen or against the fake (``heygen-fake-api``): only the ``heygen_default``
connection says which. Set up once per deployment:

- the ``heygen_default`` connection (password: the API key; host: empty for HeyGen, the fake's URL otherwise);
- the ``heygen`` pool, sized to your plan's concurrent jobs and counting deferred tasks:
  ``airflow pools set heygen 10 "HeyGen concurrent jobs" --include-deferred``;
- optionally the Variables ``heygen_avatar_id`` / ``heygen_voice_id`` (else a public look and voice of the
  fake: set them for HeyGen), and the environment variables ``HEYGEN_OUTPUT_ROOT`` (a folder or any fsspec URL,
  e.g. ``s3://bucket/heygen``; default ``demo-output/`` in this repository) and ``HEYGEN_POLL_INTERVAL``
  (seconds between status checks, default 30 as HeyGen advises).
"""

from __future__ import annotations

import csv
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator
from airflow_provider.heygen.sensors.job import HeyGenJobSensor

try:  # Airflow 3
    from airflow.sdk import DAG, Asset, Param, task
except ImportError:  # Airflow 2.10+, where Assets are called Datasets
    from airflow.datasets import Dataset as Asset
    from airflow.decorators import task
    from airflow.models import DAG
    from airflow.models.param import Param

METRICS_CSV = Path(__file__).parent / "data" / "weekly_metrics.csv"
#: What this DAG announces; ``heygen_on_new_video`` is scheduled on it.
WEEKLY_VIDEO = Asset("heygen://videos/weekly-update")
#: The Airflow pool that caps the HeyGen jobs running at once (see heygen_localisation_backfill).
POOL = "heygen"
#: HeyGen advises polling every 30 s; the demo and the tests poll the fake faster.
POLL_INTERVAL = float(os.environ.get("HEYGEN_POLL_INTERVAL", "30"))
#: Per run (trigger form or ``--conf``), else the Variable, else a public look and voice of the fake.
AVATAR_ID = "{{ params.avatar_id or var.value.get('heygen_avatar_id', 'Abigail_Office_Front_public') }}"
VOICE_ID = "{{ params.voice_id or var.value.get('heygen_voice_id', '3a218e750e0e0372a2ff95e13e012b73') }}"
#: A ~1 minute script costs about 6 credits (Avatar IV, 0.1 a second): refuse anything well above that.
MAX_CREDITS = 15.0
#: Leave at least this many credits on the account (a soft guard, read from GET /v3/users/me before submitting).
MIN_REMAINING_CREDITS = 50.0


def output_root() -> str:
    """Where outputs go: ``$HEYGEN_OUTPUT_ROOT``, else ``demo-output/`` next to this repository, else a temp dir.

    Read when a task renders its templates (``{{ output_root() }}``), not when the file is parsed.
    """
    configured = os.environ.get("HEYGEN_OUTPUT_ROOT", "").strip()
    if configured:
        return configured.rstrip("/")
    repo = Path(__file__).resolve().parent.parent
    if (repo / "airflow_provider" / "heygen").is_dir():
        return str(repo / "demo-output")
    return str(Path(tempfile.gettempdir()) / "heygen-output")


def _percent(change: float) -> str:
    return f"{'rose' if change >= 0 else 'fell'} {abs(change):g} percent"


with DAG(
    dag_id="heygen_weekly_render",
    description="Render the weekly product update video from last week's metrics",
    # Mondays 06:00 UTC; the run reports the week that ended before it (see build_script).
    schedule="0 6 * * 1",
    start_date=datetime(2026, 1, 5),
    catchup=False,
    max_active_runs=1,
    params={
        "avatar_id": Param(None, type=["null", "string"], description="HeyGen avatar look id (empty: Variable)"),
        "voice_id": Param(None, type=["null", "string"], description="HeyGen voice id (empty: Variable)"),
    },
    user_defined_macros={"output_root": output_root},
    # A retry resubmits with the same Idempotency-Key: HeyGen answers with the first try's video, not a new one.
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["heygen", "example"],
    doc_md=__doc__,
) as dag:

    @task(multiple_outputs=True)
    def build_script(data_interval_end: Any = None, logical_date: Any = None) -> dict[str, str]:
        """Write the scripts from the latest week of metrics that started before the run was due."""
        with METRICS_CSV.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        # Due at the interval's end when scheduled (both versions); a manual run at its logical date (Airflow 2
        # gives a manual run the interval before that date, Airflow 3 an empty one at it).
        moments = [moment for moment in (data_interval_end, logical_date) if moment is not None]
        until = (max(moments) if moments else datetime.now()).date().isoformat()
        weeks = sorted({row["week_start"] for row in rows if row["week_start"] < until})
        if not weeks:
            raise ValueError(f"{METRICS_CSV.name} has no week that started before {until}")
        week = weeks[-1]
        metrics = [row for row in rows if row["week_start"] == week]
        day = datetime.strptime(week, "%Y-%m-%d")
        when = f"{day:%B} {day.day}, {day.year}"
        lines = [
            f"{row['metric']} {_percent(float(row['change_pct']))} to {float(row['value']):,g}"
            + (f" {row['unit']}" if row["unit"] else "")
            + "."
            for row in metrics
        ]
        top = max(metrics, key=lambda row: abs(float(row["change_pct"])))
        return {
            "week": week,
            "title": f"Weekly update, week of {when}",
            "teaser_title": f"Teaser: weekly update, week of {when}",
            "script": f"Hello team! Here is the product update for the week of {when}. "
            + " ".join(lines)
            + f" The biggest change: {top['metric'].lower()}. Thanks for watching, see you next Monday.",
            "teaser": f"This week {top['metric'].lower()} {_percent(float(top['change_pct']))}. "
            "The full update is out now.",
        }

    script = build_script()

    # --8<-- [start:render]
    render = HeyGenCreateVideoOperator(
        task_id="render",
        request={
            "type": "avatar",
            "title": script["title"],
            "avatar_id": AVATAR_ID,
            "voice_id": VOICE_ID,
            "script": script["script"],  # an XCom, resolved when the task runs
            "caption": {"file_format": "srt"},
        },
        # A render takes minutes: the wait happens in the triggerer and holds no worker slot.
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=1),
        # Checked before submitting, from the script's length: a runaway script fails at once and costs nothing.
        max_credits=MAX_CREDITS,
        # A soft floor under the account: the weekly render never spends the last credits other teams need.
        min_remaining_credits=MIN_REMAINING_CREDITS,
        # One slot of the pool per HeyGen job; with include_deferred the slot stays taken while the job runs.
        pool=POOL,
    )
    # --8<-- [end:render]

    # --8<-- [start:download]
    download = HeyGenDownloadOperator(
        task_id="download",
        job_ids=render.output,
        outputs=["video", "thumbnail", "captions"],
        # <root>/weekly/<ds>/<video_id>/{video.mp4,thumbnail.png,captions.srt}; the root may be s3://... etc.
        destination="{{ output_root() }}/weekly/{{ ds }}",
        # Airflow records an asset event when this task succeeds; the operator puts the stored paths in its
        # extra ({"heygen_kind": "video", "files": {video_id: {"video": path, ...}}}) for the DAGs it starts.
        outlets=[WEEKLY_VIDEO],
    )
    # --8<-- [end:download]

    # --8<-- [start:sensor]
    # The teaser is submitted without waiting, and a sensor waits for it: the two renders run side by side at
    # HeyGen, and the wait has its own timeout and retries, apart from the submit.
    teaser = HeyGenCreateVideoOperator(
        task_id="teaser",
        request={
            "type": "avatar",
            "title": script["teaser_title"],
            "avatar_id": AVATAR_ID,
            "voice_id": VOICE_ID,
            "script": script["teaser"],
            "aspect_ratio": "9:16",
        },
        wait_for_completion=False,  # returns as soon as HeyGen has the job
        max_credits=MAX_CREDITS,
        pool=POOL,
    )
    wait_for_teaser = HeyGenJobSensor(
        task_id="wait_for_teaser",
        kind="video",
        job_ids=teaser.output,  # the submit task's result; its ids are also in XCom "heygen_job_ids"
        deferrable=True,
        poke_interval=POLL_INTERVAL,
        timeout=timedelta(hours=1),
        # The submit task freed its slot while the teaser still renders: the sensor holds one for it instead.
        pool=POOL,
    )
    # --8<-- [end:sensor]

    download_teaser = HeyGenDownloadOperator(
        task_id="download_teaser",
        job_ids=teaser.output,
        outputs=["video"],
        destination="{{ output_root() }}/weekly/{{ ds }}/teaser",
    )
    wait_for_teaser >> download_teaser

    @task
    def report(
        week: str, rendered: dict[str, Any], teaser: dict[str, Any], stored: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Log what the week's videos cost and where they are; the return value is the run's summary."""
        from airflow_provider.heygen.api.jobs import job_kind
        from airflow_provider.heygen.hooks.heygen import HeyGenHook

        # The teaser's task returned before the render finished, so its cost is read now, from its duration.
        (teaser_id,) = teaser["job_ids"]
        teaser_seconds = HeyGenHook().get_job("video", teaser_id).get("duration")
        spent = {"render": rendered["credits"], "teaser": job_kind("video").cost_of({}, teaser_seconds)}
        files = sorted(path for result in stored for job in result["files"].values() for path in job.values())
        summary = {
            "week": week,
            "video_id": rendered["job_ids"][0],
            "teaser_id": teaser_id,
            "credits": spent,
            "total_credits": round(sum(value or 0 for value in spent.values()), 4),
            "files": files,
        }
        print(f"Week of {week}: {summary['total_credits']} credits ({spent})")
        for path in files:
            print(f"  {path}")
        return summary

    report(script["week"], render.output, teaser.output, [download.output, download_teaser.output])
