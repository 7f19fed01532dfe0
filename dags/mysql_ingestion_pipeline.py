"""Bank lake: MariaDB (santander, stock_market) -> Debezium -> Kafka -> lake sink -> curated Hive.

generate (bank rows + Ibovespa prices, once per logical date) -> mark_source (binlog position +
watermark rows) -> source_in_kafka (Debezium offsets reached it) -> lake_has_source (the lake
sink committed every cdc.* record up to the topics' end offsets) -> curate_cdc (Spark, all four
tables) -> reconcile (counts and checksums, MariaDB vs Thrift server; fails the run on a mismatch).

Logic lives in `datalake.pipelines.bank`; see docs/bank-lake.md. Params set the generated volume
(`datalake.generators.volumes.BankVolumes`).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task
from datalake.generators.volumes import BankVolumes

from datalake.orchestration import PIPELINE_DAG, announce, cdc_source, spark_job, volume_params
from datalake.pipelines import bank


@dag(
    dag_id=bank.DAG_ID,
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    **PIPELINE_DAG,
    tags=["bank", "cdc"],
    doc_md=__doc__,
    params=volume_params(BankVolumes),
)
def mysql_ingestion_pipeline() -> None:
    @task
    def generate(ds: str | None = None, params: dict | None = None) -> dict:
        return bank.generate(ds or "", BankVolumes.from_params(params or {}))

    mark, in_lake = cdc_source("bank")
    curate = spark_job("curate_cdc", "bank/curate_cdc.py", ["--table", "all", "--run-date", "{{ ds }}"])

    @task(retries=0)
    def reconcile() -> list[str]:
        return bank.reconcile_all()

    generate() >> mark
    # Reconciled curated tables are announced to data-aware DAGs (process_finances) with their date.
    in_lake >> curate >> reconcile() >> announce(list(bank.CURATED))()


mysql_ingestion_pipeline()
