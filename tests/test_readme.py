"""The README, followed literally by a newcomer: install the built wheel into a fresh Airflow environment (Airflow
from this repository's lock), save the first DAG, and run it against the fake HeyGen API."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from airflow import __version__ as airflow_version

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: Where the README's first DAG stores its files (its ``destination``).
OUTPUT = Path("/tmp/heygen-videos")
_BLOCK = re.compile(r"<!-- readme-test: (?P<name>[\w-]+) -->\n```\w+\n(?P<body>.*?)\n```", re.DOTALL)


def readme_blocks() -> dict[str, str]:
    """The README's code blocks that are marked for this test, by name."""
    return {match["name"]: match["body"] for match in _BLOCK.finditer(README.read_text())}


def test_the_readme_marks_the_blocks_a_newcomer_runs() -> None:
    blocks = readme_blocks()
    assert set(blocks) == {"install", "dag", "fake"}
    assert "deferrable=True" in blocks["dag"] and "HeyGenDownloadOperator" in blocks["dag"]
    assert README.read_text().index("make demo") < README.read_text().index("## Install")


def uv_binary() -> str:
    """uv, as ``make`` installed it (on PATH, or as the ``uv`` module of the system's Python)."""
    found = shutil.which("uv")
    if found:
        return found
    answer = subprocess.run(
        ["python3", "-c", "import uv; print(uv.find_uv_bin())"], capture_output=True, text=True, check=True
    )
    return answer.stdout.strip()


def copy_of_the_repository(target: Path) -> Path:
    """The files git tracks or would track (what a clone of this tree holds), copied to ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run_block(script: str, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a README block with bash, in its own process group (stopped afterwards, whatever it left running)."""
    process = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, output, "")


@pytest.mark.e2e
@pytest.mark.timeout(900)
def test_a_newcomer_installs_the_wheel_and_runs_the_first_dag_against_the_fake(tmp_path: Path) -> None:
    blocks = readme_blocks()
    repo = copy_of_the_repository(tmp_path / "repo")
    uv = uv_binary()
    # An existing Airflow environment, as a user has it: a virtualenv (with pip) holding Airflow from the lock.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    lock = repo / "locks" / f"airflow-{airflow_version}.txt"
    subprocess.run([uv, "pip", "install", "--quiet", "-p", str(venv / "bin" / "python"), "-r", str(lock)], check=True)
    home = tmp_path / "airflow-home"
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    env.update(
        PATH=os.pathsep.join([str(venv / "bin"), str(Path(uv).parent), env.get("PATH", "")]),
        VIRTUAL_ENV=str(venv),
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
    )

    installed = run_block(blocks["install"], repo, env, timeout=300)
    assert installed.returncode == 0, installed.stdout[-4000:]
    assert "airflow-provider-heygen" in installed.stdout  # the providers manager sees it

    (home / "dags").mkdir(parents=True)
    (home / "dags" / "heygen_first_render.py").write_text(blocks["dag"] + "\n")
    started = time.time()
    ran = run_block(blocks["fake"], repo, env, timeout=400)
    assert ran.returncode == 0, ran.stdout[-6000:]
    videos = [path for path in OUTPUT.glob("*/*/video.mp4") if path.stat().st_mtime >= started]
    assert len(videos) == 1, ran.stdout[-3000:]
    assert videos[0].read_bytes()[4:8] == b"ftyp"  # an MP4
    assert {path.name for path in videos[0].parent.iterdir()} == {"video.mp4", "thumbnail.png", "captions.srt"}
