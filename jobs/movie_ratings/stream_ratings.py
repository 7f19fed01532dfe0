"""Streaming ingestion: Kafka topic `movieRatings` -> Delta `movie_ratings.ratings` (+ quarantine).

    spark-submit jobs/movie_ratings/stream_ratings.py [--trigger-seconds 5] [--max-offsets-per-trigger N]
                                                     [--available-now]

Every Kafka record lands exactly once in exactly one of two tables: a valid event in `ratings`
(source 'stream', with its Kafka partition and offset), anything else in `ratings_quarantine`
with the reason and the raw payload (the seed let malformed events become all-null rows).

Why this is exactly-once with two sinks:
1. Offsets are checkpointed (`--checkpoint`, outside the table folders). Spark writes the offset
   range of micro-batch N to the checkpoint *before* running it and marks it committed only
   after `foreachBatch` returns, so after a crash batch N is replayed with the same records and
   the same batch id; nothing is skipped, and nothing before N is read again.
2. Each Delta append carries `txnAppId` (fixed per target table) and `txnVersion` (= batch id).
   Delta records the highest version committed per app id in the table log and silently skips a
   write whose version is not newer, so a replayed batch that had already reached one or both
   tables is not appended twice.
The first run (no checkpoint) starts from the earliest offset, so nothing produced before the
query came up is lost; afterwards the checkpoint decides where to resume.

Resetting the checkpoint restarts batch ids at 0: pass a new `--app-id` together with a new
checkpoint, or Delta would skip the new run's first batches as already written.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from datalake.jobs.movie_ratings.schemas import (
    QUARANTINE,
    QUARANTINE_SCHEMA,
    RATINGS,
    RATINGS_CSV_SCHEMA,
    RATINGS_SCHEMA,
    SOURCE_STREAM,
    TABLES,
    ensure_tables,
    table_location,
)
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery
from pyspark.sql.types import StringType, StructField, StructType

from datalake.settings import get_settings
from datalake.spark import build_session

TOPIC = "movieRatings"
CHECKPOINT_NAME = "movie_ratings_stream"
DEFAULT_APP_ID = "movie_ratings_stream"

# Event fields in check order, and the kind of JSON value each must hold.
INT, LONG, RATING = "int", "bigint", "rating"
EVENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("userId", INT),
    ("movieId", INT),
    ("rating", RATING),
    ("timestamp", LONG),
)
MIN_RATING, MAX_RATING = 0.5, 5.0
ROWS_PER_FILE = 250_000

# Session settings of the stream (on top of spark-defaults). The seed's micro-batches took ~30 s
# for a few dozen rows on 2 cores because each Delta commit rebuilt the table snapshot with
# Delta's default 50 partitions (50 tasks on local[2], cached and evicted every commit).
STREAM_CONF: dict[str, str] = {
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.sql.shuffle.partitions": "2",
    # A repeated key: the last one wins in both parse paths (Jackson does so, VARIANT on request).
    "spark.sql.variant.allowDuplicateKeys": "true",
    # What the stream's compaction rewrites: files under 256 KiB (~16 000 rows), packed into files
    # of up to 128 MiB. A flood's batches (100 000 rows at 20 000/s, ~1.6 MB) are never rewritten,
    # so one compaction rewrites at most `--compact-every` small files (~12 MiB).
    "spark.databricks.delta.optimize.minFileSize": str(256 * 1024),
    "spark.databricks.delta.optimize.maxFileSize": str(128 * 1024 * 1024),
}
COMPACT_EVERY = 50

# The fast path's typed schema: Jackson takes only JSON integers for int/bigint fields and numbers
# for double; strings, fractions and out-of-range integers come out null.
_FAST_SCHEMA = StructType(
    [
        *RATINGS_CSV_SCHEMA.fields,  # the event's four typed fields, as in MovieLens ratings.csv
        # Set whenever any field failed: Spark then keeps partial results in the other fields
        # (even an earlier value of a repeated key), so such a record must take the exact path.
        StructField("_corrupt", StringType()),
    ]
)
# Jackson's leniencies that the VARIANT parser (the exact path) does not share.
_FAST_OPTIONS = {
    "allowSingleQuotes": "false",
    "allowNonNumericNumbers": "false",
    "mode": "PERMISSIVE",
    "columnNameOfCorruptRecord": "_corrupt",
}

# What `schema_of_variant` calls a JSON number (integers are BIGINT, decimals DECIMAL(p,s)).
_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE")


def _field(name: str) -> str:
    return f"_f_{name}"


def _is_number(type_name: Column) -> Column:
    return type_name.isin(*_NUMBER_TYPES) | type_name.startswith("DECIMAL")


def parse_ratings(kafka: DataFrame, fast_path: bool = True) -> DataFrame:
    """Kafka records -> one row per record with the typed event columns, or a `reason` why not.

    Input: the Kafka source columns (`value` binary, `partition`, `offset`, `timestamp`).
    Output: userId, movieId, rating, timestamp (null unless valid), reason (null when valid),
    raw_value, kafka_partition, kafka_offset, kafka_timestamp.

    Reasons, first match wins: null_value, empty_value, not_json (also valid JSON that is not
    an object), missing_field:<name> (absent or JSON null), wrong_type:<name> (not a JSON number,
    e.g. the string "5"; for userId/movieId/timestamp also a fractional number such as 1.5 or
    one outside int range; integral decimals like 3.0 are accepted), rating_out_of_range
    (outside 0.5..5.0), rating_not_half_step, timestamp_out_of_range (negative epoch).
    Unknown extra fields are ignored, so producers may add fields without breaking the stream;
    with STREAM_CONF a repeated key takes its last value (as JSON.parse does).

    `fast_path=False` sends every record through the exact checks; the result is the same (a
    unit test compares both on thousands of mangled records), only slower.
    """
    base = kafka.select(
        F.col("value").cast("string").alias("raw_value"),
        F.col("partition").cast("int").alias("kafka_partition"),
        F.col("offset").cast("bigint").alias("kafka_offset"),
        F.col("timestamp").cast("timestamp").alias("kafka_timestamp"),
    )
    # Fast path: one strict Jackson parse into the typed fields. It accepts only what the exact
    # checks below would accept too (numbers for numbers, no NaN, no single quotes), so a record
    # that passes is valid; the rest, a small share of a healthy stream, gets the exact checks.
    fast = F.from_json("raw_value", _FAST_SCHEMA, _FAST_OPTIONS)
    base = base.withColumn("_fast", fast)
    fast_ok = F.lit(fast_path) & F.coalesce(
        F.col("_fast").isNotNull()
        & F.col("_fast._corrupt").isNull()
        & F.col("_fast.userId").isNotNull()
        & F.col("_fast.movieId").isNotNull()
        & (F.col("_fast.timestamp") >= 0)
        & ~F.isnan("_fast.rating")
        & F.col("_fast.rating").between(MIN_RATING, MAX_RATING)
        & (F.col("_fast.rating") * 2 == F.floor(F.col("_fast.rating") * 2)),
        F.lit(False),
    )
    base = base.withColumn("_fast_ok", fast_ok)
    # Spark 4's VARIANT keeps the JSON token types, so "5" (string) and 5 (number) stay distinct;
    # from_json with typed fields would only say "null". Parsed only for rows the fast path
    # rejected; separate projections keep the parse from being repeated per check.
    parsed = base.withColumn("_v", F.when(~F.col("_fast_ok"), F.try_parse_json("raw_value")))
    parsed = parsed.withColumns(
        {_field(name): F.variant_get("_v", f"$.{name}", "variant") for name, _ in EVENT_FIELDS}
        | {"_is_object": F.schema_of_variant("_v").startswith("OBJECT")}
    )

    values: dict[str, Column] = {}
    checks: list[tuple[Column, Column]] = [
        (F.col("raw_value").isNull(), F.lit("null_value")),
        (F.trim("raw_value") == "", F.lit("empty_value")),
        (F.col("_v").isNull() | ~F.col("_is_object"), F.lit("not_json")),
    ]
    for name, _ in EVENT_FIELDS:
        field = F.col(_field(name))
        checks.append((field.isNull() | F.is_variant_null(field), F.lit(f"missing_field:{name}")))
    for name, kind in EVENT_FIELDS:
        field = F.col(_field(name))
        number = _is_number(F.schema_of_variant(field))
        as_double = F.try_variant_get(field, "$", "double")
        if kind == RATING:
            values[name] = as_double
            bad = ~number | as_double.isNull()
        else:
            # try_variant_get truncates 1.5 to 1, so integrality is checked on the double first.
            values[name] = F.try_variant_get(field, "$", kind)
            bad = ~number | (as_double != F.floor(as_double)) | values[name].isNull()
        # A null check would count as "passed": coalesce so an unforeseen case is quarantined.
        checks.append((F.coalesce(bad, F.lit(True)), F.lit(f"wrong_type:{name}")))
    rating = values["rating"]
    checks += [
        ((rating < MIN_RATING) | (rating > MAX_RATING), F.lit("rating_out_of_range")),
        (rating * 2 != F.floor(rating * 2), F.lit("rating_not_half_step")),
        (values["timestamp"] < 0, F.lit("timestamp_out_of_range")),
    ]

    reason = F.when(F.col("_fast_ok"), F.lit(None).cast("string"))
    for condition, label in checks:
        reason = reason.when(condition, label)
    values = {
        name: F.when(F.col("_fast_ok"), F.col(f"_fast.{name}")).otherwise(value)
        for name, value in values.items()
    }
    with_reason = parsed.withColumns(values).withColumn("reason", reason)
    return with_reason.select(
        *[F.when(F.col("reason").isNull(), F.col(name)).alias(name) for name, _ in EVENT_FIELDS],
        "reason",
        "raw_value",
        "kafka_partition",
        "kafka_offset",
        "kafka_timestamp",
    )


def valid(parsed: DataFrame) -> DataFrame:
    """The rows of `parse_ratings` that passed, in the `ratings` table layout (source 'stream')."""
    return (
        parsed.where(F.col("reason").isNull())
        .select(
            "userId",
            "movieId",
            "rating",
            "timestamp",
            F.lit(SOURCE_STREAM).alias("source"),
            "kafka_partition",
            "kafka_offset",
        )
        .select([f.name for f in RATINGS_SCHEMA.fields])
    )


def quarantined(parsed: DataFrame, at: Column | None = None) -> DataFrame:
    """The rows of `parse_ratings` that failed, in the `ratings_quarantine` layout."""
    return (
        parsed.where(F.col("reason").isNotNull())
        .select(
            "raw_value",
            "reason",
            "kafka_partition",
            "kafka_offset",
            "kafka_timestamp",
            (F.current_timestamp() if at is None else at).alias("quarantined_at"),
        )
        .select([f.name for f in QUARANTINE_SCHEMA.fields])
    )


def output_files(rows: int, max_files: int, rows_per_file: int = ROWS_PER_FILE) -> int:
    """Files one micro-batch writes per table: one for a trickle, up to `max_files` for a flood.

    Without this every batch writes one file per input partition, so a 2 events/s trickle leaves
    thousands of tiny Parquet files a day that every later read (and Delta's log) pays for.
    """
    return max(1, min(max_files, -(-rows // rows_per_file)))


def compact(spark: SparkSession, ratings_path: str, quarantine_path: str) -> None:
    """Rewrite the streamed small files of both tables into a few larger ones (OPTIMIZE).

    Every trigger adds a file per table, so a 2 events/s trickle would leave ~17 000 files a day
    for the daily job to open. Compaction commits carry no data change and never conflict with
    appends, and a replayed batch that compacts again finds nothing left to do. A DELETE or
    another OPTIMIZE that rewrote the same files first wins: this round is skipped (the stream
    goes on; the next round compacts what is left).
    """
    from delta.exceptions import (
        ConcurrentDeleteDeleteException,
        ConcurrentDeleteReadException,
        ConcurrentWriteException,
        DeltaConcurrentModificationException,
    )
    from delta.tables import DeltaTable

    lost_race = (
        ConcurrentDeleteDeleteException,
        ConcurrentDeleteReadException,
        ConcurrentWriteException,
        DeltaConcurrentModificationException,
    )
    for path, where in ((ratings_path, f"source = '{SOURCE_STREAM}'"), (quarantine_path, None)):
        if not DeltaTable.isDeltaTable(spark, path):
            continue  # a table the stream has not written yet (its first batch creates it)
        optimize = DeltaTable.forPath(spark, path).optimize()
        try:
            (optimize.where(where) if where else optimize).executeCompaction()
        except lost_race as exc:
            print(
                f"[stream_ratings] compaction of {path} skipped, a concurrent commit won: {exc}", flush=True
            )


def should_compact(batch_id: int, every: int) -> bool:
    """Compact after every `every`-th micro-batch (batch ids only advance when data arrives)."""
    return every > 0 and (batch_id + 1) % every == 0


def batch_writer(
    ratings_path: str,
    quarantine_path: str,
    app_id: str,
    max_files: int = 2,
    compact_every: int = COMPACT_EVERY,
) -> Callable[[DataFrame, int], None]:
    """The `foreachBatch` function: both appends are idempotent per (txnAppId, batch id).

    The parse is cached and counted once; a table with no rows in this batch is not written at all
    (the seed committed an empty Delta version per table per trigger, doubling the log traffic).
    Skipping is deterministic, so a replayed batch makes the same decision. Every
    `compact_every` batches the small files are compacted (`compact`).
    """

    def write(batch: DataFrame, batch_id: int) -> None:
        parsed = parse_ratings(batch).persist()
        try:
            total, rejected = parsed.select(F.count(F.lit(1)), F.count("reason")).first()  # type: ignore[misc]
            for frame, path, target, rows in (
                (valid(parsed), ratings_path, RATINGS, total - rejected),
                (quarantined(parsed), quarantine_path, QUARANTINE, rejected),
            ):
                if rows == 0:
                    continue
                (
                    frame.coalesce(output_files(rows, max_files))
                    .write.format("delta")
                    .mode("append")
                    .partitionBy(*TABLES[target][1])  # as declared, also when the write creates it
                    .option("txnAppId", f"{app_id}.{target}")
                    .option("txnVersion", batch_id)
                    .save(path)
                )
        finally:
            parsed.unpersist()
        if should_compact(batch_id, compact_every):
            compact(batch.sparkSession, ratings_path, quarantine_path)

    return write


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    settings = get_settings()
    lake = settings.lake
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap", default=settings.kafka_bootstrap)
    parser.add_argument("--topic", default=TOPIC)
    parser.add_argument("--checkpoint", default=lake.checkpoint(CHECKPOINT_NAME))
    parser.add_argument("--ratings", default=table_location(lake, RATINGS))
    parser.add_argument("--quarantine", default=table_location(lake, QUARANTINE))
    parser.add_argument(
        "--app-id", default=DEFAULT_APP_ID, help="Delta txnAppId prefix; new one per checkpoint"
    )
    parser.add_argument("--trigger-seconds", type=float, default=5.0)
    parser.add_argument("--max-offsets-per-trigger", type=int, default=200_000)
    parser.add_argument("--available-now", action="store_true", help="process what is there, then stop")
    parser.add_argument(
        "--min-partitions", type=int, default=2, help="Kafka minPartitions (0: one per topic partition)"
    )
    parser.add_argument(
        "--compact-every",
        type=int,
        default=COMPACT_EVERY,
        help="compact the small files every N micro-batches (0: never)",
    )
    parser.add_argument("--progress-seconds", type=float, default=30.0)
    parser.add_argument("--allow-data-loss", action="store_true", help="do not fail if offsets expired")
    return parser.parse_args(argv)


def start_query(
    spark: SparkSession,
    args: argparse.Namespace,
    wrap: Callable[[Callable[[DataFrame, int], None]], Callable[[DataFrame, int], None]] | None = None,
) -> StreamingQuery:
    """Start the Kafka -> Delta query described by `args` (`wrap` lets benchmarks time batches)."""
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap)
        .option("subscribe", args.topic)
        .option("startingOffsets", "earliest")
        .option("failOnDataLoss", str(not args.allow_data_loss).lower())
    )
    if args.max_offsets_per_trigger > 0:
        reader = reader.option("maxOffsetsPerTrigger", args.max_offsets_per_trigger)
    if args.min_partitions > 0:
        # The topic may have a single partition; split big offset ranges across the cores.
        reader = reader.option("minPartitions", args.min_partitions)
    write = batch_writer(
        args.ratings,
        args.quarantine,
        args.app_id,
        max(1, spark.sparkContext.defaultParallelism),
        args.compact_every,
    )
    writer = (
        reader.load()
        .writeStream.queryName("movie_ratings_stream")
        .option("checkpointLocation", args.checkpoint)
        .foreachBatch(wrap(write) if wrap else write)
    )
    if args.available_now:
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=f"{args.trigger_seconds} seconds")
    return writer.start()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    spark = build_session("movie_ratings_stream", **STREAM_CONF)
    ensure_tables(spark, get_settings().lake)
    query = start_query(spark, args)
    print(
        f"stream_ratings: {args.topic} @ {args.bootstrap} -> {args.ratings} (checkpoint {args.checkpoint})",
        flush=True,
    )

    # awaitTermination re-raises a failed query's error, so the driver exits non-zero.
    while not query.awaitTermination(args.progress_seconds):
        progress = query.lastProgress
        if progress:
            print(
                f"stream_ratings: batch {progress['batchId']}: {progress['numInputRows']:,} rows, "
                f"{progress.get('inputRowsPerSecond') or 0:,.0f} in/s, "
                f"{progress.get('processedRowsPerSecond') or 0:,.0f} processed/s, "
                f"took {progress['durationMs'].get('triggerExecution', 0):,} ms "
                f"(write {progress['durationMs'].get('addBatch', 0):,} ms)",
                flush=True,
            )
    print(f"stream_ratings: query stopped ({query.status['message']})")
    spark.stop()


if __name__ == "__main__":
    main()
