"""Every DAG file parses without errors, stays thin, and carries docs and tags."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from datalake.settings import REPO_ROOT

DAGS = REPO_ROOT / "dags"
HEAVY = ("pyspark", "pandas", "confluent_kafka", "pymysql", "pymongo", "faker", "yahooquery")


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=DAGS)


def test_all_dags_import_cleanly(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert {"platform_healthcheck", "movie_ratings_daily"} <= set(dagbag.dag_ids)


def test_dags_have_docs_and_tags(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md, dag_id
        assert dag.tags, dag_id


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dag_files_import_nothing_heavy_at_module_level(path: Path) -> None:
    top_level = [line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in top_level if any(name in line for name in HEAVY)]


def test_healthcheck_touches_every_service(dagbag) -> None:
    dag = dagbag.dags["platform_healthcheck"]
    assert set(dag.task_ids) == {
        "disk_space",
        "kafka_round_trip",
        "kafka_connect_plugins",
        "mariadb_read",
        "postgres_read",
        "mongo_write_read",
        "spark_delta_metastore",
    }


def test_maintenance_cleans_metadata_then_logs_and_vacuums_daily(dagbag) -> None:
    dag = dagbag.dags["platform_maintenance"]
    assert sorted(dag.task_ids) == ["clean_logs", "clean_metadata", "compact_raw", "vacuum_delta"]
    assert dag.get_task("clean_metadata").downstream_task_ids == {"clean_logs"}
