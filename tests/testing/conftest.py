"""Fixtures for the fake's own tests (the fake itself and its contract check live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from airflow_provider.heygen.testing import FakeHeyGen


@pytest.fixture
def client(fake: FakeHeyGen) -> Iterator[httpx.Client]:
    """An httpx client for ``fake`` that sends its API key."""
    with httpx.Client(base_url=fake.url, headers={"x-api-key": fake.api_key}, timeout=10) as http:
        yield http
