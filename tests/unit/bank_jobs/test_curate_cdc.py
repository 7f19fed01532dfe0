"""Unit tests of the bank curate job: change-log replay, typing, PII and idempotent writes.

One file over 300 lines: one test module per job, each step's cases together.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from datalake.jobs.bank import curate_cdc as job
from datalake.jobs.bank.schemas import TABLES
from datalake.jobs.hive_tables import SchemaDrift, ensure_table
from pyspark.testing import assertDataFrameEqual

from .cdc_lines import CLIENT, OPERATION, event, land, tombstone

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SALT = "unit-test-salt"
RUN_DATE = date(2024, 5, 2)
CLIENTS = "cdc.santander.clients"
OPERATIONS = "cdc.santander.operations"
IBOVESPA = "cdc.stock_market.ibovespa"


def client(**changes: object) -> dict[str, object]:
    return {**CLIENT, **changes}


def operation(op_id: int, millis: int, **changes: object) -> dict[str, object]:
    return {**OPERATION, "id": op_id, "op_timestamp": millis, **changes}


def curated(spark: SparkSession, tmp_path: Path, table: str, topic: str, lines: list[dict]) -> DataFrame:
    spec = TABLES[table]
    raw = job.read_events(spark, str(land(tmp_path, topic, lines)), spec)
    return job.curate(raw, spec, SALT, RUN_DATE)


def by_id(df: DataFrame) -> dict[object, dict[str, object]]:
    return {row["id"]: row.asDict() for row in df.collect()}


# ---- change-log replay --------------------------------------------------------------------------------
def test_insert_update_delete_removes_the_key(spark: SparkSession, tmp_path: Path) -> None:
    one, two = client(id=1), client(id=2, cpf="987.654.321-00")
    lines = [
        event(CLIENTS, 0, "c", after=one),
        event(CLIENTS, 1, "c", after=two),
        event(CLIENTS, 2, "u", before=one, after=client(id=1, renda_mensal="2000.00")),
        event(CLIENTS, 3, "d", before=client(id=1, renda_mensal="2000.00")),
        tombstone(CLIENTS, 4, {"id": 1}),
    ]
    rows = by_id(curated(spark, tmp_path, "clients", CLIENTS, lines))
    assert set(rows) == {2}
    assert rows[2]["cdc_op"] == "c"


def test_delete_then_reinsert_keeps_the_new_row(spark: SparkSession, tmp_path: Path) -> None:
    lines = [
        event(CLIENTS, 0, "c", after=client()),
        event(CLIENTS, 1, "d", before=client()),
        tombstone(CLIENTS, 2, {"id": 1}),
        event(CLIENTS, 3, "c", after=client(tipo_produto="seguros")),
    ]
    rows = by_id(curated(spark, tmp_path, "clients", CLIENTS, lines))
    assert rows[1]["tipo_produto"] == "seguros"


def test_updates_are_ordered_by_offset_not_by_file_or_line_order(spark: SparkSession, tmp_path: Path) -> None:
    updates = [
        event(CLIENTS, offset, "u", before=client(), after=client(renda_mensal=f"{offset}.00"))
        for offset in (10, 11, 12)
    ]
    # The newest event comes first in its file and an older file is landed under a later day folder.
    land(tmp_path, CLIENTS, [updates[2], updates[0]], day="2024-05-01", name="a.jsonl")
    land(tmp_path, CLIENTS, [updates[1]], day="2024-05-02", name="b.jsonl")
    spec = TABLES["clients"]
    out = job.curate(job.read_raw(spark, str(tmp_path / CLIENTS), spec), spec, SALT, RUN_DATE)
    assert [row["renda_mensal"] for row in out.collect()] == [Decimal("12.00")]


def test_order_uses_partition_then_offset(spark: SparkSession, tmp_path: Path) -> None:
    lines = [
        event(CLIENTS, 100, "u", after=client(area="x", renda_mensal="1.00"), partition=0),
        event(CLIENTS, 5, "u", after=client(renda_mensal="2.00"), partition=1),
    ]
    rows = by_id(curated(spark, tmp_path, "clients", CLIENTS, lines))
    assert rows[1]["renda_mensal"] == Decimal("2.00")


def test_snapshot_reads_count_as_inserts(spark: SparkSession, tmp_path: Path) -> None:
    lines = [
        event(CLIENTS, 0, "r", after=client(id=1)),
        event(CLIENTS, 1, "r", after=client(id=2)),
        event(CLIENTS, 2, "u", before=client(id=2), after=client(id=2, tipo_produto="consorcio")),
    ]
    rows = by_id(curated(spark, tmp_path, "clients", CLIENTS, lines))
    assert {k: (v["cdc_op"], v["tipo_produto"]) for k, v in rows.items()} == {
        1: ("r", "poupança"),
        2: ("u", "consorcio"),
    }


def test_composite_key_for_ibovespa(spark: SparkSession, tmp_path: Path) -> None:
    bar = {
        "symbol": "ABEV3.SA",
        "date": 20185,  # 2025-04-07
        "open": 13.29,
        "high": 13.6,
        "low": 12.99,
        "close": 13.18,
        "adjclose": 12.93,
        "volume": 50069000,
        "dividends": 0.0,
    }
    lines = [
        event(IBOVESPA, 0, "r", after=bar),
        event(IBOVESPA, 1, "r", after={**bar, "symbol": "BBDC4.SA"}),
        event(IBOVESPA, 2, "r", after={**bar, "date": 20186}),
        event(IBOVESPA, 3, "u", before=bar, after={**bar, "close": 13.5}),
        event(IBOVESPA, 4, "d", before={**bar, "symbol": "BBDC4.SA"}),
    ]
    out = curated(spark, tmp_path, "ibovespa", IBOVESPA, lines)
    got = sorted((r["symbol"], r["date"], r["close"], r["year"]) for r in out.collect())
    assert got == [
        ("ABEV3.SA", date(2025, 4, 7), 13.5, 2025),
        ("ABEV3.SA", date(2025, 4, 8), 13.18, 2025),
    ]


# ---- reading ------------------------------------------------------------------------------
def test_read_events_skips_tombstones_and_in_progress_files(spark: SparkSession, tmp_path: Path) -> None:
    land(tmp_path, CLIENTS, [event(CLIENTS, 0, "c", after=client()), tombstone(CLIENTS, 1, {"id": 1})])
    land(tmp_path, CLIENTS, [event(CLIENTS, 2, "c", after=client(id=2))], name="_tmp.jsonl")
    land(tmp_path, CLIENTS, [event(CLIENTS, 3, "c", after=client(id=3))], name=".inprogress.jsonl")
    raw = job.read_events(spark, str(tmp_path / CLIENTS), TABLES["clients"])
    assert [row["offset"] for row in raw.collect()] == [0]


def _classified(spark: SparkSession, folder: Path) -> DataFrame:
    spec = TABLES["clients"]
    return job.classify(job.read_raw(spark, str(folder), spec), spec.row_fields)


def test_poison_lines_are_quarantined_with_reason_and_text_and_the_rest_is_curated(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Before, a malformed line failed the read (FAILFAST) and a valid JSON that is no envelope
    failed every run (CurateError) until someone deleted the file by hand."""
    no_image = event(CLIENTS, 3, "u", after=client())
    no_image["value"]["after"] = None
    lines = [
        event(CLIENTS, 0, "c", after=client()),
        event(CLIENTS, 1, "t", after=client(id=2)),  # an op Debezium never sends
        {"topic": CLIENTS, "partition": 0, "offset": 2, "key": None, "value": None, "hello": "world"},
        no_image,
        tombstone(CLIENTS, 4, {"id": 9}),
    ]
    folder = land(tmp_path, CLIENTS, lines)
    (folder / "dt=2024-05-01" / "bad+0+5+5.jsonl").write_text('{"topic": "x", "offset": \n', encoding="utf-8")
    (folder / "dt=2024-05-01" / "other+0+6+6.jsonl").write_text('{"greeting": "hello"}\n', encoding="utf-8")

    classified = _classified(spark, folder)
    rows = job.poison(classified, RUN_DATE).collect()
    assert sorted((r.offset, r.reason) for r in rows if r.offset is not None) == [
        (1, "unknown op t"),
        (2, "neither a change event nor a tombstone"),
        (3, "a change event without its row image (before/after)"),
    ]
    assert sorted((r.file.rsplit("/", 1)[-1], r.reason) for r in rows if r.offset is None) == [
        ("bad+0+5+5.jsonl", "not a raw change-log line (no topic, partition or offset)"),
        ("other+0+6+6.jsonl", "not a raw change-log line (no topic, partition or offset)"),
    ]
    texts = {r.offset: r.line for r in rows}
    assert '"hello": "world"' in texts[2] and '"op": "t"' in texts[1] and '"greeting"' in texts[None]
    assert [r.offset for r in job.change_events(classified).collect()] == [0]
    spec = TABLES["clients"]
    assert [r.id for r in job.curate(job.change_events(classified), spec, SALT, RUN_DATE).collect()] == [1]


