"""Airflow 3's real engine on one machine: its components on PostgreSQL, with LocalExecutor or CeleryExecutor.

``Engine`` is a context manager. Entering it starts, in a temporary directory, PostgreSQL, Redis (Celery
only), the fake HeyGen API at a cap, then the api-server, scheduler, dag-processor, triggerer(s) and Celery
workers, each in its own process group; leaving it stops them all, whatever happened in between.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from tests.engine.processes import Process, free_port, spawn, wait_for
from tests.engine.services import FakeApi, Postgres, Redis, start_fake, start_postgres, start_redis

__all__ = ["PROFILES", "Engine", "Profile"]

ROOT = Path(__file__).parents[2]
AIRFLOW = Path(sys.executable).with_name("airflow")
#: DAG files the engine parses: the localisation example (with its data) and the crash scenarios' DAGs.
DAG_SOURCES = (ROOT / "dags_examples" / "heygen_localisation_backfill.py", Path(__file__).parent / "dags")


@dataclass(frozen=True)
class Profile:
    """Which executor, and how many triggerers and Celery workers."""

    name: str
    executor: str
    triggerers: int = 1
    workers: int = 0


PROFILES = {
    "local": Profile("local", "LocalExecutor"),
    "celery": Profile("celery", "CeleryExecutor", triggerers=2, workers=2),
}


@dataclass
class Engine:
    """One Airflow deployment of ``profile`` in ``base``, with its own PostgreSQL, fake HeyGen and API key."""

    profile: Profile
    #: The fake's cap on concurrent jobs (HeyGen's plan concurrency).
    cap: int = 3
    #: Fake seconds of work per second of output: 1/6 makes a 60 s source's translation a 10 s job.
    job_seconds: float = 1 / 6
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="heygen-engine-")))
    #: A fresh key per engine, so a search of the homes for it finds only what this run leaked.
    api_key: str = field(default_factory=lambda: f"engine-key-{uuid.uuid4().hex}")
    components: dict[str, Process] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    postgres: Postgres = field(init=False)
    redis: Redis | None = field(init=False, default=None)
    fake: FakeApi = field(init=False)

    # --- where things live ----------------------------------------------------------------------------

    @property
    def home(self) -> Path:
        return self.base / "airflow"

    @property
    def logs(self) -> Path:
        return self.base / "logs"

    @property
    def homes(self) -> list[Path]:
        """Every directory the deployment writes (not the fake's, which stands for HeyGen)."""
        return [self.home, self.logs, self.base / "postgres", self.base / "redis", self.base / "dags"]

    @property
    def api(self) -> str:
        return self.env["AIRFLOW__API__BASE_URL"]

    # --- lifecycle ------------------------------------------------------------------------------------

    def __enter__(self) -> Engine:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()
        if os.environ.get("ENGINE_KEEP") != "1":
            shutil.rmtree(self.base, ignore_errors=True)

    def _start(self) -> None:
        os.chmod(self.base, 0o755)  # PostgreSQL runs as its own user and must reach its directory
        self.logs.mkdir()
        self._stack.callback(self._stop_all)
        self.postgres = start_postgres(self.base / "postgres", self.logs)
        self.fake = start_fake(
            self.base / "fake", api_key=self.api_key, concurrency_limit=self.cap, job_seconds=self.job_seconds
        )
        if self.profile.executor == "CeleryExecutor":
            self.redis = start_redis(self.base / "redis", self.logs)
        self._dags_folder()
        self.env = self._environment()
        self.cli("db", "migrate")
        self.start("api-server", "api-server", "--host", "127.0.0.1", "--port", self.env["AIRFLOW__API__PORT"])
        self.start("scheduler", "scheduler")
        self.start("dag-processor", "dag-processor")
        for number in range(1, self.profile.triggerers + 1):
            self.start_triggerer(f"triggerer-{number}")
        for number in range(1, self.profile.workers + 1):
            self.start(
                f"worker-{number}",
                *("celery", "worker", "--celery-hostname", f"worker-{number}@%h", "--concurrency", "4"),
                env={"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())},
            )
        self.wait_healthy()
        self.add_connection()

    def _stop_all(self) -> None:
        """Airflow's components first (newest first), then what they ran on."""
        for process in reversed(list(self.components.values())):
            process.stop()
        for name in ("redis", "fake", "postgres"):  # those that started: a failed start leaves some unset
            if (server := getattr(self, name, None)) is not None:
                server.process.stop()

    def _dags_folder(self) -> None:
        folder = self.base / "dags"
        folder.mkdir()
        for source in DAG_SOURCES:
            if source.is_dir():
                for path in source.glob("*.py"):
                    shutil.copy(path, folder / path.name)
            else:
                shutil.copy(source, folder / source.name)
        shutil.copytree(ROOT / "dags_examples" / "data", folder / "data")

    def _environment(self) -> dict[str, str]:
        api_port = free_port()
        settings = {
            "AIRFLOW_HOME": self.home,
            "AIRFLOW__CORE__DAGS_FOLDER": self.base / "dags",
            "AIRFLOW__CORE__EXECUTOR": self.profile.executor,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            # One signing secret for all components: the api-server checks the tokens the executors hand tasks.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",  # local REST without a token
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.postgres.url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": api_port,
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": free_port(),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": free_port(),
            # apache/airflow#67287: a task resumed within seconds of deferring can be marked failed without it.
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            # A killed triggerer's triggers move after 5 s without its heartbeat (default 30 s).
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "5",
            # A killed task or scheduler is noticed in seconds, not the default minutes.
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "10",
            "HEYGEN_POLL_INTERVAL": "1",  # the localisation example's poll interval
            "PYTHONWARNINGS": "ignore",
        }
        if self.redis is not None:
            settings["AIRFLOW__CELERY__BROKER_URL"] = self.redis.url
            settings["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + self.postgres.url
        # ENGINE_AIRFLOW__SECTION__KEY=value tries another Airflow setting (`make engine ENGINE_AIRFLOW__...=...`).
        settings |= {
            name[len("ENGINE_") :]: value for name, value in os.environ.items() if name.startswith("ENGINE_AIRFLOW__")
        }
        # Nothing of this process's own Airflow settings (the unit tests' home, unit-test mode, connections).
        inherited = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
        return {**inherited, **{name: str(value) for name, value in settings.items()}}

    # --- components -----------------------------------------------------------------------------------

    def start(self, name: str, *command: str, env: dict[str, str] | None = None) -> Process:
        """``airflow <command>`` as component ``name``, in its own process group."""
        process = spawn(name, [AIRFLOW, *command], env={**self.env, **(env or {})}, log_dir=self.logs)
        self.components[name] = process
        return process

    def start_triggerer(self, name: str) -> Process:
        return self.start(name, "triggerer", env={"AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port())})

    def wait_healthy(self, timeout: float = 120) -> None:
        """Every component healthy at the api-server (and every Celery worker ready)."""

        def healthy() -> bool:
            health = httpx.get(f"{self.api}/api/v2/monitor/health", timeout=5).json()
            return all(health[part]["status"] == "healthy" for part in ("metadatabase", "scheduler", "triggerer"))

        try:
            wait_for("Airflow's components", healthy, timeout)
            for name, process in self.components.items():
                if name.startswith("worker-"):
                    wait_for(name, functools.partial(_says_ready, process.log), timeout)
        except TimeoutError as error:
            logs = "\n".join(f"--- {name}\n{process.tail(15)}" for name, process in self.components.items())
            raise TimeoutError(f"{error}\n{logs}") from None

    # --- what a user would do -------------------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 180) -> str:
        """``airflow <args>`` against this engine; its stdout, or an error with its output."""
        result = subprocess.run([AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
        return result.stdout

    def rest(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.api}/api/v2/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def add_connection(self) -> None:
        """``heygen_default`` pointing at the fake, through the REST API: stored encrypted, like a user's."""
        self.rest(
            "POST",
            "connections",
            json={
                "connection_id": "heygen_default",
                "conn_type": "heygen",
                "host": self.fake.url,
                "password": self.api_key,
            },
        )

    def set_pool(self, name: str, slots: int, *, include_deferred: bool) -> None:
        """The pool recipe of the docs (``airflow pools set ... --include-deferred``), or the same without it."""
        flag = ["--include-deferred"] if include_deferred else []
        self.cli("pools", "set", name, str(slots), "HeyGen concurrent jobs", *flag)

    def wait_for_dags(self, *dag_ids: str, timeout: float = 120) -> None:
        def parsed() -> bool:
            with self.postgres.connect() as connection, connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM dag WHERE dag_id = ANY(%s)", (list(dag_ids),))
                return bool(cursor.fetchone()[0] == len(dag_ids))

        wait_for(f"DAGs {dag_ids} parsed", parsed, timeout, every=1)

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        run_id = f"engine__{uuid.uuid4().hex[:8]}"
        self.rest(
            "POST", f"dags/{dag_id}/dagRuns", json={"dag_run_id": run_id, "logical_date": None, "conf": conf or {}}
        )
        return run_id

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT run_id, run_type, logical_date, state FROM dag_run WHERE dag_id = %s", dag_id)

    def runs_finished(
        self, dag_id: str, chosen: Callable[[dict[str, Any]], bool], timeout: float = 900
    ) -> dict[str, str]:
        """Wait until the ``chosen`` runs of the DAG exist and are all done; ``run_id -> state``."""

        def finished() -> dict[str, str] | None:
            states = {run["run_id"]: run["state"] for run in self.dag_runs(dag_id) if chosen(run)}
            if states and all(state in ("success", "failed") for state in states.values()):
                return states
            return None

        return wait_for(f"runs of {dag_id}", finished, timeout, every=1) or {}

    def wait_backfills_done(self, dag_id: str, timeout: float = 120) -> None:
        """Until the scheduler has closed every backfill of the DAG (only one may run at a time)."""
        query = "SELECT count(*) AS open FROM backfill WHERE dag_id = %s AND completed_at IS NULL"
        wait_for(f"backfills of {dag_id} closed", lambda: self._rows(query, dag_id)[0]["open"] == 0, timeout, every=1)

    def task_instances(self, dag_id: str) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT id, run_id, task_id, map_index, rendered_map_index, state, try_number "
            "FROM task_instance WHERE dag_id = %s",
            dag_id,
        )

    def _rows(self, query: str, *parameters: Any) -> list[dict[str, Any]]:
        with self.postgres.connect() as connection, connection.cursor() as cursor:
            cursor.execute(query, parameters)
            columns = [column.name for column in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def task_process(self, ti_id: str) -> int | None:
        """The pid of the process running task instance ``ti_id`` (titled ``airflow worker -- <id>``), if any."""
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if (entry / "cmdline").read_bytes().replace(
                        b"\0", b" "
                    ).strip() == f"airflow worker -- {ti_id}".encode():
                        return int(entry.name)
        return None

    def files_holding(self, secret: str) -> list[Path]:
        """Files under the homes whose bytes contain ``secret``."""
        needle = secret.encode()
        return [
            path
            for home in self.homes
            if home.exists()
            for path in home.rglob("*")
            if path.is_file() and needle in path.read_bytes()
        ]

    def __repr__(self) -> str:  # the dataclass repr would show the key
        return f"Engine({self.profile.name}, {self.base})"


def _says_ready(log: Path) -> bool:
    """Whether a Celery worker's log shows it ready for tasks."""
    return b" ready." in log.read_bytes()
