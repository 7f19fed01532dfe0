"""Curate the bank's Debezium change logs (raw zone) into typed Hive tables.

One job for the four MariaDB tables: `santander.{clients,employees,operations}` ->
`financas.{clients,employees,operations}` and `stock_market.ibovespa` -> `stock_market.ibovespa`.

    spark-submit jobs/bank/curate_cdc.py --table all --run-date 2024-05-01

Steps per table:
1. `read_raw`: the JSON Lines the lake sink landed under `<raw-root>/<topic>/dt=*/`, parsed with an
   explicit schema (malformed lines fail the run, FAILFAST); tombstones (`value: null`) are dropped.
2. `latest_state`: replay the change log. Events of one key are ordered by Kafka (partition,
   offset), which within a topic partition is the binlog order; the last one wins; a key whose last
   event is a delete ('d') disappears; snapshot reads ('r') count as inserts.
3. `project_<table>`: Spark types from Debezium's encodings (decimal strings -> DecimalType, days ->
   DateType, epoch millis -> TimestampType, all UTC) and PII removal.
4. `write_table` (jobs/hive_tables.py): full overwrite of the external Parquet table.

PII (BRIEF §4.2: "names, CPFs, addresses stay in the raw zone"): curated rows keep a salted
`cpf_hash = sha2(salt || digits(cpf), 256)` and drop `cpf`, `address` **and** `nome`. Joining
across tables (clients <-> operations) works on `id`/`client_id` or on `cpf_hash`.

`--run-date` is the orchestrator's logical date: it is written as `ingest_date`, never `now()`.
Since every run recomputes the whole current state, re-running a date leaves the table unchanged.
"""

from __future__ import annotations

import argparse
import posixpath
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from datalake.jobs.bank.schemas import TABLES, TableSpec
from datalake.jobs.hive_tables import write_table
from pyspark.sql import Column, Window
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

KNOWN_OPS = ("c", "r", "u", "d")
_MS_PER_DAY = 86_400_000


class CurateError(RuntimeError):
    """The change log cannot be curated as is (unknown op, missing row image, schema drift...)."""


# ---- extract ----------------------------------------------------------------------------------------
def read_raw(spark: SparkSession, path: str, spec: TableSpec) -> DataFrame:
    """The raw lines of one topic, parsed with the table's explicit schema, without tombstones.

    Reads every `*.jsonl` below `path` (the `dt=YYYY-MM-DD` folders included); files whose name starts
    with `.` or `_` are the sink's in-progress files and are skipped by Spark's file listing.
    """
    raw = (
        spark.read.schema(spec.raw_schema)
        .option("mode", "FAILFAST")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "*.jsonl")
        .json(path)
    )
    return raw.where(F.col("value").isNotNull())


def check_events(raw: DataFrame) -> None:
    """Fail loudly on events `latest_state` cannot apply: unknown ops or a missing row image."""
    image = F.when(F.col("value.op") == "d", F.col("value.before")).otherwise(F.col("value.after"))
    bad = raw.where(~F.col("value.op").isin(*KNOWN_OPS) | F.col("value.op").isNull() | image.isNull())
    sample = bad.select("topic", "partition", "offset", "value.op").limit(5).collect()
    if sample:
        raise CurateError(
            f"{bad.count()} change events cannot be applied (unknown op or missing before/after image); "
            f"first ones: {[row.asDict() for row in sample]}"
        )


# ---- transform --------------------------------------------------------------------------------------
def latest_state(raw: DataFrame, key_cols: Sequence[str]) -> DataFrame:
    """The current state of the source table, from its change log.

    Args:
        raw: raw lines (`read_raw`), tombstones already removed.
        key_cols: the primary key columns of the row image.

    Returns:
        One row per live key: the row image fields plus `cdc_op` and `cdc_ts_ms` (the source commit
        time of the winning event). The row image is `after` for c/r/u and `before` for d.
    """
    op = F.col("value.op")
    events = raw.where(op.isin(*KNOWN_OPS)).select(
        F.col("partition").alias("_partition"),
        F.col("offset").alias("_offset"),
        op.alias("cdc_op"),
        F.coalesce(F.col("value.source.ts_ms"), F.col("value.ts_ms")).alias("cdc_ts_ms"),
        F.when(op == "d", F.col("value.before")).otherwise(F.col("value.after")).alias("_row"),
    )
    row_fields = events.schema["_row"].dataType.fieldNames()
    flat = events.where(F.col("_row").isNotNull()).select(
        *[F.col(f"_row.{name}").alias(name) for name in row_fields],
        "cdc_op",
        "cdc_ts_ms",
        "_partition",
        "_offset",
    )
    # Ties (the same partition/offset twice: a file landed twice) hold the same event: any one wins.
    last_first = Window.partitionBy(*key_cols).orderBy(F.desc("_partition"), F.desc("_offset"))
    return (
        flat.withColumn("_rank", F.row_number().over(last_first))
        .where((F.col("_rank") == 1) & (F.col("cdc_op") != "d"))
        .drop("_rank", "_partition", "_offset")
    )


def cpf_hash(cpf: Column, salt: str) -> Column:
    """sha256 hex of `salt || the CPF's digits`: formatting ('123.456.789-09' vs digits) does not matter."""
    if not salt:
        raise ValueError("pii_salt is empty: set PII_SALT (.env) before curating tables with CPFs")
    return F.sha2(F.concat(F.lit(salt), F.regexp_replace(cpf, r"[^0-9]", "")), 256)


def _days(col: str) -> Column:
    return F.date_from_unix_date(F.col(col))


