"""The ``heygen-fake-api`` console script, run as a real process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.testing.helpers import AVATAR_VIDEO

SCRIPT = Path(sys.executable).with_name("heygen-fake-api")


@pytest.fixture
def start_cli() -> Iterator[Callable[..., tuple[str, dict[str, str]]]]:
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[str, dict[str, str]]:
        process = subprocess.Popen(
            [str(SCRIPT), "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        processes.append(process)
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        connection = json.loads(process.stdout.readline().split("=", 1)[1].strip("'\n"))
        return url, connection

    yield start
    for process in processes:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_the_cli_serves_the_api_and_prints_the_connection(
    start_cli: Callable[..., tuple[str, dict[str, str]]],
) -> None:
    url, connection = start_cli("--api-key", "cli-key", "--wallet-credits", "42")

    assert connection == {"conn_type": "heygen", "password": "cli-key", "host": url}
    me = httpx.get(f"{url}/v3/users/me", headers={"x-api-key": "cli-key"})
    assert me.json()["data"]["wallet"]["remaining_balance"] == 42
    assert httpx.get(f"{url}/v3/users/me", headers={"x-api-key": "other"}).status_code == 401


def test_the_cli_accepts_an_oauth_token_only_as_bearer_and_then_the_key_only_as_x_api_key(
    start_cli: Callable[..., tuple[str, dict[str, str]]],
) -> None:
    url, connection = start_cli("--api-key", "cli-key", "--oauth-token", "cli-token")

    def status(name: str, value: str) -> int:
        return httpx.get(f"{url}/v3/users/me", headers={name: value}).status_code

    assert connection["password"] == "cli-key"  # the printed connection stays the key's
    assert (status("authorization", "Bearer cli-token"), status("x-api-key", "cli-key")) == (200, 200)
    assert (status("x-api-key", "cli-token"), status("authorization", "Bearer cli-key")) == (401, 401)


def test_the_cli_applies_faults_and_limits(start_cli: Callable[..., tuple[str, dict[str, str]]]) -> None:
    url, _ = start_cli("--fault", "GET /v3/users/me:503:1", "--rate-limit", "2", "--seed", "1")
    headers = {"x-api-key": "fake-heygen-api-key"}

    assert [httpx.get(f"{url}/v3/users/me", headers=headers).status_code for _ in range(3)] == [503, 503, 429]


def test_the_cli_keeps_a_state_file_of_jobs_and_refusals(
    start_cli: Callable[..., tuple[str, dict[str, str]]], tmp_path: Path
) -> None:
    state_file = tmp_path / "fake.json"
    url, _ = start_cli("--concurrency-limit", "1", "--job-seconds", "100", "--state-file", str(state_file))
    headers = {"x-api-key": "fake-heygen-api-key"}
    answers = [httpx.post(f"{url}/v3/videos", headers=headers, json=AVATAR_VIDEO).status_code for _ in range(2)]

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        snapshot = json.loads(state_file.read_text()) if state_file.exists() else {"jobs": []}
        if snapshot["jobs"] and snapshot["requests"]["refused_creates"]:
            break
        time.sleep(0.1)
    assert answers == [200, 429]
    (job,) = snapshot["jobs"]
    assert job["kind"] == "video"
    assert job["completed_at"] is None
    assert snapshot["requests"]["by_status"]["429"] == 1
    assert snapshot["requests"]["posts"] == {"/v3/videos": 2}
    assert not list(tmp_path.glob("*.part"))


def test_the_cli_knows_the_lengths_it_is_told_and_renders_and_bills_them(
    start_cli: Callable[..., tuple[str, dict[str, str]]],
) -> None:
    source = "https://cdn.example.com/talk.mp4?v=2"
    url, _ = start_cli("--media-seconds", f"{source}=42.5", "--clock-speed", "1000")
    headers = {"x-api-key": "fake-heygen-api-key"}
    body = {"video": {"type": "url", "url": source}, "output_languages": ["French"]}
    (job_id,) = httpx.post(f"{url}/v3/video-translations", headers=headers, json=body).json()["data"][
        "video_translation_ids"
    ]
    deadline = time.monotonic() + 10
    while (job := httpx.get(f"{url}/v3/video-translations/{job_id}", headers=headers).json()["data"])["status"] != (
        "completed"
    ) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job["duration"] == 42.5
    assert httpx.get(f"{url}/v3/users/me", headers=headers).json()["data"]["wallet"]["remaining_balance"] == (
        pytest.approx(1000 - 42.5 * 0.05)
    )


@pytest.mark.parametrize("spec", ["https://x/a.mp4", "https://x/a.mp4=0", "=3", "https://x/a.mp4=long"])
def test_a_bad_media_seconds_spec_exits_with_usage_error(spec: str) -> None:
    result = subprocess.run([str(SCRIPT), "--media-seconds", spec], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "URL=SECONDS" in result.stderr


def test_a_bad_fault_spec_exits_with_usage_error() -> None:
    result = subprocess.run([str(SCRIPT), "--fault", "nonsense"], capture_output=True, text=True, timeout=30)

    assert result.returncode == 2
    assert "RATE" in result.stderr


def test_the_module_runs_with_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airflow_provider.heygen.testing.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0
    assert "--job-seconds" in result.stdout


def test_the_cli_registers_its_key_with_airflows_masker() -> None:
    from airflow_provider.heygen._compat import AIRFLOW_V_3
    from airflow_provider.heygen.testing.cli import _mask

    if AIRFLOW_V_3:
        from airflow.sdk._shared.secrets_masker import redact
    else:
        from airflow.utils.log.secrets_masker import redact  # type: ignore[no-redef]
    key, token = f"cli-key-{uuid.uuid4().hex}", f"cli-token-{uuid.uuid4().hex}"
    assert redact(f"key {key} token {token}") == f"key {key} token {token}"

    _mask(key, token)

    assert redact(f"key {key} token {token}") == "key *** token ***"


def test_the_cli_masks_nothing_and_still_starts_without_airflow(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider.heygen.testing.cli import _mask

    monkeypatch.setitem(sys.modules, "airflow", None)  # ``import airflow`` now raises ImportError
    monkeypatch.delitem(sys.modules, "airflow_provider.heygen._compat")

    _mask("cli-key-without-airflow")  # no error

    assert sys.modules.get("airflow_provider.heygen._compat") is None
