"""Explicit schemas of the bank pipeline: the raw lines the lake sink lands, and the curated tables.

Raw zone contract (fixed with the Connect and Debezium owners): one JSON object per line,
`{"topic", "partition", "offset", "timestamp", "key", "value"}`, where `value` is the full Debezium
envelope (`before`, `after`, `source`, `op`, `ts_ms`) or null for a tombstone. Debezium runs with
`decimal.handling.mode=string` and `time.precision.mode=connect`, so inside `before`/`after`:
DECIMAL -> JSON string, DATE -> int days since epoch, DATETIME -> long epoch millis (UTC wall
clock), TINYINT -> int, BIGINT -> long.

Curated tables carry no name, CPF or free-text address (BRIEF §4.2, PII): a salted `cpf_hash`
replaces the CPF. Every curated table ends with the lineage columns `cdc_op` (op of the event that
produced the row), `cdc_ts` (source commit time of that event) and `ingest_date` (the run date),
then its partition column(s), which Spark requires to come last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from datalake.jobs.hive_tables import struct
from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructType,
    TimestampType,
)

# ---- Debezium row images (what `before` / `after` hold) ------------------------------------------
CLIENTS_ROW = struct(
    ("id", LongType()),
    ("nome", StringType()),
    ("cpf", StringType()),
    ("tipo_produto", StringType()),
    ("data_nascimento", IntegerType()),  # days since epoch
    ("address", StringType()),
    ("renda_mensal", StringType()),  # DECIMAL(12,2) as a string
    ("created_at", LongType()),  # epoch millis
)

EMPLOYEES_ROW = struct(
    ("id", LongType()),
    ("nome", StringType()),
    ("cpf", StringType()),
    ("data_inicio", IntegerType()),
    ("address", StringType()),
    ("salario", StringType()),  # DECIMAL(12,2)
    ("area", StringType()),
)

OPERATIONS_ROW = struct(
    ("id", LongType()),
    ("client_id", LongType()),
    ("cpf", StringType()),
    ("tipo_produto", StringType()),
    ("origem", StringType()),
    ("operacao", StringType()),
    ("valor", StringType()),  # DECIMAL(14,2)
    ("online", IntegerType()),  # TINYINT 0/1
    ("op_timestamp", LongType()),  # DATETIME(3), epoch millis
    ("success", IntegerType()),  # TINYINT 0/1
)

IBOVESPA_ROW = struct(
    ("symbol", StringType()),
    ("date", IntegerType()),
    ("open", DoubleType()),
    ("high", DoubleType()),
    ("low", DoubleType()),
    ("close", DoubleType()),
    ("adjclose", DoubleType()),
    ("volume", LongType()),
    ("dividends", DoubleType()),
)

# Debezium `source` block: only the fields we use or keep for debugging.
SOURCE = struct(
    ("db", StringType()),
    ("table", StringType()),
    ("file", StringType()),
    ("pos", LongType()),
    ("row", IntegerType()),
    ("ts_ms", LongType()),
    ("snapshot", StringType()),
)


def envelope(row: StructType) -> StructType:
    """The Debezium envelope (`value` of a raw line) for one table's row image."""
    return struct(
        ("before", row),
        ("after", row),
        ("source", SOURCE),
        ("op", StringType()),
        ("ts_ms", LongType()),
    )


def raw_line(key: StructType, row: StructType) -> StructType:
    """One JSON line of the raw zone, with the key and the envelope parsed."""
    return struct(
        ("topic", StringType()),
        ("partition", IntegerType()),
        ("offset", LongType()),
        ("timestamp", LongType()),
        ("key", key),
        ("value", envelope(row)),
    )


ID_KEY = struct(("id", LongType()))
IBOVESPA_KEY = struct(("symbol", StringType()), ("date", IntegerType()))

