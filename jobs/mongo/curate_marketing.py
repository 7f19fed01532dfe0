"""santander_marketing change events (raw zone) -> Hive `marketing.{facebook,public_survey}`.

    spark-submit jobs/mongo/curate_marketing.py --run-date 2026-11-28 [--collection facebook]

The MongoDB Kafka source connector publishes every insert, update, replace and delete of the
collections to `mongo.santander_marketing.<collection>` (the full document, Extended JSON, keyed
by `documentKey`); the lake sink lands them exactly once in the raw zone. This job replays each
collection's events: per `_id` the last event wins (ordered by Kafka partition and offset; one key
always lives in one partition), a delete removes the row. The current documents are then checked
against the contract like the Nubank ones: broken documents and lines that are not change events
go to `marketing.quarantine` with the reason, and the run goes on. Every run rebuilds the tables
from the whole change log, so a re-run of a date changes nothing.
"""

from __future__ import annotations

import argparse
import posixpath
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from datalake.jobs.mongo import extjson
from datalake.jobs.mongo.schemas import MARKETING, MARKETING_QUARANTINE, CollectionSpec, change_event_line
from datalake.jobs.mongo.tables import write_collections
from pyspark.sql import Window
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

SOURCE_DATABASE = "santander_marketing"
TOPIC_PREFIX = "mongo"
OPERATIONS = ("insert", "update", "replace", "delete")


def topic(collection: str, database: str = SOURCE_DATABASE) -> str:
    return f"{TOPIC_PREFIX}.{database}.{collection}"


def read_raw(spark: SparkSession, path: str, spec: CollectionSpec) -> DataFrame:
    """The raw lines of one topic (every `dt=` folder); the sink's temp files start with '.'."""
    return (
        spark.read.schema(change_event_line(spec))
        .option("mode", "PERMISSIVE")
        .option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "*.jsonl")
        .json(path)
    )


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
        "value.fullDocument.*",
    )


def latest(evts: DataFrame) -> DataFrame:
    """The last well-formed event per `_id`; ids whose last event is a delete are gone."""
    last_first = Window.partitionBy("_key").orderBy(F.desc("partition"), F.desc("offset"))
    ranked = evts.where(F.col("_bad").isNull()).withColumn("_rank", F.row_number().over(last_first))
    return ranked.where((F.col("_rank") == 1) & (F.col("cdc_op") != "delete")).drop("_rank")


def split(evts: DataFrame, spec: CollectionSpec, run_date: date) -> tuple[DataFrame, DataFrame]:
    """(curated rows, quarantine rows) of one collection's change events (`events`)."""
    current = latest(evts)
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

    def quarantined(rows: DataFrame, reasons: Column) -> DataFrame:
        return rows.select(
            "topic",
            "partition",
            "offset",
            F.col("_key").alias("id"),
            reasons.alias("reasons"),
            F.col("_event").alias("event"),
        )

    broken_docs = quarantined(extjson.invalid(parsed), F.col("_errors"))
    broken_events = quarantined(evts.where(F.col("_bad").isNotNull()), F.array("_bad"))
    quarantine = broken_docs.unionByName(broken_events).withColumn("ingest_date", F.lit(run_date))
    return curated, quarantine


def curate(raw: DataFrame, spec: CollectionSpec, run_date: date) -> tuple[DataFrame, DataFrame]:
    """(curated rows, quarantine rows) of one collection's raw change log."""
    return split(events(raw), spec, run_date)


# ---- job ------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from datalake.settings import get_settings

    lake = get_settings().lake
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", type=date.fromisoformat, required=True, help="logical date, YYYY-MM-DD")
    parser.add_argument("--collection", choices=[*MARKETING, "all"], default="all")
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
    write_collections(
        spark,
        specs,
        read=lambda spec: read_raw(spark, f"{raw_root}/{topic(spec.name, args.source_database)}", spec),
        check=lambda raw, _spec: events(raw),
        split=lambda evts, spec: split(evts, spec, args.run_date),
        database=args.hive_database,
        curated_root=args.curated_root,
        quarantine=(args.quarantine_root, MARKETING_QUARANTINE) if args.collection == "all" else None,
        label="curate_marketing",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
