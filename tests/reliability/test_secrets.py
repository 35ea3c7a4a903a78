"""The API key (or OAuth token) never appears: a chaos DAG fails against the fake, then every place it could
have leaked is read.

The fake accepts one distinctive key, or, in the ``oauth`` run, one distinctive OAuth token (the connection's
password with ``auth_type: oauth``). ``heygen_chaos_deferred`` runs with every video job failing (its task
fails, is retried and fails again, and the download is skipped) while the translation waits in the triggerer
and succeeds. Then the key (its random part, so a truncated copy counts too) is looked for in: every file
under ``AIRFLOW_HOME`` (the task logs included) but the sqlite DB itself, every row of the metadata tables a
task run writes to (and the triggers' decrypted kwargs), the captured logging and stdout/stderr, the DAG's
recorded failure texts, the outputs, ``repr``/``str`` of the hook, its clients and a trigger, the trigger's
``serialize()``, and the ``airflow connections get`` command. A planted copy proves each search finds it.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider.heygen.testing import FakeHeyGen
from tests.examples.helpers import run_on, states
from tests.reliability.chaos import CHAOS_CONNECTION_EXTRA

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("airflow_db")]

HOME = Path(os.environ["AIRFLOW_HOME"])
#: The metadata tables a task run, its XComs, triggers and rendered fields write to (names of both versions).
TABLES = (
    "xcom",
    "trigger",
    "task_instance",
    "task_instance_history",
    "rendered_task_instance_fields",
    "log",
    "dag_run",
)


@pytest.fixture(params=["api_key", "oauth"])
def secret_fake(
    make_fake: Callable[..., FakeHeyGen], monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> FakeHeyGen:
    """The fake accepting only a distinctive key (or OAuth token), as ``heygen_default``."""
    oauth = request.param == "oauth"
    fake = make_fake(
        api_key=f"sk-heygen-SECRET-{uuid.uuid4().hex}",
        oauth_token=f"sk-heygen-SECRET-{uuid.uuid4().hex}" if oauth else None,
        clock_speed=50.0,
    )
    connection = json.loads(fake.airflow_conn_env(oauth=oauth))
    connection["extra"] = {**connection.get("extra", {}), **CHAOS_CONNECTION_EXTRA}
    monkeypatch.setenv("AIRFLOW_CONN_HEYGEN_DEFAULT", json.dumps(connection))
    return fake


def files_under(root: Path) -> dict[str, str]:
    """Every file under ``root`` but the metadata DB (and its journals), as text."""
    return {
        str(path): path.read_bytes().decode("utf-8", "replace")
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith("airflow.db")
    }


def table_rows() -> dict[str, str]:
    """Every row of ``TABLES`` (those this Airflow has), and the decrypted kwargs of every trigger."""
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session
    from sqlalchemy import inspect, text

    texts: dict[str, str] = {}
    with create_session() as session:
        present = set(inspect(session.get_bind()).get_table_names())
        for table in TABLES:
            if table in present:
                rows = session.execute(text(f"SELECT * FROM {table}")).fetchall()
                texts[f"table {table}"] = "\n".join(repr(tuple(row)) for row in rows)
        texts["trigger kwargs"] = "\n".join(repr(trigger.kwargs) for trigger in session.query(Trigger).all())
    return texts


def objects(fake: FakeHeyGen) -> dict[str, str]:
    """``repr``/``str`` of the hook, its clients and a trigger, and the trigger's ``serialize()``."""
    import asyncio

    from airflow_provider.heygen.hooks.heygen import HeyGenHook
    from airflow_provider.heygen.triggers.job import HeyGenJobTrigger

    hook = HeyGenHook()
    client = hook.get_conn()
    async_client = asyncio.run(_async_client(hook))
    trigger = HeyGenJobTrigger("heygen_default", "video", [job.id for job in fake.jobs("video")], 0.2, time.time())
    return {
        f"{how.__name__}({name})": how(thing)
        for name, thing in {"hook": hook, "client": client, "async client": async_client, "trigger": trigger}.items()
        for how in (repr, str)
    } | {"trigger.serialize()": repr(trigger.serialize())}


