"""The DAG end to end: MariaDB rows (with an update and a delete) -> curated Hive, and its re-run."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from bank_e2e import DAG_ID, generate, mariadb_exec, thrift_query, trigger_dag, wait_success, wait_until

pytestmark = pytest.mark.e2e

CURATED = ("financas.clients", "financas.employees", "financas.operations", "stock_market.ibovespa")
STATE: dict[str, Any] = {}


def fingerprint(conn: Any) -> dict[str, tuple[Any, ...]]:
    """Row count and an order-independent hash over every column of each curated table."""
    out = {}
    for table in CURATED:
        thrift_query(conn, f"REFRESH TABLE {table}")
        (row,) = thrift_query(
            conn,
            f"SELECT COUNT(*), SUM(CAST(conv(substr(sha2(to_json(struct(*)), 256), 1, 15), 16, 10) AS DECIMAL(38, 0))) "
            f"FROM {table}",
        )
        out[table] = row
    return out


def test_dag_makes_curated_tables_match_mariadb(airflow: Any, thrift: Any) -> None:
    from datalake.pipelines import bank_reconcile as reconcile

    generate(clients=5, employees=1, operations=50)
    (((client_id,),), _, ((op_id,),), ((del_id,),), _) = mariadb_exec(
        "SELECT MIN(id) FROM santander.clients",
        "UPDATE santander.clients SET renda_mensal = renda_mensal + 1.11 "
        "WHERE id = (SELECT id FROM (SELECT MIN(id) AS id FROM santander.clients) t)",
        "SELECT MIN(id) FROM santander.operations",
        "SELECT MAX(id) FROM santander.operations",
        "DELETE FROM santander.operations WHERE id = (SELECT id FROM (SELECT MAX(id) AS id FROM santander.operations) t)",
    )
    mariadb_exec(
        f"UPDATE santander.operations SET valor = valor + 2.22, success = 1 - success WHERE id = {op_id}"
    )
    ((renda,),), ((valor, success),) = mariadb_exec(
        f"SELECT renda_mensal FROM santander.clients WHERE id = {client_id}",
        f"SELECT valor, success FROM santander.operations WHERE id = {op_id}",
    )

    run_id = trigger_dag(airflow, {"clients": 20, "employees": 2, "operations": 500})
    wait_success(airflow, run_id, timeout_s=600)
    STATE["run_id"] = run_id

    # Row for row: counts, key checksums and value sums (the DAG's own check, repeated here).
    checks = list(reconcile.TABLES.values())
    source = reconcile.connect_source()
    try:
        reconcile.refresh_curated(thrift, checks)
        report = reconcile.reconcile(checks, source, thrift, raise_on_mismatch=False)
    finally:
        source.close()
    assert report.ok, "\n".join(report.mismatch_lines())
    for result in report.results:
        assert result.source["row_count"] > 0, f"{result.check.source_table} is empty"

    # The update and the delete made in MariaDB.
    assert thrift_query(thrift, f"SELECT renda_mensal FROM financas.clients WHERE id = {client_id}") == [
        (renda,)
    ]
    ((cur_valor, cur_success, cdc_op),) = thrift_query(
        thrift, f"SELECT valor, success, cdc_op FROM financas.operations WHERE id = {op_id}"
    )
    assert (Decimal(str(cur_valor)), bool(cur_success), cdc_op) == (Decimal(str(valor)), bool(success), "u")
    assert thrift_query(thrift, f"SELECT COUNT(*) FROM financas.operations WHERE id = {del_id}") == [(0,)]
    # PII stays in the raw zone.
    columns = {row[0] for row in thrift_query(thrift, "DESCRIBE financas.clients")}
    assert {"cpf_hash"} <= columns and not {"cpf", "nome", "address"} & columns


def test_rerun_same_date_leaves_curated_tables_unchanged(airflow: Any, thrift: Any) -> None:
    run_id = STATE.get("run_id")
    if not run_id:
        pytest.skip("needs the run of test_dag_makes_curated_tables_match_mariadb")
    before = fingerprint(thrift)
    ledger = mariadb_exec("SELECT * FROM santander.ingestion_runs ORDER BY run_date")

    airflow.clear(DAG_ID, run_id)
    wait_until(
        "the cleared run to start again", lambda: airflow.run_state(DAG_ID, run_id) != "success", 60, 1
    )
    wait_success(airflow, run_id, timeout_s=600)

    assert mariadb_exec("SELECT * FROM santander.ingestion_runs ORDER BY run_date") == ledger, (
        "the re-run generated rows again"
    )
    assert fingerprint(thrift) == before
