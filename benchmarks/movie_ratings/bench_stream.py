"""Kafka -> Delta streaming: sustained events/s and p95 produce-to-queryable latency.

    env SPARK_CONF_DIR=var/conf/spark SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=.venv/bin/python \\
        .venv/bin/spark-submit --master 'local[2]' --conf spark.ui.enabled=false \\
        benchmarks/movie_ratings/bench_stream.py [--events 1000000] [--rate 20000] [--duration 60]

Runs the real query of `jobs/movie_ratings/stream_ratings.py` (same parse, same foreachBatch,
same session settings, same master as the supervised program) against bench topics and Delta
tables of its own under `<lake>/_bench/`, so the platform's tables are untouched.

Phase A, sustained throughput: `--events` ratings are produced flat out first (that producer rate
is the reference), then the query drains them (availableNow, 200k per batch); the rate is rows /
wall time from the first batch's start to the last commit (the JVM/query start-up excluded).

Phase B, latency: the query runs with its 5 s trigger while a separate producer process sends
`--rate` events/s for `--duration` s. Each batch's Kafka record timestamps (producer create time)
are bucketed per 100 ms and compared with the wall time right after the batch's Delta commit, when
the rows are queryable; p50/p95/max are over all events. Targets (BRIEF §7): >= 20 000/s, p95 <= 15 s.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from itertools import islice

import numpy as np
from bench_generator import create_topic, delete_topic  # same folder: one copy of the Kafka CLI calls
from datalake.generators.base import keyed
from datalake.generators.movie_ratings import SyntheticRatings, default_catalog
from datalake.jobs.movie_ratings.stream_ratings import parse_args, session_conf, start_query
from datalake.producers import engine
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from rich.console import Console

from datalake.settings import REPO_ROOT, get_settings
from datalake.spark import build_session

HADOOP_CP = f"{REPO_ROOT}/var/conf/hadoop:{REPO_ROOT}/var/jars/hadoop/*"


def java(classpath: str, *args: str) -> None:
    subprocess.run(["java", "-cp", classpath, *args], capture_output=True, check=False, timeout=300)


def stream_args(root: str, topic: str, phase: str, extra: list[str]) -> argparse.Namespace:
    return parse_args(
        [
            "--topic",
            topic,
            "--checkpoint",
            f"{root}/{phase}/_checkpoint",
            "--ratings",
            f"{root}/{phase}/ratings",
            "--quarantine",
            f"{root}/{phase}/quarantine",
            "--app-id",
            f"bench_{phase}_{int(time.time())}",
            *extra,
        ]
    )


def phase_a(spark, bootstrap: str, root: str, topic: str, events: int) -> dict[str, float]:
    create_topic(bootstrap, topic)
    catalog, _ = default_catalog()
    config = engine.producer_config(bootstrap, **{"client.id": "movie-ratings-bench"})
    produced = engine.run(
        keyed(islice(iter(SyntheticRatings(catalog, seed=3)), events), "userId"),
        topic,
        config,
        rate=0,
        console=Console(stderr=True, quiet=True),
    )
    print(f"phase A: produced {produced.sent:,} events at {produced.rate:,.0f} ev/s", flush=True)

    marks: list[tuple[float, float, int]] = []

    def wrap(write: Callable[[DataFrame, int], None]) -> Callable[[DataFrame, int], None]:
        def timed(batch: DataFrame, batch_id: int) -> None:
            start = time.time()
            write(batch, batch_id)
            marks.append((start, time.time(), batch_id))

        return timed

    args = stream_args(root, topic, "throughput", ["--available-now"])
    query = start_query(spark, args, wrap)
    query.awaitTermination()
    rows = sum(p["numInputRows"] for p in query.recentProgress)
    wall = marks[-1][1] - marks[0][0]
    per_batch = ", ".join(f"{end - start:.1f}" for start, end, _ in marks)
    print(f"phase A: foreachBatch seconds per batch: {per_batch}", flush=True)
    stored = spark.read.format("delta").load(args.ratings).count()
    print(
        f"phase A: {rows:,} rows in {len(marks)} batches, {wall:,.1f} s; Delta holds {stored:,}", flush=True
    )
    assert stored == events, f"Delta holds {stored} rows, produced {events}"
    return {"produce_rate": produced.rate, "stream_rate": rows / wall, "batches": len(marks), "wall": wall}


def phase_b(spark, bootstrap: str, root: str, topic: str, rate: float, duration: float) -> dict[str, float]:
    create_topic(bootstrap, topic)
    buckets: list[tuple[float, np.ndarray, np.ndarray]] = []  # (commit time, bucket ms, counts)
    seen = [0]
    lock = threading.Lock()

    def wrap(write: Callable[[DataFrame, int], None]) -> Callable[[DataFrame, int], None]:
        def timed(batch: DataFrame, batch_id: int) -> None:
            cached = batch.persist()
            try:
                write(cached, batch_id)
                committed = time.time()
                hist = (
                    cached.groupBy((F.floor(F.unix_millis("timestamp") / 100) * 100).alias("ms"))
                    .count()
                    .collect()
                )
            finally:
                cached.unpersist()
            if hist:
                with lock:
                    buckets.append(
                        (committed, np.array([r["ms"] for r in hist]), np.array([r["count"] for r in hist]))
                    )
                    seen[0] += int(sum(r["count"] for r in hist))

        return timed

    args = stream_args(root, topic, "latency", ["--trigger-seconds", "5"])
    query = start_query(spark, args, wrap)
    # Let the query start (first empty batch) before the producer does.
    deadline = time.monotonic() + 120
    while query.lastProgress is None and time.monotonic() < deadline:
        time.sleep(0.5)
    producer = subprocess.run(
        [
            sys.executable,
            "-m",
            "datalake.producers.movie_ratings",
            "--topic",
            topic,
            "--rate",
            str(rate),
            "--duration",
            str(duration),
            "--seed",
            "5",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "250"},  # rich must not wrap the summary line
    )
    summary = re.findall(r"sent ([\d,]+), delivered[\s\S]*?\(([\d,]+) ev/s\)", producer.stderr)[-1]
    sent, produce_rate = int(summary[0].replace(",", "")), float(summary[1].replace(",", ""))
    print(f"phase B: producer sent {sent:,} at {produce_rate:,.0f} ev/s", flush=True)
    deadline = time.monotonic() + 600
    while seen[0] < sent and time.monotonic() < deadline:
        time.sleep(1)
    query.stop()
    latencies = np.concatenate([np.repeat(c - ms / 1000.0, n) for c, ms, n in buckets])
    first_event = min(ms.min() for _, ms, _ in buckets) / 1000.0
    last_commit = max(c for c, _, _ in buckets)
    return {
        "sent": sent,
        "seen": seen[0],
        "produce_rate": produce_rate,
        "stream_rate": seen[0] / (last_commit - first_event),
        "p50": float(np.percentile(latencies, 50)),
        "p95": float(np.percentile(latencies, 95)),
        "max": float(latencies.max()),
        "batches": len(buckets),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="phase A backlog")
    parser.add_argument("--rate", type=float, default=20_000, help="phase B producer events/s")
    parser.add_argument("--duration", type=float, default=60, help="phase B producer seconds")
    parser.add_argument("--skip-a", action="store_true")
    parser.add_argument("--skip-b", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench tables and topics")
    args = parser.parse_args()
    settings = get_settings()
    bootstrap = settings.kafka_bootstrap
    stamp = int(time.time())
    root = f"{settings.lake.root}/_bench/movie_ratings_stream/{stamp}"
    spark = build_session("movie_ratings_stream_bench", **session_conf(parse_args([])))
    print(f"bench_stream: master {spark.sparkContext.master}, tables under {root}", flush=True)
    topics = []
    try:
        if not args.skip_a:
            topics.append(f"bench.movieRatings.stream.{stamp}.a")
            a = phase_a(spark, bootstrap, root, topics[-1], args.events)
            print(
                f"RESULT A sustained {a['stream_rate']:,.0f} ev/s over {a['batches']} batches | producer "
                f"{a['produce_rate']:,.0f} ev/s | ratio {a['stream_rate'] / a['produce_rate']:.2f} | "
                f"target 20,000 ev/s {'met' if a['stream_rate'] >= 20_000 else 'NOT met'}",
                flush=True,
            )
        if not args.skip_b:
            topics.append(f"bench.movieRatings.stream.{stamp}.b")
            b = phase_b(spark, bootstrap, root, topics[-1], args.rate, args.duration)
            print(
                f"RESULT B producer {b['produce_rate']:,.0f} ev/s for {args.duration:.0f} s | stream "
                f"{b['stream_rate']:,.0f} ev/s (ratio {b['stream_rate'] / b['produce_rate']:.2f}) | latency "
                f"p50 {b['p50']:.1f} s p95 {b['p95']:.1f} s max {b['max']:.1f} s over {b['seen']:,} events, "
                f"{b['batches']} batches | target p95 <= 15 s {'met' if b['p95'] <= 15 else 'NOT met'}",
                flush=True,
            )
    finally:
        spark.stop()
        if not args.keep:
            java(HADOOP_CP, "org.apache.hadoop.fs.FsShell", "-rm", "-r", "-f", "-skipTrash", root)
            for topic in topics:
                delete_topic(bootstrap, topic)


if __name__ == "__main__":
    main()