async def _async_client(hook: Any) -> Any:
    async with await hook.get_async_conn() as client:
        return client


def connections_get() -> subprocess.CompletedProcess[str]:
    """``airflow connections get heygen_default -o json`` in a subprocess with this test's environment."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "connections", "get", "heygen_default", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )


def leaks(needle: str, texts: dict[str, str]) -> list[str]:
    return [where for where, content in texts.items() if needle in content]


@pytest.mark.timeout(90)
def test_the_api_key_or_token_appears_nowhere_after_a_failing_deferred_run(
    secret_fake: FakeHeyGen,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.monotonic()
    key = secret_fake.oauth_token or secret_fake.api_key  # what the connection holds
    needle = key.removeprefix("sk-heygen-SECRET-")  # the random part: a truncated or re-quoted copy counts too
    dags = importlib.import_module("tests.dags.heygen_chaos_dags")
    dags.FAILURES.clear()
    caplog.set_level(logging.DEBUG, logger="airflow_provider")
    caplog.set_level(logging.INFO)
    failing = secret_fake.inject("job_failure", "/v3/videos", method="POST")

    dagrun = run_on(dags.deferred_dag, "2026-03-01", conf={"out": str(tmp_path / "out")})

    secret_fake.clear_faults()
    ran = states(dagrun)
    assert dagrun.state == "failed" and ran["render"] == "failed", ran
    assert ran["translate"] == "success", ran  # the triggerer path ran too
    assert failing.hits == 2, failing  # both tries of the render created a job that failed
    job_ids = [job.id for job in secret_fake.jobs("video")]
    assert dags.FAILURES and all(any(j in text for j in job_ids) for _, text in dags.FAILURES), dags.FAILURES
    cli = connections_get()
    captured = capsys.readouterr()
    texts = {
        **files_under(HOME),
        **files_under(tmp_path),
        **table_rows(),
        "caplog": caplog.text,
        "stdout": captured.out,
        "stderr": captured.err,
        "FAILURES": repr(dags.FAILURES),
        **objects(secret_fake),
        "airflow connections get: stderr": cli.stderr,
    }
    assert cli.returncode == 0, cli.stderr
    # Airflow prints a connection's password (and its URI) by design: that command exists to show it to
    # whoever may read connections. What the provider shapes (type, host, extras) carries no key.
    (listing,) = [line for line in cli.stdout.splitlines() if line.startswith("[{")]  # after any log lines
    (shown,) = json.loads(listing)
    texts["airflow connections get: stdout but the listing"] = cli.stdout.replace(listing, "")
    assert shown["password"] == key
    texts["airflow connections get: all but password and URI"] = json.dumps(
        {field: value for field, value in shown.items() if field not in ("password", "get_uri")}
    )

    assert not leaks(needle, texts), f"the API key leaked into: {leaks(needle, texts)}"
    # dag.test() writes no task log files: the task logs are in the captured output, which was searched.
    assert "rendering_failed" in caplog.text + captured.out + captured.err
    assert texts["table xcom"] and texts["table task_instance"]

    _sanity_check(needle, texts)
    assert time.monotonic() - started < 90


def _sanity_check(needle: str, texts: dict[str, str]) -> None:
    """The same searches find a planted copy: in a file under AIRFLOW_HOME, a DB row, and a captured text."""
    from airflow.models.log import Log
    from airflow.utils.session import create_session

    planted = HOME / "logs" / f"planted-{uuid.uuid4().hex}.log"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(f"a header x-api-key: sk-heygen-SECRET-{needle}\n")
    with create_session() as session:
        session.add(Log(event="planted", extra=f"key={needle}"))
    try:
        assert leaks(needle, files_under(HOME)) == [str(planted)]
        assert leaks(needle, table_rows()) == ["table log"]
        assert leaks(needle, {**texts, "caplog": texts["caplog"] + needle}) == ["caplog"]
    finally:
        planted.unlink()
        with create_session() as session:
            session.query(Log).filter(Log.event == "planted").delete()
