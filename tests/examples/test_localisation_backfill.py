"""heygen_localisation_backfill end to end against the fake: one translation per (video, language) of the day,
nothing rendered twice when a date runs again, failed languages retried once, HeyGen's concurrency cap waited
out by deferring, and a summary per language whose credits match the fake's."""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.testing import FakeHeyGen
from tests.examples.helpers import EXAMPLES, import_example, peak_overlap, result, run_on, states, task_instances

pytestmark = [pytest.mark.e2e]

CREATE = "/v3/video-translations"
#: The catalogue's videos per published date (data/catalogue.csv).
VIDEOS = {
    "2026-01-05": ["getting-started", "pricing-explained", "team-workspaces"],
    "2026-01-06": ["api-quickstart", "brand-kits"],
}


@pytest.fixture
def backfill(example_env: FakeHeyGen) -> Any:
    """The DAG module, with the fake's clock fast enough that a one-minute translation takes a fifth of a second,
    and the catalogue's videos as long as the catalogue says (HeyGen reads that from the files)."""
    example_env.clock_speed = 300.0
    for row in csv.DictReader((EXAMPLES / "data" / "catalogue.csv").read_text().splitlines()):
        example_env.state.remember_media_seconds(row["video"], float(row["seconds"]))
    return import_example("heygen_localisation_backfill")


def rendered(heygen: FakeHeyGen, jobs: list[Any] | None = None) -> Counter[tuple[str, str]]:
    """How many translation jobs the fake holds per (catalogue slug, language)."""
    return Counter(
        (job.request["video"]["url"].rsplit("/", 1)[-1].removesuffix(".mp4"), job.extra["output_language"])
        for job in (heygen.jobs("video_translation") if jobs is None else jobs)
    )


def planned(day: str, languages: list[str]) -> Counter[tuple[str, str]]:
    return Counter(itertools.product(VIDEOS[day], languages))


def test_two_days_translate_their_own_videos_once_and_the_summary_matches_the_fake(
    backfill: Any, example_env: FakeHeyGen
) -> None:
    heygen, languages = example_env, backfill.LANGUAGES
    first = run_on(backfill.dag, "2026-01-05")
    assert first.state == "success", states(first)
    assert rendered(heygen) == planned("2026-01-05", languages)

    second = run_on(backfill.dag, "2026-01-06")

    assert second.state == "success", states(second)
    assert rendered(heygen) == planned("2026-01-05", languages) + planned("2026-01-06", languages)
    for dagrun, day in ((first, "2026-01-05"), (second, "2026-01-06")):
        summary = result(dagrun, "summary")
        assert summary["date"] == day and summary["jobs"] == len(VIDEOS[day]) * len(languages)
        assert set(summary["languages"]) == set(languages)
        for row in summary["languages"].values():
            assert (row["planned"], row["completed"], row["failed"]) == (len(VIDEOS[day]), len(VIDEOS[day]), 0)
        jobs = [heygen.job(job_id) for row in summary["languages"].values() for job_id in row["job_ids"]]
        assert rendered(heygen, jobs) == planned(day, languages)
        assert summary["credits"] == pytest.approx(sum(job.credits for job in jobs))
        assert summary["estimated_credits"] == pytest.approx(summary["credits"])  # the catalogue knows the lengths
    assert result(first, "summary")["credits"] + result(second, "summary")["credits"] == pytest.approx(
        heygen.credits_spent
    )
    mapped = task_instances(second, "translate")
    assert [ti.pool for ti in mapped] == ["heygen"] * len(mapped)
    assert mapped[0].rendered_map_index == "The API quickstart (Spanish (Spain))"  # sorted by slug: api-quickstart


def test_the_same_date_twice_creates_no_new_translation(backfill: Any, example_env: FakeHeyGen) -> None:
    heygen = example_env
    first = run_on(backfill.dag, "2026-01-06")
    assert first.state == "success", states(first)
    jobs_before, keys_before = len(heygen.jobs("video_translation")), _keys(heygen)

    again = run_on(backfill.dag, "2026-01-06")

    assert again.state == "success", states(again)
    assert again.run_id == first.run_id  # the same run, so the operators derive the same keys
    assert len(heygen.jobs("video_translation")) == jobs_before
    assert _keys(heygen) == keys_before  # every create of the second run was a replay of the first's
    assert len(heygen.requests_to("POST", CREATE)) == 2 * jobs_before
    assert result(again, "summary")["languages"] == result(first, "summary")["languages"]


def test_a_day_without_videos_plans_nothing_and_succeeds(backfill: Any, example_env: FakeHeyGen) -> None:
    dagrun = run_on(backfill.dag, "2026-01-09")

    assert dagrun.state == "success", states(dagrun)
    assert result(dagrun, "summary") == {
        "date": "2026-01-09",
        "jobs": 0,
        "estimated_credits": 0,
        "credits": 0,
        "languages": {},
    }
    assert not example_env.requests_to("POST", CREATE)


