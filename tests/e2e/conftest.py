"""End-to-end tests drive whole pipelines on the live platform; see tests/integration/conftest.py."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `restart` stop and start the whole platform: run them after everything else."""
    items.sort(key=lambda item: item.get_closest_marker("restart") is not None)
