"""Channel operations of one day (raw zone) -> Hive `financas.channel_operations`, by date and channel.

    spark-submit jobs/channels/channel_operations.py --run-date 2026-11-28 [--until '{"0": 1234, "1": 998}']

The lake sink lands topic `channels.operations` exactly once under `dt=<the record's date>`; the
producers stamp each record with the event's own time, so the day's folder holds exactly the
day's events. `--until` bounds each Kafka partition by the end offsets the DAG captured (a run for
a day that is still going reads what was there when it started).

Per event: typed with the contract's schema (`jobs/channels/schemas.py`), CPF -> the bank's salted
hash. Quarantined with the reason, never dropped: a value of the wrong type, a missing required
field, an unknown channel, a value that is not positive, a client id not in `santander.clients`,
and a second event with an operation id already seen (the first, by Kafka position, is kept: a
producer retry or a replay never doubles a row). The day's partitions are replaced whole, so a
re-run of the date gives the same rows.

One file (~330 lines) with the job's read, checks and load: each rule sits beside the message the
quarantine keeps for it; the duplicate search, tuned on its own, is `copies.py`.
"""

from __future__ import annotations

import argparse
import json
import operator
import posixpath
import sys
import time
from collections.abc import Sequence
from datetime import date
from functools import reduce
from typing import TYPE_CHECKING

from datalake.jobs.bank.curate_cdc import cpf_hash
from datalake.jobs.channels.copies import copies_to_flag, flag_copies, later_copies
from datalake.jobs.channels.schemas import (
    CHANNELS,
    CORRUPT,
    CURATED,
    EVENT,
    EVENT_PARSED,
    EVENT_TEXT,
    QUARANTINE,
    RAW_LINE,
    REQUIRED,
)
from datalake.jobs.hive_tables import Table, ensure_table
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DecimalType, StringType, StructField

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

TOPIC = "channels.operations"
TABLE = Table("financas", "channel_operations", CURATED, ("op_date", "channel"))
QUARANTINE_TABLE = Table("financas", "channel_operations_quarantine", QUARANTINE, ("op_date", "channel"))


# A number, strictly, as a decimal's text must be: Spark's JSON reader would also take the string
# "12,50" for a decimal (as 1250, reading the comma as a thousands separator).
_NUMBER = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"


def read_day(spark: SparkSession, topic_dir: str, day: date) -> DataFrame:
    """The day's raw lines with the event parsed: typed (`value`) and as text (`text`)."""
    path = f"{topic_dir.rstrip('/')}/dt={day.isoformat()}"
    lines = spark.read.schema(RAW_LINE).option("pathGlobFilter", "*.jsonl").json(path)
    return parse(lines)


def parse(lines: DataFrame) -> DataFrame:
    """`value` (the event's JSON text) -> `value` typed by the contract and `text` (its fields as text).

    Parsed once; a second time, as text, only where a value has the wrong type (Spark's corrupt
    record): parsing every event twice was most of the job's time. `text` is null elsewhere, but
    for a decimal, whose text is always there (see `EVENT_PARSED`)."""
    parsed = F.col("_parsed")
    wrong_typed = F.from_json(
        F.when(parsed.isNull() | parsed[CORRUPT].isNotNull(), F.col("_json")), EVENT_TEXT
    )

    def typed(f: StructField) -> Column:
        if isinstance(f.dataType, DecimalType):
            return F.when(parsed[f.name].rlike(_NUMBER), parsed[f.name].try_cast(f.dataType))
        return parsed[f.name]

    def text(f: StructField) -> Column:
        return parsed[f.name] if isinstance(f.dataType, DecimalType) else wrong_typed[f.name]

    return lines.select(
        "partition",
        "offset",
        "timestamp",
        F.from_json("value", EVENT_PARSED, {"columnNameOfCorruptRecord": CORRUPT}).alias("_parsed"),
        F.col("value").alias("_json"),
    ).select(
        "partition",
        "offset",
        "timestamp",
        F.struct(*(typed(f).alias(f.name) for f in EVENT.fields)).alias("value"),
        F.struct(*(text(f).alias(f.name) for f in EVENT.fields)).alias("text"),
        "_json",
    )


def within(lines: DataFrame, until: dict[int, int] | None) -> DataFrame:
    """Only offsets below each partition's bound (no bound: everything)."""
    if not until:
        return lines
    bound = F.create_map(*[F.lit(x) for p, end in until.items() for x in (p, end)])
    return lines.where(F.col("offset") < F.coalesce(bound[F.col("partition")], F.lit(0)))


# ---- transform --------------------------------------------------------------------------------------
def _wrong_type_message(field: StructField, text: Column) -> Column:
    return F.concat(F.lit(f"{field.name}: not a {field.dataType.simpleString()}: "), text)


