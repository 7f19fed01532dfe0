"""Integration tests run against the live native platform (`./start.sh`).

They fail, not skip, when a service is down: the test command starts the platform first, so a
missing service is a real failure, never a silently green run.
"""

from __future__ import annotations

import uuid

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `airflow_run` last: their runs queue behind the DAG runs `./start.sh` schedules
    (the executor's four slots, one maintenance run at a time), which the other tests outlast.
    First in the tier, the maintenance test waited up to 7 minutes, doing nothing."""
    items.sort(key=lambda item: item.get_closest_marker("airflow_run") is not None)


@pytest.fixture(scope="session", autouse=True)
def platform_is_up() -> None:
    from datalake.platform.runner import status

    down = [s for s in status() if not s.healthy]
    if down:
        pytest.fail(
            "the platform is not fully up (run ./start.sh): "
            + "; ".join(f"{s.name}: {s.process}, {s.detail}" for s in down)
        )


@pytest.fixture
def unique() -> str:
    """A short id for names no other run uses."""
    return uuid.uuid4().hex[:10]
