"""Spark probe of the platform: write a Delta table on the lake, register it, read it back.

Proves in one application that spark-submit, the jar folder (Delta), HDFS and the shared Hive
metastore work together. Idempotent per run date: the run's rows are replaced, never appended.

    spark-submit jobs/platform/healthcheck_delta.py --run-date 2026-11-21 [--table platform.healthcheck]
"""

from __future__ import annotations

import argparse
from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, LongType, StringType, StructField, StructType

from datalake.settings import get_settings
from datalake.spark import build_session

PROBE_SCHEMA = StructType(
    [
        StructField("run_date", DateType(), False),
        StructField("probe", StringType(), False),
        StructField("n", LongType(), False),
    ]
)
PROBE_ROWS = 100


def probe_rows(spark: SparkSession, run_date: date) -> DataFrame:
    return spark.range(PROBE_ROWS).select(
        F.lit(run_date).alias("run_date"),
        F.lit("spark-delta-metastore").alias("probe"),
        F.col("id").alias("n"),
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run-date", type=date.fromisoformat, required=True)
    parser.add_argument("--table", default="platform.healthcheck", help="database.table to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    database, table = args.table.split(".")
    location = get_settings().lake.curated(database, table)
    spark = build_session(f"healthcheck-{table}")
    spark.sql(
        f"CREATE DATABASE IF NOT EXISTS {database} LOCATION '{get_settings().lake.curated(database, '')}'"
    )
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {database}.{table} (run_date DATE, probe STRING, n BIGINT) "
        f"USING DELTA PARTITIONED BY (run_date) LOCATION '{location}'"
    )
    (
        probe_rows(spark, args.run_date)
        .write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"run_date = '{args.run_date}'")
        .saveAsTable(f"{database}.{table}")
    )
    count = spark.table(f"{database}.{table}").where(F.col("run_date") == F.lit(args.run_date)).count()
    if count != PROBE_ROWS:
        raise SystemExit(f"read back {count} rows from {database}.{table}, expected {PROBE_ROWS}")
    print(f"{database}.{table} at {location}: {count} rows for {args.run_date}, registered in the metastore")
    spark.stop()


if __name__ == "__main__":
    main()
