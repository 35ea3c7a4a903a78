"""Test helpers: ``FakeHeyGen``, an offline fake of HeyGen's v3 API (install the ``fake`` extra).

``FakeHeyGen`` is imported on first use, so importing this package (as the pytest plugin does at start-up)
does not import Starlette or uvicorn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fake.server import FakeHeyGen

__all__ = ["FakeHeyGen"]


def __getattr__(name: str) -> Any:
    if name == "FakeHeyGen":
        from .fake.server import FakeHeyGen

        return FakeHeyGen
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
