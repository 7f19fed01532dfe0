"""Touches every service of the platform for real and fails if any part fails.

The free disk space under var/ (at least DISK_FREE_MIN_GB), a Kafka round trip, Kafka Connect's plugins, reads from MariaDB, PostgreSQL and Mongo, and a Spark
job that writes a Delta table on HDFS, registers it in the Hive metastore and reads it back.
Trigger it after `./start.sh` or whenever something looks off.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import dag

from datalake.orchestration import DEFAULT_ARGS, spark_job

# Light at parse time: the probes import their clients inside each function.
from datalake.platform import checks

PROBES = (
    "disk_space",
    "kafka_round_trip",
    "kafka_connect_plugins",
    "mariadb_read",
    "postgres_read",
    "mongo_write_read",
)


@dag(
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    # One quick retry, not the pipelines' two a minute apart: a task killed with its scheduler (the
    # LocalExecutor runs tasks under it) is retried by the restarted one; a real fault fails twice.
    default_args={**DEFAULT_ARGS, "retries": 1, "retry_delay": timedelta(seconds=10)},
    tags=["platform"],
    doc_md=__doc__,
)
def platform_healthcheck() -> None:
    probes = {name: PythonOperator(task_id=name, python_callable=getattr(checks, name)) for name in PROBES}
    spark = spark_job("spark_delta_metastore", "platform/healthcheck_delta.py", ["--run-date", "{{ ds }}"])
    # The cheap probes first: no point spending a Spark application when a basic service is down.
    list(probes.values()) >> spark


platform_healthcheck()