def rules(known_clients: DataFrame | None = None) -> list[tuple[Column, Column]]:
    """Why an event is quarantined: one (condition, message) per rule."""
    value, text = F.col("value"), F.col("text")
    out = [
        *((value[name].isNull() & text[name].isNull(), F.lit(f"{name}: missing")) for name in REQUIRED),
        *(
            (text[f.name].isNotNull() & value[f.name].isNull(), _wrong_type_message(f, text[f.name]))
            for f in EVENT.fields
        ),
        (
            value["channel"].isNotNull() & ~value["channel"].isin(*CHANNELS),
            F.concat(F.lit("unknown channel "), value["channel"]),
        ),
        (value["value"] <= 0, F.concat(F.lit("value not positive: "), value["value"].cast("string"))),
    ]
    if known_clients is not None:
        out.append(
            (
                value["client_id"].isNotNull() & F.col("_known").isNull(),
                F.concat(F.lit("client_id not in santander.clients: "), value["client_id"].cast("string")),
            )
        )
    return out


def classify(lines: DataFrame, known_clients: DataFrame | None, copies: DataFrame | None = None) -> DataFrame:
    """Each line with `_reasons` (empty: a good event); later copies of an operation id flagged too.

    `check` then `flag_copies`; `main` runs them apart, to find the copies in the cached checks.
    `copies` is `later_copies(lines)` (None: computed here)."""
    checked = check(lines, known_clients)
    return flag_copies(checked, later_copies(checked) if copies is None else copies, lines)


def check(lines: DataFrame, known_clients: DataFrame | None) -> DataFrame:
    """Each line with `_reasons` by the rules (empty: a good event), not yet by duplicates.

    Only what the two tables need is kept (`main` caches this): the JSON and the text of a bad
    event; the typed event of every one."""
    if known_clients is not None:
        ids = known_clients.select(F.col("id").alias("_client"), F.lit(True).alias("_known"))
        lines = lines.join(F.broadcast(ids), F.col("value.client_id") == F.col("_client"), "left").drop(
            "_client"
        )
    found = rules(known_clients)
    # The rules' conditions decide, compiled; the list of messages (a lambda, which Spark
    # interprets row by row) is built only for the rare bad event.
    any_rule = F.coalesce(reduce(operator.or_, (condition for condition, _ in found)), F.lit(False))
    listed = F.filter(F.array(*(F.when(c, m) for c, m in found)), lambda r: r.isNotNull())
    reasons = (
        F.when(
            ~F.coalesce(F.ltrim("_json").startswith("{"), F.lit(False)), F.array(F.lit("not an event object"))
        )
        .when(any_rule, listed)
        .otherwise(F.array().cast(ArrayType(StringType())))
    )
    bad = F.size("_reasons") > 0
    return lines.withColumn("_reasons", reasons).select(
        "partition",
        "offset",
        "timestamp",
        "value",
        "_reasons",
        F.when(bad, F.col("_json")).alias("_json"),
        *(F.when(bad, F.col(f"text.{name}")).alias(f"_text_{name}") for name in ("operation_id", "channel")),
    )


def curated(classified: DataFrame, salt: str, run_date: date) -> DataFrame:
    v = F.col("value")
    extras = [v[f.name].alias(f.name) for f in EVENT.fields[EVENT.fieldNames().index("agencia") :]]
    return classified.where(F.size("_reasons") == 0).select(
        v["operation_id"].alias("operation_id"),
        v["client_id"].alias("client_id"),
        cpf_hash(v["cpf"], salt).alias("cpf_hash"),
        v["product"].alias("product"),
        v["operation"].alias("operation"),
        v["value"].alias("value"),
        v["online"].alias("online"),
        F.timestamp_millis(v["timestamp"]).alias("op_timestamp"),
        v["success"].alias("success"),
        *extras,
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.lit(run_date).alias("ingest_date"),
        F.to_date(F.timestamp_millis("timestamp")).alias("op_date"),
        v["channel"].alias("channel"),
    )


def quarantined(classified: DataFrame, run_date: date) -> DataFrame:
    return classified.where(F.size("_reasons") > 0).select(
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.coalesce("_text_operation_id", "value.operation_id").alias("operation_id"),
        F.col("_reasons").alias("reasons"),
        F.col("_json").alias("event"),
        F.lit(run_date).alias("ingest_date"),
        F.to_date(F.timestamp_millis("timestamp")).alias("op_date"),
        F.coalesce("_text_channel", "value.channel", F.lit("unknown")).alias("channel"),
    )


