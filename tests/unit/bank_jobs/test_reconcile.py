"""Unit tests of datalake.pipelines.bank_reconcile with SQLite standing in for MariaDB and for the Thrift Server.

One test also runs the curated side's SQL on Spark, over tables produced by the real curate job, so
the measure SQL is proven on two of the three dialects and the typed projection is proven to keep
every measure of the source.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from datalake.jobs.bank import curate_cdc as job
from datalake.jobs.bank.schemas import TABLES as SPECS
from typer.testing import CliRunner

from datalake.pipelines import bank_reconcile as rec

from .cdc_lines import event, land

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CLIENTS = [
    (1, "Ana", "111.111.111-11", "poupança", "1990-01-01", "Rua A", "1000.10", "2024-05-01 10:00:00"),
    (7, "Bia", "222.222.222-22", "seguros", "1985-06-30", "Rua B", "2500.00", "2024-05-01 11:00:00"),
    (70000, "Caio", "333.333.333-33", "consorcio", "2000-12-31", "Rua C", "99.99", "2024-05-01 12:00:00"),
]
OPERATIONS = [
    (1, 1, "111.111.111-11", "conta_corrente", "atm", "saque", "10.00", 0, "2024-05-01 10:00:00.000", 1),
    (2, 7, "222.222.222-22", "conta_corrente", "mobile", "pix", "250.55", 1, "2024-05-01 10:00:01.500", 0),
    (
        3,
        7,
        "222.222.222-22",
        "investimentos",
        "internet_banking",
        "aporte",
        "1000.00",
        1,
        "2024-05-02 09:00:00",
        1,
    ),
]
IBOVESPA = [
    ("ABEV3.SA", "2025-04-07", 13.29, 13.6, 12.99, 13.18, 12.93, 50069000, 0.0),
    ("ABEV3.SA", "2025-04-08", 13.16, 13.48, 13.15, 13.24, 12.99, 39798300, 0.0),
    ("BBDC4.SA", "2025-04-07", 14.1, 14.5, 13.9, 14.02, 13.8, 30000000, 0.12),
]

DDL = {
    "clients": "(id INTEGER PRIMARY KEY, nome TEXT, cpf TEXT, tipo_produto TEXT, data_nascimento TEXT,"
    " address TEXT, renda_mensal DECIMAL(12,2), created_at TEXT)",
    "employees": "(id INTEGER PRIMARY KEY, nome TEXT, cpf TEXT, data_inicio TEXT, address TEXT,"
    " salario DECIMAL(12,2), area TEXT)",
    "operations": "(id INTEGER PRIMARY KEY, client_id INTEGER, cpf TEXT, tipo_produto TEXT, origem TEXT,"
    " operacao TEXT, valor DECIMAL(14,2), online INTEGER, op_timestamp TEXT, success INTEGER)",
    "ibovespa": "(symbol TEXT, date TEXT, open REAL, high REAL, low REAL, close REAL, adjclose REAL,"
    " volume INTEGER, dividends REAL, PRIMARY KEY (symbol, date))",
}
ROWS: dict[str, list[tuple[Any, ...]]] = {
    "clients": CLIENTS,
    "employees": [(5, "Rui", "444.444.444-44", "2020-02-01", "Rua D", "5000.00", "ti")],
    "operations": OPERATIONS,
    "ibovespa": IBOVESPA,
}


def sqlite_side(databases: dict[str, str]) -> sqlite3.Connection:
    """An in-memory SQLite with one attached database per schema: `{table name: "db.table"}`."""
    conn = sqlite3.connect(":memory:")
    for db in {name.split(".")[0] for name in databases.values()}:
        conn.execute(f"ATTACH DATABASE ':memory:' AS {db}")
    for table, qualified in databases.items():
        conn.execute(f"CREATE TABLE {qualified} {DDL[table]}")
        rows = ROWS[table]
        conn.executemany(f"INSERT INTO {qualified} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    conn.commit()
    return conn


@pytest.fixture
def sides() -> Iterator[tuple[sqlite3.Connection, sqlite3.Connection]]:
    source = sqlite_side({t: c.source_table for t, c in rec.TABLES.items()})
    curated = sqlite_side({t: c.curated_table for t, c in rec.TABLES.items()})
    yield source, curated
    source.close()
    curated.close()


def test_identical_tables_reconcile(sides: tuple[sqlite3.Connection, sqlite3.Connection]) -> None:
    report = rec.reconcile(["clients", "employees", "operations", "ibovespa"], *sides)
    assert report.ok
    clients = report.results[0]
    assert clients.source["row_count"] == 3
    assert clients.source["sum_id"] == 70008
    assert report.results[3].source["rows_per_symbol"] == {"ABEV3.SA": 2, "BBDC4.SA": 1}
    assert report.summary_lines()[0] == "clients: OK rows=3/3"


def test_every_mismatch_is_reported(sides: tuple[sqlite3.Connection, sqlite3.Connection]) -> None:
    source, curated = sides
    curated.execute("DELETE FROM financas.clients WHERE id = 7")
    curated.execute("UPDATE financas.operations SET id = 4 WHERE id = 3")  # same count, other key
    curated.execute("UPDATE stock_market.ibovespa SET symbol = 'X' WHERE symbol = 'BBDC4.SA'")
    with pytest.raises(rec.ReconciliationError) as err:
        rec.reconcile(rec.TABLES.values(), source, curated)
    lines = err.value.report.mismatch_lines()
    text = str(err.value)
    assert "santander.clients vs financas.clients: row_count: source=3 curated=2" in text
    assert any(line.startswith("santander.operations vs financas.operations: sum_id") for line in lines)
    assert any("max_id: source=3 curated=4" in line for line in lines)
    assert any("rows_per_symbol[BBDC4.SA]: source=1 curated=None" in line for line in lines)
    assert not any("employees" in line for line in lines)
    failed = [r.check.name for r in err.value.report.results if not r.ok]
    assert failed == ["clients", "operations", "ibovespa"]


def test_second_moment_catches_offsetting_key_changes(
    sides: tuple[sqlite3.Connection, sqlite3.Connection],
) -> None:
    source, curated = sides
    # ids 20, 30 vs 21, 29: same count, sum, min and max; only the second moment differs
    insert = "INSERT INTO {} (id, renda_mensal) VALUES ({}, 1.00)"
    for conn, table, ids in ((source, "santander", (20, 30)), (curated, "financas", (21, 29))):
        for row_id in ids:
            conn.execute(insert.format(f"{table}.clients", row_id))
    report = rec.reconcile(["clients"], source, curated, raise_on_mismatch=False)
    assert [m.split(":")[0] for m in report.results[0].mismatches] == ["sum_sq_id_mod_65521"]


def test_value_drift_is_caught(sides: tuple[sqlite3.Connection, sqlite3.Connection]) -> None:
    source, curated = sides
    curated.execute("UPDATE financas.operations SET valor = 250.56 WHERE id = 2")
    curated.execute("UPDATE financas.operations SET success = 0 WHERE id = 1")
    report = rec.reconcile(["operations"], source, curated, raise_on_mismatch=False)
    assert {m.split(":")[0] for m in report.results[0].mismatches} == {"sum_valor", "success_true"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        (3, 3),
        ("1234.50", rec.Decimal("1234.5")),
        (rec.Decimal("10"), 10),
        (b"7", 7),
        ("ABEV3.SA", "ABEV3.SA"),
        ("2025-04-07", "2025-04-07"),
        (rec.date(2025, 4, 7), "2025-04-07"),
        (True, 1),
    ],
)
def test_normalize(raw: object, expected: object) -> None:
    assert rec.normalize(raw) == expected


def test_floats_compare_with_tolerance() -> None:
    m = rec.Measure("sum_close", "SUM(close)", approximate=True)
    assert rec.compare(m, 0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1) == []
    assert rec.compare(m, 40.44, 40.45) != []
    assert rec.compare(rec.Measure("n", "COUNT(*)"), None, None) == []
    assert rec.compare(rec.Measure("n", "SUM(id)"), None, 0) != []


def test_cli_exits_non_zero_on_mismatch(monkeypatch: pytest.MonkeyPatch, sides) -> None:
    source, curated = sides
    curated.execute("DELETE FROM financas.employees")
    monkeypatch.setattr(rec, "connect_source", lambda: source)
    monkeypatch.setattr(rec, "connect_curated", lambda: curated)
    monkeypatch.setattr(rec, "refresh_curated", lambda conn, checks: None)  # REFRESH is Spark SQL only
    result = CliRunner().invoke(rec.app, ["--table", "clients", "--table", "employees"])
    assert result.exit_code == 1, result.output
    assert "clients: OK" in result.output
    assert "employees: MISMATCH" in result.output


def test_cli_succeeds_and_rejects_unknown_tables(monkeypatch: pytest.MonkeyPatch, sides) -> None:
    source, curated = sides
    monkeypatch.setattr(rec, "connect_source", lambda: source)
    monkeypatch.setattr(rec, "connect_curated", lambda: curated)
    monkeypatch.setattr(rec, "refresh_curated", lambda conn, checks: None)
    result = CliRunner().invoke(rec.app, ["--table", "all"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": OK rows=") == 4
    assert CliRunner().invoke(rec.app, ["--table", "nope"]).exit_code == 2


# ---- the curated side's SQL on Spark, over the real curate job's output ---------------------------
class SparkConnection:
    """A DB-API-shaped adapter over a SparkSession, standing in for the Thrift Server."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def cursor(self) -> SparkConnection._Cursor:
        return SparkConnection._Cursor(self.spark)

    class _Cursor:
        def __init__(self, spark: SparkSession) -> None:
            self.spark, self.rows = spark, []

        def execute(self, sql: str) -> None:
            self.rows = [tuple(r) for r in self.spark.sql(sql).collect()]

        def fetchall(self) -> list[tuple[Any, ...]]:
            return self.rows

        def close(self) -> None:
            pass


