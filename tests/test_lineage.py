"""OpenLineage: URL scrubbing and dataset names, each operator's facets after a real run against the fake, DAG
parsing without OpenLineage, and a dag.test() run whose COMPLETE events land in a file transport."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_provider.heygen.hooks.heygen import HeyGenHook
from airflow_provider.heygen.lineage import (
    Dataset,
    heygen_namespace,
    location_dataset,
    request_sources,
    scrub_url,
    sources_of,
)
from airflow_provider.heygen.operators.agent import HeyGenVideoAgentFollowUpOperator, HeyGenVideoAgentOperator
from airflow_provider.heygen.operators.assets import HeyGenUploadAssetOperator
from airflow_provider.heygen.operators.avatar import HeyGenCreateAvatarOperator
from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.operators.lipsync import HeyGenLipsyncOperator
from airflow_provider.heygen.operators.speech import HeyGenTextToSpeechOperator
from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator
from airflow_provider.heygen.testing import FakeHeyGen
from airflow_provider.heygen.testing.fake import media
from airflow_provider.heygen.testing.fake.routes.voices import CATALOGUE
from tests.dags.heygen_lineage_dags import SIGNED_SOURCE
from tests.operators.support import context

ROOT = Path(__file__).parent.parent
S3_SIGNED = (
    "https://bucket.s3.amazonaws.com/clips/intro.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z"
    "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=0123abcd"
)
CLOUDFRONT_SIGNED = (
    "https://d111.cloudfront.net/v/a.mp4?Expires=1767225600&Signature=abc~def&Key-Pair-Id=K2JCJMDEHXQW5F"
)
VIDEO = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "one two three four five"}
STARFISH_VOICE = next(v.voice_id for v in CATALOGUE if v.name.startswith("Aria"))

needs_openlineage = pytest.mark.skipif(
    importlib.util.find_spec("airflow.providers.openlineage") is None,
    reason="the openlineage extra (apache-airflow-providers-openlineage) is not installed",
)


def events_of(lineage: Any) -> dict[str, Any]:
    """An OperatorLineage as the JSON OpenLineage's client would send: datasets as (namespace, name), facets."""
    from openlineage.client.serde import Serde

    return {
        "inputs": [(d.namespace, d.name) for d in lineage.inputs],
        "outputs": [(d.namespace, d.name) for d in lineage.outputs],
        "output_facets": {
            d.name: {key: Serde.to_dict(facet) for key, facet in (d.outputFacets or {}).items()}
            for d in lineage.outputs
        },
        "run": {name: Serde.to_dict(facet) for name, facet in lineage.run_facets.items()},
    }


def facets_of(operator: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return events_of(operator.get_openlineage_facets_on_complete(ctx["ti"]))


# --- plain data: scrubbing and names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "scrubbed"),
    [
        pytest.param(S3_SIGNED, "https://bucket.s3.amazonaws.com/clips/intro.mp4", id="s3-presigned"),
        pytest.param(CLOUDFRONT_SIGNED, "https://d111.cloudfront.net/v/a.mp4", id="cloudfront-signed"),
        pytest.param("https://user:s3cret@cdn.example.com/a.mp4", "https://cdn.example.com/a.mp4", id="userinfo"),
        pytest.param("https://cdn.example.com/a.mp4#t=10&token=x", "https://cdn.example.com/a.mp4", id="fragment"),
        pytest.param("https://CDN.example.com:443/a.mp4", "https://cdn.example.com/a.mp4", id="default-port"),
        pytest.param("http://[::1]:8080/a.mp4?sig=1", "http://[::1]:8080/a.mp4", id="ipv6-and-port"),
    ],
)
def test_urls_lose_their_credentials_signatures_and_fragments(url: str, scrubbed: str) -> None:
    assert scrub_url(url) == scrubbed


