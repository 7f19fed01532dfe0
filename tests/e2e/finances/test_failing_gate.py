"""A failing quality gate in process_finances publishes nothing and names the check.

From a scratch source table with a null client id, into this module's scratch gold and MariaDB
databases. It runs in the Kafka Connect lane (tests/e2e/conftest.py), after that lane's own tests,
so its run does not queue behind test_process_finances.py's (the DAG runs one at a time).
"""

from __future__ import annotations

from typing import Any

import pytest
from finances_e2e import DAG_ID, Scratch, sql

from datalake.mariadb import connect

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(2400)  # its run may queue behind the other lane's (one process_finances run at a time)
def test_a_failing_gate_publishes_nothing_and_says_which_check(airflow: Any, scratch: Scratch) -> None:
    day = "2026-02-03"
    from datalake.jobs.bank.schemas import TABLES

    schema = ", ".join(
        f"`{f.name}` {f.dataType.simpleString()}" for f in TABLES["operations"].curated_schema.fields
    )
    sql(f"CREATE DATABASE IF NOT EXISTS {scratch.source}")
    sql(f"CREATE TABLE {scratch.source}.operations ({schema}) USING parquet")
    sql(
        f"INSERT INTO {scratch.source}.operations SELECT 1, NULL, 'h', 'conta_corrente', 'atm', 'saque', 10.00, false, "
        f"TIMESTAMP'{day} 10:00:00', true, 'c', TIMESTAMP'{day} 10:00:00', DATE'{day}', DATE'{day}'"
    )
    run_id = scratch.trigger(airflow, scratch.conf(day, scratch.source))
    states = airflow.task_states(DAG_ID, run_id)
    assert airflow.run_state(DAG_ID, run_id) == "failed"
    assert states["gates"] == "failed" and states["publish"] == "upstream_failed"
    failed = sql(
        f"SELECT check_name, observed FROM {scratch.gold}.quality_checks WHERE run_id = '{run_id}' AND NOT passed"
    )
    assert ("client_daily_position: null keys", "1") in failed
    with connect(database=scratch.mariadb) as conn, conn.cursor() as cursor:
        cursor.execute("SHOW TABLES LIKE 'client_daily_position'")
        if cursor.fetchall():
            cursor.execute("SELECT COUNT(*) FROM client_daily_position WHERE op_date = %s", (day,))
            assert cursor.fetchone() == (0,)