def _millis(col: str) -> Column:
    return F.timestamp_millis(F.col(col))


def _lineage(run_date: date) -> list[Column]:
    return [
        F.col("cdc_op"),
        F.timestamp_millis(F.col("cdc_ts_ms")).alias("cdc_ts"),
        F.lit(run_date).cast("date").alias("ingest_date"),
    ]


def project_clients(state: DataFrame, salt: str, run_date: date) -> DataFrame:
    """Typed `financas.clients` rows (no nome, cpf, address)."""
    return state.select(
        F.col("id"),
        cpf_hash(F.col("cpf"), salt).alias("cpf_hash"),
        F.col("tipo_produto"),
        _days("data_nascimento").alias("data_nascimento"),
        F.col("renda_mensal").cast("decimal(12,2)").alias("renda_mensal"),
        _millis("created_at").alias("created_at"),
        *_lineage(run_date),
    )


def project_employees(state: DataFrame, salt: str, run_date: date) -> DataFrame:
    """Typed `financas.employees` rows (no nome, cpf, address)."""
    return state.select(
        F.col("id"),
        cpf_hash(F.col("cpf"), salt).alias("cpf_hash"),
        _days("data_inicio").alias("data_inicio"),
        F.col("salario").cast("decimal(12,2)").alias("salario"),
        F.col("area"),
        *_lineage(run_date),
    )


def project_operations(state: DataFrame, salt: str, run_date: date) -> DataFrame:
    """Typed `financas.operations` rows, partitioned by `op_date` (UTC date of `op_timestamp`).

    `op_date` is computed from the epoch millis, so it does not depend on the session time zone.
    """
    return state.select(
        F.col("id"),
        F.col("client_id"),
        cpf_hash(F.col("cpf"), salt).alias("cpf_hash"),
        F.col("tipo_produto"),
        F.col("origem"),
        F.col("operacao"),
        F.col("valor").cast("decimal(14,2)").alias("valor"),
        (F.col("online") != 0).alias("online"),
        _millis("op_timestamp").alias("op_timestamp"),
        (F.col("success") != 0).alias("success"),
        *_lineage(run_date),
        F.date_from_unix_date(F.floor(F.col("op_timestamp") / _MS_PER_DAY).cast("int")).alias("op_date"),
    )


def project_ibovespa(state: DataFrame, salt: str, run_date: date) -> DataFrame:
    """Typed `stock_market.ibovespa` rows, partitioned by `year` of the trading date. No PII."""
    del salt  # no personal data in market prices
    return state.select(
        F.col("symbol"),
        _days("date").alias("date"),
        *[F.col(c) for c in ("open", "high", "low", "close", "adjclose", "volume", "dividends")],
        *_lineage(run_date),
        F.year(_days("date")).alias("year"),
    )


PROJECTIONS: dict[str, Callable[[DataFrame, str, date], DataFrame]] = {
    "clients": project_clients,
    "employees": project_employees,
    "operations": project_operations,
    "ibovespa": project_ibovespa,
}


def curate(raw: DataFrame, spec: TableSpec, salt: str, run_date: date) -> DataFrame:
    """Raw change log -> curated rows, in the curated schema's column order."""
    state = latest_state(raw, spec.key_cols)
    curated = PROJECTIONS[spec.name](state, salt, run_date)
    return curated.select(*[F.col(f.name).cast(f.dataType) for f in spec.curated_schema.fields])


# ---- job --------------------------------------------------------------------------------------------
def run_table(
    spark: SparkSession, spec: TableSpec, raw_path: str, location: str, salt: str, run_date: date
) -> tuple[int, int]:
    """Curate one table end to end; returns (raw events in, rows out)."""
    raw = read_raw(spark, raw_path, spec).cache()
    try:
        check_events(raw)
        rows_in = raw.count()
        write_table(spark, curate(raw, spec, salt, run_date), spec, location)
    finally:
        raw.unpersist()
    rows_out = spark.table(spec.qualified_name).count()
    print(f"[curate_cdc] {spec.topic} -> {spec.qualified_name}: events_in={rows_in} rows_out={rows_out}")
    return rows_in, rows_out


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from datalake.settings import get_settings

    lake = get_settings().lake
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", choices=[*TABLES, "all"], default="all")
    parser.add_argument("--run-date", type=date.fromisoformat, required=True, help="logical date, YYYY-MM-DD")
    parser.add_argument(
        "--raw-root",
        default=posixpath.dirname(lake.raw("kafka", "_")),
        help="folder holding one sub-folder per topic (default: the lake's raw/kafka)",
    )
    parser.add_argument(
        "--curated-root",
        default=posixpath.dirname(posixpath.dirname(lake.curated("_", "_"))),
        help="folder holding <database>/<table> (default: the lake's curated/)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from datalake.settings import get_settings
    from datalake.spark import build_session

    args = parse_args(argv)
    salt = get_settings().pii_salt
    if not salt:
        raise SystemExit("PII_SALT is empty: refusing to write CPF hashes without a salt")
    specs = list(TABLES.values()) if args.table == "all" else [TABLES[args.table]]
    spark = build_session(
        f"curate_cdc_{args.table}",
        **{"spark.sql.session.timeZone": "UTC", "spark.sql.sources.partitionOverwriteMode": "static"},
    )
    for spec in specs:
        run_table(
            spark,
            spec,
            raw_path=f"{args.raw_root.rstrip('/')}/{spec.topic}",
            location=f"{args.curated_root.rstrip('/')}/{spec.database}/{spec.table}",
            salt=salt,
            run_date=args.run_date,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
