"""A DAG task's Spark job: its own spark-submit against a client of the Spark Connect server.

    .venv/bin/python benchmarks/platform/bench_spark_connect.py --rounds 5 --dag-runs 3

1. **The job, both ways, alternating in one run**: `jobs/platform/healthcheck_delta.py` (what
   `platform_healthcheck`'s Spark task runs: a metastore call, a 100-row Delta write to HDFS,
   registration, a read back) into a scratch table, as `spark-submit` runs it (a driver JVM of its
   own) and as the DAG task runs it now (`python <job>` with SPARK_REMOTE). Wall time per round,
   the medians and their ratio.
2. **`movie_ratings_daily` end to end**: triggered through Airflow's REST API, timed from the
   trigger to the run's success, with the task operators it has (the platform's `SPARK_RUNNER`).
   The logical dates are days of 2024-25 that neither the mart nor an earlier run has (the DAG's start date is 2024-01-01:
   earlier runs have no tasks); the rows the runs write for them are deleted after.

Needs the running platform. The scratch tables are dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the shared spark-submit
from spark_cli import spark_submit

from datalake import thrift
from datalake.airflow_api import AirflowClient
from datalake.platform.launch import context, spark_environment
from datalake.settings import get_settings

REPO = Path(__file__).resolve().parents[2]
JOB = REPO / "jobs" / "platform" / "healthcheck_delta.py"
DAG_ID = "movie_ratings_daily"


def run_job(way: str, table: str) -> float:
    """One run of the job; its wall time in seconds."""
    args = ["--run-date", "2026-01-02", "--table", table]
    start = time.monotonic()
    if way == "spark-submit":
        spark_submit(JOB, *args)
        return time.monotonic() - start
    done = subprocess.run(
        [sys.executable, str(JOB), *args],
        env={**os.environ, **spark_environment(context()), "SPARK_REMOTE": get_settings().spark_connect_url},
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        raise RuntimeError(f"{way} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def dag_end_to_end(runs: int) -> tuple[list[float], set[str]]:
    airflow = AirflowClient()
    airflow.wait_for_dag(DAG_ID)
    from datalake.jobs.movie_ratings.mart import mariadb_connection

    with mariadb_connection() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT DISTINCT date FROM movie_ratings.top_movies")
        taken = {row[0] for row in cursor.fetchall()}
    # One run per DAG and logical date: earlier benchmark runs' dates are taken too.
    taken |= {
        date.fromisoformat(r["logical_date"][:10])
        for r in airflow.runs(DAG_ID, limit=1000)
        if r["logical_date"]
    }
    free = [d for d in (date(2024, 1, 2) + timedelta(days=i) for i in range(700)) if d not in taken]
    operators: set[str] = set()
    times: list[float] = []
    days = free[:runs]
    try:
        for i, day in enumerate(days):
            start = time.monotonic()
            run_id = airflow.trigger(
                DAG_ID, f"{day.isoformat()}T00:00:00+00:00", run_id=f"bench_{uuid.uuid4().hex[:8]}"
            )
            state = airflow.wait_for_run(DAG_ID, run_id, timeout_s=900)
            times.append(time.monotonic() - start)
            if state != "success":
                raise RuntimeError(airflow.failure_report(DAG_ID, run_id))
            operators |= {
                t.get("operator_name") or t.get("operator") or "?"
                for t in airflow.task_instances(DAG_ID, run_id)
            }
            print(f"dag run {i}: {times[-1]:.1f} s ({day})", flush=True)
    finally:
        with mariadb_connection() as conn, conn.cursor() as cursor:
            for day in days:
                cursor.execute("DELETE FROM movie_ratings.top_movies WHERE date = %s", (day,))
            conn.commit()
    return times, operators


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dag-runs", type=int, default=3)
    args = parser.parse_args(argv)

    times: dict[str, list[float]] = {"spark-submit": [], "spark-connect": []}
    tables = []
    try:
        for i in range(args.rounds):
            for way in ("spark-submit", "spark-connect") if i % 2 == 0 else ("spark-connect", "spark-submit"):
                table = f"platform.bench_connect_{uuid.uuid4().hex[:8]}"
                tables.append(table)
                times[way].append(run_job(way, table))
            print(f"round {i}: " + ", ".join(f"{w} {t[-1]:.1f} s" for w, t in times.items()), flush=True)
    finally:
        for table in tables:
            thrift.rows(f"DROP TABLE IF EXISTS {table}")
    if args.rounds:
        submit, connect = (statistics.median(times[w]) for w in ("spark-submit", "spark-connect"))
        print(
            f"RESULT job healthcheck_delta, median of {args.rounds}: spark-submit {submit:.1f} s | "
            f"spark-connect client {connect:.1f} s | ratio {submit / connect:.2f}"
        )
    if args.dag_runs:
        dag_times, operators = dag_end_to_end(args.dag_runs)
        print(
            f"RESULT {DAG_ID} REST trigger -> success ({', '.join(sorted(operators))}): "
            f"median {statistics.median(dag_times):.1f} s, min {min(dag_times):.1f} s, runs {len(dag_times)}"
        )


if __name__ == "__main__":
    main()
