"""process_finances end to end through Airflow's REST API.

- The platform itself: once mysql_ingestion_pipeline and streaming_operations_pipeline have
  reconciled a date, their assets start process_finances, which goes green.
- A manual run into scratch gold and MariaDB databases of this test, from a snapshot of the live
  curated tables (other e2e tests write to those while this one runs; it writes nowhere a user
  looks): MariaDB equals financas_gold for the date, and clearing the run changes nothing.
- A failing gate, from a scratch source with a null client id: the run fails at `gates`, publishes
  nothing, and `quality_checks` names the check.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pymysql
import pytest
from tenacity import Retrying, stop_after_attempt, wait_fixed

from datalake import thrift
from datalake.hdfs import webhdfs
from datalake.mariadb import connect
from datalake.platform.configs import mariadb_socket
from datalake.platform.paths import get_paths
from datalake.settings import get_settings

pytestmark = pytest.mark.e2e

DAG_ID = "process_finances"
TAG = uuid.uuid4().hex[:8]
GOLD, MARIADB, SOURCE = f"e2e_gold_{TAG}", f"e2e_marts_{TAG}", f"e2e_src_{TAG}"
SNAPSHOT = f"e2e_snap_{TAG}"
MARTS = ("client_daily_position", "channel_product_daily", "suspicious_activity", "ibovespa_daily")
KEYS = {
    "client_daily_position": "op_date, client_id",
    "channel_product_daily": "op_date, channel, product",
    "suspicious_activity": "op_date, client_id, rule",
    "ibovespa_daily": "symbol, date",
}


def _sql(query: str) -> list[tuple[Any, ...]]:
    with thrift.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(query)
        return cursor.fetchall() if cursor.description else []


def _root() -> pymysql.connections.Connection:
    s = get_settings()
    return pymysql.connect(
        unix_socket=str(mariadb_socket(get_paths())), user="root", password=s.mariadb_root_password
    )


@pytest.fixture(scope="module")
def airflow() -> Any:
    from datalake.airflow_api import AirflowClient

    client = AirflowClient()
    client.wait_for_dag(DAG_ID, timeout_s=180)
    client.set_paused(DAG_ID, False)
    return client


@pytest.fixture(scope="module")
def scratch() -> Iterator[None]:
    """The test's own MariaDB database (root creates it for the platform user) and Hive databases."""
    s = get_settings()
    with _root() as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {MARIADB}")
        cursor.execute(f"GRANT ALL PRIVILEGES ON `{MARIADB}`.* TO %s@'127.0.0.1'", (s.mariadb_user,))
    try:
        yield
    finally:
        with _root() as conn, conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {MARIADB}")
            cursor.execute(f"REVOKE ALL PRIVILEGES ON `{MARIADB}`.* FROM %s@'127.0.0.1'", (s.mariadb_user,))
        for database in (GOLD, SOURCE, SNAPSHOT):
            _sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
        webhdfs(
            "DELETE",
            f"{s.lake.gold(GOLD, '').removeprefix(s.hdfs_uri).rstrip('/')}",
            "DELETE",
            recursive="true",
        )
        webhdfs(
            "DELETE",
            f"{s.lake.gold('_staging', '').removeprefix(s.hdfs_uri).rstrip('/')}",
            "DELETE",
            recursive="true",
        )


def _trigger(airflow: Any, conf: dict[str, Any]) -> str:
    run_id = f"e2e__finances_{TAG}_{uuid.uuid4().hex[:4]}"
    airflow.trigger(DAG_ID, datetime.now(UTC).isoformat(), run_id=run_id, conf=conf)
    airflow.wait_for_run(DAG_ID, run_id, timeout_s=1200)
    return run_id


def _snapshot(table: str) -> None:
    """Copy a live curated table; a copy that meets another test's overwrite is taken again."""
    if not _sql(f"SHOW TABLES IN financas LIKE '{table}'"):
        return  # process_finances reads a missing table as empty
    for attempt in Retrying(stop=stop_after_attempt(3), wait=wait_fixed(10), reraise=True):
        with attempt:
            _sql(f"DROP TABLE IF EXISTS {SNAPSHOT}.{table}")
            _sql(f"CREATE TABLE {SNAPSHOT}.{table} USING parquet AS SELECT * FROM financas.{table}")


