"""Curate the bank's Debezium change logs (raw zone) into typed Hive tables.

One job for the four MariaDB tables: `santander.{clients,employees,operations}` ->
`financas.{clients,employees,operations}` and `stock_market.ibovespa` -> `stock_market.ibovespa`.

    spark-submit jobs/bank/curate_cdc.py --table all --run-date 2024-05-01 [--full-refresh]

The curated tables are Delta tables that each run brings up to date with the change log's new
lines only (`jobs/change_log.py`: the offsets applied are stored in the commit that applied them);
`--full-refresh`, a table without those offsets, or a Parquet table of an earlier release rebuilds
the table from the whole change log instead. Both give the same table.

Steps per table:
1. `read_raw`: the JSON Lines the lake sink landed under `<raw-root>/<topic>/dt=*/` (only the files
   past the table's applied offsets, when it has them), each parsed
   with the table's explicit schema; `classify` tells change events from tombstones (dropped) and
   from poison: a line that is not JSON, not a raw line, or a valid JSON that is no Debezium
   envelope (unknown op, no row image) goes to `financas.cdc_quarantine` with the reason and its
   text, and the run goes on. A row image with a column the contract does not know (a column added
   at the source) fails the run naming the column, before anything is written (docs/reliability.md).
2. `latest_changes`: replay the change log. Events of one key are ordered by Kafka (partition,
   offset), which within a topic partition is the binlog order; the last one wins; a key whose last
   event is a delete ('d') disappears; snapshot reads ('r') count as inserts.
3. `project`: each column declared in `datalake/contracts/bank_tables.py` in its curated type
   (decimal strings -> DecimalType, days -> DateType, epoch millis -> TimestampType, all UTC, 0/1 ->
   boolean) and PII removal.
4. `change_log.merge_changes` (the last change per key: delete, update or insert) or, for a full
   refresh, `change_log.replace_all` (overwrite with the current state).

PII (BRIEF §4.2: "names, CPFs, addresses stay in the raw zone"): curated rows keep a salted
`cpf_hash = sha2(salt || digits(cpf), 256)` and drop `cpf`, `address` **and** `nome`. Joining
across tables (clients <-> operations) works on `id`/`client_id` or on `cpf_hash`.

`--run-date` is the orchestrator's logical date: it is written as `ingest_date` (the run that last
wrote the row), never `now()`. Re-running a date applies only what landed since (nothing twice), so
with nothing new it leaves the table unchanged.

One file (~370 lines) for the job's four steps above, in that order: the classification and the
quarantine it feeds are read together; the schemas are `schemas.py`, the columns the contract's.
"""

from __future__ import annotations

import argparse
import posixpath
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, NamedTuple, cast

from datalake.jobs import change_log
from datalake.jobs.bank.schemas import CDC_QUARANTINE, TABLES, TableSpec, curated_type
from datalake.jobs.hive_tables import Table
from pyspark.sql import Column, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, DecimalType, StructType, TimestampType

from datalake.contracts.bank_tables import Column as SourceColumn

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

KNOWN_OPS = ("c", "r", "u", "d")
_MS_PER_DAY = 86_400_000


class CurateError(RuntimeError):
    """The change log cannot be curated as is: its row images have columns the contract lacks."""


# ---- extract ----------------------------------------------------------------------------------------
def read_raw(
    spark: SparkSession, path: str, spec: TableSpec, marks: change_log.Marks | None = None
) -> DataFrame:
    """The raw lines of one topic past `marks` (all of them without): the fields of
    `spec.raw_schema` (all null for a line that is not JSON of that shape), `_text` (the line),
    `_file` (where it is) and the file's coordinates (`change_log.file_coordinates`).

    Reads the `*.jsonl` below `path` (the `dt=YYYY-MM-DD` folders included); files whose name starts
    with `.` or `_` are the sink's in-progress files and are skipped by Spark's file listing.
    """
    lines = (
        spark.read.option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "*.jsonl")
        .text(path)
        .where(change_log.unread_files(marks))
        .select(
            F.col("value").alias("_text"),
            F.col("_metadata.file_path").alias("_file"),
            *change_log.file_coordinates(),
        )
    )
    parsed = F.from_json("_text", spec.raw_schema)
    fields = [parsed[f.name].alias(f.name) for f in spec.raw_schema.fields]
    return change_log.unapplied(lines.select(*fields, *lines.columns), marks)


