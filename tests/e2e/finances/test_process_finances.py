"""process_finances end to end through Airflow's REST API.

- The platform itself: once mysql_ingestion_pipeline and streaming_operations_pipeline have
  reconciled a date, their assets start process_finances, which goes green.
- A manual run into scratch gold and MariaDB databases of this module, from a snapshot of the live
  curated tables (other e2e tests write to those while this one runs; it writes nowhere a user
  looks): MariaDB equals financas_gold for the date, and clearing the run changes nothing.

The failing gate is in test_failing_gate.py, which runs in the other e2e lane.
"""

from __future__ import annotations

from typing import Any

import pytest
from finances_e2e import DAG_ID, MARTS, Scratch, mart, sql
from tenacity import Retrying, stop_after_attempt, wait_fixed

from tests.faults import wait_for

pytestmark = pytest.mark.e2e


def _snapshot(scratch: Scratch, table: str) -> None:
    """Copy a live curated table; a copy that meets another test's overwrite is taken again."""
    if not sql(f"SHOW TABLES IN financas LIKE '{table}'"):
        return  # process_finances reads a missing table as empty
    for attempt in Retrying(stop=stop_after_attempt(3), wait=wait_fixed(10), reraise=True):
        with attempt:
            sql(f"DROP TABLE IF EXISTS {scratch.snapshot}.{table}")
            sql(f"CREATE TABLE {scratch.snapshot}.{table} USING parquet AS SELECT * FROM financas.{table}")


UPSTREAM = ("mysql_ingestion_pipeline", "streaming_operations_pipeline")


def test_the_upstream_dags_assets_start_process_finances(airflow: Any) -> None:
    def succeeded() -> bool:
        runs = airflow.runs(DAG_ID, run_type="asset_triggered")
        if any(r["state"] == "success" for r in runs):
            return True
        # A failed run here, or a failed scheduled upstream run (no asset event will come), ends the wait.
        failed = [(DAG_ID, r["dag_run_id"]) for r in runs if r["state"] == "failed"]
        failed += [
            (dag, r["dag_run_id"])
            for dag in UPSTREAM
            for r in airflow.runs(dag, run_type="scheduled")
            if r["state"] == "failed"
        ]
        if failed:
            pytest.fail(
                "\n".join(
                    f"{dag} run {run} failed: {airflow.failure_report(dag, run)}" for dag, run in failed
                )
            )
        return False

    wait_for(
        "an asset-triggered process_finances run to succeed after the platform start", succeeded, 1200, 10
    )


@pytest.mark.timeout(2400)  # two full process_finances runs beside the other lane: ~7 min each
def test_marts_published_to_gold_and_mariadb_agree_and_a_rerun_changes_nothing(
    airflow: Any, scratch: Scratch
) -> None:
    sql(f"CREATE DATABASE IF NOT EXISTS {scratch.snapshot}")
    for table in ("operations", "channel_operations"):
        _snapshot(scratch, table)
    (day,) = sql(f"SELECT CAST(MAX(op_date) AS STRING) FROM {scratch.snapshot}.operations")[0]
    run_id = scratch.trigger(airflow, scratch.conf(day, scratch.snapshot))
    assert airflow.run_state(DAG_ID, run_id) == "success", airflow.failure_report(DAG_ID, run_id)
    first = {}
    for name in MARTS:
        gold, maria = mart(scratch, name, day)
        assert gold == maria, name
        first[name] = gold
    assert first["client_daily_position"], "no client positions for a day with operations"
    checks = sql(f"SELECT check_name, passed FROM {scratch.gold}.quality_checks WHERE run_id = '{run_id}'")
    assert checks and all(passed for _, passed in checks)

    airflow.clear(DAG_ID, run_id)
    assert airflow.wait_for_run(DAG_ID, run_id, timeout_s=1200) == "success"
    assert {name: mart(scratch, name, day)[0] for name in MARTS} == first