def _normalise(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    out = []
    for row in rows:
        values = []
        for v in row:
            if isinstance(v, float):
                v = round(v, 9)
            elif isinstance(v, Decimal):
                v = str(v)
            values.append(str(v) if v is not None and not isinstance(v, float | int) else v)
        out.append(tuple(values))
    return out


def _mart(name: str, day: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(gold rows, MariaDB rows) of one mart for the date, ordered by key."""
    where = "" if name == "ibovespa_daily" else f"WHERE op_date = '{day}'"
    gold = _sql(f"SELECT * FROM {GOLD}.{name} {where} ORDER BY {KEYS[name]}")
    with connect(database=MARIADB) as conn, conn.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {name} {where} ORDER BY {KEYS[name]}")
        maria = list(cursor.fetchall())
    return _normalise(gold), _normalise(maria)


UPSTREAM = ("mysql_ingestion_pipeline", "streaming_operations_pipeline")


def test_the_upstream_dags_assets_start_process_finances(airflow: Any) -> None:
    deadline = time.monotonic() + 1200
    while time.monotonic() < deadline:
        runs = airflow.runs(DAG_ID, run_type="asset_triggered")
        if any(r["state"] == "success" for r in runs):
            return
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
        time.sleep(10)
    pytest.fail("no asset-triggered process_finances run succeeded within 20 minutes of the platform start")


@pytest.mark.timeout(2400)  # two full process_finances runs beside the other lane: ~7 min each
def test_marts_published_to_gold_and_mariadb_agree_and_a_rerun_changes_nothing(
    airflow: Any, scratch: None
) -> None:
    _sql(f"CREATE DATABASE IF NOT EXISTS {SNAPSHOT}")
    for table in ("operations", "channel_operations"):
        _snapshot(table)
    (day,) = _sql(f"SELECT CAST(MAX(op_date) AS STRING) FROM {SNAPSHOT}.operations")[0]
    conf = {"date": day, "source_database": SNAPSHOT, "gold_database": GOLD, "mariadb_database": MARIADB}
    run_id = _trigger(airflow, conf)
    assert airflow.run_state(DAG_ID, run_id) == "success", airflow.failure_report(DAG_ID, run_id)
    first = {}
    for name in MARTS:
        gold, maria = _mart(name, day)
        assert gold == maria, name
        first[name] = gold
    assert first["client_daily_position"], "no client positions for a day with operations"
    checks = _sql(f"SELECT check_name, passed FROM {GOLD}.quality_checks WHERE run_id = '{run_id}'")
    assert checks and all(passed for _, passed in checks)

    airflow.clear(DAG_ID, run_id)
    assert airflow.wait_for_run(DAG_ID, run_id, timeout_s=1200) == "success"
    assert {name: _mart(name, day)[0] for name in MARTS} == first


def test_a_failing_gate_publishes_nothing_and_says_which_check(airflow: Any, scratch: None) -> None:
    day = "2026-02-03"
    from datalake.jobs.bank.schemas import TABLES

    schema = ", ".join(
        f"`{f.name}` {f.dataType.simpleString()}" for f in TABLES["operations"].curated_schema.fields
    )
    _sql(f"CREATE DATABASE IF NOT EXISTS {SOURCE}")
    _sql(f"CREATE TABLE {SOURCE}.operations ({schema}) USING parquet")
    _sql(
        f"INSERT INTO {SOURCE}.operations SELECT 1, NULL, 'h', 'conta_corrente', 'atm', 'saque', 10.00, false, "
        f"TIMESTAMP'{day} 10:00:00', true, 'c', TIMESTAMP'{day} 10:00:00', DATE'{day}', DATE'{day}'"
    )
    run_id = _trigger(
        airflow, {"date": day, "source_database": SOURCE, "gold_database": GOLD, "mariadb_database": MARIADB}
    )
    states = airflow.task_states(DAG_ID, run_id)
    assert airflow.run_state(DAG_ID, run_id) == "failed"
    assert states["gates"] == "failed" and states["publish"] == "upstream_failed"
    failed = _sql(
        f"SELECT check_name, observed FROM {GOLD}.quality_checks WHERE run_id = '{run_id}' AND NOT passed"
    )
    assert ("client_daily_position: null keys", "1") in failed
    with connect(database=MARIADB) as conn, conn.cursor() as cursor:
        cursor.execute("SHOW TABLES LIKE 'client_daily_position'")
        if cursor.fetchall():
            cursor.execute("SELECT COUNT(*) FROM client_daily_position WHERE op_date = %s", (day,))
            assert cursor.fetchone() == (0,)
