"""The daily top-100's incremental aggregate: rating counts and sums per movie, in total and per day.

Why: the daily job used to aggregate every rating ever made, every day: O(ratings), 32 M rows
read to publish 100 (issue 14). With `movie_ratings.rating_counts` it aggregates only the
ratings that arrived since its last run, then reads O(movies x runs) totals and the per-day
counts of the few days on or after the run date.

Each increment appends two grains of rows (the table is partitioned by `grain`):
- `movie`: per movie, `ratings_count` and `ratings_sum` of the increment's ratings, all days;
- `day`: the same per movie and UTC day of the ratings' timestamps (null day: no timestamp).
The counts before a run date are then the totals minus the day rows on or after it (or without
a day): a run for yesterday reads the totals and a day or two of day rows, not 9 years of them.
Day rows are written range-partitioned by day, so Delta's file statistics skip the old ones.

Two kinds of increment (`source`):
- `stream`: the streamed ratings past the previous watermark, per Kafka partition. Each row
  carries its partition and `through_offset`, the highest offset the increment covers, so the
  watermark is written in the same rows, in the same Delta commit, as the counts: a crash
  before the commit leaves the old watermark and no counts, after it both. A retry of the same
  increment is also refused by Delta itself (`txnAppId`/`txnVersion`: the version of the ratings
  table the increment was read from).
- `catalog`: the MovieLens catalog's counts, computed when none are present. `catalog_load`
  deletes them before it replaces the catalog's ratings, so the next daily run recounts them.

Late events (a rating timestamped days ago that arrives today) land in today's increment under
their own day, so every later run date counts them, as the full computation does. Ratings are
multiples of 0.5, whose double sums and differences are exact, so `sum / count` here equals the
full computation's `avg` bit for bit (the data check, `check_top_movies`, compares them every
run). Ratings are never null (the stream quarantines them, the catalog's schema forbids them).

One writer at a time: the DAG runs one date at a time (`max_active_runs=1`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from datalake.jobs.movie_ratings.schemas import (
    RATING_COUNTS,
    RATING_COUNTS_SCHEMA,
    SOURCE_CATALOG,
    SOURCE_STREAM,
)
from pyspark.sql import Column, Window
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, GroupedData, Row, SparkSession

_SECONDS_PER_DAY = 86_400
TXN_APP_ID = f"movie_ratings.{RATING_COUNTS}"
GRAIN_MOVIE = "movie"
GRAIN_DAY = "day"
# Where the counts start to pay (`worth_keeping`): ~300 M ratings of ~14 bytes, extrapolated from
# the full computation's growth (3.2 s at 32 M, 6.7 s at 96 M) to the incremental's ~17 s.
INCREMENTAL_FROM_BYTES = 4 * 1024**3
ROWS_PER_FILE = 4_000_000  # ratings counted per day-rows file of one increment (at most 16 files)


def rating_day() -> Column:
    """The UTC day of a rating's epoch-seconds `timestamp` (time zone independent)."""
    return F.date_from_unix_date(F.floor(F.col("timestamp") / _SECONDS_PER_DAY).cast("int"))


def _counts(grouped: GroupedData) -> DataFrame:
    return grouped.agg(
        F.count("rating").alias("ratings_count"),
        F.coalesce(F.sum("rating"), F.lit(0.0)).alias("ratings_sum"),
        F.max("kafka_offset").alias("_max_offset"),
    )


def _both_grains(ratings: DataFrame, keys: list[str]) -> DataFrame:
    """The `movie` and `day` rows of `ratings`, grouped by `keys` (+ the day for `day` rows)."""
    per_movie = _counts(ratings.groupBy(*keys)).select(
        "*", F.lit(GRAIN_MOVIE).alias("grain"), F.lit(None).cast("date").alias("day")
    )
    per_day = _counts(ratings.groupBy(*keys, rating_day().alias("day"))).withColumn("grain", F.lit(GRAIN_DAY))
    return per_movie.unionByName(per_day)


