"""process_finances: the daily finance marts, staged, checked by quality gates, then published.

    spark-submit jobs/finances/process_finances.py mart client_daily_position --run-date D --run-id R
    spark-submit jobs/finances/process_finances.py gates   --run-date D --run-id R
    spark-submit jobs/finances/process_finances.py publish --run-date D --run-id R

`mart` computes one mart for the date into the run's staging folder (gold/_staging/<run>/), where
nothing reads it. `gates` checks the staged marts against the curated tables, records every check
in `financas_gold.quality_checks` and fails when one fails. `publish` (only after the gates) writes
the date into the Delta tables `financas_gold.*` (replaceWhere the date; the Ibovespa mart is
rebuilt whole) and into MariaDB `finance_marts.*` in one transaction that replaces the date.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from datalake.jobs.finances import gates, marts
from datalake.jobs.finances.schemas import DATABASE, MARIADB_DDL, MARTS, QUALITY_CHECKS, date_column
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def _table_or_empty(spark: SparkSession, name: str, schema: Any) -> DataFrame:
    if spark.catalog.tableExists(name):
        return spark.table(name)
    print(f"[process_finances] {name} does not exist yet: treated as empty", flush=True)
    return spark.createDataFrame([], schema)


def operations(spark: SparkSession, source: str) -> DataFrame:
    from datalake.jobs.bank.schemas import TABLES
    from datalake.jobs.channels.schemas import CURATED as CHANNEL_OPERATIONS

    return marts.unify(
        _table_or_empty(spark, f"{source}.operations", TABLES["operations"].curated_schema),
        _table_or_empty(spark, f"{source}.channel_operations", CHANNEL_OPERATIONS),
    )


def thresholds() -> marts.Thresholds:
    from datalake.settings import get_settings

    s = get_settings()
    return marts.Thresholds(
        outlier_z=s.finance_outlier_z,
        outlier_min_history=s.finance_outlier_min_history,
        failed_burst=s.finance_failed_burst,
        channels=s.finance_channels,
    )


def compute(spark: SparkSession, name: str, day: date, source: str) -> DataFrame:
    if name == "ibovespa_daily":
        from datalake.jobs.bank.schemas import TABLES

        return marts.ibovespa_daily(
            _table_or_empty(spark, "stock_market.ibovespa", TABLES["ibovespa"].curated_schema), day
        )
    ops = operations(spark, source)
    if name == "suspicious_activity":
        return marts.suspicious_activity(ops, day, thresholds())
    build = {
        "client_daily_position": marts.client_daily_position,
        "channel_product_daily": marts.channel_product_daily,
    }
    return build[name](ops, day)


# ---- steps ----------------------------------------------------------------------------------------
def staging(gold_root: str, run_id: str, name: str) -> str:
    return f"{gold_root}/_staging/{re.sub(r'[^A-Za-z0-9_.-]', '_', run_id)}/{name}"


def stage(spark: SparkSession, args: argparse.Namespace) -> None:
    name, path = args.mart, staging(args.gold_root, args.run_id, args.mart)
    df = compute(spark, name, args.run_date, args.source_database)
    df.select(*[F.col(f.name).cast(f.dataType) for f in MARTS[name].fields]).write.mode("overwrite").parquet(
        path
    )
    print(f"[process_finances] staged {name} for {args.run_date}: {spark.read.parquet(path).count()} rows")


def staged(spark: SparkSession, run_id: str, gold_root: str) -> dict[str, DataFrame]:
    return {
        name: spark.read.schema(schema).parquet(staging(gold_root, run_id, name))
        for name, schema in MARTS.items()
    }


def check(spark: SparkSession, args: argparse.Namespace) -> list[gates.Check]:
    """Run the gates, record them (replacing this run's earlier records), return them."""
    day, run_id = args.run_date, args.run_id
    results = gates.run_all(
        operations(spark, args.source_database), staged(spark, run_id, args.gold_root), day
    )
    rows = [(run_id, day, c.check, c.expected, c.observed, c.passed) for c in results]  # QUALITY_CHECKS order
    write_delta(
        spark, spark.createDataFrame(rows, QUALITY_CHECKS), "quality_checks", args, f"run_id = '{run_id}'"
    )
    for c in results:
        print(
            f"[gate] {'PASS' if c.passed else 'FAIL'} {c.check}: expected {c.expected}, observed {c.observed}"
        )
    return results


def write_delta(
    spark: SparkSession, df: DataFrame, name: str, args: argparse.Namespace, where: str | None
) -> None:
    """Replace the rows matching `where` (all rows when None) of a gold Delta table; register it."""
    database = args.gold_database
    location = f"{args.gold_root}/{database}/{name}"
    partition = date_column(name)
    writer = df.write.format("delta").mode("overwrite").partitionBy(partition)
    if where:
        writer = writer.option("replaceWhere", where)
    writer.save(location)
    if not spark.catalog.databaseExists(database):
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {database} LOCATION '{args.gold_root}/{database}'")
    spark.sql(f"CREATE TABLE IF NOT EXISTS {database}.{name} USING delta LOCATION '{location}'")


def publish(spark: SparkSession, args: argparse.Namespace) -> None:
    day = args.run_date
    frames = staged(spark, args.run_id, args.gold_root)
    for name, df in frames.items():
        where = None if name == "ibovespa_daily" else f"{date_column(name)} = '{day.isoformat()}'"
        write_delta(spark, df, name, args, where)
    checks = spark.table(f"{args.gold_database}.quality_checks").where(F.col("run_id") == args.run_id)
    to_mariadb({**frames, "quality_checks": checks}, day, args.mariadb_database)


def to_mariadb(frames: dict[str, DataFrame], day: date, database: str) -> None:
    """One transaction: the date's rows of every mart replaced (Ibovespa whole), checks added."""
    from datalake.mariadb import connect

    with connect(database=database) as conn:
        with conn.cursor() as cursor:
            for ddl in MARIADB_DDL.values():
                cursor.execute(ddl)
        conn.commit()  # DDL commits implicitly in MariaDB: keep it out of the transaction below
        with conn.cursor() as cursor:
            for name, df in frames.items():
                columns = ", ".join(f"`{c}`" for c in df.columns)
                if name == "ibovespa_daily":
                    cursor.execute(f"DELETE FROM {name}")
                elif name != "quality_checks":
                    cursor.execute(f"DELETE FROM {name} WHERE {date_column(name)} = %s", (day,))
                verb = "REPLACE" if name == "quality_checks" else "INSERT"
                sql = f"{verb} INTO {name} ({columns}) VALUES ({', '.join(['%s'] * len(df.columns))})"
                batch: list[tuple[Any, ...]] = []
                for row in df.toLocalIterator():
                    batch.append(tuple(row))
                    if len(batch) == 5000:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
        conn.commit()
    print(f"[process_finances] published {day} to MariaDB {database}", flush=True)


# ---- job ------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from datalake.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["mart", "gates", "publish"])
    parser.add_argument("mart", nargs="?", choices=list(MARTS), help="with `mart`: which one")
    parser.add_argument("--run-date", type=date.fromisoformat, required=True)
    parser.add_argument("--run-id", required=True, help="the Airflow run id (names the staging folder)")
    parser.add_argument("--gold-root", default=get_settings().lake.gold("_", "_").rsplit("/", 2)[0])
    parser.add_argument(
        "--source-database", default="financas", help="Hive database of the curated operations"
    )
    parser.add_argument("--gold-database", default=DATABASE, help="Hive database of the marts")
    parser.add_argument("--mariadb-database", default="finance_marts", help="MariaDB database to publish to")
    args = parser.parse_args(argv)
    if args.step == "mart" and not args.mart:
        parser.error("mart: name the mart to compute")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from datalake.spark import build_session

    args = parse_args(argv)
    spark = build_session(
        f"process_finances_{args.step}_{args.mart or ''}", **{"spark.sql.session.timeZone": "UTC"}
    )
    if args.step == "mart":
        stage(spark, args)
    elif args.step == "gates":
        failed = [c for c in check(spark, args) if not c.passed]
        if failed:
            print("[process_finances] quality gates failed, nothing published:", flush=True)
            for c in failed:
                print(f"  {c.check}: expected {c.expected}, observed {c.observed}", flush=True)
            return 1
    else:
        publish(spark, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