def classify(lines: DataFrame, row_fields: Sequence[str]) -> DataFrame:
    """`read_raw`'s lines with `_poison` (why a line cannot be applied; null for a change event or a
    tombstone) and `_new_columns` (row image columns not in `row_fields`; null when none).

    `_text` is kept for poison lines only (the quarantine keeps it; every other line's text would
    only weigh on the cache)."""
    op = F.col("value.op")
    image = F.when(op == "d", F.col("value.before")).otherwise(F.col("value.after"))
    poison = (
        F.when(
            F.col("topic").isNull() | F.col("partition").isNull() | F.col("offset").isNull(),
            F.lit("not a raw change-log line (no topic, partition or offset)"),
        )
        .when(
            F.col("value").isNull() & F.col("key").isNull(), F.lit("neither a change event nor a tombstone")
        )
        .when(F.col("value").isNull(), F.lit(None))  # a tombstone: compaction's marker, not data
        .when(
            ~op.isin(*KNOWN_OPS) | op.isNull(), F.concat(F.lit("unknown op "), F.coalesce(op, F.lit("null")))
        )
        .when(image.isNull(), F.lit("a change event without its row image (before/after)"))
    )
    image_text = F.when(op == "d", F.get_json_object("_text", "$.value.before")).otherwise(
        F.get_json_object("_text", "$.value.after")
    )
    unknown = F.array_except(F.json_object_keys(image_text), F.array(*[F.lit(n) for n in row_fields]))
    return (
        lines.withColumn("_poison", poison)
        .withColumn("_new_columns", F.when(F.col("_poison").isNull() & (F.size(unknown) > 0), unknown))
        .withColumn("_text", F.when(F.col("_poison").isNotNull(), F.col("_text")))
    )


def change_events(classified: DataFrame) -> DataFrame:
    """The change events of `classify`'s lines: no tombstones, no poison."""
    return classified.where(F.col("_poison").isNull() & F.col("value").isNotNull()).drop(
        "_poison", "_new_columns", "_text", "_file", *change_log.FILE_COORDINATES
    )


def read_events(spark: SparkSession, path: str, spec: TableSpec) -> DataFrame:
    """The change events of one topic's raw lines (tombstones and poison left out)."""
    return change_events(classify(read_raw(spark, path, spec), spec.row_fields))


def poison(classified: DataFrame, run_date: date) -> DataFrame:
    """`classify`'s poison lines as `financas.cdc_quarantine` rows."""
    return classified.where(F.col("_poison").isNotNull()).select(
        "topic",
        "partition",
        "offset",
        F.col("_poison").alias("reason"),
        F.col("_text").alias("line"),
        F.col("_file").alias("file"),
        F.lit(run_date).cast("date").alias("ingest_date"),
    )


def check_drift(classified: DataFrame, spec: TableSpec) -> None:
    """Fail, naming them, on row image columns the table's contract does not know."""
    found = classified.where(F.col("_new_columns").isNotNull()).select(F.explode("_new_columns")).distinct()
    new = sorted(row[0] for row in found.collect())
    if new:
        raise CurateError(
            f"{spec.topic}: the source table has column(s) {new} that {spec.qualified_name}'s contract does "
            "not know. Declare them in datalake/contracts/bank_tables.py (docs/bank-lake.md, "
            "'Adding a column'), or drop them at the source; nothing was written."
        )


# ---- transform --------------------------------------------------------------------------------------
def latest_changes(raw: DataFrame, key_cols: Sequence[str]) -> DataFrame:
    """The last change of each key in a change log (or a part of it).

    Args:
        raw: raw lines (`read_raw`), tombstones already removed.
        key_cols: the primary key columns of the row image.

    Returns:
        One row per key: the row image fields plus `cdc_op` and `cdc_ts_ms` (the source commit
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
    row_fields = cast(StructType, events.schema["_row"].dataType).fieldNames()
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
        .where(F.col("_rank") == 1)
        .drop("_rank", "_partition", "_offset")
    )


def latest_state(raw: DataFrame, key_cols: Sequence[str]) -> DataFrame:
    """The current state of the source table from its whole change log: `latest_changes` without
    the keys whose last event is a delete."""
    return latest_changes(raw, key_cols).where(F.col("cdc_op") != "d")


def cpf_hash(cpf: Column, salt: str) -> Column:
    """sha256 hex of `salt || the CPF's digits`: formatting ('123.456.789-09' vs digits) does not matter."""
    if not salt:
        raise ValueError("pii_salt is empty: set PII_SALT (.env) before curating tables with CPFs")
    return F.sha2(F.concat(F.lit(salt), F.regexp_replace(cpf, r"[^0-9]", "")), 256)


def required_salt() -> str:
    """The settings' PII salt, or SystemExit before any work: a CPF hash without a salt is undone by
    hashing every possible CPF."""
    from datalake.settings import get_settings

    salt = get_settings().pii_salt
    if not salt:
        raise SystemExit("PII_SALT is empty: refusing to write CPF hashes without a salt")
    return salt


def typed(col: SourceColumn) -> Column:
    """A row image column in its curated type (Debezium's encodings: decimal strings, days since
    epoch, epoch millis, TINYINT(1) flags as 0/1); the others keep their type."""
    value = F.col(col.name)
    curated = curated_type(col)
    if col.is_flag:
        return value != 0
    if isinstance(curated, DateType):
        return F.date_from_unix_date(value)
    if isinstance(curated, TimestampType):
        return F.timestamp_millis(value)
    if isinstance(curated, DecimalType):
        return value.cast(curated)
    return value


def _lineage(run_date: date) -> list[Column]:
    return [
        F.col("cdc_op"),
        F.timestamp_millis(F.col("cdc_ts_ms")).alias("cdc_ts"),
        F.lit(run_date).cast("date").alias("ingest_date"),
    ]


# How each partition column is computed from the row image. `op_date` comes from the epoch millis,
# so it does not depend on the session time zone.
PARTITION_VALUES: dict[str, Callable[[], Column]] = {
    "op_date": lambda: F.date_from_unix_date(F.floor(F.col("op_timestamp") / _MS_PER_DAY).cast("int")),
    "year": lambda: F.year(F.date_from_unix_date(F.col("date"))),
}


def project(state: DataFrame, spec: TableSpec, salt: str, run_date: date) -> DataFrame:
    """Typed curated rows from the current state: each declared column in its curated type, the
    PII removed (`pii="drop"` columns left out, the CPF replaced by its salted hash), the lineage,
    then the partition columns."""
    columns = [
        cpf_hash(F.col(c.name), salt).alias("cpf_hash") if c.pii == "hash" else typed(c).alias(c.name)
        for c in spec.source.columns
        if c.pii != "drop"
    ]
    partitions = [PARTITION_VALUES[name]().alias(name) for name in spec.partition_cols]
    return state.select(*columns, *_lineage(run_date), *partitions)


def _curated_columns(spec: TableSpec) -> list[Column]:
    return [F.col(f.name).cast(f.dataType) for f in spec.curated_schema.fields]


def curate(raw: DataFrame, spec: TableSpec, salt: str, run_date: date) -> DataFrame:
    """Whole raw change log -> curated rows, in the curated schema's column order (full refresh)."""
    return project(latest_state(raw, spec.key_cols), spec, salt, run_date).select(*_curated_columns(spec))


