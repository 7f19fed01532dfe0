"""The bank tests' DB-API connection (tests/fakes.py), as a fixture."""

from __future__ import annotations

import pytest

from tests.fakes import FakeConnection


@pytest.fixture
def fake_conn() -> FakeConnection:
    return FakeConnection()
