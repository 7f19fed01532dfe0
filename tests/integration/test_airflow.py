"""Airflow 3 requires a login; with it, the REST API lists the DAGs."""

from __future__ import annotations

import requests

from datalake.airflow_api import AirflowClient
from datalake.settings import get_settings


def test_api_refuses_anonymous_and_wrong_password() -> None:
    url = get_settings().airflow_url
    assert requests.get(f"{url}/api/v2/dags", timeout=10).status_code == 401
    wrong = requests.post(f"{url}/auth/token", json={"username": "admin", "password": "wrong"}, timeout=10)
    assert wrong.status_code == 401


def test_login_lists_dags() -> None:
    """A run of platform_healthcheck through the API: tests/integration/test_cli.py (`lake trigger`)."""
    airflow = AirflowClient()
    airflow.wait_for_dag("platform_healthcheck")
    assert {"platform_healthcheck", "movie_ratings_daily"} <= set(airflow.dag_ids())