def curate_changes(raw: DataFrame, spec: TableSpec, salt: str, run_date: date) -> DataFrame:
    """New raw change-log lines -> one curated row per key changed, with `change_log.DELETE` true
    when the key's last change removes it (the row is then its last image, for the key)."""
    changes = project(latest_changes(raw, spec.key_cols), spec, salt, run_date)
    return changes.select(*_curated_columns(spec), (F.col("cdc_op") == "d").alias(change_log.DELETE))


# ---- job --------------------------------------------------------------------------------------------
QUARANTINE = Table("financas", "cdc_quarantine", CDC_QUARANTINE)
QUARANTINE_KEYS = ("topic", "partition", "offset", "line")


class TableRun(NamedTuple):
    events_in: int  # the change events read (the new ones, unless the table was rebuilt)
    rows_out: int
    quarantined: int  # the poison lines among the lines read
    rebuilt: bool


def run_table(
    spark: SparkSession,
    spec: TableSpec,
    raw_path: str,
    location: str,
    salt: str,
    run_date: date,
    *,
    quarantine: tuple[Table, str],
    full_refresh: bool = False,
) -> TableRun:
    """Curate one table: apply its new change-log lines, or rebuild it (`full_refresh`, or no
    applied offsets yet). The poison goes to the quarantine first, so a run that dies after the
    table's commit has lost none (the quarantine adds a line once)."""
    marks = None if full_refresh else change_log.applied(spark, spec.qualified_name)
    classified = classify(read_raw(spark, raw_path, spec, marks), spec.row_fields).cache()
    try:
        check_drift(classified, spec)
        new_marks = change_log.read_marks(classified, marks)
        events = change_events(classified)
        events_in = events.count()
        bad = poison(classified, run_date)
        quarantined = bad.count()
        if quarantined:
            change_log.add_new(spark, bad, *quarantine, QUARANTINE_KEYS)
        if marks is None or events_in:
            rows = (curate if marks is None else curate_changes)(events, spec, salt, run_date)
            change_log.apply(spark, rows, spec, location, spec.key_cols, new_marks, rebuild=marks is None)
    finally:
        classified.unpersist()
    rows_out = spark.table(spec.qualified_name).count()
    counts = {"events_in": events_in, "rows_out": rows_out, "quarantined": quarantined}
    change_log.report(
        "curate_cdc", spec.topic, spec.qualified_name, new_marks, rebuilt=marks is None, **counts
    )
    return TableRun(events_in, rows_out, quarantined, marks is None)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from datalake.settings import get_settings

    lake = get_settings().lake
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", choices=[*TABLES, "all"], default="all")
    parser.add_argument("--run-date", type=date.fromisoformat, required=True, help="logical date, YYYY-MM-DD")
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the table(s) from the whole change log instead of applying the new lines",
    )
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
    parser.add_argument(
        "--quarantine-root",
        default=posixpath.dirname(posixpath.dirname(lake.quarantine("_", "_"))),
        help="folder holding financas/cdc_quarantine (default: the lake's quarantine/)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from datalake.spark import build_session

    args = parse_args(argv)
    salt = required_salt()
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
            quarantine=(
                QUARANTINE,
                f"{args.quarantine_root.rstrip('/')}/{QUARANTINE.database}/{QUARANTINE.table}",
            ),
            full_refresh=args.full_refresh,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
