"""Finance marts for one date over N operations: Spark (the job's transforms) against DuckDB.

    env SPARK_CONF_DIR=var/conf/spark SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=.venv/bin/python \\
        .venv/bin/spark-submit --master 'local[2]' --conf spark.ui.enabled=false \\
        benchmarks/finances/bench_marts.py --operations 10000000

Seeded operations (unified shape, 91 days: the date and the 90-day history the outlier rule needs)
are written once to `var/bench/finances/<N>-one-file-per-day/` as Parquet partitioned by `op_date`
with one file per day, as the curated tables are (`financas.operations`, written by `write_table`
with one file per partition), so a mart of one day reads that day's file and only the outlier rule
reads the history. Both engines read the same files and
compute client_daily_position, channel_product_daily and suspicious_activity for the last day;
DuckDB runs the same definitions written in SQL (medians over DOUBLE, as Spark's `median` is:
DuckDB's median of a DECIMAL keeps the scale and truncates a midpoint such as 10.015). Rounds
alternate; the best of each is kept, and the results are compared row for row. Target: Spark <= 3 x
DuckDB.
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from datalake.settings import REPO_ROOT

DAY = date(2026, 11, 28)
CHANNELS = ["caixa_agencia", "atm", "mobile", "maquininhas", "internet_banking"]
PRODUCTS = ["conta_corrente", "poupanca", "cartao_credito", "investimentos", "seguros"]
OPERATIONS = [
    "deposito",
    "saque",
    "pix",
    "transferencia",
    "pagamento_boleto",
    "compra_debito",
    "investimento",
]


def generate(n: int, folder: Path, clients: int = 100_000, chunk: int = 1_000_000) -> None:
    if (folder / "_done").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    g = np.random.default_rng(7)
    chunks = []
    start = datetime.combine(DAY - timedelta(days=90), datetime.min.time())
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        client = g.integers(1, clients + 1, m)
        op = g.integers(0, len(OPERATIONS), m)
        value = np.round(np.exp(g.normal(5.0 + 0.3 * op, 1.0)), 2)
        seconds = np.sort(g.integers(0, 91 * 86_400, m))
        ts = np.datetime64(start) + seconds.astype("timedelta64[s]")
        table = pa.table(
            {
                "op_id": pa.array([f"op-{lo + i}" for i in range(m)]),
                "source": pa.array(["stream"] * m),
                "client_id": pa.array(client, pa.int64()),
                "cpf_hash": pa.array([f"h{c}" for c in client.tolist()]),
                "channel": pa.array(np.array(CHANNELS)[g.integers(0, len(CHANNELS), m)]),
                "product": pa.array(np.array(PRODUCTS)[g.integers(0, len(PRODUCTS), m)]),
                "operation": pa.array(np.array(OPERATIONS)[op]),
                "value": pa.array([f"{v:.2f}" for v in value.tolist()]).cast(pa.decimal128(14, 2)),
                "success": pa.array(g.random(m) < 0.96),
                "op_ts": pa.array(ts.astype("datetime64[us]")).cast(pa.timestamp("us", tz="UTC")),
                "op_date": pa.array(ts.astype("datetime64[D]")),
            }
        )
        chunks.append(table)
        print(f"  generated {lo + m:,}/{n:,}", flush=True)
    # One file per day in op_date=YYYY-MM-DD/ folders: the layout of the curated tables, which
    # write_table (jobs/hive_tables.py) writes with one file per partition.
    pq.write_to_dataset(
        pa.concat_tables(chunks), folder, partition_cols=["op_date"], basename_template="part-{i}.parquet"
    )
    (folder / "_done").touch()


def spark_round(spark: Any, folder: Path) -> tuple[float, dict[str, list[tuple[Any, ...]]]]:
    from datalake.jobs.finances import marts

    started = time.monotonic()
    # Not cached: the job computes each mart in its own task from the tables, and caching 10 M
    # rows in a 1 GiB driver only spilled (it made rounds slower, not faster).
    ops = spark.read.parquet(f"file://{folder}")
    out = {
        "client_daily_position": marts.client_daily_position(ops, DAY),
        "channel_product_daily": marts.channel_product_daily(ops, DAY),
        "suspicious_activity": marts.suspicious_activity(ops, DAY, marts.Thresholds()),
    }
    rows = {name: [tuple(r) for r in df.collect()] for name, df in out.items()}
    seconds = time.monotonic() - started
    return seconds, rows


DUCK_SQL = {
    "client_daily_position": """
        SELECT op_date, client_id, first(cpf_hash) AS cpf_hash,
               coalesce(sum(CASE WHEN success AND operation = 'deposito' THEN value END), 0)::DECIMAL(18,2) AS inflows,
               coalesce(sum(CASE WHEN success AND operation <> 'deposito' THEN value END), 0)::DECIMAL(18,2) AS outflows,
               (inflows - outflows)::DECIMAL(18,2) AS net,
               count(*) AS operations, count(*) FILTER (WHERE NOT success) AS failed
        FROM ops WHERE op_date = DATE '{day}' GROUP BY op_date, client_id""",
    "channel_product_daily": """
        SELECT op_date, channel, product, count(*) AS operations, count(*) FILTER (WHERE success) AS successes,
               coalesce(sum(CASE WHEN success THEN value END), 0)::DECIMAL(18,2) AS total_value
        FROM ops WHERE op_date = DATE '{day}' GROUP BY op_date, channel, product""",
    "value_outlier": """
        WITH pairs AS (SELECT DISTINCT client_id, operation FROM ops WHERE op_date = DATE '{day}'),
        history AS (SELECT * FROM ops SEMI JOIN pairs USING (client_id, operation)
                    WHERE op_date >= DATE '{day}' - 90 AND op_date < DATE '{day}'),
        med AS (SELECT client_id, operation, median(value::DOUBLE) AS m, count(*) AS n FROM history GROUP BY ALL),
        mad AS (SELECT h.client_id, h.operation, median(abs(h.value - med.m)) AS mad
                FROM history h JOIN med USING (client_id, operation) GROUP BY ALL),
        scored AS (SELECT o.op_date, o.client_id, o.op_id, 0.6745 * (o.value - med.m) / mad.mad AS score
                   FROM ops o JOIN med USING (client_id, operation) JOIN mad USING (client_id, operation)
                   WHERE o.op_date = DATE '{day}' AND med.n >= 5 AND mad.mad > 0)
        SELECT op_date, client_id, 'value_outlier' AS rule, max(score)::DOUBLE AS score
        FROM scored WHERE score > 3.5 GROUP BY op_date, client_id""",
    "failed_burst": """
        WITH failed AS (SELECT *, epoch(op_ts) AS t FROM ops WHERE op_date = DATE '{day}' AND NOT success),
        counted AS (SELECT op_date, client_id, count(*) OVER (PARTITION BY client_id ORDER BY t
                    RANGE BETWEEN CURRENT ROW AND 600 FOLLOWING) AS n FROM failed)
        SELECT op_date, client_id, 'failed_burst' AS rule, max(n)::DOUBLE AS score
        FROM counted WHERE n >= 3 GROUP BY op_date, client_id""",
    "multi_channel": """
        WITH timed AS (SELECT *, epoch(op_ts) AS t FROM ops WHERE op_date = DATE '{day}'),
        seen AS (SELECT op_date, client_id, len(list_distinct(list(channel) OVER (PARTITION BY client_id ORDER BY t
                 RANGE BETWEEN 300 PRECEDING AND CURRENT ROW))) AS n FROM timed)
        SELECT op_date, client_id, 'multi_channel' AS rule, max(n)::DOUBLE AS score
        FROM seen WHERE n >= 3 GROUP BY op_date, client_id""",
}


def duck_round(folder: Path) -> tuple[float, dict[str, list[tuple[Any, ...]]]]:
    import duckdb

    started = time.monotonic()
    con = duckdb.connect()
    con.execute(
        "CREATE VIEW ops AS SELECT * REPLACE (CAST(op_date AS DATE) AS op_date) "
        f"FROM read_parquet('{folder}/*/*.parquet', hive_partitioning = true)"
    )
    rows = {name: con.execute(sql.format(day=DAY.isoformat())).fetchall() for name, sql in DUCK_SQL.items()}
    seconds = time.monotonic() - started
    con.close()
    return seconds, rows


def same(
    spark_rows: dict[str, list[tuple[Any, ...]]], duck_rows: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """Differences between the engines (Spark's suspicious_activity split per rule, scores to 1e-6)."""
    problems = []
    for name in ("client_daily_position", "channel_product_daily"):
        width = len(duck_rows[name][0]) if duck_rows[name] else 0
        ours = sorted(tuple(str(v) for v in r[:width]) for r in spark_rows[name])
        theirs = sorted(tuple(str(v) for v in r) for r in duck_rows[name])
        if ours != theirs:
            problems.append(f"{name}: {len(ours)} vs {len(theirs)} rows differ")
    for rule in ("value_outlier", "failed_burst", "multi_channel"):
        ours = sorted((str(r[0]), r[1], r[3]) for r in spark_rows["suspicious_activity"] if r[2] == rule)
        theirs = sorted((str(r[0]), r[1], r[3]) for r in duck_rows[rule])
        if len(ours) != len(theirs) or any(
            a[:2] != b[:2] or not math.isclose(a[2], b[2], rel_tol=1e-6)
            for a, b in zip(ours, theirs, strict=True)
        ):
            problems.append(f"suspicious_activity[{rule}]: {len(ours)} vs {len(theirs)} flags differ")
    return problems


def main() -> None:
    from datalake.spark import build_session

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    folder = REPO_ROOT / "var" / "bench" / "finances" / f"{args.operations}-one-file-per-day"
    generate(args.operations, folder)
    spark = build_session("bench_marts", **{"spark.sql.session.timeZone": "UTC"})
    spark_times, duck_times = [], []
    for round_no in range(args.rounds):
        duck_s, duck_rows = duck_round(folder)
        spark_s, spark_rows = spark_round(spark, folder)
        duck_times.append(duck_s)
        spark_times.append(spark_s)
        print(f"round {round_no}: spark {spark_s:,.1f} s, duckdb {duck_s:,.1f} s", flush=True)
    problems = same(spark_rows, duck_rows)
    sizes = {name: len(rows) for name, rows in spark_rows.items()}
    best_spark, best_duck = min(spark_times), min(duck_times)
    print(
        f"RESULT {args.operations:,} operations, marts of {DAY}: spark {best_spark:,.1f} s | duckdb {best_duck:,.1f} s | "
        f"ratio {best_spark / best_duck:.2f} | target <= 3 {'met' if best_spark <= 3 * best_duck else 'NOT met'} | "
        f"rows {sizes} | results {'equal' if not problems else 'DIFFER: ' + '; '.join(problems)}"
    )


if __name__ == "__main__":
    main()
