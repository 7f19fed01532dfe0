"""Factories the thin DAG files use to wire tasks, so no DAG repeats submission details.

Imported at DAG parse time: keep it light (no pyspark, no clients at module level).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from datalake.settings import REPO_ROOT, get_settings

JOBS_DIR = REPO_ROOT / "jobs"

# Sensors poke every few seconds and give up after half an hour (a stuck source fails the run).
SENSOR: dict[str, Any] = {"poke_interval": 5, "timeout": 1800, "mode": "poke"}

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
}

# What the pipeline DAGs share: no backfill of missed dates when first unpaused, one run at a time
# (a date's runs write the same tables), the default retries. Each adds its id, schedule and docs.
PIPELINE_DAG: dict[str, Any] = {"catchup": False, "max_active_runs": 1, "default_args": DEFAULT_ARGS}


def spark_job(task_id: str, job: str, args: list[str], *, needs_jvm: bool = False, **kwargs: Any) -> Any:
    """A task that runs `jobs/<job>` the mode's way (settings `spark_runner`): a Spark Connect client
    of the platform's long-lived server (datalake.spark_connect), spark-submit against the mode's
    Spark master, or a Dataproc job (datalake.dataproc).

    `needs_jvm`: the job reaches into the driver's JVM (`datalake.spark.hadoop_path`), which a
    Spark Connect client has not: it keeps a spark-submit of its own where tasks use Spark Connect.
    `args` is templated, so pass `["--run-date", "{{ ds }}"]`, never a wall-clock date.
    """
    s = get_settings()
    if s.spark_runner == "dataproc":
        from datalake.dataproc import submit_job

        return submit_job(s, task_id, job, args, **kwargs)
    if s.spark_runner == "spark_connect" and not needs_jvm:
        from datalake.spark_connect import SparkConnectJobOperator

        return SparkConnectJobOperator(
            task_id=task_id,
            application=str(JOBS_DIR / job),
            application_args=args,
            remote=s.spark_connect_url,
            **kwargs,
        )
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    # The master comes from the `spark_default` connection (AIRFLOW_CONN_SPARK_DEFAULT, set per mode).
    return SparkSubmitOperator(
        task_id=task_id,
        application=str(JOBS_DIR / job),
        application_args=args,
        conn_id="spark_default",
        name=task_id,
        **kwargs,
    )


def curated_asset(table: str) -> Any:
    """The Airflow asset of a lake table (`database.table`): updated by the task that publishes it,
    consumed by DAGs scheduled on it (data-aware scheduling)."""
    from airflow.sdk import Asset

    database, _, name = table.partition(".")
    return Asset(name=table, uri=f"hive://metastore/{database}/{name}")


def announce(tables: list[str]) -> Any:
    """The task that tells data-aware DAGs (process_finances) that `tables` are ready for the run's
    date: its asset events carry `{"date": ds}`. A run triggered with conf `{"announce": false}`
    (a test, a reprocessing of old dates) skips it, and nothing downstream starts."""
    from airflow.sdk import task
    from airflow.sdk.exceptions import AirflowSkipException

    @task(task_id="announce", outlets=[curated_asset(t) for t in tables])
    def announce_tables(ds: str | None = None, dag_run: Any = None, outlet_events: Any = None) -> str:
        if (dag_run.conf or {}).get("announce", True) is False:
            raise AirflowSkipException("conf announce=false: no asset event for this run")
        for table in tables:
            outlet_events[curated_asset(table)].extra = {"date": ds}
        return f"announced {', '.join(tables)} for {ds}"

    return announce_tables


def _pipeline(name: str) -> Any:
    """`datalake.pipelines.<name>`, imported when a task runs."""
    import importlib

    return importlib.import_module(f"datalake.pipelines.{name}")


def volume_params(volumes: type) -> dict[str, Any]:
    """A DAG's params from a generator's volumes (`datalake.generators.volumes`): one per field,
    with the field's default; counts are integers from 0, switches booleans."""
    from dataclasses import fields

    from airflow.sdk import Param

    return {
        f.name: Param(f.default, type="boolean")
        if isinstance(f.default, bool)
        else Param(f.default, type="integer", minimum=0)
        for f in fields(volumes)
    }


def lake_sensor(pipeline: str) -> Any:
    """The `lake_has_source` sensor: waits until `datalake.pipelines.<pipeline>.FEED`'s lake sink has
    committed the end offsets an earlier task captured (see datalake.pipelines.lake_feed)."""
    from airflow.sdk import PokeReturnValue, task

    @task.sensor(task_id="lake_has_source", **SENSOR)
    def lake_has_source(targets: dict[str, int]) -> PokeReturnValue:
        done, lag = _pipeline(pipeline).FEED.poke(targets)
        print(lag)
        return PokeReturnValue(is_done=done)

    return lake_has_source


def cdc_source(pipeline: str) -> tuple[Any, Any]:
    """The tasks by which a CDC-fed DAG knows the lake holds its source's changes, no sleeps:
    `mark_source` (a marker written at the source after the generated data) -> `source_in_kafka`
    (the marker's change event is in Kafka; the topics' end offsets are recorded) ->
    `lake_has_source` (the lake sink committed them). `datalake.pipelines.<pipeline>` provides
    `mark_source(token)`, `poke_source(mark)` and `FEED`. Returns (mark_source, lake_has_source),
    the chain's ends, for the DAG to wire."""
    from airflow.sdk import PokeReturnValue, task

    @task
    def mark_source(run_id: str | None = None) -> str:
        return str(_pipeline(pipeline).mark_source(run_id or "manual"))

    @task.sensor(task_id="source_in_kafka", **SENSOR)
    def source_in_kafka(mark: str) -> PokeReturnValue:
        done, ends, seen = _pipeline(pipeline).poke_source(mark)
        print(seen)
        return PokeReturnValue(is_done=done, xcom_value=ends)

    mark: Any = mark_source()  # an XComArg: the marker, once the task has run
    return mark, lake_sensor(pipeline)(source_in_kafka(mark))
