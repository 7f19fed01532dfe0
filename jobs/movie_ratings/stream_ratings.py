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
    RATINGS,
    ensure_tables,
    table_location,
)
from datalake.jobs.movie_ratings.stream_sink import COMPACT_EVERY, batch_writer
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from datalake.settings import get_settings
from datalake.spark import build_session

TOPIC = "movieRatings"
CHECKPOINT_NAME = "movie_ratings_stream"
DEFAULT_APP_ID = "movie_ratings_stream"

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
