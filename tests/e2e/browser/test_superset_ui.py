"""A user's day in Superset, in a real browser (Playwright driving Debian's chromium).

Log in as the admin of `.env`; run a query in SQL Lab on the lake's `movie_ratings.ratings` (Spark
Thrift server) and one on MariaDB's `top_movies`, each checked against the same query through the
platform's own clients; open every provisioned dashboard (services/superset/dashboards.yaml) and
wait until each chart has drawn itself, without an error. Screenshots go to var/screenshots (see tests/e2e/conftest.py).

Read-only: SQL Lab keeps a query history of its own; the tabs the test opens are closed after it.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from datalake.jobs.movie_ratings.daily_top_movies import cutoff_epoch
from playwright.sync_api import Page, expect

from datalake import thrift
from datalake.mariadb import connect
from datalake.settings import REPO_ROOT, get_settings
from datalake.superset_api import SupersetClient
from tests.faults import wait_for

pytestmark = [
    pytest.mark.e2e,
    # A setting turns Superset off (SUPERSET_ENABLED=false): then there is nothing here to test.
    pytest.mark.skipif(not get_settings().superset_on, reason="Superset is turned off (SUPERSET_ENABLED)"),
]

SPEC = yaml.safe_load((REPO_ROOT / "services/superset/dashboards.yaml").read_text())
LAKE, RESULTS = "Lake (Spark Thrift)", "Results (MariaDB)"
FINANCE_MARTS = ("channel_product_daily", "client_daily_position", "suspicious_activity")
# What a drawn chart holds: an ECharts canvas, a table, a big number; or else an error alert.
DRAWN = ".chart-container canvas, .chart-container table, .chart-container .header-line"


@pytest.fixture(scope="module")
def superset() -> SupersetClient:
    return SupersetClient()


@pytest.fixture
def logged_in(page: Page) -> Iterator[Page]:
    s = get_settings()
    page.goto(f"{s.superset_url}/login/")
    page.locator("#username").fill(s.superset_admin_user)
    page.locator("#password").fill(s.superset_admin_password)
    page.get_by_role("button", name="Sign in").click()
    # Its first render is slow when both e2e lanes load the machine (30 s were once not enough).
    page.wait_for_url("**/superset/welcome/**", timeout=120_000)
    tabs = _sql_lab_tabs(page)
    try:
        yield page
    finally:
        # Each SQL Lab link opens a tab, kept per user: close the ones this test opened.
        csrf = page.request.get(f"{s.superset_url}/api/v1/security/csrf_token/").json()["result"]
        for tab in _sql_lab_tabs(page) - tabs:
            page.request.delete(f"{s.superset_url}/tabstateview/{tab}", headers={"X-CSRFToken": csrf})


def _sql_lab_tabs(page: Page) -> set[int]:
    """The ids of the logged-in user's SQL Lab tabs (Superset keeps them in its database). Its API
    gives each as the text of a row, `{'id': 1, 'label': 'Untitled Query'}`: the first number."""
    response = page.request.get(f"{get_settings().superset_url}/api/v1/sqllab/")
    assert response.ok, response.text()
    tabs = response.json()["result"]["tab_state_ids"]
    return {int(match.group()) for tab in tabs if (match := re.search(r"\d+", str(tab)))}


def _sql_lab(page: Page, database_id: int, query: str) -> None:
    """Open SQL Lab on a database with `query` and let it run (`autorun`, as a shared link does)."""
    s = get_settings()
    params = urllib.parse.urlencode({"dbid": database_id, "sql": query, "autorun": "true"})
    page.goto(f"{s.superset_url}/sqllab/?{params}")


def test_sql_lab_queries_the_lake_and_the_results(
    logged_in: Page, superset: SupersetClient, screenshots: Path
) -> None:
    page, databases = logged_in, superset.databases()

    # The ratings before today: what the live stream and generator no longer change.
    before_today = f"FROM movie_ratings.ratings WHERE `timestamp` < {cutoff_epoch(datetime.now(UTC).date())}"
    ((ratings,),) = thrift.rows(f"SELECT COUNT(*) {before_today}")
    _sql_lab(page, databases[LAKE], f"SELECT COUNT(*) AS ratings {before_today}")
    expect(page.get_by_role("gridcell", name=str(ratings), exact=True)).to_be_visible(timeout=120_000)
    expect(page.get_by_text("1 row", exact=True)).to_be_visible()
    page.screenshot(path=screenshots / "superset-sql-lab.png")

    # One row to compare (SQL Lab applies its own LIMIT to a query, so no LIMIT of ours).
    latest = (
        "SELECT COUNT(*) AS movies, MAX(ratings_count) AS most_ratings FROM movie_ratings.top_movies "
        "WHERE date = (SELECT MAX(date) FROM movie_ratings.top_movies)"
    )
    with connect() as conn, conn.cursor() as cursor:
        cursor.execute(latest)
        movies, most = cursor.fetchone()
    assert movies, "movie_ratings.top_movies is empty: movie_ratings_daily has not run yet"
    _sql_lab(page, databases[RESULTS], latest)
    for value in (movies, most):
        expect(page.get_by_role("gridcell", name=str(value), exact=True)).to_be_visible(timeout=120_000)
    expect(page.get_by_text("1 row", exact=True)).to_be_visible()


def _finance_marts_published() -> bool:
    with connect() as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'finance_marts' AND table_name IN %s",
            (FINANCE_MARTS,),
        )
        (count,) = cursor.fetchone()
    return bool(count == len(FINANCE_MARTS))


@pytest.mark.timeout(1800)  # the Finance marts may wait for process_finances' first publish (900 s)
@pytest.mark.parametrize("slug", list(SPEC["dashboards"]))
def test_every_dashboard_draws_every_chart_without_an_error(
    logged_in: Page, slug: str, screenshots: Path
) -> None:
    page, s = logged_in, get_settings()
    if slug == "finance-marts":
        # The marts appear with process_finances' first publish (its asset-triggered run after start).
        wait_for("process_finances to publish finance_marts", _finance_marts_published, 900, every_s=15)
    dashboard = SPEC["dashboards"][slug]
    titles = [SPEC["charts"][key]["title"] for row in dashboard["rows"] for key in row]
    page.goto(f"{s.superset_url}/superset/dashboard/{slug}/")
    charts = page.locator("[data-test=chart-grid-component]")
    expect(charts).to_have_count(len(titles), timeout=60_000)
    for title in titles:
        chart = charts.filter(has=page.get_by_text(title, exact=True))
        expect(
            chart, f"{slug}: no chart titled {title!r} (provisioned before dashboards.yaml changed?)"
        ).to_have_count(1)
        # Drawn, or failed: whichever comes first (a Spark query on a cold table takes a while).
        expect(chart.locator(f"{DRAWN}, [role=alert]").first).to_be_visible(timeout=240_000)
        errors = chart.locator("[role=alert]")
        assert errors.count() == 0, f"{slug}: chart {title!r}: {errors.first.inner_text()}"
    page.screenshot(path=screenshots / f"superset-{slug}.png", full_page=True)