@pytest.mark.parametrize(
    ("location", "dataset"),
    [
        pytest.param(S3_SIGNED, Dataset("https://bucket.s3.amazonaws.com", "clips/intro.mp4"), id="https"),
        pytest.param("s3://aws_default@bucket/weekly/v1/video.mp4", Dataset("s3://bucket", "weekly/v1/video.mp4")),
        pytest.param("gcs://media/v1/video.mp4", Dataset("gs://media", "v1/video.mp4"), id="gcs-is-gs"),
        pytest.param("/srv/heygen/v1/video.mp4", Dataset("file", "/srv/heygen/v1/video.mp4"), id="local"),
        pytest.param("file:///srv/a.mp4", Dataset("file", "/srv/a.mp4"), id="file-url"),
        pytest.param("file://nas1/srv/a.mp4", Dataset("file://nas1", "/srv/a.mp4"), id="file-url-with-host"),
        pytest.param(Path("clip.mp4"), Dataset("file", os.path.abspath("clip.mp4")), id="relative-path"),
        pytest.param("", None, id="nothing"),
    ],
)
def test_locations_are_named_as_openlineage_names_them(location: Any, dataset: Dataset | None) -> None:
    assert location_dataset(location) == dataset


def test_the_heygen_namespace_is_the_connections_host_without_credentials() -> None:
    assert heygen_namespace("https://api.heygen.com") == "heygen://api.heygen.com"
    assert heygen_namespace("http://key:x@127.0.0.1:8080/v3?token=1") == "heygen://127.0.0.1:8080"


def test_every_source_of_a_request_is_found_once_and_callbacks_are_not_sources() -> None:
    studio = {
        "type": "studio",
        "callback_url": "https://hooks.example.com/heygen",
        "scenes": [
            {"type": "avatar_video", "input": {"type": "avatar", "avatar_id": "look_1", "audio_asset_id": "ast_a"}},
            {"type": "image", "source": {"type": "url", "url": CLOUDFRONT_SIGNED}, "duration": 2},
            {"type": "video", "source": {"type": "asset_id", "asset_id": "ast_v"}},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}, "duration": 1},
            {"type": "video", "source": {"type": "asset_id", "asset_id": "ast_v"}},
        ],
    }
    assert request_sources(studio) == [
        ("avatar", "look_1"),
        ("asset", "ast_a"),
        ("url", CLOUDFRONT_SIGNED),
        ("asset", "ast_v"),
    ]
    assert request_sources({"type": "cinematic_avatar", "avatar_id": ["a", "b"]}) == [("avatar", "a"), ("avatar", "b")]


def test_file_arguments_are_sources_as_asset_input_reads_them(tmp_path: Path) -> None:
    given = [{"type": "asset_id", "asset_id": "ast_1"}, "https://cdn.example.com/deck.pdf", tmp_path / "a.png"]
    assert sources_of(given) == [
        ("asset", "ast_1"),
        ("url", "https://cdn.example.com/deck.pdf"),
        ("path", str(tmp_path / "a.png")),
    ]
    assert sources_of(None) == [] and sources_of("s3://b/k.pdf") == [("path", "s3://b/k.pdf")]


# --- each operator, after a real run against the fake -------------------------------------------------------


@needs_openlineage
def test_a_video_reads_its_avatar_and_makes_its_video_with_its_cost(heygen: FakeHeyGen) -> None:
    ctx = context()
    op = HeyGenCreateVideoOperator(task_id="t", request=VIDEO, poll_interval=0.1, timeout=30)
    returned = op.execute(ctx)
    ns = heygen_namespace(heygen.url)
    (job,) = heygen.jobs("video")
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [(ns, "avatar/look_1")] and facets["outputs"] == [(ns, f"video/{job.id}")]
    run = facets["run"]["heygen"]
    assert {key: run[key] for key in ("kind", "jobIds", "status", "credits")} == {
        "kind": "video",
        "jobIds": [job.id],
        "status": "succeeded",
        "credits": returned["credits"],
    }
    assert run["estimate"] == returned["estimate"] and run["_schemaURL"].endswith("#/$defs/RunFacet")
    assert heygen.api_key not in json.dumps(facets)


