"""Incremental CDC: the time to apply 100 000 new changes to `financas.operations` with 1 M and with
10 M rows of history (issue 14: ratio ≤ 1.5), as the DAG task runs it (on the Spark Connect server).

    .venv/bin/python benchmarks/bank/bench_incremental_cdc.py [--sizes 1000000 10000000] [--rounds 2]

Per round and history size, in a scratch database and raw folder (dropped at the end):
1. setup (not timed): the history table, `size` curated operations over 365 days, written by
   `change_log.replace_all` with its offsets applied up to `size - 1`, as if a full refresh had
   curated `size` events; beside it, in the raw folder, a file named for offsets 0..size-1 whose only
   line is poison: read, it would show in the counts, so the run proves it was skipped by name;
2. the new changes (not timed): one raw file of `--changes` Debezium events at offsets from `size`:
   90 % inserts of new operations, 8 % updates and 2 % deletes of history rows drawn at random;
3. timed: `curate_cdc.run_table` (read the new file, last change per key, MERGE, store the offsets),
   then the table is checked: every change read, the row count as expected.

The sizes alternate within a round so the machine's load falls on both. The platform must be
running (`./start.sh`).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlparse

import typer

from datalake.hdfs import webhdfs
from datalake.settings import REPO_ROOT, get_settings

sys.path.insert(0, str(REPO_ROOT))  # the raw-line builders of the tests
from tests.unit.bank_jobs.cdc_lines import OPERATION, event

app = typer.Typer(add_completion=False)
TOPIC = "cdc.santander.operations"
DAY_MS = 86_400_000
START_MS = 1_704_067_200_000  # 2024-01-01
RUN_DATE = date(2026, 1, 2)


def _history(spark: Any, size: int) -> Any:
    """`size` curated operations (the table's schema), spread over 365 days."""
    from pyspark.sql import functions as F

    i = F.col("id")
    ts = F.timestamp_millis(F.lit(START_MS) + (i % 365) * DAY_MS + (i * 7919) % DAY_MS)
    return spark.range(size).select(
        i.alias("id"),
        (i % 100_000).alias("client_id"),
        F.sha2((i % 100_000).cast("string"), 256).alias("cpf_hash"),
        F.element_at(
            F.array(F.lit("conta_corrente"), F.lit("poupanca"), F.lit("credito")), (i % 3 + 1).cast("int")
        ).alias("tipo_produto"),
        F.element_at(F.array(F.lit("atm"), F.lit("agencia"), F.lit("app")), (i % 3 + 1).cast("int")).alias(
            "origem"
        ),
        F.element_at(F.array(F.lit("saque"), F.lit("deposito"), F.lit("pix")), (i % 3 + 1).cast("int")).alias(
            "operacao"
        ),
        ((i % 100_000) / 100).cast("decimal(14,2)").alias("valor"),
        (i % 2 == 0).alias("online"),
        ts.alias("op_timestamp"),
        (i % 10 != 0).alias("success"),
        F.lit("c").alias("cdc_op"),
        ts.alias("cdc_ts"),
        F.lit(date(2026, 1, 1)).alias("ingest_date"),
        F.to_date(ts).alias("op_date"),
    )


def _changes(size: int, count: int, seed: int) -> tuple[list[dict[str, Any]], int]:
    """(raw lines at offsets from `size`, the row count expected after them)."""
    rng = random.Random(seed)
    updates, deletes = count * 8 // 100, count * 2 // 100
    touched = rng.sample(range(size), updates + deletes)
    lines = []
    for n in range(count - updates - deletes):
        after = {
            **OPERATION,
            "id": size + n,
            "client_id": n % 100_000,
            "op_timestamp": START_MS + 364 * DAY_MS + n,
        }
        lines.append(event(TOPIC, size + len(lines), "c", after=after))
    for k, key in enumerate(touched):
        before = {**OPERATION, "id": key, "op_timestamp": START_MS + (key % 365) * DAY_MS}
        if k < updates:
            lines.append(
                event(TOPIC, size + len(lines), "u", before=before, after={**before, "valor": "1.23"})
            )
        else:
            lines.append(event(TOPIC, size + len(lines), "d", before=before))
    return lines, size + (count - updates - deletes) - deletes


def _put(path: str, body: bytes) -> None:
    response = webhdfs("PUT", urlparse(path).path, "CREATE", data=body, overwrite="true")
    response.raise_for_status()


@app.command()
def main(
    sizes: Annotated[list[int], typer.Option(help="history sizes (rows)")] = [1_000_000, 10_000_000],  # noqa: B006
    changes: Annotated[int, typer.Option(min=100, help="new changes per run")] = 100_000,
    rounds: Annotated[int, typer.Option(min=1)] = 2,
) -> None:
    import dataclasses

    from datalake.jobs import change_log
    from datalake.jobs.bank import curate_cdc
    from datalake.jobs.bank.schemas import TABLES
    from datalake.jobs.hive_tables import Table
    from datalake.jobs.platform.compact_raw import committed_name

    from datalake.spark import build_session

    settings = get_settings()
    os.environ.setdefault("SPARK_REMOTE", settings.spark_connect_url)
    spark = build_session("bench_incremental_cdc", **{"spark.sql.session.timeZone": "UTC"})
    lake = settings.lake
    raw_root = lake.raw("kafka", "").rstrip("/") + "-bench-incremental"
    curated_root = lake.curated("_", "_").rsplit("/", 2)[0] + "/bench_incremental_cdc"
    quarantine = Table("bench_cdc_q", "cdc_quarantine", curate_cdc.CDC_QUARANTINE)
    timings: dict[int, list[float]] = {size: [] for size in sizes}
    try:
        for round_no in range(rounds):
            for size in sizes:
                spec = dataclasses.replace(TABLES["operations"], database=f"bench_cdc_{size}")
                location = f"{curated_root}/{spec.database}/{spec.table}"
                raw = f"{raw_root}/{size}/{TOPIC}"
                print(f"round {round_no} size {size:,}: writing the history table", flush=True)
                spark.sql(f"DROP TABLE IF EXISTS {spec.qualified_name}")
                webhdfs("DELETE", urlparse(location).path, "DELETE", recursive="true")
                history = _history(spark, size).repartition("op_date")  # a file per day, as a rebuild writes
                change_log.replace_all(spark, history, spec, location, {0: size - 1})
                decoy = json.dumps({"topic": TOPIC, "partition": 0, "offset": None, "value": {"op": "decoy"}})
                _put(f"{raw}/dt=2024-01-01/{committed_name(TOPIC, 0, 0, size - 1)}", (decoy + "\n").encode())
                lines, expected_rows = _changes(size, changes, seed=round_no)
                body = "".join(json.dumps(line) + "\n" for line in lines).encode()
                _put(f"{raw}/dt=2024-12-31/{committed_name(TOPIC, 0, size, size + changes - 1)}", body)
                # A re-applied file would find its offsets applied: each round gets its own file set.
                started = time.perf_counter()
                run = curate_cdc.run_table(
                    spark,
                    spec,
                    raw,
                    location,
                    "bench-salt",
                    RUN_DATE,
                    quarantine=(quarantine, f"{curated_root}/{quarantine.database}/{quarantine.table}"),
                )
                elapsed = time.perf_counter() - started
                assert (run.events_in, run.quarantined, run.rebuilt) == (changes, 0, False), run
                assert run.rows_out == expected_rows, (run.rows_out, expected_rows)
                timings[size].append(elapsed)
                print(
                    f"round {round_no} size {size:,}: applied {changes:,} changes in {elapsed:.1f} s",
                    flush=True,
                )
                webhdfs("DELETE", urlparse(raw).path, "DELETE", recursive="true")
    finally:
        for size in sizes:
            spark.sql(f"DROP DATABASE IF EXISTS bench_cdc_{size} CASCADE")
        spark.sql("DROP DATABASE IF EXISTS bench_cdc_q CASCADE")
        for root in (raw_root, curated_root):
            webhdfs("DELETE", urlparse(root).path, "DELETE", recursive="true")
    medians = {size: statistics.median(t) for size, t in timings.items()}
    small, large = min(sizes), max(sizes)
    print(
        f"RESULT apply {changes:,} changes, median of {rounds}: "
        + " | ".join(f"{size:,} rows of history {medians[size]:.1f} s" for size in sizes)
        + f" | ratio {medians[large] / medians[small]:.2f} (target <= 1.5)",
        flush=True,
    )


if __name__ == "__main__":
    app()
