"""Benchmark: what the provider adds to parsing a DAG file, the way Airflow's dag-processor parses it.

Two DAG files of ten tasks each, one of HeyGen operators (every kind), one of ``EmptyOperator``s. The
dag-processor forks a child per parse from a process that has Airflow, not this provider, imported; so does
this script: each parse runs ``DagBag`` on one file in a fresh fork (``.pyc`` files already written), and the
minimum of ``--runs`` parses is kept. Prints both, the difference (target: at most +5 ms per DAG file), then
``python -X importtime`` of the operator modules: the slowest modules they import that Airflow does not.
Writes the JSON report's ``parse_cost`` section.

    python benchmarks/parse_cost.py --runs 15
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import pin_self, report

HEADER = """
from datetime import datetime
try:
    from airflow.sdk import DAG
except ImportError:
    from airflow.models import DAG
"""
HEYGEN_DAG = (
    HEADER
    + """
from airflow_provider.heygen.operators.agent import HeyGenVideoAgentOperator
from airflow_provider.heygen.operators.assets import HeyGenUploadAssetOperator
from airflow_provider.heygen.operators.avatar import HeyGenCreateAvatarOperator
from airflow_provider.heygen.operators.download import HeyGenDownloadOperator
from airflow_provider.heygen.operators.lipsync import HeyGenLipsyncOperator
from airflow_provider.heygen.operators.speech import HeyGenTextToSpeechOperator
from airflow_provider.heygen.operators.translation import HeyGenTranslateVideoOperator
from airflow_provider.heygen.operators.video import HeyGenCreateVideoOperator

VIDEO = {"type": "avatar", "avatar_id": "look_1", "voice_id": "voice_1", "script": "Hello {{ ds }}"}
SOURCE = {"type": "url", "url": "https://cdn.example.com/talk.mp4"}
with DAG("parse_heygen", schedule=None, start_date=datetime(2026, 1, 1)):
    render = HeyGenCreateVideoOperator(task_id="render", request=VIDEO, max_credits=5)
    teaser = HeyGenCreateVideoOperator(task_id="teaser", request=VIDEO, deferrable=True)
    dub = HeyGenTranslateVideoOperator(task_id="dub", request={"video": SOURCE}, output_languages=["French"])
    proof = HeyGenTranslateVideoOperator(
        task_id="proof", request={"video": SOURCE, "output_languages": ["German"]}, proofread=True
    )
    sync = HeyGenLipsyncOperator(task_id="sync", request={"video": SOURCE, "audio": SOURCE})
    agent = HeyGenVideoAgentOperator(task_id="agent", request={"prompt": "A teaser"}, max_duration=30)
    avatar = HeyGenCreateAvatarOperator(task_id="avatar", request={"type": "photo", "name": "Ada", "file": SOURCE})
    speech = HeyGenTextToSpeechOperator(task_id="speech", request={"text": "Hi", "voice_id": "v"})
    upload = HeyGenUploadAssetOperator(task_id="upload", source="/tmp/a.png")
    fetch = HeyGenDownloadOperator(task_id="fetch", job_ids=render.output, destination="/tmp/out")
    render >> [teaser, dub, proof, sync, agent, avatar, speech, upload] >> fetch
"""
)
EMPTY_DAG = (
    HEADER
    + """
try:
    from airflow.providers.standard.operators.empty import EmptyOperator
except ImportError:
    from airflow.operators.empty import EmptyOperator

with DAG("parse_empty", schedule=None, start_date=datetime(2026, 1, 1)):
    first = EmptyOperator(task_id="t0")
    last = EmptyOperator(task_id="t9")
    first >> [EmptyOperator(task_id=f"t{i}") for i in range(1, 9)] >> last
"""
)
# Runs Airflow 3's own dag-processor loop (``DagFileProcessorManager``: a forked child per parse) on a folder of
# both files, and records each parse's duration as the manager measures it (fork to result, ``last_duration``).
DAG_PROCESSOR = """
import json, sys
from pathlib import Path
from airflow.dag_processing import manager

durations = {}
measured = manager.process_parse_results

def recording(run_duration, *args, **kwargs):
    durations.setdefault(Path(kwargs["relative_fileloc"]).stem, []).append(run_duration)
    return measured(run_duration, *args, **kwargs)