@needs_openlineage
def test_a_translation_reads_its_source_without_its_signature_and_makes_one_job_per_language(
    heygen: FakeHeyGen,
) -> None:
    ctx = context()
    request = {"video": {"type": "url", "url": S3_SIGNED}, "output_languages": ["French", "German"]}
    op = HeyGenTranslateVideoOperator(task_id="t", request=request, poll_interval=0.1, timeout=30)
    op.execute(ctx)
    ns = heygen_namespace(heygen.url)
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [("https://bucket.s3.amazonaws.com", "clips/intro.mp4")]
    assert facets["outputs"] == [(ns, f"video_translation/{job.id}") for job in heygen.jobs("video_translation")]
    assert len(facets["outputs"]) == 2 and "Signature" not in json.dumps(facets)


@needs_openlineage
def test_translations_generated_from_reviewed_proofreads_read_those_proofreads(heygen: FakeHeyGen) -> None:
    request = {"video": {"type": "asset_id", "asset_id": "ast_src"}, "output_languages": ["French"]}
    review_ctx, publish_ctx = context(task_id="review"), context(task_id="publish")
    review = HeyGenTranslateVideoOperator(task_id="review", request=request, review=True, poll_interval=0.1)
    reviewed = review.execute(review_ctx)
    review_ctx["ti"].xcom_push("return_value", reviewed)  # as Airflow does with what execute returns
    publish = HeyGenTranslateVideoOperator(
        task_id="publish", request=request, proofread_ids=reviewed, poll_interval=0.1
    )
    publish.execute(publish_ctx)
    ns = heygen_namespace(heygen.url)
    (proofread,) = heygen.jobs("proofread")
    (translation,) = heygen.jobs("video_translation")
    assert facets_of(review, review_ctx)["outputs"] == [(ns, f"proofread/{proofread.id}")]
    published = facets_of(publish, publish_ctx)
    assert published["inputs"] == [(ns, "asset/ast_src"), (ns, f"proofread/{proofread.id}")]
    assert published["outputs"] == [(ns, f"video_translation/{translation.id}")]


@needs_openlineage
def test_a_lipsync_reads_its_video_and_its_audio(heygen: FakeHeyGen) -> None:
    ctx = context()
    request = {
        "video": {"type": "url", "url": "https://cdn.example.com/keynote.mp4?token=abc"},
        "audio": {"type": "asset_id", "asset_id": "asset_dub_1"},
    }
    op = HeyGenLipsyncOperator(task_id="t", request=request, poll_interval=0.1, timeout=30)
    op.execute(ctx)
    ns = heygen_namespace(heygen.url)
    (job,) = heygen.jobs("lipsync")
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [("https://cdn.example.com", "keynote.mp4"), (ns, "asset/asset_dub_1")]
    assert facets["outputs"] == [(ns, f"lipsync/{job.id}")] and facets["run"]["heygen"]["kind"] == "lipsync"


@needs_openlineage
def test_a_video_agent_reads_its_files_and_makes_its_session_and_video(heygen: FakeHeyGen, tmp_path: Path) -> None:
    ctx = context(task_id="agent")
    deck = tmp_path / "deck.pdf"
    deck.write_bytes(b"%PDF-1.4 slides")
    op = HeyGenVideoAgentOperator(
        task_id="agent",
        request={"prompt": "A short video about our release", "files": [{"type": "asset_id", "asset_id": "ast_1"}]},
        files=[str(deck), "https://cdn.example.com/logo.png?X-Amz-Signature=1"],
        poll_interval=0.1,
        timeout=60,
    )
    result = op.execute(ctx)
    ns = heygen_namespace(heygen.url)
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [(ns, "asset/ast_1"), ("file", str(deck)), ("https://cdn.example.com", "logo.png")]
    assert facets["outputs"] == [(ns, f"video_agent/{result['session_id']}"), (ns, f"video/{result['video_id']}")]
    assert facets["run"]["heygen"]["jobIds"] == [result["session_id"]]


@needs_openlineage
def test_a_follow_up_reads_its_session_and_the_video_it_revises(heygen: FakeHeyGen) -> None:
    session = HeyGenHook().create_video_agent({"prompt": "A teaser for our release", "mode": "chat"})
    heygen.advance(3600)
    ctx = context(task_id="revise")
    op = HeyGenVideoAgentFollowUpOperator(
        task_id="revise", session_id=session.session_id, message="Warmer, please", poll_interval=0.1, timeout=60
    )
    result = op.execute(ctx)
    ns = heygen_namespace(heygen.url)
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [(ns, f"video_agent/{session.session_id}"), (ns, f"video/{session.video_id}")]
    assert facets["outputs"] == [(ns, f"video_agent/{session.session_id}"), (ns, f"video/{result['video_id']}")]
    assert result["video_id"] != session.video_id


