"""Keeps Airflow's own data bounded, daily.

- `clean_metadata`: `airflow db clean` of the rows (DAG runs, task instances, XComs, logs table...)
  older than the run's logical date less AIRFLOW_KEEP_DAYS (default 30), without archive tables.
- `clean_logs`: the task log files under Airflow's log folder last written before the same cut-off,
  and the folders they leave empty.
- `vacuum_delta`: VACUUM of every Delta table, files unreferenced for DELTA_RETAIN_HOURS (default
  168) deleted (jobs/platform/vacuum_delta.py); what OPTIMIZE and overwrites leave behind.
- `compact_raw`: the lake sink's small files of each `dt=` folder older than the day before the
  logical date merged per topic partition (jobs/platform/compact_raw.py); the sink commits one every
  10 s per partition.

A re-run of a date deletes the same (the cut-off comes from the logical date, not the clock).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import dag, task

from datalake.orchestration import PIPELINE_DAG, spark_job
from datalake.pipelines import maintenance


def _cutoff(context: dict[str, Any]) -> datetime:
    from datalake.pipelines.maintenance import cutoff
    from datalake.settings import get_settings

    end = context.get("data_interval_end") or context["logical_date"]
    return cutoff(end, get_settings().airflow_keep_days)


@dag(
    dag_id=maintenance.DAG_ID,
    schedule="@daily",
    start_date=datetime(2020, 1, 1, tzinfo=UTC),
    **PIPELINE_DAG,
    tags=["platform"],
    doc_md=__doc__,
)
def platform_maintenance() -> None:
    @task
    def clean_metadata(**context: Any) -> str:
        from datalake.settings import get_settings

        return maintenance.clean_metadata(_cutoff(context), get_settings().airflow_db_url)

    @task
    def clean_logs(**context: Any) -> int:
        from datalake.platform.paths import get_paths

        return maintenance.clean_logs(get_paths().airflow_home / "logs", _cutoff(context))

    clean_metadata() >> clean_logs()
    spark_job("vacuum_delta", "platform/vacuum_delta.py", [])
    # The day before the logical date: the day that has just closed is left to the daily DAGs.
    spark_job(
        "compact_raw",
        "platform/compact_raw.py",
        ["--run-date", "{{ macros.ds_add(ds, -1) }}"],
        needs_jvm=True,
    )


platform_maintenance()
