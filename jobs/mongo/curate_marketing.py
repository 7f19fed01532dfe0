"""santander_marketing change events (raw zone) -> Hive `marketing.{facebook,public_survey}`.

    spark-submit jobs/mongo/curate_marketing.py --run-date 2026-11-28 [--collection facebook] [--full-refresh]

The MongoDB Kafka source connector publishes every insert, update, replace and delete of the
collections to `mongo.santander_marketing.<collection>` (the full document, Extended JSON, keyed
by `documentKey`); the lake sink lands them exactly once in the raw zone. This job replays each
collection's events: per `_id` the last event wins (ordered by Kafka partition and offset; one key
always lives in one partition), a delete removes the row. The current documents are then checked
against the contract like the Nubank ones: broken documents and lines that are not change events
go to `marketing.quarantine` with the reason, and the run goes on.

The tables are Delta tables that each run brings up to date with the change log's new lines
(`jobs/change_log.py`, the same as the bank's CDC): per `_id` the last new event upserts the row,
or removes it when it is a delete or a broken document. `marketing.quarantine` holds each `_id`'s
current broken document (a document fixed or deleted since leaves it) and, added once and with no
`id`, every line that is no change event. `--full-refresh` (or a table without applied offsets) rebuilds a table
from the whole change log; both give the same table, and a re-run of a date changes nothing.
"""

from __future__ import annotations

import argparse
import posixpath
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from datalake.jobs import change_log
from datalake.jobs.hive_tables import Table
from datalake.jobs.mongo import extjson
from datalake.jobs.mongo.schemas import MARKETING, MARKETING_QUARANTINE, CollectionSpec, change_event_line
from pyspark.sql import Window
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

SOURCE_DATABASE = "santander_marketing"
TOPIC_PREFIX = "mongo"
OPERATIONS = ("insert", "update", "replace", "delete")


def topic(collection: str, database: str = SOURCE_DATABASE) -> str:
    return f"{TOPIC_PREFIX}.{database}.{collection}"


def read_raw(
    spark: SparkSession, path: str, spec: CollectionSpec, marks: change_log.Marks | None = None
) -> DataFrame:
    """The raw lines of one topic past `marks` (all without), every `dt=` folder, with their file's
    coordinates (`change_log.file_coordinates`); the sink's temp files start with '.'."""
    lines = (
        spark.read.schema(change_event_line(spec))
        .option("mode", "PERMISSIVE")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "*.jsonl")
        .json(path)
        .where(change_log.unread_files(marks))
    )
    return change_log.unapplied(lines.select("*", *change_log.file_coordinates()), marks)


# ---- transform --------------------------------------------------------------------------------------
def events(raw: DataFrame) -> DataFrame:
    """One row per line: its Kafka position, the event's `_id` and operation, the raw line's reason
    to be quarantined (`_bad`, null for a well-formed change event) and the document's fields."""
    key_id = extjson.json_field(F.col("value.documentKey"), "_id")
    op = F.col("value.operationType")
    bad = (
        F.when(F.col("value").isNull(), F.lit("not a change event: no value"))
        .when(
            ~op.isin(*OPERATIONS) | op.isNull(),
            F.concat(F.lit("unknown operationType "), F.coalesce(op, F.lit("null"))),
        )
        .when(key_id.isNull(), F.lit("change event without documentKey._id"))
        .when(
            (op != "delete") & F.col("value.fullDocument").isNull(),
            F.lit("insert/update/replace event without fullDocument"),
        )
    )
    return raw.select(
        "topic",
        "partition",
        "offset",
        F.coalesce(extjson.as_object_id(key_id), key_id).alias("_key"),
        op.alias("cdc_op"),
        extjson.as_date(F.col("value.wallTime")).alias("cdc_ts"),
        bad.alias("_bad"),
        F.to_json("value").alias("_event"),
        *change_log.FILE_COORDINATES,
        "value.fullDocument.*",
    )


def latest(evts: DataFrame) -> DataFrame:
    """The last well-formed event per `_id`, a delete included."""
    last_first = Window.partitionBy("_key").orderBy(F.desc("partition"), F.desc("offset"))
    ranked = evts.where(F.col("_bad").isNull()).withColumn("_rank", F.row_number().over(last_first))
    return ranked.where(F.col("_rank") == 1).drop("_rank")


class Split(NamedTuple):
    """One collection's change events, split: the rows to write; as quarantine rows, each id's
    broken last document and the lines that are no change event; and `cleared`, the (topic, id)
    of every id whose last event is no broken document (its quarantine row, if any, goes)."""

    curated: DataFrame
    documents: DataFrame
    lines: DataFrame
    cleared: DataFrame


