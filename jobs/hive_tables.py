"""Curated tables as external tables of the shared metastore: created once, checked for drift.

`ensure_table` creates the database and the table where the lake keeps it and refuses a table whose
columns drifted from the job's schema. `write_table` replaces a Parquet table's content: the jobs
that rebuild a table's current state on every run (the Nubank collections) use it; the CDC-fed
tables are Delta tables that a change log is applied to (`change_log.py`).
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import DataType, StructType


def struct(*fields: tuple[str, DataType]) -> StructType:
    """A schema of nullable fields, from (name, type) pairs: how every job declares its tables."""
    from pyspark.sql.types import StructField, StructType

    return StructType([StructField(name, dtype, nullable=True) for name, dtype in fields])


class SchemaDrift(RuntimeError):
    """The metastore's table has other columns than the job writes."""


class CuratedTable(Protocol):
    """What these helpers need to know about a table."""

    @property
    def database(self) -> str: ...
    @property
    def qualified_name(self) -> str: ...
    @property
    def curated_schema(self) -> StructType: ...
    @property
    def partition_cols(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Table:
    """A curated table given by hand (e.g. a quarantine table beside the job's own tables)."""

    database: str
    table: str
    curated_schema: StructType
    partition_cols: tuple[str, ...] = ()

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.table}"


def union_all(frames: Sequence[DataFrame]) -> DataFrame:
    """One DataFrame of several with the same columns (matched by name)."""
    return functools.reduce(lambda a, b: a.unionByName(b), frames)


def _ddl_columns(spec: CuratedTable) -> str:
    return ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in spec.curated_schema.fields)


def ensure_table(spark: SparkSession, spec: CuratedTable, location: str, using: str = "parquet") -> None:
    """Create the database and the external table (`using`: Parquet, or Delta for the CDC-fed
    tables, `change_log.py`) if missing; fail on schema drift."""
    db_location = posixpath.dirname(location.rstrip("/"))
    if not spark.catalog.databaseExists(spec.database):  # (IF NOT EXISTS alone logs a stack trace)
        spark.sql(f"CREATE DATABASE IF NOT EXISTS `{spec.database}` LOCATION '{db_location}'")
    partitioned = f"PARTITIONED BY ({', '.join(spec.partition_cols)})" if spec.partition_cols else ""
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {spec.qualified_name} ({_ddl_columns(spec)}) "
        f"USING {using} {partitioned} LOCATION '{location}'"
    )
    existing = [(f.name, f.dataType.simpleString()) for f in spark.table(spec.qualified_name).schema]
    expected = [(f.name, f.dataType.simpleString()) for f in spec.curated_schema]
    if existing != expected:
        raise SchemaDrift(
            f"{spec.qualified_name} exists with columns {existing}, expected {expected}: "
            "drop the table (its data is derived) or migrate it"
        )


def write_table(spark: SparkSession, df: DataFrame, spec: CuratedTable, location: str) -> None:
    """Replace the whole table with `df` (idempotent), keeping the metastore's partitions in sync.

    The callers recompute the full current state, so the table is overwritten entirely, in
    *static* partition-overwrite mode: Spark deletes the table location, writes every partition of
    `df` and, for a catalog table, adds the new partitions and drops the ones that no longer exist.
    (Dynamic mode would only replace the partitions present in `df` and leave stale rows in any
    partition that became empty, e.g. a day whose operations were all deleted.)
    """
    ensure_table(spark, spec, location)
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "static")
    # One file per partition (or one for an unpartitioned table): these tables are small per partition.
    out = df.repartition(*spec.partition_cols) if spec.partition_cols else df.coalesce(1)
    out.write.insertInto(spec.qualified_name, overwrite=True)
    spark.sql(f"REFRESH TABLE {spec.qualified_name}")
