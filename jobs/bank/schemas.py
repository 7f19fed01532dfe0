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

from datalake.contracts.bank_tables import CLIENTS, EMPLOYEES, IBOVESPA, OPERATIONS, Column, SourceTable


# ---- Debezium row images (what `before` / `after` hold), from the declared columns ---------------
def _raw_type(col: Column) -> DataType:
    """How Debezium encodes a column of this MariaDB type in a row image (see the module docstring).

    Only the types the contract uses, and their close kin, are mapped; others fail here rather than
    parse to silent NULLs: TIMESTAMP (Debezium sends an ISO string whatever the precision mode) and
    UNSIGNED integers (one size larger) need their own mapping and a test first."""
    base = col.base_type
    if "UNSIGNED" in col.sql.upper():
        raise ValueError(f"column {col.name}: UNSIGNED types are not mapped ({col.sql!r})")
    if base == "BIGINT":
        return LongType()
    if base in ("INT", "INTEGER", "SMALLINT", "TINYINT"):
        return IntegerType()
    if base == "DATE":
        return IntegerType()  # days since epoch
    if base == "DATETIME":
        return LongType()  # epoch millis
    if base == "DOUBLE":
        return DoubleType()
    if base in ("DECIMAL", "VARCHAR", "CHAR", "TEXT"):
        return StringType()  # a DECIMAL arrives as a string
    raise ValueError(f"column {col.name}: no Debezium encoding known for {col.sql!r}")


def curated_type(col: Column) -> DataType:
    """The column's type in the curated table."""
    base = col.base_type
    if col.is_flag:
        return BooleanType()
    if base == "DATE":
        return DateType()
    if base == "DATETIME":
        return TimestampType()
    if base == "DECIMAL":
        precision, scale = col.type_args
        return DecimalType(precision, scale)
    return _raw_type(col)


def row_image(table: SourceTable) -> StructType:
    """Debezium's row image of a source table: every declared column, as Debezium encodes it."""
    return struct(*[(c.name, _raw_type(c)) for c in table.columns])


def curated_columns(table: SourceTable) -> list[tuple[str, DataType]]:
    """The curated columns a source table gives, in its order: PII dropped, the CPF as `cpf_hash`."""
    return [
        ("cpf_hash", StringType()) if c.pii == "hash" else (c.name, curated_type(c))
        for c in table.columns
        if c.pii != "drop"
    ]


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


def raw_schema(table: SourceTable) -> StructType:
    """A raw line of the table's topic: the key (its primary key columns) and the envelope."""
    key = struct(*[(k, _raw_type(table.column(k))) for k in table.key])
    return raw_line(key, row_image(table))


# ---- Curated tables ---------------------------------------------------------------------------------
_LINEAGE: tuple[tuple[str, DataType], ...] = (
    ("cdc_op", StringType()),
    ("cdc_ts", TimestampType()),
    ("ingest_date", DateType()),
)

# A partitioned table's partition column: its name and type (curate_cdc derives its value).
OP_DATE = ("op_date", DateType())  # UTC date of op_timestamp
YEAR = ("year", IntegerType())  # year of the trading `date`


def curated_schema(table: SourceTable, partitions: tuple[tuple[str, DataType], ...] = ()) -> StructType:
    """The curated table: the source's curated columns, the lineage, then the partition columns."""
    return struct(*curated_columns(table), *_LINEAGE, *partitions)


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
    """Everything the curate job needs to know about one source table, derived from its declaration."""

    source: SourceTable
    database: str  # curated Hive database; the curated table has the source table's name
    partitions: tuple[tuple[str, DataType], ...] = ()

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def table(self) -> str:
        return self.source.name

    @property
    def topic(self) -> str:
        """The table's change topic: the connectors route each table to `cdc.<database>.<table>`."""
        return f"cdc.{self.source.qualified_name}"

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.table}"

    @property
    def key_cols(self) -> tuple[str, ...]:
        return self.source.key

    @property
    def partition_cols(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.partitions)

    @property
    def raw_schema(self) -> StructType:
        return raw_schema(self.source)

    @property
    def curated_schema(self) -> StructType:
        return curated_schema(self.source, self.partitions)

    @property
    def row_fields(self) -> list[str]:
        """The columns of the source table (Debezium's row image)."""
        return list(self.source.column_names)


TABLES: dict[str, TableSpec] = {
    "clients": TableSpec(CLIENTS, CLIENTS.curated_database),
    "employees": TableSpec(EMPLOYEES, EMPLOYEES.curated_database),
    "operations": TableSpec(OPERATIONS, OPERATIONS.curated_database, (OP_DATE,)),
    "ibovespa": TableSpec(IBOVESPA, IBOVESPA.curated_database, (YEAR,)),
}
