"""VACUUM every Delta table of the metastore: delete the data files no version newer than the
retention still needs.

OPTIMIZE (the ratings stream compacts its table), `replaceWhere` overwrites (the marts, the
curated tables) and MERGE leave the files they replace on HDFS, so time travel and readers that
started earlier keep working. Nothing else ever deletes them. Run daily by `platform_maintenance`,
beside the stream rather than inside it: a VACUUM between micro-batches held the stream up.

    spark-submit jobs/platform/vacuum_delta.py [--retain-hours 168] [--table db.t ...]

The retention (`DELTA_RETAIN_HOURS`, default 168: a week, Delta's own floor) must outlast the
longest reader or writer: a stream restarted from a checkpoint older than it fails. Below 168 hours
Delta refuses unless asked (`--below-delta-floor`, for tests of scratch tables).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from datalake.settings import get_settings
from datalake.spark import build_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DELTA_FLOOR_HOURS = 168
# VACUUM lists a table's files with a Spark job of `parallelPartitionDiscovery.parallelism` tasks
# (10 000 by default), and each table's state is rebuilt from its log in `snapshotPartitions` (50):
# on two cores, minutes per table for a handful of files.
SESSION_CONF = {
    "spark.sql.sources.parallelPartitionDiscovery.parallelism": "4",
    "spark.databricks.delta.snapshotPartitions": "2",
}


def check_retention(hours: int, below_floor: bool) -> None:
    """A retention under Delta's week can delete files a running stream or a long query still
    reads: only on purpose."""
    if hours < 0:
        raise SystemExit(f"--retain-hours must be 0 or more, not {hours}")
    if hours < DELTA_FLOOR_HOURS and not below_floor:
        raise SystemExit(
            f"--retain-hours {hours} is under Delta's floor of {DELTA_FLOOR_HOURS}: files a running "
            "stream or query still reads could go; pass --below-delta-floor if that is meant"
        )


def delta_tables(spark: SparkSession) -> list[str]:
    """`database.table` of every Delta table the metastore knows (views and Hive tables left out)."""
    from pyspark.errors import AnalysisException

    found = []
    for database in spark.catalog.listDatabases():
        for table in spark.catalog.listTables(database.name):
            if table.tableType == "VIEW" or table.isTemporary:
                continue
            name = f"{database.name}.{table.name}"
            try:
                detail = spark.sql(f"DESCRIBE DETAIL {name}").first()
            except AnalysisException as exc:  # dropped since it was listed
                if exc.getCondition() != "TABLE_OR_VIEW_NOT_FOUND":
                    raise
                continue
            if detail["format"] == "delta":  # type: ignore[index]
                found.append(name)
    return sorted(found)


def vacuum(spark: SparkSession, table: str, hours: int) -> int:
    """Delete `table`'s unreferenced files older than `hours`; how many went."""
    stale = spark.sql(f"VACUUM {table} RETAIN {hours} HOURS DRY RUN").count()
    if stale:
        spark.sql(f"VACUUM {table} RETAIN {hours} HOURS")
    return stale


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--retain-hours", type=int, default=get_settings().delta_retain_hours)
    parser.add_argument("--below-delta-floor", action="store_true", help="allow under 168 hours")
    parser.add_argument(
        "--table", action="append", default=[], help="database.table (repeatable); default: every Delta table"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    from pyspark.errors import AnalysisException

    args = parse_args(argv)
    check_retention(args.retain_hours, args.below_delta_floor)
    conf = dict(SESSION_CONF)
    if args.below_delta_floor:
        conf["spark.databricks.delta.retentionDurationCheck.enabled"] = "false"
    spark = build_session("vacuum-delta", **conf)
    tables = args.table or delta_tables(spark)
    total, failed = 0, []
    for number, table in enumerate(tables, 1):
        try:
            deleted = vacuum(spark, table, args.retain_hours)
        except AnalysisException as exc:
            if exc.getCondition() != "TABLE_OR_VIEW_NOT_FOUND":
                failed.append(f"{table}: {exc}")
            print(f"[vacuum_delta] {number}/{len(tables)} {table}: skipped, {exc.getCondition()}", flush=True)
            continue
        total += deleted
        print(
            f"[vacuum_delta] {number}/{len(tables)} {table}: {deleted} files older than "
            f"{args.retain_hours} h deleted",
            flush=True,
        )
    print(f"[vacuum_delta] {len(tables)} Delta tables, {total} files deleted")
    spark.stop()
    if failed:  # one table's failure does not keep the others from their VACUUM, but fails the run
        raise SystemExit("VACUUM failed for:\n" + "\n".join(failed))


if __name__ == "__main__":
    main()
