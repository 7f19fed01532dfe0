"""End-to-end tests drive whole pipelines on the live platform; see tests/integration/conftest.py.

run_tests.sh runs this tier in two lanes side by side (pytest-xdist, `--dist loadgroup`): most of
an e2e test is waiting on Airflow, sensors and Spark start-up. Tests that use Kafka Connect (the
bank's worker-crash test restarts it) share one lane; the others, the other lane. A folder stays in
one lane: the movie-ratings modules, even the one with its own topic and tables, each start by
deleting test rows they find in the live ratings as leftovers of an interrupted run, and a
rehearsal that ran one of them beside the daily-mart test deleted that test's rows mid-run. Tests
marked `restart` (the stop/start test, the service kills) run alone, after both.
"""

from __future__ import annotations

import pytest

CONNECT_LANE = ("bank", "mongo", "channels")


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
        lane = "connect" if folder in CONNECT_LANE else "spark"
        item.add_marker(pytest.mark.xdist_group(lane))
