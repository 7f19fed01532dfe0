"""The stream's sink: the `foreachBatch` writer (idempotent Delta appends) and its compaction.

Separate from the parse (`stream_parse.py`, pure transforms) and from the query's set-up
(`stream_ratings.py`, arguments and session): this is the part that makes the two appends
exactly-once per micro-batch and keeps the streamed files few (see `stream_ratings`' docstring).
"""

from __future__ import annotations

from collections.abc import Callable

from datalake.jobs.movie_ratings.schemas import QUARANTINE, RATINGS, SOURCE_STREAM, TABLES
from datalake.jobs.movie_ratings.stream_parse import parse_ratings, quarantined, valid
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

ROWS_PER_FILE = 250_000
COMPACT_EVERY = 50


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
