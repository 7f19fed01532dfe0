"""Airflow 3 requires a login; with it, the REST API lists the DAGs."""

from __future__ import annotations

import pytest
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


@pytest.mark.airflow_run
def test_maintenance_cleans_airflows_metadata_and_logs_as_a_task() -> None:
    """`airflow db clean` runs inside a task (Airflow 3 masks the metadata DB's URL there, so the
    task passes `Settings.airflow_db_url`) and the log cleanup finds the log folder. Logical date
    2020: the cut-off is in 2019, older than anything here, so it deletes nothing a user has; the
    VACUUM keeps a week of every Delta table's history, what a daily run keeps anyway; the raw
    zone's compaction touches folders before 2020-01-02 only (there are none)."""
    import uuid

    airflow = AirflowClient()
    airflow.wait_for_dag("platform_maintenance")
    # A logical date of its own (one run per DAG and logical date): the suite can run again.
    second = uuid.uuid4().int % 86_400
    logical = f"2020-01-02T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00:00"
    run_id = airflow.trigger("platform_maintenance", logical, run_id=f"it_{uuid.uuid4().hex[:8]}")
    state = airflow.wait_for_run("platform_maintenance", run_id, timeout_s=600)
    assert state == "success", airflow.failure_report("platform_maintenance", run_id)
    assert airflow.task_states("platform_maintenance", run_id) == {
        "clean_metadata": "success",
        "clean_logs": "success",
        "vacuum_delta": "success",
        "compact_raw": "success",
    }