# ---- load -------------------------------------------------------------------------------------------
def replace_day(spark: SparkSession, df: DataFrame, table: Table, location: str, day: date) -> None:
    """Replace the day's partitions (every channel) and nothing else: the day's folder is deleted,
    its partitions dropped, then the day's rows written (dynamic partition overwrite)."""
    ensure_table(spark, table, location)
    from datalake.spark import hadoop_path

    _, folder, fs = hadoop_path(spark, f"{location}/op_date={day.isoformat()}")
    fs.delete(folder, True)
    spark.sql(
        f"ALTER TABLE {table.qualified_name} DROP IF EXISTS PARTITION (op_date = DATE'{day.isoformat()}')"
    )
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    columns = [F.col(f.name).cast(f.dataType) for f in table.curated_schema.fields]
    df.select(*columns).repartition("channel").write.insertInto(table.qualified_name, overwrite=True)
    spark.sql(f"REFRESH TABLE {table.qualified_name}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from datalake.settings import get_settings

    lake = get_settings().lake
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", type=date.fromisoformat, required=True, help="logical date, YYYY-MM-DD")
    parser.add_argument("--until", type=json.loads, default=None, help='JSON {"<partition>": <end offset>}')
    parser.add_argument("--raw-root", default=posixpath.dirname(lake.raw("kafka", "_")))
    parser.add_argument("--topic", default=TOPIC)
    parser.add_argument("--database", default=TABLE.database, help="Hive database of both tables")
    parser.add_argument("--curated-root", default=lake.curated("_", "_").rsplit("/", 2)[0])
    parser.add_argument("--quarantine-root", default=lake.quarantine("_", "_").rsplit("/", 2)[0])
    parser.add_argument("--no-client-check", action="store_true", help="skip the santander.clients lookup")
    return parser.parse_args(argv)


def known_clients(spark: SparkSession) -> DataFrame:
    """Client ids of MariaDB `santander.clients` (the source of truth, not yesterday's curated copy)."""
    from datalake.settings import get_settings

    s = get_settings()
    return spark.read.jdbc(
        s.mariadb_jdbc_url,
        "(SELECT id FROM santander.clients) AS clients",
        properties={
            "user": s.mariadb_user,
            "password": s.mariadb_password,
            "driver": "org.mariadb.jdbc.Driver",
            # Spark's default JDBC dialect quotes columns with "…"; MariaDB reads that as a string.
            "sessionInitStatement": "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')",
        },
    )


def main(argv: Sequence[str] | None = None) -> int:
    from dataclasses import replace

    from datalake.settings import get_settings
    from datalake.spark import build_session

    args = parse_args(argv)
    started = time.monotonic()

    def progress(what: str) -> None:
        print(f"[channel_operations] {args.run_date} {time.monotonic() - started:6.1f}s {what}", flush=True)

    salt = get_settings().pii_salt
    if not salt:
        raise SystemExit("PII_SALT is empty: refusing to write CPF hashes without a salt")
    # Small partitions, read and shuffled (adaptive execution merges the small ones):
    # a day's events are wide rows, and 128 MB splits of raw JSON, cached, ran a 1 GiB driver out
    # of memory at 5 M events.
    spark = build_session(
        "channel_operations",
        **{
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.shuffle.partitions": "64",
            "spark.sql.files.maxPartitionBytes": "32m",
        },
    )
    until = {int(p): int(o) for p, o in (args.until or {}).items()} or None
    lines = within(read_day(spark, f"{args.raw_root.rstrip('/')}/{args.topic}", args.run_date), until)
    clients = None if args.no_client_check else known_clients(spark)
    # One pass over the day's JSON (cached); duplicates are then found in the cache.
    checked = check(lines, clients).cache()
    copies, later = copies_to_flag(checked)
    progress(f"{checked.count()} events checked, {later} later copies of operation ids found")
    # Not cached again: with copies (rare), each write below joins them anew, a cheap re-read.
    classified = flag_copies(checked, copies, lines)
    table, quarantine = (
        replace(TABLE, database=args.database),
        replace(QUARANTINE_TABLE, database=args.database),
    )
    replace_day(
        spark,
        curated(classified, salt, args.run_date),
        table,
        f"{args.curated_root}/{table.database}/{table.table}",
        args.run_date,
    )
    progress(f"{table.qualified_name} written")
    replace_day(
        spark,
        quarantined(classified, args.run_date),
        quarantine,
        f"{args.quarantine_root}/{quarantine.database}/{quarantine.table}",
        args.run_date,
    )
    counts: dict[bool, int] = dict(classified.groupBy(F.size("_reasons") == 0).count().collect())
    progress(
        f"{quarantine.qualified_name} written: {counts.get(True, 0)} rows, {counts.get(False, 0)} quarantined"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
