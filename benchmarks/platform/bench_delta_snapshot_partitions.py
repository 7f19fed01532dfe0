"""Small Delta operations on the Spark Connect server with Delta's default snapshot partitions (50)
against the platform's setting (2, `services/spark/spark-defaults.conf`), alternating in one run.

    .venv/bin/python benchmarks/platform/bench_delta_snapshot_partitions.py [--rounds 4]

Each round, for each setting (a session conf, so both run on the same server): create a scratch
Delta table, overwrite it with 1 000 rows, MERGE 100 rows into it twice, count it, drop it. Delta
rebuilds the table's state from its log for each of these in `snapshotPartitions` tasks; on two
cores, 50 tiny tasks cost more than the work. Prints the median seconds per setting and the ratio.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Annotated
from urllib.parse import urlparse

import typer

from datalake.hdfs import webhdfs
from datalake.settings import get_settings

app = typer.Typer(add_completion=False)
CONF = "spark.databricks.delta.snapshotPartitions"


@app.command()
def main(rounds: Annotated[int, typer.Option(min=1)] = 4) -> None:
    from datalake.spark import build_session

    os.environ.setdefault("SPARK_REMOTE", get_settings().spark_connect_url)
    spark = build_session("bench_delta_snapshot_partitions")
    location = get_settings().lake.checkpoint("bench_delta_snapshot_partitions")
    settings = {"Delta default (50)": "50", "platform (2)": "2"}
    timings: dict[str, list[float]] = {name: [] for name in settings}
    try:
        for round_no in range(rounds):
            for name, value in settings.items():
                spark.conf.set(CONF, value)
                table = f"default.bench_snapshot_{value}"
                spark.sql(f"DROP TABLE IF EXISTS {table}")
                webhdfs("DELETE", urlparse(f"{location}/{value}").path, "DELETE", recursive="true")
                started = time.perf_counter()
                spark.sql(
                    f"CREATE TABLE {table} (id BIGINT, v STRING) USING delta LOCATION '{location}/{value}'"
                )
                spark.range(1000).selectExpr("id", "'a' AS v").write.insertInto(table, overwrite=True)
                spark.range(950, 1050).selectExpr("id", "'b' AS v").createOrReplaceTempView("bench_src")
                for _ in range(2):
                    spark.sql(
                        f"MERGE INTO {table} t USING bench_src s ON t.id = s.id "
                        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
                    )
                assert spark.table(table).count() == 1050
                elapsed = time.perf_counter() - started
                spark.sql(f"DROP TABLE {table}")
                timings[name].append(elapsed)
                print(f"round {round_no}: {name} {elapsed:.1f} s", flush=True)
    finally:
        spark.conf.unset(CONF)
        for value in settings.values():
            spark.sql(f"DROP TABLE IF EXISTS default.bench_snapshot_{value}")
        webhdfs("DELETE", urlparse(location).path, "DELETE", recursive="true")
    medians = {name: statistics.median(t) for name, t in timings.items()}
    default, ours = medians.values()
    print(
        "RESULT create + overwrite + 2 MERGE + count, median of "
        f"{rounds}: "
        + " | ".join(f"{n} {m:.1f} s" for n, m in medians.items())
        + f" | ratio {default / ours:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    app()