RAW_CLIENTS = raw_line(ID_KEY, CLIENTS_ROW)
RAW_EMPLOYEES = raw_line(ID_KEY, EMPLOYEES_ROW)
RAW_OPERATIONS = raw_line(ID_KEY, OPERATIONS_ROW)
RAW_IBOVESPA = raw_line(IBOVESPA_KEY, IBOVESPA_ROW)

# ---- Curated tables ---------------------------------------------------------------------------------
_LINEAGE: tuple[tuple[str, DataType], ...] = (
    ("cdc_op", StringType()),
    ("cdc_ts", TimestampType()),
    ("ingest_date", DateType()),
)

CURATED_CLIENTS = struct(
    ("id", LongType()),
    ("cpf_hash", StringType()),
    ("tipo_produto", StringType()),
    ("data_nascimento", DateType()),
    ("renda_mensal", DecimalType(12, 2)),
    ("created_at", TimestampType()),
    *_LINEAGE,
)

CURATED_EMPLOYEES = struct(
    ("id", LongType()),
    ("cpf_hash", StringType()),
    ("data_inicio", DateType()),
    ("salario", DecimalType(12, 2)),
    ("area", StringType()),
    *_LINEAGE,
)

CURATED_OPERATIONS = struct(
    ("id", LongType()),
    ("client_id", LongType()),
    ("cpf_hash", StringType()),
    ("tipo_produto", StringType()),
    ("origem", StringType()),
    ("operacao", StringType()),
    ("valor", DecimalType(14, 2)),
    ("online", BooleanType()),
    ("op_timestamp", TimestampType()),
    ("success", BooleanType()),
    *_LINEAGE,
    ("op_date", DateType()),  # partition: UTC date of op_timestamp
)

CURATED_IBOVESPA = struct(
    ("symbol", StringType()),
    ("date", DateType()),
    ("open", DoubleType()),
    ("high", DoubleType()),
    ("low", DoubleType()),
    ("close", DoubleType()),
    ("adjclose", DoubleType()),
    ("volume", LongType()),
    ("dividends", DoubleType()),
    *_LINEAGE,
    ("year", IntegerType()),  # partition: year of `date`
)


# Lines of the four cdc.* topics that are no applicable change event (jobs/bank/curate_cdc.classify).
CDC_QUARANTINE = struct(
    ("topic", StringType()),
    ("partition", IntegerType()),
    ("offset", LongType()),
    ("reason", StringType()),
    ("line", StringType()),
    ("file", StringType()),
    ("ingest_date", DateType()),
)


@dataclass(frozen=True)
class TableSpec:
    """Everything the curate job needs to know about one source table."""

    name: str
    topic: str
    database: str  # curated Hive database
    table: str  # curated Hive table
    key_cols: tuple[str, ...]
    raw_schema: StructType
    curated_schema: StructType
    partition_cols: tuple[str, ...] = ()

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.table}"

    @property
    def row_fields(self) -> list[str]:
        """The columns of the source table (Debezium's row image)."""
        envelope = cast(StructType, self.raw_schema["value"].dataType)
        return cast(StructType, envelope["after"].dataType).fieldNames()


TABLES: dict[str, TableSpec] = {
    "clients": TableSpec(
        "clients", "cdc.santander.clients", "financas", "clients", ("id",), RAW_CLIENTS, CURATED_CLIENTS
    ),
    "employees": TableSpec(
        "employees",
        "cdc.santander.employees",
        "financas",
        "employees",
        ("id",),
        RAW_EMPLOYEES,
        CURATED_EMPLOYEES,
    ),
    "operations": TableSpec(
        "operations",
        "cdc.santander.operations",
        "financas",
        "operations",
        ("id",),
        RAW_OPERATIONS,
        CURATED_OPERATIONS,
        ("op_date",),
    ),
    "ibovespa": TableSpec(
        "ibovespa",
        "cdc.stock_market.ibovespa",
        "stock_market",
        "ibovespa",
        ("symbol", "date"),
        RAW_IBOVESPA,
        CURATED_IBOVESPA,
        ("year",),
    ),
}
