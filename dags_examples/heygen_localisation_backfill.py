"""Localise the back catalogue: every video published on a day, dubbed into every target language.

Each daily run takes the catalogue rows (``data/catalogue.csv``: ``published,slug,title,seconds,video``) published
on its logical date and starts one HeyGen translation per (video, language) with dynamic task mapping. Run the
past on purpose, a range of days at a time:

- Airflow 3: ``airflow backfill create --dag-id heygen_localisation_backfill --from-date 2026-01-05
  --to-date 2026-01-08``
- Airflow 2: ``airflow dags backfill heygen_localisation_backfill -s 2026-01-05 -e 2026-01-08``

Why a backfill neither renders twice nor floods the account:

- **one day, one slice**: a row belongs to the run of its ``published`` date only, so the runs of a range
  share no work;
- **idempotent retries**: each mapped task submits with an ``Idempotency-Key`` derived from (dag, task, run,
  map index, request). A retry, or the same run cleared and run again, gets HeyGen's first answer back (HeyGen
  keeps keys for 24 hours) instead of a second render; a failed language is resubmitted, once per retry;
- **a pool that counts deferred tasks**: a waiting translation holds its slot, so the slots bound the jobs
  running at HeyGen across all runs of the range, whatever the executor's parallelism. Size it to the plan;
- **deferrable waits**: hundreds of translations wait in the triggerer, not in worker slots;
- **HeyGen's own cap**: if something else uses the account, a submit refused with 429 defers and resubmits.

Cost: the catalogue knows each video's length, so every translation is estimated before it is sent, and one
that would cost more than ``max_credits`` (a run param, per translation) fails without being submitted. The
``summary`` task reports per language how many translations were planned, completed and failed, and the credits
estimated and spent, and fails the run if any failed (after retries), so a partial day is visible.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator

try:  # Airflow 3
    from airflow.sdk import DAG, Param, task
except ImportError:  # Airflow 2.10+
    from airflow.decorators import task
    from airflow.models import DAG
    from airflow.models.param import Param

CATALOGUE = Path(__file__).parent / "data" / "catalogue.csv"
#: Target languages, as GET /v3/video-translations/languages names them; override per run with ``--conf``.
LANGUAGES = ["Spanish (Spain)", "French (France)", "German (Germany)"]
POLL_INTERVAL = float(os.environ.get("HEYGEN_POLL_INTERVAL", "30"))

# --8<-- [start:pool]
# Every HeyGen task runs in this pool: one slot per job that may run at HeyGen at once, created once per
# deployment with the plan's concurrency (10 on pay-as-you-go, 20+ on Enterprise) and --include-deferred,
# without which a deferred task frees its slot and the pool no longer bounds the running jobs:
#
#   airflow pools set heygen 10 "HeyGen concurrent jobs" --include-deferred
#
# For big backfills also mind [triggerer] capacity (1,000 waiting tasks per triggerer by default).
POOL = "heygen"
# --8<-- [end:pool]


with DAG(
    dag_id="heygen_localisation_backfill",
    description="Dub the catalogue's videos of each day into every target language",
    schedule="@daily",
    start_date=datetime(2026, 1, 5),
    # The past is translated on purpose, with a backfill of a chosen range (see above), not by catch-up.
    catchup=False,
    # Several days at once are fine: the pool, not the number of runs, bounds the jobs at HeyGen.
    max_active_runs=4,
    params={
        "catalogue": Param(str(CATALOGUE), type="string", description="CSV: a path or any fsspec URL"),
        "languages": Param(LANGUAGES, type="array", items={"type": "string"}, minItems=1),
        "mode": Param("speed", enum=["speed", "precision"], description="precision costs twice as much"),
        "max_credits": Param(30.0, type="number", minimum=0, description="budget of one translation, in credits"),
    },
    # A retried try sends the same Idempotency-Key: HeyGen replays the first try's jobs instead of rendering again.
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["heygen", "example"],
    doc_md=__doc__,
) as dag:

    @task
    def plan(ds: str | None = None, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One translation per (video published on ``ds``, language), in a stable order: the request, the
        source's length (for the estimate) and the budget, as the mapped task's arguments."""
        import csv

        from airflow_provider.heygen.delivery import storage_path

        assert params is not None
        rows = list(csv.DictReader(io.StringIO(storage_path(params["catalogue"]).read_text())))
        videos = sorted((row for row in rows if row["published"] == ds), key=lambda row: row["slug"])
        requests = []
        for row in videos:
            source = row["video"].strip()
            # A URL HeyGen can fetch, or the id of a video already uploaded as a HeyGen asset.
            video = {"type": "url", "url": source} if "://" in source else {"type": "asset_id", "asset_id": source}
            for language in params["languages"]:
                request = {
                    "video": video,
                    "output_languages": [language],
                    "title": f"{row['title']} ({language})",
                    "mode": params["mode"],
                    "enable_caption": True,
                }
                # Without a length the estimate reads the source's header; if that fails, the budget refuses it.
                seconds = float(row["seconds"]) if row.get("seconds") else None
                requests.append({"request": request, "source_duration": seconds, "max_credits": params["max_credits"]})
        print(f"{ds}: {len(videos)} video(s) x {len(params['languages'])} language(s) = {len(requests)} job(s)")
        return requests

    requests = plan()

    # --8<-- [start:mapped_translate]
    # One mapped task per (video, language): each starts exactly one HeyGen job and holds one pool slot while
    # it waits, so "pool slots = plan concurrency" holds (a task that dubbed into N languages would start N).
    translations = HeyGenTranslateVideoOperator.partial(
        task_id="translate",
        pool=POOL,
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=timedelta(hours=4),
        map_index_template="{{ task.request['title'] }}",  # "Pricing explained (French (France))" in the UI
    ).expand_kwargs(requests)
    # --8<-- [end:mapped_translate]

    # --8<-- [start:summary]
    @task(trigger_rule="all_done", retries=0)
    def summary(planned: list[dict[str, Any]], results: Any, ds: str | None = None) -> dict[str, Any]:
        """Per language: planned, completed and failed translations, credits estimated and spent; fail if any failed.

        Runs even when some translations failed (``all_done``): a failed mapped task has no result, so what
        was planned but did not complete counts as failed.
        """
        by_language: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"planned": 0, "completed": 0, "failed": 0, "estimated": 0.0, "credits": 0.0, "job_ids": []}
        )
        for item in planned:
            for language in item["request"]["output_languages"]:
                by_language[language]["planned"] += 1
        for result in results or []:
            estimated = (result.get("estimate") or {}).get("credits") or 0
            for language, outputs in result["languages"].items():
                row = by_language[language]
                row["completed" if outputs["status"] == "completed" else "failed"] += 1
                row["estimated"] = round(row["estimated"] + estimated, 4)
                row["credits"] = round(row["credits"] + (outputs.get("credits") or 0), 4)
                row["job_ids"].append(outputs["video_translation_id"])
        for row in by_language.values():
            row["failed"] = row["planned"] - row["completed"]
        estimated = round(sum(row["estimated"] for row in by_language.values()), 4)
        total = round(sum(row["credits"] for row in by_language.values()), 4)
        lines = [f"{'language':<24}{'planned':>8}{'completed':>10}{'failed':>7}{'estimated':>10}{'credits':>10}"]
        lines += [
            f"{language:<24}{row['planned']:>8}{row['completed']:>10}{row['failed']:>7}"
            f"{row['estimated']:>10.4f}{row['credits']:>10.4f}"
            for language, row in sorted(by_language.items())
        ]
        print(f"Localisation of {ds}: {total} credits spent, {estimated} estimated\n" + "\n".join(lines))
        failed = {language: row["failed"] for language, row in by_language.items() if row["failed"]}
        if failed:
            raise RuntimeError(f"translations failed after retries: {failed}")
        return {
            "date": ds,
            "jobs": len(planned),
            "estimated_credits": estimated,
            "credits": total,
            "languages": dict(by_language),
        }

    summary(requests, translations.output)
    # --8<-- [end:summary]
