"""CDC benchmark: N `santander.operations` rows from MariaDB to curated Hive, timed per stage.

    .venv/bin/python benchmarks/bank/cdc_benchmark.py --rows 1000000

Stages (the same checks the DAG `mysql_ingestion_pipeline` uses, run back to back):
1. generate   : the seeded generator inserts N operations (executemany, one commit per chunk);
2. to_kafka   : until every Debezium connector's committed offset passed the binlog position
                recorded after the insert (binlog -> `cdc.*` topics). Debezium streams while the
                generator writes, so this is the time *after* the insert finished;
3. to_raw     : until the lake sink committed every `cdc.*` record to the raw zone (HDFS);
4. curate     : `spark-submit jobs/bank/curate_cdc.py --table operations` (the whole table is
                rebuilt from its change log, old rows included);
5. reconcile  : row count and checksums, MariaDB vs the Thrift server (`datalake.pipelines.bank_reconcile`).

The platform must be running with the bank pipeline set up (`./start.sh`). Nothing else should
write to `santander` meanwhile. Results are printed and written as JSON to `--out`.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from datalake.settings import REPO_ROOT, get_settings

app = typer.Typer(add_completion=False)


def _wait(what: str, check, timeout_s: float, interval_s: float = 1.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(interval_s)


def _count(sql: str) -> int:
    from datalake.mariadb import connect

    with connect() as conn, conn.cursor() as cur:
        cur.execute(sql)
        return int(cur.fetchone()[0])


@app.command()
def main(
    rows: Annotated[int, typer.Option(min=1, help="operations to insert")] = 1_000_000,
    chunk_size: Annotated[int, typer.Option(min=100, help="rows per executemany/commit")] = 10_000,
    timeout: Annotated[float, typer.Option(help="seconds allowed per waiting stage")] = 1800,
    out: Annotated[Path, typer.Option(help="JSON result file")] = REPO_ROOT
    / "var"
    / "benchmarks"
    / "bank_cdc.json",
) -> None:
    from datalake.generators import bank as bank_gen

    from datalake.mariadb import connect
    from datalake.pipelines import bank
    from datalake.pipelines import bank_reconcile as reconcile
    from datalake.platform.launch import context, spark_environment

    bank.ensure_sources()
    if not _count("SELECT COUNT(*) FROM santander.clients"):
        with connect() as conn:
            bank_gen.populate(conn, clients=1000, seed=7)
    before = _count("SELECT COUNT(*) FROM santander.operations")
    stages: dict[str, float] = {}
    t0 = time.perf_counter()

    print(f"1/5 generate: inserting {rows:,} operations (table holds {before:,})", flush=True)
    with connect() as conn:
        bank_gen.populate(conn, operations=rows, seed=int(time.time()), chunk_size=chunk_size)
    stages["generate"] = time.perf_counter() - t0

    print("2/5 to_kafka: waiting for the Debezium offsets", flush=True)
    t = time.perf_counter()
    target = bank.mark_source(f"benchmark-{int(time.time())}")
    _wait(f"Debezium offsets to reach {target}", lambda: bank.source_reached(target)[0], timeout)
    stages["to_kafka"] = time.perf_counter() - t

    print("3/5 to_raw: waiting for the lake sink to commit every cdc.* record", flush=True)
    t = time.perf_counter()
    targets = bank.parse_targets(bank.end_offsets())
    _wait("the lake sink", lambda: not bank.lake_lag(targets), timeout)
    stages["to_raw"] = time.perf_counter() - t

    print("4/5 curate: spark-submit jobs/bank/curate_cdc.py --table operations", flush=True)
    t = time.perf_counter()
    ctx = context()
    env = {**os.environ, **spark_environment(ctx)}
    cmd = [
        str(REPO_ROOT / ".venv" / "bin" / "spark-submit"),
        "--master",
        get_settings().spark_master,
        str(REPO_ROOT / "jobs" / "bank" / "curate_cdc.py"),
        "--table",
        "operations",
        "--run-date",
        date.today().isoformat(),
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit("curate failed:\n" + "\n".join((result.stdout + result.stderr).splitlines()[-40:]))
    print("   " + "\n   ".join(line for line in result.stdout.splitlines() if "[curate_cdc]" in line))
    stages["curate"] = time.perf_counter() - t

    print("5/5 reconcile: MariaDB vs Thrift server (operations)", flush=True)
    t = time.perf_counter()
    check = reconcile.TABLES["operations"]
    source, curated = reconcile.connect_source(), reconcile.connect_curated()
    try:
        reconcile.refresh_curated(curated, [check])
        report = reconcile.reconcile([check], source, curated, raise_on_mismatch=False)
    finally:
        source.close()
        curated.close()
    stages["reconcile"] = time.perf_counter() - t
    total = time.perf_counter() - t0

    summary = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows_inserted": rows,
        "operations_rows_total": report.results[0].source["row_count"],
        "curated_rows_total": report.results[0].curated["row_count"],
        "reconciled": report.ok,
        "mismatches": report.mismatch_lines(),
        "stages_s": {k: round(v, 1) for k, v in stages.items()},
        "end_to_end_s": round(total, 1),
        "rows_per_s_end_to_end": round(rows / total),
        "cpus": os.cpu_count(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print(json.dumps(summary, indent=2, default=str))
    if not report.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    app()
