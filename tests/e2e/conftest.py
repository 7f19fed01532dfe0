"""End-to-end tests drive whole pipelines on the live platform; see tests/integration/conftest.py.

run_tests.sh runs this tier in two lanes side by side (pytest-xdist, `--dist loadgroup`): most of
an e2e test is waiting on Airflow, sensors and Spark start-up. Tests that use Kafka Connect (the
bank's worker-crash test restarts it) share one lane; the others, the other lane; each lane runs
in the order `LANES` gives. A folder stays in one lane: the movie-ratings modules, even the one with its own
topic and tables, each start by deleting test rows they find in the live ratings as leftovers of an
interrupted run, and a rehearsal that ran one of them beside the daily-mart test deleted that test's
rows mid-run. One module is moved on its own, to even the lanes out: the finance failing-gate test
writes only to its own scratch databases, and goes last in the Connect lane, so its run does not
queue behind the other finance tests' runs (process_finances runs one at a time). Tests marked
`restart` (the stop/start test, the service kills) run alone, after both.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from datalake.settings import REPO_ROOT

# Each lane's folders (or one module, as folder/file), in the order they run there; a folder not
# named (today only platform/, whose tests are all `restart`) runs after these in the Spark lane.
LANES = {
    "connect": ("bank", "channels", "mongo", "finances/test_failing_gate.py"),
    # The browser tests last: the Finance marts dashboard needs process_finances' first publish.
    "spark": ("finances", "movie_ratings", "browser"),
}


def _lane(item: pytest.Item) -> tuple[str, int]:
    """The item's lane and its place in it: a module named in LANES, else its folder."""
    folder = item.path.parent.name
    for key in (f"{folder}/{item.path.name}", folder):
        for lane, entries in LANES.items():
            if key in entries:
                return lane, entries.index(key)
    return "spark", len(LANES["spark"])


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `restart` stop, kill or restart a shared service: run them after everything else.

    Every other test gets its lane (an xdist group), from the folder it lives in. `tryfirst`: xdist
    reads the groups in its own hook of the same name; this conftest is registered before xdist's
    worker plugin, so without it xdist ran first, saw no group, and spread one lane's tests over
    both workers (the Connect crash test then ran beside the bank DAG test).
    """
    lanes = {item.nodeid: _lane(item) for item in items}
    # Stable sort: the restart tests last; each lane's in its order.
    items.sort(key=lambda item: (item.get_closest_marker("restart") is not None, lanes[item.nodeid][1]))
    for item in items:
        item.add_marker(pytest.mark.xdist_group(lanes[item.nodeid][0]))


# ---- Browser tests (pytest-playwright, Debian's chromium) ----------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Playwright drives the system's chromium (run_tests.sh installs Debian's): it never downloads
    a browser of its own."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium not found: run_tests.sh installs it (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": chromium}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the browser tests save what they saw: var/screenshots (git-ignored), or
    $SCREENSHOTS_DIR (`SCREENSHOTS_DIR=docs/images` refreshes the README's pictures)."""
    folder = Path(os.environ.get("SCREENSHOTS_DIR", REPO_ROOT / "var" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
