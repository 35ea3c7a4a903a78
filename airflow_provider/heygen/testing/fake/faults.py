"""Faults to inject into the fake: what goes wrong, for which requests, how often; deterministic when seeded.

A fault matches a request by method (``*`` for any) and path: a glob (``/v3/videos/*``), a regular
expression written ``re:<pattern>``, or a compiled ``re.Pattern``; the query string is never part of the
path. Each matching request draws once from the fault's own random generator, so a seeded run repeats exactly.

Kinds:
  ``error``        answer ``status`` (5xx) with the JSON error envelope, or plain text when ``envelope=False``
  ``delay``        sleep ``delay`` wall seconds, then answer normally
  ``drop``         close the connection without any answer
  ``malformed``    answer 200 with a truncated JSON body
  ``rate_limit``   answer 429 ``rate_limit_exceeded`` with ``Retry-After: retry_after``
  ``html``         answer ``status`` (5xx) with an HTML error page, as a proxy in front of the API would
  ``empty``        answer 200 with an empty body
  ``huge``         answer normally, padded with ``size`` bytes of an unknown JSON field
  ``truncate``     answer normally but close the connection halfway through the body (``Content-Length`` kept)
  ``expire``       like ``truncate``, and the file URL asked for expires then (a later GET of it answers 403)
  ``job_failure``  the job this request creates fails when its run ends (``failure_code``, ``..._message``)
  ``job_stuck``    the job created by this request never finishes
``after=True`` (for ``error``, ``drop``, ``malformed``, ``html``, ``empty``) lets the request do its work first
and then loses the answer: the case where a client must retry with the same ``Idempotency-Key``.

The CLI form is ``[METHOD ]PATH:KIND:RATE`` with KIND one of ``500``..``599`` (``503-raw`` without the
envelope), ``429`` or ``429=SECONDS``, ``slow=SECONDS``, ``drop``, ``malformed``, ``html`` or ``html=STATUS``,
``empty``, ``huge`` or ``huge=BYTES``, ``truncate``, ``expire``, ``fail`` or ``fail=CODE``, ``stuck``; the
suffix ``-after`` (``500-after``, ``drop-after``) sets ``after``.
Example: ``POST /v3/videos:500:0.5``.
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from dataclasses import dataclass, field

__all__ = ["AFTER_KINDS", "FAULT_KINDS", "JOB_FAULT_KINDS", "REQUEST_FAULT_KINDS", "Fault", "FaultSet", "parse_fault"]

REQUEST_FAULT_KINDS = (
    "error",
    "delay",
    "drop",
    "malformed",
    "rate_limit",
    "html",
    "empty",
    "huge",
    "truncate",
    "expire",
)
#: Kinds that may lose the answer after the request did its work (``after=True``).
AFTER_KINDS = ("error", "drop", "malformed", "html", "empty")
JOB_FAULT_KINDS = ("job_failure", "job_stuck")
FAULT_KINDS = REQUEST_FAULT_KINDS + JOB_FAULT_KINDS
_ALIASES = {"slow": "delay", "fail": "job_failure", "stuck": "job_stuck", "429": "rate_limit"}


@dataclass
class Fault:
    """One injected fault; ``hits`` counts the requests it took effect on."""

    kind: str
    path: str | re.Pattern[str] = "*"
    method: str = "*"
    rate: float = 1.0
    status: int = 500
    envelope: bool = True
    delay: float = 0.0
    retry_after: int = 1
    size: int = 4_000_000
    failure_code: str = "rendering_failed"
    failure_message: str = "Rendering failed (injected by the fake)"
    times: int | None = None
    after: bool = False
    seed: int | str | None = None
    hits: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.kind = _ALIASES.get(self.kind, self.kind)
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {self.rate}")
        if self.kind in ("error", "html") and not 500 <= self.status <= 599:
            raise ValueError(f"an {self.kind} fault needs a 5xx status, got {self.status}")
        if self.after and self.kind not in AFTER_KINDS:
            raise ValueError(f"after=True only applies to {', '.join(AFTER_KINDS)} faults")
        self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault is aimed at the request (ignoring rate and ``times``)."""
        if self.method != "*" and self.method != method.upper():
            return False
        if isinstance(self.path, re.Pattern):
            return self.path.fullmatch(path) is not None
        if self.path.startswith("re:"):
            return re.fullmatch(self.path[3:], path) is not None
        return fnmatch.fnmatchcase(path, self.path)


class FaultSet:
    """The faults in force, checked in the order they were added; thread-safe."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._added = 0

    def add(self, fault: Fault) -> Fault:
        """Put ``fault`` in force, its generator seeded by its ``seed`` or the set's seed and position."""
        with self._lock:
            seed = fault.seed if fault.seed is not None else self._seed
            fault._rng = random.Random(f"{seed}:{self._added}") if seed is not None else random.Random()
            self._added += 1
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f is not fault]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._added = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        with self._lock:
            return iter(list(self._faults))

    def pick(self, method: str, path: str, kinds: tuple[str, ...]) -> Fault | None:
        """The first fault of ``kinds`` aimed at the request whose draw fires; counts the hit."""
        with self._lock:
            for fault in self._faults:
                if fault.kind not in kinds or not fault.matches(method, path):
                    continue
                if fault.times is not None and fault.hits >= fault.times:
                    continue
                if fault._rng.random() < fault.rate:
                    fault.hits += 1
                    return fault
        return None


def parse_fault(spec: str) -> Fault:
    """A fault from its CLI form ``[METHOD ]PATH:KIND:RATE`` (see the module docstring)."""
    try:
        target, kind, rate_text = spec.rsplit(":", 2)
        rate = float(rate_text)
    except ValueError:
        raise ValueError(f"fault {spec!r} is not '[METHOD ]PATH:KIND:RATE'") from None
    method, _, path = target.strip().rpartition(" ")
    base = kind.removesuffix("-after")
    name, _, value = base.partition("=")
    raw = name.endswith("-raw")
    name = _ALIASES.get(name.removesuffix("-raw"), name.removesuffix("-raw"))
    options: dict[str, object] = {"after": base != kind}
    if name.isdigit():
        options.update(kind="error", status=int(name), envelope=not raw)
    else:
        options["kind"] = name
        if value:
            settings = {
                "delay": ("delay", float),
                "rate_limit": ("retry_after", int),
                "html": ("status", int),
                "huge": ("size", int),
            }
            key, cast = settings.get(name, ("failure_code", str))
            options[key] = cast(value)
    return Fault(path=path or "*", method=method.strip() or "*", rate=rate, **options)  # type: ignore[arg-type]
