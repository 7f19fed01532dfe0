"""Superset on the live platform: the admin of `.env` logs in (a wrong password does not), SQL Lab
answers on both registered databases, and the dashboards of services/superset/dashboards.yaml are
there with their charts. Read-only: it writes nothing but SQL Lab's own query history."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

from datalake import thrift
from datalake.settings import REPO_ROOT, get_settings
from datalake.superset_api import SupersetClient, SupersetError

# A setting turns Superset off (SUPERSET_ENABLED=false): then there is nothing here to test.
pytestmark = pytest.mark.skipif(
    not get_settings().superset_on, reason="Superset is turned off (SUPERSET_ENABLED)"
)
LAKE, RESULTS = "Lake (Spark Thrift)", "Results (MariaDB)"
SPEC = yaml.safe_load(Path(REPO_ROOT / "services/superset/dashboards.yaml").read_text())


@pytest.fixture(scope="module")
def superset() -> SupersetClient:
    return SupersetClient()


def test_health_and_only_the_admin_password_of_env_logs_in() -> None:
    s = get_settings()
    assert requests.get(f"{s.superset_url}/health", timeout=10).text == "OK"
    wrong = s.model_copy(update={"superset_admin_password": "not-it"})
    with pytest.raises(SupersetError, match="refused"):
        SupersetClient(wrong)


def test_sql_lab_reads_the_lake_and_the_results(superset: SupersetClient) -> None:
    assert {LAKE, RESULTS} <= set(superset.databases())
    # The same answer as the Thrift server gives the platform's own client.
    query = "SELECT COUNT(*) AS n FROM movie_ratings.movies"
    ((expected,),) = thrift.rows(query)
    assert superset.sql(LAKE, query) == [{"n": expected}]
    # As the read-only analyst: the result databases are all it sees, the bank's sources refuse it.
    visible = {
        row["schema_name"]
        for row in superset.sql(RESULTS, "SELECT schema_name FROM information_schema.schemata")
    }
    assert visible <= {"information_schema", *get_settings().mariadb_result_databases}
    assert "movie_ratings" in visible
    with pytest.raises(SupersetError, match="denied"):
        superset.sql(RESULTS, "SELECT COUNT(*) AS n FROM santander.clients")


def test_the_declared_dashboards_are_provisioned_with_their_charts(superset: SupersetClient) -> None:
    dashboards = superset.dashboards()
    for slug, dashboard in SPEC["dashboards"].items():
        assert slug in dashboards, f"dashboard {slug} not provisioned"
        declared = {SPEC["charts"][key]["title"] for row in dashboard["rows"] for key in row}
        assert set(superset.dashboard_charts(slug)) == declared
