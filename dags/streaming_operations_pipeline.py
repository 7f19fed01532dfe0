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

from airflow.sdk import dag, task

from datalake.orchestration import PIPELINE_DAG, announce, lake_sensor, spark_job
from datalake.pipelines import channels


@dag(
    dag_id=channels.DAG_ID,
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    **PIPELINE_DAG,
    tags=["bank", "channels", "streaming"],
    doc_md=__doc__,
)
def streaming_operations_pipeline() -> None:
    @task
    def capture() -> dict:
        return channels.capture()

    @task
    def until(targets: dict) -> str:
        return channels.until_arg(targets)

    lake_has_source = lake_sensor("channels")

    job = spark_job(
        "channel_operations",
        "channels/channel_operations.py",
        ["--run-date", "{{ ds }}", "--until", "{{ ti.xcom_pull(task_ids='until') }}"],
        needs_jvm=True,  # deletes the day's partition folder through Hadoop's FileSystem
    )

    @task(retries=0)
    def reconcile(targets: dict, ds: str | None = None) -> list[str]:
        return channels.reconcile(ds or "", targets)

    targets = capture()
    checked = reconcile(targets)
    (
        lake_has_source(targets)
        >> until(targets)
        >> job
        >> checked
        >> announce(["financas.channel_operations"])()
    )


streaming_operations_pipeline()