def _to_days(iso: str) -> int:
    return (rec.date.fromisoformat(iso) - rec.date(1970, 1, 1)).days


def _to_millis(text: str) -> int:
    return int(rec.datetime.fromisoformat(text + "+00:00").timestamp() * 1000)


def _debezium_rows(table: str) -> list[dict[str, Any]]:
    """The sqlite source rows as Debezium encodes them (decimal strings, days, epoch millis)."""
    if table == "clients":
        keys = (
            "id",
            "nome",
            "cpf",
            "tipo_produto",
            "data_nascimento",
            "address",
            "renda_mensal",
            "created_at",
        )
        return [
            {
                **dict(zip(keys, r, strict=True)),
                "data_nascimento": _to_days(r[4]),
                "created_at": _to_millis(r[7]),
            }
            for r in CLIENTS
        ]
    if table == "operations":
        keys = ("id", "client_id", "cpf", "tipo_produto", "origem", "operacao", "valor", "online")
        keys += ("op_timestamp", "success")
        return [{**dict(zip(keys, r, strict=True)), "op_timestamp": _to_millis(r[8])} for r in OPERATIONS]
    keys = ("symbol", "date", "open", "high", "low", "close", "adjclose", "volume", "dividends")
    return [{**dict(zip(keys, r, strict=True)), "date": _to_days(r[1])} for r in IBOVESPA]