def _in_schema(frame: DataFrame) -> DataFrame:
    return frame.select(*[F.col(f.name).cast(f.dataType) for f in RATING_COUNTS_SCHEMA.fields])


def watermarks(counts: DataFrame) -> dict[int, int]:
    """Per Kafka partition, the highest offset already counted (absent: nothing counted yet)."""
    rows = (
        counts.where((F.col("grain") == GRAIN_MOVIE) & (F.col("source") == SOURCE_STREAM))
        .groupBy("kafka_partition")
        .agg(F.max("through_offset").alias("through_offset"))
        .collect()
    )
    return {row["kafka_partition"]: row["through_offset"] for row in rows}


def unapplied(ratings: DataFrame, marks: Mapping[int, int]) -> DataFrame:
    """The streamed ratings past `marks` (a partition without a mark: all of its ratings)."""
    stream = ratings.where(F.col("source") == SOURCE_STREAM)
    if not marks:
        return stream
    partition, offset = F.col("kafka_partition"), F.col("kafka_offset")
    past = reduce(or_, [(partition == p) & (offset > o) for p, o in marks.items()])
    return stream.where(~partition.isin(*marks) | past)


def stream_increment(new: DataFrame) -> DataFrame:
    """`rating_counts` rows of newly streamed ratings, both grains, per Kafka partition; every
    row carries its partition's highest offset among them as `through_offset`."""
    rows = _both_grains(new, ["kafka_partition", "movieId"])
    through = F.max("_max_offset").over(Window.partitionBy("kafka_partition"))
    return _in_schema(rows.withColumn("through_offset", through).withColumn("source", F.lit(SOURCE_STREAM)))


def catalog_counts(ratings: DataFrame) -> DataFrame:
    """`rating_counts` rows of the catalog's ratings, both grains, no Kafka coordinates."""
    rows = _both_grains(ratings.where(F.col("source") == SOURCE_CATALOG), ["movieId"])
    return _in_schema(
        rows.withColumn("source", F.lit(SOURCE_CATALOG))
        .withColumn("kafka_partition", F.lit(None))
        .withColumn("through_offset", F.lit(None))
    )


def per_movie_before(counts: DataFrame, cutoff_day: Column) -> DataFrame:
    """movieId, ratings_count, ratings_mean of the ratings timestamped before `cutoff_day`: the
    totals minus the day rows on or after it (or without a day); movies left with none dropped."""

    def summed(rows: DataFrame, suffix: str) -> DataFrame:
        return rows.groupBy("movieId").agg(
            F.sum("ratings_count").alias(f"count{suffix}"), F.sum("ratings_sum").alias(f"sum{suffix}")
        )

    totals = summed(counts.where(F.col("grain") == GRAIN_MOVIE), "")
    day = F.col("day")
    later = summed(
        counts.where((F.col("grain") == GRAIN_DAY) & ((day >= cutoff_day) | day.isNull())), "_later"
    )
    count = F.col("count") - F.coalesce(F.col("count_later"), F.lit(0))
    total = F.col("sum") - F.coalesce(F.col("sum_later"), F.lit(0.0))
    return (
        totals.join(later, "movieId", "left")
        .where(count > 0)
        .select("movieId", count.alias("ratings_count"), (total / count).alias("ratings_mean"))
    )


