"""What Airflow runs on and talks to: PostgreSQL and Redis from Debian's packages, and the fake HeyGen API."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2
import redis

from tests.engine.processes import Process, free_port, spawn, wait_started

__all__ = ["FakeApi", "Postgres", "Redis", "start_fake", "start_postgres", "start_redis"]

POSTGRES_USER = "postgres"  # Debian's package creates it; PostgreSQL refuses to run as root


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda path: int(path.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/install-engine.sh (make engine does)")
    return found[-1].parent


def _as_postgres_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", POSTGRES_USER, "--", *argv] if os.geteuid() == 0 else argv


@dataclass
class Postgres:
    process: Process
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://airflow@127.0.0.1:{self.port}/airflow"

    def connect(self, database: str = "airflow") -> Any:
        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="airflow", dbname=database)
        connection.autocommit = True
        return connection


def start_postgres(home: Path, log_dir: Path) -> Postgres:
    """A throwaway cluster in ``home`` on 127.0.0.1 (trust auth, no fsync), with an empty ``airflow`` database."""
    bindir, port = _postgres_bin(), free_port()
    home.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(home, POSTGRES_USER)
    subprocess.run(
        _as_postgres_user([str(bindir / "initdb"), "-D", str(home), "-U", "airflow", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    argv = [str(bindir / "postgres"), "-D", str(home), "-p", str(port), "-k", str(home)]
    settings = {"listen_addresses": "127.0.0.1", "fsync": "off", "max_connections": "300"}
    argv += [option for name, value in settings.items() for option in ("-c", f"{name}={value}")]
    # SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
    process = spawn(
        "postgres", _as_postgres_user(argv), env=dict(os.environ), log_dir=log_dir, stop_signal=signal.SIGINT
    )
    server = Postgres(process, port)
    admin = wait_started(process, lambda: server.connect("postgres"), timeout=30)
    with admin.cursor() as cursor:
        cursor.execute("CREATE DATABASE airflow")
    admin.close()
    return server


@dataclass
class Redis:
    process: Process
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def start_redis(home: Path, log_dir: Path) -> Redis:
    """A Redis on 127.0.0.1 that keeps nothing on disk (the Celery broker)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("Redis is not installed: run scripts/install-engine.sh (make engine does)")
    home.mkdir(parents=True)
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(home), "--save", "", "--appendonly", "no"]
    process = spawn("redis", argv, env=dict(os.environ), log_dir=log_dir)
    wait_started(process, redis.Redis(host="127.0.0.1", port=port).ping, timeout=30)
    return Redis(process, port)


@dataclass
class FakeApi:
    """``heygen-fake-api`` in its own process; what it did is read from its ``--state-file``."""

    process: Process
    url: str
    state_file: Path

    def snapshot(self) -> dict[str, Any]:
        return json.loads(self.state_file.read_text())

    def jobs(self, since: float = 0.0) -> list[dict[str, Any]]:
        """Jobs created at or after ``since`` (Unix time), oldest first."""
        return [job for job in self.snapshot()["jobs"] if job["created_at"] >= since]


def start_fake(home: Path, *, api_key: str, concurrency_limit: int, job_seconds: float) -> FakeApi:
    """The fake at a concurrency cap. It stands for HeyGen, so its log (which prints the key for a demo's
    connection) stays in its own ``home``, not among the Airflow homes checked for the key."""
    home.mkdir(parents=True)
    port, state_file = free_port(), home / "state.json"
    script = Path(sys.executable).with_name("heygen-fake-api")
    argv: list[str | os.PathLike[str]] = [script, "--port", str(port), "--api-key", api_key, "--state-file", state_file]
    argv += ["--seed", "15", "--concurrency-limit", str(concurrency_limit), "--job-seconds", str(job_seconds)]
    process = spawn("fake", argv, env=dict(os.environ), log_dir=home)
    wait_started(process, state_file.exists, timeout=60)
    return FakeApi(process, f"http://127.0.0.1:{port}", state_file)
