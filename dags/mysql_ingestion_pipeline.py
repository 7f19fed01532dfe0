"""Bank lake: MariaDB (santander, stock_market) -> Debezium -> Kafka -> lake sink -> curated Hive.

generate (bank rows + Ibovespa prices, once per logical date) -> mark_source (binlog position +
watermark rows) -> source_in_kafka (Debezium offsets reached it) -> lake_has_source (the lake
sink committed every cdc.* record up to the topics' end offsets) -> curate_cdc (Spark, all four
tables) -> reconcile (counts and checksums, MariaDB vs Thrift server; fails the run on a mismatch).

Logic lives in `datalake.pipelines.bank`; see docs/bank-lake.md. Params set the generated volume.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, PokeReturnValue, dag, task

from datalake.orchestration import DEFAULT_ARGS, SENSOR, announce, lake_sensor, spark_job

CURATED = ("financas.clients", "financas.employees", "financas.operations", "stock_market.ibovespa")


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["bank", "cdc"],
    doc_md=__doc__,
    params={
        "clients": Param(200, type="integer", minimum=0),
        "employees": Param(20, type="integer", minimum=0),
        "operations": Param(5000, type="integer", minimum=0),
        "prices": Param(True, type="boolean"),
        "offline_prices": Param(True, type="boolean"),
    },
)
def mysql_ingestion_pipeline() -> None:
    @task
    def generate(ds: str | None = None, params: dict | None = None) -> dict:
        from datalake.pipelines import bank

        p = params or {}
        return bank.generate(
            ds or "",
            clients=int(p.get("clients", 200)),
            employees=int(p.get("employees", 20)),
            operations=int(p.get("operations", 5000)),
            prices=bool(p.get("prices", True)),
            offline_prices=bool(p.get("offline_prices", True)),
        )

    @task
    def mark_source(run_id: str | None = None) -> str:
        from datalake.pipelines import bank

        return bank.mark_source(run_id or "manual")

    @task.sensor(**SENSOR)
    def source_in_kafka(target: str) -> PokeReturnValue:
        from datalake.pipelines import bank

        done, ends, seen = bank.poke_source(target)
        print(seen)
        return PokeReturnValue(is_done=done, xcom_value=ends)

    lake_has_source = lake_sensor("bank")

    curate = spark_job("curate_cdc", "bank/curate_cdc.py", ["--table", "all", "--run-date", "{{ ds }}"])

    @task(retries=0)
    def reconcile() -> list[str]:
        from datalake.pipelines import bank

        return bank.reconcile_all()

    mark = mark_source()
    generate() >> mark
    # Reconciled curated tables are announced to data-aware DAGs (process_finances) with their date.
    lake_has_source(source_in_kafka(mark)) >> curate >> reconcile() >> announce(list(CURATED))()


mysql_ingestion_pipeline()
