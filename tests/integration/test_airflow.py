"""Airflow 3 requires a login; with it, the REST API lists the DAGs and platform_healthcheck succeeds."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from datalake.airflow_api import AirflowClient
from datalake.settings import get_settings


def test_api_refuses_anonymous_and_wrong_password() -> None:
    url = get_settings().airflow_url
    assert requests.get(f"{url}/api/v2/dags", timeout=10).status_code == 401
    wrong = requests.post(f"{url}/auth/token", json={"username": "admin", "password": "wrong"}, timeout=10)
    assert wrong.status_code == 401


def test_login_lists_dags_and_platform_healthcheck_succeeds() -> None:
    airflow = AirflowClient()
    airflow.wait_for_dag("platform_healthcheck")
    assert {"platform_healthcheck", "movie_ratings_daily"} <= set(airflow.dag_ids())
    airflow.set_paused("platform_healthcheck", False)
    run_id = airflow.trigger("platform_healthcheck", datetime.now(UTC).isoformat())
    state = airflow.wait_for_run("platform_healthcheck", run_id, timeout_s=600)
    tasks = airflow.task_states("platform_healthcheck", run_id)
    assert state == "success", tasks
    assert set(tasks.values()) == {"success"} and len(tasks) == 6