@pytest.mark.parametrize("table", ["clients", "operations", "ibovespa"])
def test_spark_curated_side_reconciles(spark: SparkSession, tmp_path: Path, table: str) -> None:
    spec = SPECS[table]
    rows = _debezium_rows(table)
    # Snapshot, then a noise update and delete of an extra key, all through the real job.
    lines = [event(spec.topic, i, "r", after=row) for i, row in enumerate(rows)]
    extra = {**rows[0], **({"id": 999} if "id" in rows[0] else {"symbol": "ZZZZ3.SA"})}
    lines += [event(spec.topic, 100, "c", after=extra), event(spec.topic, 101, "d", before=extra)]
    raw = job.read_events(spark, str(land(tmp_path, spec.topic, lines)), spec)
    view = f"rec_{table}"
    job.curate(raw, spec, "salt", rec.date(2024, 5, 2)).createOrReplaceGlobalTempView(view)

    check = dataclasses.replace(rec.TABLES[table], curated_table=f"global_temp.{view}")
    source = sqlite_side({table: check.source_table})
    try:
        report = rec.reconcile([check], source, SparkConnection(spark))
    finally:
        source.close()
        spark.catalog.dropGlobalTempView(view)
    assert report.ok
    assert report.results[0].curated["row_count"] == len(rows)