@needs_openlineage
def test_an_avatar_reads_its_photo_and_makes_its_look(heygen: FakeHeyGen, tmp_path: Path) -> None:
    ctx = context(task_id="avatar")
    photo = tmp_path / "ada.png"
    photo.write_bytes(media.thumbnail_png())
    op = HeyGenCreateAvatarOperator(
        task_id="avatar", request={"type": "photo", "name": "Ada"}, file=str(photo), poll_interval=0.1, timeout=60
    )
    result = op.execute(ctx)
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [("file", str(photo))]
    assert facets["outputs"] == [(heygen_namespace(heygen.url), f"avatar/{result['avatar_id']}")]
    assert facets["run"]["heygen"]["credits"] == result["credits"]


@needs_openlineage
def test_an_upload_reads_its_file_and_makes_an_asset(heygen: FakeHeyGen, tmp_path: Path) -> None:
    ctx = context(task_id="upload")
    frame = tmp_path / "frame.png"
    frame.write_bytes(media.thumbnail_png())
    op = HeyGenUploadAssetOperator(task_id="upload", source=f"file://{frame}")
    result = op.execute(ctx)
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [("file", str(frame))]
    assert facets["outputs"] == [(heygen_namespace(heygen.url), f"asset/{result['asset_id']}")]
    assert facets["run"]["heygen"]["kind"] == "asset"


@needs_openlineage
def test_speech_stored_in_a_file_makes_that_file_with_its_size_and_cost(heygen: FakeHeyGen, tmp_path: Path) -> None:
    ctx = context(task_id="speak")
    op = HeyGenTextToSpeechOperator(
        task_id="speak", request={"text": "Welcome", "voice_id": STARFISH_VOICE}, destination=str(tmp_path) + "/"
    )
    result = op.execute(ctx)
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [] and facets["outputs"] == [("file", result["path"])]
    assert facets["output_facets"][result["path"]]["outputStatistics"]["size"] == result["size_bytes"]
    run = facets["run"]["heygen"]
    assert (run["kind"], run["jobIds"], run["credits"]) == ("speech", [result["request_id"]], result["credits"])


@needs_openlineage
def test_a_download_reads_the_jobs_it_fetched_and_makes_the_stored_files(heygen: FakeHeyGen, tmp_path: Path) -> None:
    render_ctx, ctx = context(task_id="render"), context(task_id="download")
    rendered = HeyGenCreateVideoOperator(task_id="render", request=VIDEO, poll_interval=0.1).execute(render_ctx)
    op = HeyGenDownloadOperator(task_id="download", job_ids=rendered, outputs=["video"], destination=str(tmp_path))
    result = op.execute(ctx)
    (video_id,) = rendered["job_ids"]
    path = result["files"][video_id]["video"]
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [(heygen_namespace(heygen.url), f"video/{video_id}")]
    assert facets["outputs"] == [("file", path)]
    assert facets["output_facets"][path]["outputStatistics"] == {
        "_producer": facets["output_facets"][path]["outputStatistics"]["_producer"],
        "_schemaURL": facets["output_facets"][path]["outputStatistics"]["_schemaURL"],
        "size": os.path.getsize(path),
        "fileCount": 1,
    }
    assert facets["run"]["heygen"]["totalBytes"] == result["total_bytes"]


@needs_openlineage
def test_a_dry_run_reads_its_sources_makes_nothing_and_reports_its_estimate(heygen: FakeHeyGen) -> None:
    ctx = context()
    op = HeyGenCreateVideoOperator(task_id="t", request=VIDEO, dry_run=True)
    ctx["ti"].xcom_push("return_value", op.execute(ctx))  # the instance keeps no result: XCom has it
    facets = facets_of(op, ctx)
    assert facets["inputs"] == [(heygen_namespace(heygen.url), "avatar/look_1")] and facets["outputs"] == []
    run = facets["run"]["heygen"]
    assert (run["status"], run["jobIds"], run["estimate"]["credits"]) == ("dry_run", [], pytest.approx(0.44, abs=1))
    assert not heygen.jobs("video")