manager.process_parse_results = recording
manager.DagFileProcessorManager(max_runs=int(sys.argv[1])).run()
Path(sys.argv[2]).write_text(json.dumps(durations))
"""
OPERATOR_MODULES = ("agent", "assets", "avatar", "download", "lipsync", "speech", "translation", "video")


def _parse(path: Path) -> bool:
    """Parse ``path`` as the dag-processor does: a DagBag of the one file, then (Airflow 3) its serialization."""
    if _airflow3():
        import structlog
        from airflow.dag_processing.dagbag import DagBag
        from airflow.dag_processing.processor import _serialize_dags

        bag = DagBag(dag_folder=str(path), safe_mode=False, load_op_links=False)
        serialized, errors = _serialize_dags(bag, structlog.get_logger())
        return len(serialized) == 1 and not bag.import_errors and not errors
    from airflow.models.dagbag import DagBag as DagBag2

    bag2 = DagBag2(dag_folder=str(path), include_examples=False, safe_mode=False)
    return len(bag2.dags) == 1 and not bag2.import_errors


def parse_in_fork(path: Path) -> float:
    """Seconds one parse of ``path`` takes in a forked child, as the dag-processor runs it."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: parse once, send the time, leave without cleanup (as a forked parser does)
        os.close(read)
        started = time.perf_counter()
        ok = _parse(path)
        elapsed = time.perf_counter() - started
        os.write(write, f"{elapsed if ok else -1.0}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        elapsed = float(answer.read() or -1)
    os.waitpid(child, 0)
    if elapsed < 0:
        raise SystemExit(f"{path.name} did not parse into one DAG")
    return elapsed


def dag_processor_parses(folder: Path, runs: int) -> dict[str, float]:
    """The fastest parse of each file in Airflow 3's real dag-processor loop, in ms (a SQLite home of its own)."""
    home = Path(tempfile.mkdtemp(prefix="heygen-dag-processor-"))
    env = dict(
        os.environ,
        AIRFLOW_HOME=str(home),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__DAGS_FOLDER=str(folder),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="0",
        AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES="1",  # one parse at a time, on the pinned core
    )
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    result = home / "durations.json"
    subprocess.run(
        [sys.executable, "-c", DAG_PROCESSOR, str(runs), str(result)], env=env, check=True, capture_output=True
    )
    return {name: min(values) * 1000 for name, values in json.loads(result.read_text()).items()}


def _import_times(code: str) -> dict[str, tuple[float, float]]:
    """``-X importtime`` of ``code``: module -> (self ms, cumulative ms)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    line = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| *(\S+)")
    found = (match.groups() for match in map(line.match, done.stderr.splitlines()) if match)
    return {name: (int(own) / 1000, int(total) / 1000) for own, total, name in found}


def import_times() -> dict[str, Any]:
    """What importing the operator modules adds to what the dag-processor has loaded: every new module's own
    time in all, and the slowest ones."""
    base = "import airflow.sdk, airflow.dag_processing.processor" if _airflow3() else "import airflow.models.dagbag"
    modules = "; ".join(f"import airflow_provider.heygen.operators.{name}" for name in OPERATOR_MODULES)
    before, after = _import_times(base), _import_times(f"{base}; {modules}")
    new = {name: times for name, times in after.items() if name not in before}
    slowest = sorted(new.items(), key=lambda item: -item[1][0])[:12]
    return {
        "new_modules": len(new),
        "self_ms": round(sum(own for own, _ in new.values()), 2),
        "slowest": [{"module": name, "self_ms": own, "cumulative_ms": total} for name, (own, total) in slowest],
    }


def _airflow3() -> bool:
    import airflow

    return airflow.__version__.startswith("3.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="heygen-bench-"))
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    pin_self()
    folder = Path(tempfile.mkdtemp(prefix="heygen-parse-"))
    files = {"heygen": folder / "heygen_ten.py", "empty": folder / "empty_ten.py"}
    files["heygen"].write_text(HEYGEN_DAG)
    files["empty"].write_text(EMPTY_DAG)
    if _airflow3():  # the dag-processor has Airflow (and its parsing code) imported before it forks
        import airflow.dag_processing.processor
    else:
        import airflow.models.dagbag  # noqa: F401

    for path in files.values():  # the first parses write the .pyc files (the provider's and the DAGs')
        parse_in_fork(path)
    times: dict[str, list[float]] = {name: [] for name in files}
    for _ in range(args.runs):
        for name, path in files.items():  # interleaved, so drift hits both alike
            times[name].append(parse_in_fork(path))
    best = {name: min(values) * 1000 for name, values in times.items()}
    delta = best["heygen"] - best["empty"]
    print(f"parse of a 10-task DAG file, min of {args.runs} forked parses (Airflow imported, the provider not):")
    print(f"  EmptyOperator x10  {best['empty']:8.1f} ms")
    print(f"  HeyGen x10         {best['heygen']:8.1f} ms   (+{delta:.1f} ms, target <= +5 ms)")
    processor: dict[str, float] = {}
    if _airflow3():
        processor = dag_processor_parses(folder, args.runs)
        real = processor["heygen_ten"] - processor["empty_ten"]
        print(f"in Airflow's own dag-processor loop (fork to result, min of {args.runs} parses of each file):")
        print(f"  EmptyOperator x10  {processor['empty_ten']:8.1f} ms")
        print(f"  HeyGen x10         {processor['heygen_ten']:8.1f} ms   (+{real:.1f} ms)")
    imports = import_times()
    print(
        f"importing the operator modules adds {imports['new_modules']} modules, {imports['self_ms']:.1f} ms in all; "
        "slowest (self ms / cumulative ms):"
    )
    for row in imports["slowest"]:
        print(f"  {row['module']:<56} {row['self_ms']:7.2f} {row['cumulative_ms']:8.2f}")
    report(
        "parse_cost",
        {
            "runs": args.runs,
            "empty_ms": round(best["empty"], 2),
            "heygen_ms": round(best["heygen"], 2),
            "delta_ms": round(delta, 2),
            "dag_processor_ms": {name: round(value, 2) for name, value in processor.items()},
            "imports": imports,
        },
    )


if __name__ == "__main__":
    main()
