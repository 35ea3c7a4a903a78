"""``heygen-fake-api``: run the fake HeyGen v3 API standalone (demos, local DAG runs, other tools' tests)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .fake.server import FakeHeyGen


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heygen-fake-api",
        description="Serve an offline fake of HeyGen's v3 API. Prints its URL, then runs until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--api-key", default="fake-heygen-api-key", help="the only API key accepted")
    parser.add_argument(
        "--oauth-token",
        default=None,
        help="an OAuth access token to accept as 'Authorization: Bearer' (then the key is accepted only as "
        "x-api-key); without it, the key is accepted in either header",
    )
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=1.0,
        help="fake seconds of processing per second of output (default 1)",
    )
    parser.add_argument(
        "--concurrency-limit",
        type=int,
        default=10,
        help="running jobs allowed at once; 0 for no cap (default 10)",
    )
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per minute per key; 0 for none (default)")
    parser.add_argument(
        "--clock-speed", type=float, default=1.0, help="fake seconds per wall second, e.g. 60 (default 1)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed ids and faults for a repeatable run")
    parser.add_argument("--wallet-credits", type=float, default=1000.0, help="starting wallet balance (default 1000)")
    parser.add_argument(
        "--url-ttl",
        type=float,
        default=7 * 24 * 3600.0,
        help="file URL lifetime in fake seconds (default 7 days)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="'[METHOD ]PATH:KIND:RATE'",
        help="inject a fault, e.g. 'POST /v3/videos:500:0.5', 'GET /v3/videos/*:drop:0.1', "
        "'* /v3/*:slow=2:0.2', 'POST /v3/videos:fail=rendering_failed:1'; repeatable",
    )
    parser.add_argument(
        "--media-seconds",
        action="append",
        default=[],
        type=_media_seconds,
        metavar="URL=SECONDS",
        help="the length of a source video or audio at URL, as HeyGen would read it from the file "
        "(translations and lipsyncs of it render, and are billed, that long); repeatable",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="rewrite this JSON file with the fake's jobs and request counts every quarter second, "
        "for tests that run the fake in another process",
    )
    return parser


def _media_seconds(spec: str) -> tuple[str, float]:
    """``URL=SECONDS`` as (url, seconds)."""
    url, _, seconds = spec.rpartition("=")
    try:
        length = float(seconds)
    except ValueError:
        length = -1.0
    if not url or not length > 0:
        raise argparse.ArgumentTypeError(f"{spec!r}: expected URL=SECONDS with seconds above 0")
    return url, length


def _write_snapshot(fake: FakeHeyGen, path: Path) -> None:
    """Replace ``path`` with ``fake.snapshot()`` at once, so a reader never sees half a file."""
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(fake.snapshot()))
    os.replace(partial, path)


def _mask(*secrets: str | None) -> None:
    """Register the key (and token) with Airflow's secrets masker when Airflow is installed (the fake runs
    without it).

    Whatever Airflow logs on import goes to stderr: stdout stays the URL line, then the connection line. Best
    effort: a logging setup without a masker (``RuntimeError`` on 2.10) must not stop the fake.
    """
    with contextlib.suppress(Exception), contextlib.redirect_stdout(sys.stderr):
        from airflow_provider.heygen._compat import mask_secret

        for secret in secrets:
            if secret:
                mask_secret(secret)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the fake, print its URL and the Airflow connection, and serve until SIGINT/SIGTERM."""
    args = _parser().parse_args(argv)
    from .fake.faults import parse_fault
    from .fake.server import FakeHeyGen

    try:
        faults = [parse_fault(spec) for spec in args.fault]
    except ValueError as error:
        _parser().error(str(error))
    fake = FakeHeyGen(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        oauth_token=args.oauth_token,
        job_seconds=args.job_seconds,
        concurrency_limit=args.concurrency_limit or None,
        rate_limit=args.rate_limit or None,
        clock_speed=args.clock_speed,
        seed=args.seed,
        wallet_credits=args.wallet_credits,
        url_ttl=args.url_ttl,
    )
    for fault in faults:
        fake.state.faults.add(fault)
    for url, seconds in args.media_seconds:
        fake.state.remember_media_seconds(url, seconds)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with fake:
        print(f"HeyGen fake API listening on {fake.url}", flush=True)
        print(f"AIRFLOW_CONN_HEYGEN_DEFAULT='{fake.airflow_conn_env()}'", flush=True)
        _mask(args.api_key, args.oauth_token)  # once serving: importing Airflow takes seconds clients must not wait
        while not stop.wait(0.25):
            if args.state_file is not None:
                _write_snapshot(fake, args.state_file)
        if args.state_file is not None:
            _write_snapshot(fake, args.state_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
