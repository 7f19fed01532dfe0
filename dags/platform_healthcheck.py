"""Touches every service of the platform for real and fails if any part fails.

A Kafka round trip, Kafka Connect's plugins, reads from MariaDB, PostgreSQL and Mongo, and a Spark
job that writes a Delta table on HDFS, registers it in the Hive metastore and reads it back.
Trigger it after `./start.sh` or whenever something looks off.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task

from datalake.orchestration import DEFAULT_ARGS, spark_job


@dag(
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={**DEFAULT_ARGS, "retries": 0},
    tags=["platform"],
    doc_md=__doc__,
)
def platform_healthcheck() -> None:
    @task
    def kafka_round_trip() -> str:
        from datalake.platform import checks

        return checks.kafka_round_trip()

    @task
    def kafka_connect_plugins() -> str:
        from datalake.platform import checks

        return checks.connect_plugins()

    @task
    def mariadb_read() -> str:
        from datalake.platform import checks

        return checks.mariadb_read()

    @task
    def postgres_read() -> str:
        from datalake.platform import checks

        return checks.postgres_read()

    @task
    def mongo_write_read() -> str:
        from datalake.platform import checks

        return checks.mongo_write_read()

    spark = spark_job("spark_delta_metastore", "platform/healthcheck_delta.py", ["--run-date", "{{ ds }}"])
    kafka_round_trip() >> kafka_connect_plugins() >> spark
    [mariadb_read(), postgres_read(), mongo_write_read()]


platform_healthcheck()
