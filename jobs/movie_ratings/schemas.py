"""Schemas and table registration of the movie ratings lake tables (one place for the contract).

Tables are Delta at `settings.lake.curated("movie_ratings", <table>)` and registered in the Hive
metastore as external tables over that location, so Spark SQL, the Thrift server and the jobs all
see the same data whether they address it by name or by path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql.types import (
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from datalake.settings import LakePaths

DATABASE = "movie_ratings"
MOVIES = "movies"
RATINGS = "ratings"
QUARANTINE = "ratings_quarantine"
RATING_COUNTS = "rating_counts"

SOURCE_CATALOG = "catalog"
SOURCE_STREAM = "stream"

# MovieLens CSV layouts, read with these explicit schemas (never inferSchema).
MOVIES_CSV_SCHEMA = StructType(
    [
        StructField("movieId", IntegerType(), False),
        StructField("title", StringType(), False),
        StructField("genres", StringType(), True),
    ]
)
RATINGS_CSV_SCHEMA = StructType(
    [
        StructField("userId", IntegerType(), False),
        StructField("movieId", IntegerType(), False),
        StructField("rating", DoubleType(), False),
        StructField("timestamp", LongType(), False),
    ]
)

MOVIES_SCHEMA = MOVIES_CSV_SCHEMA

# One table for catalog and streamed ratings; `source` tells them apart (and partitions them, so
# the catalog reload can replace its partition without touching streamed rows).
RATINGS_SCHEMA = StructType(
    [
        StructField("userId", IntegerType(), True),
        StructField("movieId", IntegerType(), True),
        StructField("rating", DoubleType(), True),
        StructField("timestamp", LongType(), True),
        StructField("source", StringType(), True),
        StructField("kafka_partition", IntegerType(), True),
        StructField("kafka_offset", LongType(), True),
    ]
)

QUARANTINE_SCHEMA = StructType(
    [
        StructField("raw_value", StringType(), True),
        StructField("reason", StringType(), True),
        StructField("kafka_partition", IntegerType(), True),
        StructField("kafka_offset", LongType(), True),
        StructField("kafka_timestamp", TimestampType(), True),
        StructField("quarantined_at", TimestampType(), True),
    ]
)

# The daily top-100's incremental aggregate (rating_counts.py): per increment, one row per movie
# (grain 'movie', no day) and one per movie and UTC day (grain 'day'); `through_offset` is the
# increment's watermark in its Kafka partition.
RATING_COUNTS_SCHEMA = StructType(
    [
        StructField("grain", StringType(), True),
        StructField("source", StringType(), True),
        StructField("kafka_partition", IntegerType(), True),
        StructField("through_offset", LongType(), True),
        StructField("movieId", IntegerType(), True),
        StructField("day", DateType(), True),
        StructField("ratings_count", LongType(), True),
        StructField("ratings_sum", DoubleType(), True),
    ]
)

TABLES: dict[str, tuple[StructType, list[str]]] = {
    MOVIES: (MOVIES_SCHEMA, []),
    RATINGS: (RATINGS_SCHEMA, ["source"]),
    QUARANTINE: (QUARANTINE_SCHEMA, []),
    RATING_COUNTS: (RATING_COUNTS_SCHEMA, ["grain"]),
}


def table_ddl(name: str, location: str) -> str:
    """`CREATE TABLE IF NOT EXISTS` for one of `TABLES`, as Delta over `location`."""
    schema, partitions = TABLES[name]
    columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields)
    partitioned = f" PARTITIONED BY ({', '.join(partitions)})" if partitions else ""
    return (
        f"CREATE TABLE IF NOT EXISTS {DATABASE}.{name} ({columns}) USING DELTA{partitioned} "
        f"LOCATION '{location}'"
    )


def table_location(lake: LakePaths, name: str) -> str:
    """Where a table's Delta files live: curated zone, except the quarantine (its own zone)."""
    if name == QUARANTINE:
        return lake.quarantine(DATABASE, RATINGS)
    return lake.curated(DATABASE, name)


def ensure_tables(spark: SparkSession, lake: LakePaths, names: list[str] | None = None) -> None:
    """Create the database and the given tables (default: all) if missing; safe to run every time."""
    database_location = lake.curated(DATABASE, "").rstrip("/")
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {DATABASE} LOCATION '{database_location}'")
    for name in names or list(TABLES):
        spark.sql(table_ddl(name, table_location(lake, name)))