def test_a_failed_language_is_rendered_again_once_by_the_retry(
    backfill: Any, example_env: FakeHeyGen, monkeypatch: pytest.MonkeyPatch
) -> None:
    heygen = example_env
    monkeypatch.setattr(backfill.dag.get_task("translate"), "retry_delay", timedelta(0))
    heygen.inject("job_failure", CREATE, method="POST", times=1)  # the first job of the day fails

    dagrun = run_on(backfill.dag, "2026-01-06")

    assert dagrun.state == "success", states(dagrun)
    failed = [job for job in heygen.jobs("video_translation") if job.status == "failed"]
    assert len(failed) == 1
    done = [job for job in heygen.jobs("video_translation") if job.status == "completed"]
    assert rendered(heygen, done) == planned("2026-01-06", backfill.LANGUAGES)
    tries = [ti.try_number for ti in task_instances(dagrun, "translate")]
    assert sorted(tries) == [1] * (len(tries) - 1) + [2]
    summary = result(dagrun, "summary")
    assert all(row["failed"] == 0 for row in summary["languages"].values())
    assert summary["credits"] == pytest.approx(heygen.credits_spent)


def test_a_language_that_cannot_be_translated_fails_the_run_after_the_summary(
    backfill: Any, example_env: FakeHeyGen
) -> None:
    dagrun = run_on(backfill.dag, "2026-01-06", conf={"languages": ["Spanish (Spain)", "Klingon"]})

    assert dagrun.state == "failed"
    by_language: dict[str, list[str]] = {}
    for ti in task_instances(dagrun, "translate"):
        by_language.setdefault(ti.rendered_map_index.split(" (", 1)[1], []).append(str(ti.state))
    assert by_language == {"Spanish (Spain))": ["success"] * 2, "Klingon)": ["failed"] * 2}
    (summary,) = task_instances(dagrun, "summary")
    assert str(summary.state) == "failed"  # it ran (all_done), reported, then failed the run
    assert rendered(example_env) == planned("2026-01-06", ["Spanish (Spain)"])


def test_a_translation_over_the_runs_budget_is_refused_before_it_is_sent(
    backfill: Any, example_env: FakeHeyGen
) -> None:
    # 2026-01-06: brand-kits is 188 s (9.4 credits at speed), api-quickstart 256 s (12.8): a budget of 10 each.
    dagrun = run_on(backfill.dag, "2026-01-06", conf={"languages": ["Spanish (Spain)"], "max_credits": 10})

    assert dagrun.state == "failed"
    by_video = {ti.rendered_map_index: str(ti.state) for ti in task_instances(dagrun, "translate")}
    assert by_video == {
        "The API quickstart (Spanish (Spain))": "failed",
        "Brand kits and templates (Spanish (Spain))": "success",
    }
    assert rendered(example_env) == Counter({("brand-kits", "Spanish (Spain)"): 1})  # nothing sent for the other


def test_a_busy_account_is_waited_out_by_deferring_without_passing_the_cap(
    backfill: Any, example_env: FakeHeyGen, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Something else holds HeyGen's whole concurrency when the first translation is submitted: the fake answers
    429 and the mapped tasks defer on a timer and resubmit (no failed try), and no job is rendered twice."""
    heygen = example_env
    heygen.concurrency_limit = 2
    busy = _occupy_the_account_before_the_first_submit(heygen, monkeypatch)

    dagrun = run_on(backfill.dag, "2026-01-06")

    assert dagrun.state == "success", states(dagrun)
    assert len(busy) == 2
    refused = [r for r in heygen.requests_to("POST", CREATE) if r.status == 429]
    assert refused, "the cap was never reached: the test did not test anything"
    assert [ti.try_number for ti in task_instances(dagrun, "translate")] == [1] * 6  # waited, never failed
    ours = [job for job in heygen.jobs("video_translation") if job.id not in busy]
    assert rendered(heygen, ours) == planned("2026-01-06", backfill.LANGUAGES)
    everything = heygen.jobs("video_translation")
    assert all(job.completed_at is not None for job in everything)
    assert peak_overlap([(job.created_at, job.completed_at or 0.0) for job in everything]) <= 2
    busy_credits = sum(heygen.job(job_id).credits for job_id in busy)
    assert result(dagrun, "summary")["credits"] == pytest.approx(heygen.credits_spent - busy_credits)


def _occupy_the_account_before_the_first_submit(heygen: FakeHeyGen, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Right before the DAG's first translation request, start two jobs that fill the account's cap."""
    busy: list[str] = []
    create = HeyGenHook.create_video_translation

    def create_after_someone_else(self: HeyGenHook, *args: Any, **kwargs: Any) -> Any:
        if not busy:
            other = {"video": {"type": "url", "url": "https://cdn.example.com/other-team.mp4"}}
            busy.extend(create(self, {**other, "output_languages": ["Italian", "Polish"]}).video_translation_ids)
        return create(self, *args, **kwargs)

    monkeypatch.setattr(HeyGenHook, "create_video_translation", create_after_someone_else)
    return busy


def _keys(heygen: FakeHeyGen) -> set[str]:
    return {r.headers["idempotency-key"] for r in heygen.requests_to("POST", CREATE)}


def test_the_catalogue_dates_used_here_match_the_shipped_file() -> None:
    text = (EXAMPLES / "data" / "catalogue.csv").read_text().splitlines()[1:]
    for day, slugs in VIDEOS.items():
        assert sorted(line.split(",")[1] for line in text if line.startswith(day)) == slugs


@pytest.fixture(autouse=True)
def _no_leftover_faults(example_env: FakeHeyGen) -> Iterator[None]:
    yield
    example_env.clear_faults()