def test_a_new_source_column_fails_the_run_naming_it(spark: SparkSession, tmp_path: Path) -> None:
    """Before, a column added in MariaDB was silently dropped on its way to Hive."""
    lines = [
        event(CLIENTS, 0, "c", after=client()),
        event(CLIENTS, 1, "c", after=client(id=2, email="a@b.c")),
    ]
    classified = _classified(spark, land(tmp_path, CLIENTS, lines))
    with pytest.raises(job.CurateError, match=r"\['email'\].*financas\.clients"):
        job.check_drift(classified, TABLES["clients"])


def test_no_drift_for_the_contract_columns(spark: SparkSession, tmp_path: Path) -> None:
    lines = [event(CLIENTS, 0, "c", after=client()), event(CLIENTS, 1, "d", before=client())]
    job.check_drift(_classified(spark, land(tmp_path, CLIENTS, lines)), TABLES["clients"])


# ---- typing ------------------------------------------------------------------------------
def _types(df: DataFrame) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in df.schema]


@pytest.mark.parametrize("table", list(TABLES))
def test_curated_schema_matches_the_constant(spark: SparkSession, table: str) -> None:
    spec = TABLES[table]
    empty = spark.createDataFrame([], spec.raw_schema)
    assert _types(job.curate(empty, spec, SALT, RUN_DATE)) == _types(
        spark.createDataFrame([], spec.curated_schema)
    )


