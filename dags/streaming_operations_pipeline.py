"""Bank channels: the day's operations of the five channel producers from Kafka into Hive.

capture (the end offsets of channels.operations when the run starts) -> lake_has_source (the lake
sink committed them) -> channel_operations (Spark: the day's events typed into
financas.channel_operations, partitioned by date and channel; bad events quarantined with the
reason, duplicates by operation id too) -> reconcile (the day's records counted in Kafka, per
channel, must equal rows + quarantined + the sink's dead letters).

The seed spelled it `streamming_operations_pipeline`; logic in `datalake.pipelines.channels`,
see docs/bank-channels.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import dag, task

from datalake.orchestration import DEFAULT_ARGS, curated_asset, lake_sensor, mark_updated, spark_job


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["bank", "channels", "streaming"],
    doc_md=__doc__,
)
def streaming_operations_pipeline() -> None:
    @task
    def capture() -> dict:
        from datalake.pipelines import channels

        return channels.capture()

    @task
    def until(targets: dict) -> str:
        from datalake.pipelines import channels

        return channels.until_arg(targets)

    lake_has_source = lake_sensor("channels")

    job = spark_job(
        "channel_operations",
        "channels/channel_operations.py",
        ["--run-date", "{{ ds }}", "--until", "{{ ti.xcom_pull(task_ids='until') }}"],
    )

    @task(retries=0, outlets=[curated_asset("financas.channel_operations")])
    def reconcile(targets: dict, ds: str | None = None, outlet_events: Any = None) -> list[str]:
        from datalake.pipelines import channels

        lines = channels.reconcile(ds or "", targets)
        mark_updated(outlet_events, ["financas.channel_operations"], ds or "")
        return lines

    targets = capture()
    lake_has_source(targets) >> until(targets) >> job >> reconcile(targets)


streaming_operations_pipeline()