def _by_day(rows: DataFrame, ratings: int) -> DataFrame:
    """`rows` in files of disjoint day ranges (one per ROWS_PER_FILE ratings, 1..16), so that
    the day filter of `per_movie_before` skips the old files by their statistics. A daily
    increment is one file (no range sampling: that would read the new ratings once more)."""
    if ratings <= ROWS_PER_FILE:
        return rows.coalesce(1)
    return rows.repartitionByRange(min(16, ratings // ROWS_PER_FILE + 1), "grain", "day")


# ---- Delta I/O (the jobs' side: daily_top_movies and catalog_load) ----------------------------------
def _describe(spark: SparkSession, what: str, path: str) -> Row | None:
    """The first row of `DESCRIBE <what>` of the Delta table at `path`; None when there is none."""
    from pyspark.errors import AnalysisException

    try:
        return spark.sql(f"DESCRIBE {what} delta.`{path}`").first()
    except AnalysisException:
        return None


def _version(spark: SparkSession, path: str) -> int | None:
    """The current version of the Delta table at `path`; None when there is none."""
    latest = _describe(spark, "HISTORY", path)  # newest first
    return None if latest is None else int(latest["version"])


def create_if_missing(spark: SparkSession, counts_path: str) -> None:
    """An empty `rating_counts` at `counts_path` unless one is there (the stream's start registers
    the lake's own in the metastore; this covers a fresh path, e.g. a benchmark's)."""
    if _version(spark, counts_path) is None:
        empty = spark.createDataFrame([], RATING_COUNTS_SCHEMA)
        empty.write.format("delta").mode("append").partitionBy("grain").save(counts_path)


def refresh(spark: SparkSession, ratings_path: str, counts_path: str) -> tuple[int, int]:
    """Bring `rating_counts` up to date with the ratings table; returns the ratings version read
    and how many streamed ratings it counted. Safe to re-run: nothing is counted twice."""
    version = _version(spark, ratings_path)
    if version is None:
        raise FileNotFoundError(f"no Delta ratings table at {ratings_path} (has catalog_load run?)")
    create_if_missing(spark, counts_path)
    # One snapshot of the ratings for the whole refresh, though the stream keeps appending.
    ratings = spark.read.format("delta").option("versionAsOf", version).load(ratings_path)
    counts = spark.read.format("delta").load(counts_path)
    if counts.where((F.col("grain") == GRAIN_MOVIE) & (F.col("source") == SOURCE_CATALOG)).isEmpty():
        catalog = ratings.where(F.col("source") == SOURCE_CATALOG).count()
        print(f"rating_counts: counting the catalog ({catalog:,} ratings)", flush=True)
        if catalog:
            _by_day(catalog_counts(ratings), catalog).write.format("delta").mode("append").save(counts_path)
    marks = watermarks(counts)
    new = unapplied(ratings, marks).cache()  # counted, then aggregated: read once
    try:
        arrived = new.count()
        print(
            f"rating_counts: {arrived:,} streamed ratings past Kafka offsets {marks} (ratings version {version})"
        )
        (
            _by_day(stream_increment(new), arrived)
            .write.format("delta")
            .mode("append")
            .option("txnAppId", TXN_APP_ID)
            .option("txnVersion", version)
            .save(counts_path)
        )
    finally:
        new.unpersist()
    return version, arrived


def worth_keeping(spark: SparkSession, ratings_path: str, counts_path: str) -> bool:
    """Whether the daily job should rank from the counts (`--mode auto`): always once they are
    kept (not empty), else from a ratings table of `INCREMENTAL_FROM_BYTES` on.

    Below that, one scan of the ratings costs less than the counts' fixed Spark actions (version,
    watermarks, increment, commit): at 96 M ratings the full computation took 6.7 s and the
    incremental one 16.6 s on this 2-core machine (docs/benchmarks.md)."""
    # Table metadata only (no Spark job): this runs before every daily ranking.
    counts = _describe(spark, "DETAIL", counts_path)
    if counts is not None and int(counts["numFiles"]) > 0:
        return True
    ratings = _describe(spark, "DETAIL", ratings_path)
    return ratings is not None and int(ratings["sizeInBytes"]) >= INCREMENTAL_FROM_BYTES


def forget(spark: SparkSession, counts_path: str, source: str | None = None) -> None:
    """Delete the counts of one `source` (None: all of them); the next refresh recounts them.

    `catalog_load` forgets the catalog *before* it replaces the catalog's ratings. Deleting
    streamed ratings (an erasure, a test's cleanup) needs `forget(..., None)` afterwards: the
    counts are append-only and cannot tell which of their ratings went (`--recount`)."""
    create_if_missing(spark, counts_path)
    where = f" WHERE source = '{source}'" if source else ""
    spark.sql(f"DELETE FROM delta.`{counts_path}`{where}")