# --- Airflow: parsing without OpenLineage, and events from a real run ---------------------------------------


def run_python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter of this environment, with this test session's Airflow settings."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_parsing_a_dag_of_heygen_operators_does_not_import_openlineage() -> None:
    code = (
        "import importlib, sys\n"
        "importlib.import_module('tests.dags.heygen_lineage_dags')\n"
        "for name in ('agent', 'assets', 'avatar', 'lipsync', 'speech', 'video'):\n"
        "    importlib.import_module(f'airflow_provider.heygen.operators.{name}')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'openlineage' or '.openlineage.' in m))\n"
    )
    # Airflow 3 reads every installed provider's get_provider_info when it starts; that is not OpenLineage's code.
    done = run_python(code)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = done.stdout.strip().splitlines()[-1]
    assert loaded in ("[]", "['airflow.providers.openlineage.get_provider_info']")


#: Runs the lineage DAG in its own interpreter: OpenLineage's plugin decides at import whether to listen, and
#: Airflow loads plugins once per process, so enabling it here would leak into every later test.
DAG_TEST = (
    "import importlib, sys\n"
    "module = importlib.import_module('tests.dags.heygen_lineage_dags')\n"
    "run = module.lineage_dag.test(run_conf={'out': sys.argv[1]})\n"
    "print('DAG RUN STATE', run.state)\n"
)


@needs_openlineage
@pytest.mark.e2e
@pytest.mark.usefixtures("airflow_db")
def test_a_dag_run_emits_complete_events_with_sources_jobs_files_and_cost(heygen: FakeHeyGen, tmp_path: Path) -> None:
    events_file = tmp_path / "openlineage.jsonl"
    transport = {"type": "file", "log_file_path": str(events_file), "append": True}
    done = run_python(
        DAG_TEST,
        str(tmp_path / "out"),
        env={"AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport), "AIRFLOW__OPENLINEAGE__NAMESPACE": "tests"},
    )
    assert done.returncode == 0 and "DAG RUN STATE success" in done.stdout, (done.stdout + done.stderr)[-3000:]
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    complete = {e["job"]["name"]: e for e in events if e["eventType"] == "COMPLETE"}
    ns = heygen_namespace(heygen.url)
    dubs = [f"video_translation/{job.id}" for job in heygen.jobs("video_translation")]

    dub = complete["heygen_lineage.dub"]
    assert dub["job"]["namespace"] == "tests"
    assert [(d["namespace"], d["name"]) for d in dub["inputs"]] == [
        ("https://media.example.com", "keynotes/launch.mp4")
    ]
    assert [(d["namespace"], d["name"]) for d in dub["outputs"]] == [(ns, name) for name in dubs]
    facet = dub["run"]["facets"]["heygen"]
    assert (facet["kind"], facet["status"], len(facet["jobIds"])) == ("video_translation", "succeeded", 2)
    assert facet["credits"] == pytest.approx(heygen.credits_spent) and facet["estimate"]["basis"]

    store = complete["heygen_lineage.store"]
    assert [(d["namespace"], d["name"]) for d in store["inputs"]] == [(ns, name) for name in dubs]
    stored = sorted(str(path) for path in (tmp_path / "out").rglob("*.mp4"))
    assert sorted(d["name"] for d in store["outputs"]) == stored and len(stored) == 2
    assert {d["namespace"] for d in store["outputs"]} == {"file"}
    sizes = {d["name"]: d["outputFacets"]["outputStatistics"]["size"] for d in store["outputs"]}
    assert sizes == {path: os.path.getsize(path) for path in stored}

    assert all(job.request["video"]["url"] == SIGNED_SOURCE for job in heygen.jobs("video_translation"))
    text = events_file.read_text()  # HeyGen got the signed URL; no event carries its signature, nor the API key
    assert "X-Amz-Signature" not in text and "AKIDEXAMPLE" not in text and heygen.api_key not in text
