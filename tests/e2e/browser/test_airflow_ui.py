"""A user's morning in the Airflow UI, in a real browser (Playwright driving Debian's chromium).

Log in as the admin of `.env`, find movie_ratings_daily in the DAG list, trigger it from its page
(the trigger dialog, a run id of this test's own under "Advanced Options"), wait for the run to
succeed, and open its grid: every task shows success. Screenshots of each step go to
var/screenshots (see tests/e2e/conftest.py).

The run builds today's top 100 from the live ratings, what the scheduled run of today built; the
test saves today's rows before and puts them back after (it adds no ratings of its own).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from datalake.jobs.movie_ratings.mart import load_top_movies, mariadb_connection, read_top_movies
from playwright.sync_api import Page, expect

from datalake.settings import get_settings

pytestmark = pytest.mark.e2e

DAG_ID = "movie_ratings_daily"
TASKS = ("top_movies", "check_top_movies")


def _log_in(page: Page) -> None:
    s = get_settings()
    page.goto(s.airflow_url)
    page.get_by_label("Username").fill(s.airflow_admin_user)
    page.get_by_label("Password").fill(s.airflow_admin_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


@pytest.fixture(scope="module")
def airflow() -> Any:
    from datalake.airflow_api import AirflowClient

    client = AirflowClient()
    client.wait_for_dag(DAG_ID)
    return client


@pytest.fixture
def todays_mart() -> Iterator[None]:
    """Today's top 100 as the user had it, put back after the test's run rewrote it."""
    today = datetime.now(UTC).date()
    try:
        saved = read_top_movies(today, mariadb_connection)
    except Exception as exc:  # no table yet: the user has no rows of any date
        if "doesn't exist" not in str(exc):
            raise
        saved = []
    try:
        yield
    finally:
        load_top_movies(saved, today, mariadb_connection)


def test_trigger_the_daily_dag_from_the_ui_and_watch_it_succeed(
    page: Page, airflow: Any, todays_mart: None, screenshots: Path
) -> None:
    s = get_settings()
    _log_in(page)

    page.goto(f"{s.airflow_url}/dags")
    dag_link = page.get_by_role("link", name=DAG_ID, exact=True)
    expect(dag_link).to_be_visible()
    page.screenshot(path=screenshots / "airflow-dags.png")

    dag_link.click()
    expect(page.get_by_role("heading", name=DAG_ID)).to_be_visible()
    page.get_by_role("button", name="Trigger").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Trigger Dag - {DAG_ID}")
    dialog.get_by_role("button", name="Advanced Options").click()
    run_id = f"e2e__ui_{uuid.uuid4().hex[:8]}"
    dialog.locator("input[name='dagRunId']").fill(run_id)
    page.screenshot(path=screenshots / "airflow-trigger.png")
    dialog.get_by_role("button", name="Trigger").last.click()
    expect(dialog).to_be_hidden()

    state = airflow.wait_for_run(DAG_ID, run_id, timeout_s=600)
    assert state == "success", airflow.failure_report(DAG_ID, run_id)

    # The run's page, as a user opens it from the run list: the run and each of its tasks green.
    page.goto(f"{s.airflow_url}/dags/{DAG_ID}/runs/{run_id}")
    expect(page.get_by_role("heading", name=run_id)).to_be_visible()
    for task in TASKS:
        expect(page.get_by_role("row", name=re.compile(rf"\b{task}\b"))).to_contain_text("Success")
    page.screenshot(path=screenshots / "airflow-run.png")