def split(evts: DataFrame, spec: CollectionSpec, run_date: date, *, changes: bool = False) -> Split:
    """`evts` (`events`) split. The curated rows are the current state of the ids, or with
    `changes` one row per id changed, `change_log.DELETE` true where it goes (deleted, or its
    document is broken)."""
    last = latest(evts)
    current = last.where(F.col("cdc_op") != "delete")
    lineage = ["topic", "partition", "offset", "_key", "cdc_op", "cdc_ts", "_event"]
    parsed = extjson.parse(current, spec.fields, keep=lineage)
    good = extjson.valid(parsed)
    renamed = {"_id": "id", "timestamp": "event_ts"}
    curated = good.select(
        *[F.col(name).alias(renamed.get(name, name)) for name in (f.name for f in spec.fields)],
        "cdc_op",
        "cdc_ts",
        F.lit(run_date).alias("ingest_date"),
    ).select(*[F.col(f.name).cast(f.dataType) for f in spec.curated_schema.fields])

    def quarantined(rows: DataFrame, key: Column, reasons: Column) -> DataFrame:
        return rows.select(
            "topic",
            "partition",
            "offset",
            key.alias("id"),
            reasons.alias("reasons"),
            F.col("_event").alias("event"),
            F.lit(run_date).alias("ingest_date"),
        )

    documents = quarantined(extjson.invalid(parsed), F.col("_key"), F.col("_errors"))
    # A line that is no change event stays, whatever its key's later events: no id (the event
    # holds whatever key it has), so the per-id changes of the quarantine never touch it.
    lines = quarantined(evts.where(F.col("_bad").isNotNull()), F.lit(None).cast("string"), F.array("_bad"))
    gone = last.where(F.col("cdc_op") == "delete").select("topic", "_key")
    cleared = gone.unionByName(good.select("topic", "_key")).withColumnRenamed("_key", "id")
    if changes:
        removed = gone.unionByName(extjson.invalid(parsed).select("topic", "_key")).select(
            F.col("_key").alias("id"), F.lit(True).alias(change_log.DELETE)
        )
        curated = curated.withColumn(change_log.DELETE, F.lit(False)).unionByName(
            removed, allowMissingColumns=True
        )
    return Split(curated, documents, lines, cleared)


def curate(raw: DataFrame, spec: CollectionSpec, run_date: date) -> tuple[DataFrame, DataFrame]:
    """(curated rows, quarantine rows) of one collection's whole raw change log."""
    parts = split(events(raw), spec, run_date)
    return parts.curated, parts.documents.unionByName(parts.lines)


# ---- writes -----------------------------------------------------------------------------------------
QUARANTINE_COLUMNS = [f.name for f in MARKETING_QUARANTINE.fields]


def quarantine_changes(parts: Split) -> DataFrame:
    """The quarantine's changes per (topic, id): an id's broken document replaces its row, an id
    cleared leaves. (The lines that are no change event are added once, by position.)"""
    documents = parts.documents.withColumn(change_log.DELETE, F.lit(False))
    cleared = parts.cleared.withColumn(change_log.DELETE, F.lit(True))
    changes = documents.unionByName(cleared, allowMissingColumns=True)
    return changes.select(*QUARANTINE_COLUMNS, change_log.DELETE)


class CollectionRun(NamedTuple):
    read: int  # the raw lines read (the new ones, unless the table was rebuilt)
    rows_out: int
    quarantined: int  # quarantine rows written by this run
    rebuilt: bool


def run_collection(
    spark: SparkSession,
    spec: CollectionSpec,
    raw_path: str,
    location: str,
    quarantine: tuple[Table, str],
    run_date: date,
    *,
    full_refresh: bool = False,
) -> CollectionRun:
    """Curate one collection: apply its new change-log lines, or rebuild it (`full_refresh`, or no
    applied offsets yet). The quarantine is written first: applying the same changes to it again
    (a retry after the table's commit died) changes nothing."""
    marks = None if full_refresh else change_log.applied(spark, spec.qualified_name)
    checked = events(read_raw(spark, raw_path, spec, marks)).cache()
    try:
        read = checked.count()
        new_marks = change_log.read_marks(checked, marks)
        parts = split(checked, spec, run_date, changes=marks is not None)
        table, table_location = quarantine
        per_id = quarantine_changes(parts).cache()
        quarantined = per_id.where(~F.col(change_log.DELETE)).count() + parts.lines.count()
        if read:
            change_log.merge_changes(spark, per_id, table, table_location, ("topic", "id"), None)
            keys = ("topic", "partition", "offset", "event")
            change_log.add_new(spark, parts.lines, table, table_location, keys)
        if marks is None or read:
            change_log.apply(spark, parts.curated, spec, location, ("id",), new_marks, rebuild=marks is None)
        per_id.unpersist()
    finally:
        checked.unpersist()
    rows_out = spark.table(spec.qualified_name).count()
    counts = {"read": read, "rows": rows_out, "quarantined": quarantined}
    change_log.report(
        "curate_marketing", spec.name, spec.qualified_name, new_marks, rebuilt=marks is None, **counts
    )
    return CollectionRun(read, rows_out, quarantined, marks is None)


# ---- job ------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from datalake.settings import get_settings

    lake = get_settings().lake
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", type=date.fromisoformat, required=True, help="logical date, YYYY-MM-DD")
    parser.add_argument("--collection", choices=[*MARKETING, "all"], default="all")
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the table(s) from the whole change log instead of applying the new lines",
    )
    parser.add_argument("--source-database", default=SOURCE_DATABASE, help="Mongo database of the topics")
    parser.add_argument("--hive-database", default="marketing")
    parser.add_argument("--raw-root", default=posixpath.dirname(lake.raw("kafka", "_")))
    parser.add_argument("--curated-root", default=lake.curated("_", "_").rsplit("/", 2)[0])
    parser.add_argument("--quarantine-root", default=lake.quarantine("_", "_").rsplit("/", 2)[0])
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from datalake.spark import build_session

    args = parse_args(argv)
    spark = build_session(f"curate_marketing_{args.collection}", **{"spark.sql.session.timeZone": "UTC"})
    specs = list(MARKETING.values()) if args.collection == "all" else [MARKETING[args.collection]]
    raw_root = args.raw_root.rstrip("/")
    table = Table(args.hive_database, "quarantine", MARKETING_QUARANTINE)
    for spec in specs:
        target = replace(spec, database=args.hive_database)
        run_collection(
            spark,
            target,
            raw_path=f"{raw_root}/{topic(spec.name, args.source_database)}",
            location=f"{args.curated_root}/{target.database}/{target.table}",
            quarantine=(table, f"{args.quarantine_root}/{table.database}/{table.table}"),
            run_date=args.run_date,
            full_refresh=args.full_refresh,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
