"""process_finances: the daily finance marts, behind quality gates, into financas_gold and MariaDB.

Scheduled on data: it runs when both `financas.operations` (mysql_ingestion_pipeline) and
`financas.channel_operations` (streaming_operations_pipeline) have been reconciled for a date; the
date comes with their asset events. Trigger it by hand with `{"date": "YYYY-MM-DD"}` (or a logical
date) to build any date.

resolve_date -> one task per mart (client_daily_position, channel_product_daily,
suspicious_activity, ibovespa_daily; each staged, nothing published) -> gates (every check recorded
in financas_gold.quality_checks; a failed check fails the run) -> publish (financas_gold.* Delta
tables and MariaDB finance_marts.*, the date replaced in one transaction).

Logic in `jobs/finances/` and `datalake.pipelines.finances`; see docs/finance-marts.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import dag, task

from datalake.orchestration import PIPELINE_DAG, curated_asset, spark_job
from datalake.pipelines import finances

MARTS = ("client_daily_position", "channel_product_daily", "suspicious_activity", "ibovespa_daily")
DATE = "{{ ti.xcom_pull(task_ids='resolve_date') }}"
# Where the marts come from and go (a run's conf may point them elsewhere, e.g. scratch databases).
TARGETS = [
    *("--source-database", "{{ dag_run.conf.get('source_database', 'financas') }}"),
    *("--gold-database", "{{ dag_run.conf.get('gold_database', 'financas_gold') }}"),
    *("--mariadb-database", "{{ dag_run.conf.get('mariadb_database', 'finance_marts') }}"),
]


@dag(
    dag_id=finances.DAG_ID,
    schedule=[curated_asset("financas.operations"), curated_asset("financas.channel_operations")],
    start_date=datetime(2026, 1, 1),
    **PIPELINE_DAG,
    tags=["bank", "finances", "gold"],
    doc_md=__doc__,
)
def process_finances() -> None:
    @task
    def resolve_date(dag_run: Any = None, triggering_asset_events: Any = None) -> str:
        return finances.resolve_date(dag_run.conf or {}, dag_run.logical_date, triggering_asset_events)

    def job(task_id: str, *step: str) -> Any:
        args = [*step, "--run-date", DATE, "--run-id", "{{ run_id }}", *TARGETS]
        return spark_job(task_id, "finances/process_finances.py", args)

    marts = [job(name, "mart", name) for name in MARTS]
    gates = job("gates", "gates")
    gates.retries = 0  # a failed check is a verdict, not a glitch
    resolve_date() >> marts >> gates >> job("publish", "publish")


process_finances()
