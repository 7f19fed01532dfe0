"""End-to-end tests drive whole pipelines on the live platform; see tests/integration/conftest.py.

run_tests.sh runs this tier in two lanes side by side (pytest-xdist, `--dist loadgroup`): most of
an e2e test is waiting on Airflow, sensors and Spark start-up. Tests that use Kafka Connect (the
bank's worker-crash test restarts it) share one lane; the others, the other lane, except the few
that need neither Connect nor the live ratings stream, which go where they even out the lanes'
durations (the slowest lane is the tier's time). Tests marked `restart` (the stop/start test, the
service kills) run alone, after both.
"""

from __future__ import annotations

import pytest

CONNECT_LANE = ("bank", "mongo", "channels")
# Independent of both (own topic, own tables, own Spark job): placed to balance the lanes. The
# "spark" lane was ~2 000 s and the "connect" lane ~1 650 s in CI before this move of ~150 s.
BALANCE = {"test_stream_compaction.py": "connect"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `restart` stop, kill or restart a shared service: run them after everything else.

    Every other test gets its lane (an xdist group), from the folder it lives in. `tryfirst`: xdist
    reads the groups in its own hook of the same name; this conftest is registered before xdist's
    worker plugin, so without it xdist ran first, saw no group, and spread one lane's tests over
    both workers (the Connect crash test then ran beside the bank DAG test).
    """
    items.sort(key=lambda item: item.get_closest_marker("restart") is not None)
    for item in items:
        folder = item.path.parent.name
        lane = BALANCE.get(item.path.name) or ("connect" if folder in CONNECT_LANE else "spark")
        item.add_marker(pytest.mark.xdist_group(lane))
