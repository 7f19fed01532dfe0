"""DAG integrity: movie_ratings_daily imports cleanly and wires top_movies >> check_top_movies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DAG_FILE = Path(__file__).resolve().parents[3] / "dags" / "movie_ratings_daily.py"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):
    # Parsing needs no metadata DB; keep Airflow from creating ~/airflow when nothing is configured.
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    from airflow.dag_processing.dagbag import DagBag

    # Airflow 3.3 dropped `include_examples`: a folder/file DagBag never loads the examples.
    return DagBag(dag_folder=DAG_FILE)


def test_dag_file_has_no_heavy_module_imports() -> None:
    source = DAG_FILE.read_text()
    assert not any(f"import {name}" in source for name in ("pyspark", "pandas", "confluent_kafka", "pymysql"))


def test_dag_imports_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert list(dagbag.dag_ids) == ["movie_ratings_daily"]


def test_dag_schedule_and_task_order(dagbag) -> None:
    dag = dagbag.dags["movie_ratings_daily"]
    assert dag.schedule == "@daily"
    assert dag.catchup is False and dag.max_active_runs == 1
    assert sorted(dag.task_ids) == ["check_top_movies", "top_movies"]
    assert dag.get_task("top_movies").downstream_task_ids == {"check_top_movies"}
    assert dag.get_task("check_top_movies").downstream_task_ids == set()
    assert dag.doc_md and "movie_ratings" in dag.tags


def test_tasks_submit_the_jobs_with_the_logical_date(dagbag) -> None:
    dag = dagbag.dags["movie_ratings_daily"]
    top, check = dag.get_task("top_movies"), dag.get_task("check_top_movies")
    assert top.application.endswith("jobs/movie_ratings/daily_top_movies.py")
    assert check.application.endswith("jobs/movie_ratings/check_top_movies.py")
    assert top.application_args == check.application_args == ["--run-date", "{{ ds }}"]
    assert top.retries >= 2