def test_clients_typing(spark: SparkSession, tmp_path: Path) -> None:
    row = curated(spark, tmp_path, "clients", CLIENTS, [event(CLIENTS, 0, "c", after=client())]).first()
    assert row["renda_mensal"] == Decimal("1234.50")
    assert row["data_nascimento"] == date(1990, 1, 1)
    # TimestampType is an instant; the fixture's session zone is UTC.
    assert row["created_at"] == datetime(2024, 5, 1, 0, 0, 0, 123000)
    assert row["cdc_ts"] == datetime(2024, 5, 1, 0, 0, 0)
    assert row["ingest_date"] == RUN_DATE


def test_operations_typing_and_utc_partition_date(spark: SparkSession, tmp_path: Path) -> None:
    last_ms_of_day = int(datetime(2024, 4, 30, 23, 59, 59, 999000, tzinfo=UTC).timestamp() * 1000)
    lines = [
        event(OPERATIONS, 0, "c", after=operation(1, last_ms_of_day)),
        event(OPERATIONS, 1, "c", after=operation(2, last_ms_of_day + 1, online=1, success=0, valor="0.10")),
    ]
    rows = by_id(curated(spark, tmp_path, "operations", OPERATIONS, lines))
    assert rows[1]["valor"] == Decimal("99999999999.99")
    assert rows[1]["op_timestamp"] == datetime(2024, 4, 30, 23, 59, 59, 999000)
    assert (rows[1]["op_date"], rows[2]["op_date"]) == (date(2024, 4, 30), date(2024, 5, 1))
    assert (rows[1]["online"], rows[1]["success"], rows[2]["online"], rows[2]["success"]) == (
        False,
        True,
        True,
        False,
    )


