"""Servers as process groups of their own: started with a log file, stopped with their children, always."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

__all__ = ["Process", "free_port", "group_members", "spawn", "wait_for", "wait_started"]

_T = TypeVar("_T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group ``pgid``, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def wait_for(what: str, ready: Callable[[], _T], timeout: float, every: float = 0.25) -> _T:
    """Poll ``ready()`` until it returns something truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if result := ready():
                return result
        except Exception as error:  # a server still starting refuses connections
            last: object = error
        else:
            last = "not yet"
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f} s ({last})")
        time.sleep(every)


@dataclass
class Process:
    """One server and everything it forks, in its own process group (pgid = its pid)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    stop_signal: signal.Signals = signal.SIGTERM

    @property
    def pgid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return bool(group_members(self.pgid))

    def stop(self, grace: float = 20.0) -> None:
        """``stop_signal`` to the whole group, then SIGKILL to whatever is left after ``grace`` seconds."""
        self._signal(self.stop_signal)
        deadline = time.monotonic() + grace
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.kill()

    def kill(self) -> None:
        """SIGKILL to the whole group, as a crash would; returns once no member is left."""
        self._signal(signal.SIGKILL)
        while self.alive():
            time.sleep(0.05)
        self.popen.wait()

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signum)

    def tail(self, lines: int = 40) -> str:
        """The end of its log, for a failure message."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def spawn(
    name: str,
    argv: Sequence[str | os.PathLike[str]],
    *,
    env: dict[str, str],
    log_dir: Path,
    stop_signal: signal.Signals = signal.SIGTERM,
) -> Process:
    """Start ``argv`` in a new session (so a new process group), its output appended to ``log_dir/name.log``."""
    log = log_dir / f"{name}.log"
    with log.open("ab") as output:
        popen = subprocess.Popen(
            [str(part) for part in argv],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    return Process(name, popen, log, stop_signal)


def wait_started(process: Process, ready: Callable[[], _T], timeout: float) -> _T:
    """``wait_for`` the server to be ready; if it never is, stop it (nothing left behind) and fail with its log."""
    try:
        return wait_for(process.name, ready, timeout)
    except BaseException as error:
        process.stop()
        raise RuntimeError(f"{process.name} did not start:\n{process.tail()}") from error