# ---- PII ------------------------------------------------------------------------------
def test_cpf_is_replaced_by_a_salted_deterministic_hash(spark: SparkSession, tmp_path: Path) -> None:
    lines = [
        event(CLIENTS, 0, "c", after=client(id=1, cpf="123.456.789-09")),
        event(CLIENTS, 1, "c", after=client(id=2, cpf="12345678909")),
        event(CLIENTS, 2, "c", after=client(id=3, cpf="987.654.321-00")),
    ]
    rows = by_id(curated(spark, tmp_path, "clients", CLIENTS, lines))
    expected = hashlib.sha256(f"{SALT}12345678909".encode()).hexdigest()
    assert rows[1]["cpf_hash"] == rows[2]["cpf_hash"] == expected
    assert rows[3]["cpf_hash"] != expected
    assert hashlib.sha256(b"12345678909").hexdigest() != expected  # salted


def test_other_salt_gives_other_hash(spark: SparkSession, tmp_path: Path) -> None:
    spec = TABLES["clients"]
    raw = job.read_raw(spark, str(land(tmp_path, CLIENTS, [event(CLIENTS, 0, "c", after=client())])), spec)
    first = job.curate(raw, spec, "salt-a", RUN_DATE).first()["cpf_hash"]
    assert first == job.curate(raw, spec, "salt-a", RUN_DATE).first()["cpf_hash"]
    assert first != job.curate(raw, spec, "salt-b", RUN_DATE).first()["cpf_hash"]


@pytest.mark.parametrize("table", list(TABLES))
def test_no_pii_columns_in_curated_tables(table: str) -> None:
    names = set(TABLES[table].curated_schema.fieldNames())
    assert not names & {"cpf", "nome", "address"}


def test_empty_salt_is_refused(spark: SparkSession) -> None:
    empty = spark.createDataFrame([], TABLES["clients"].raw_schema)
    with pytest.raises(ValueError, match="pii_salt"):
        job.curate(empty, TABLES["clients"], "", RUN_DATE)


# ---- idempotence ------------------------------------------------------------------------------
def test_duplicate_landing_changes_nothing(spark: SparkSession, tmp_path: Path) -> None:
    lines = [
        event(CLIENTS, 0, "c", after=client(id=1)),
        event(CLIENTS, 1, "c", after=client(id=2)),
        event(CLIENTS, 2, "u", before=client(id=2), after=client(id=2, area="x", renda_mensal="5.00")),
        event(CLIENTS, 3, "d", before=client(id=1)),
    ]
    once = curated(spark, tmp_path / "once", "clients", CLIENTS, lines)
    land(tmp_path / "twice", CLIENTS, lines, name="a.jsonl")
    land(tmp_path / "twice", CLIENTS, lines, name="b.jsonl", day="2024-05-02")
    twice = curated(spark, tmp_path / "twice", "clients", CLIENTS, [])
    assertDataFrameEqual(twice, once)
    assert once.count() == 1


@pytest.fixture
def operations_spec(spark: SparkSession, tmp_path: Path):
    spec = dataclasses.replace(TABLES["operations"], database="unit_bank_financas")
    yield spec, str(tmp_path / "curated" / spec.database / spec.table)
    spark.sql(f"DROP DATABASE IF EXISTS {spec.database} CASCADE")


def test_existing_table_with_other_schema_is_refused(
    spark: SparkSession, tmp_path: Path, operations_spec
) -> None:
    spec, location = operations_spec
    spark.sql(
        f"CREATE DATABASE IF NOT EXISTS {spec.database} LOCATION '{tmp_path / 'curated' / spec.database}'"
    )
    spark.sql(f"CREATE TABLE {spec.qualified_name} (id bigint) USING parquet LOCATION '{location}'")
    with pytest.raises(SchemaDrift, match="exists with columns"):
        ensure_table(spark, spec, location)


def test_parse_args_defaults_come_from_settings() -> None:
    from datalake.settings import get_settings

    args = job.parse_args(["--run-date", "2024-05-02"])
    lake = get_settings().lake
    assert f"{args.raw_root}/cdc.santander.clients" == lake.raw("kafka", "cdc.santander.clients")
    assert f"{args.curated_root}/financas/clients" == lake.curated("financas", "clients")
    assert (args.table, args.run_date) == ("all", RUN_DATE)
