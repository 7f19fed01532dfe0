"""Kafka -> Delta streaming: sustained events/s and p95 produce-to-queryable latency.

    env SPARK_CONF_DIR=var/conf/spark SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=.venv/bin/python HADOOP_USER_NAME=datalake \\
        .venv/bin/spark-submit --master 'local[2]' --conf spark.ui.enabled=false \\
        benchmarks/movie_ratings/bench_stream.py [--events 1000000] [--rate 20000] [--duration 60]

Runs the real query of `jobs/movie_ratings/stream_ratings.py` (same parse, same foreachBatch,
same session settings, same master as the supervised program) against bench topics and Delta
tables of its own under `<lake>/_bench/`, so the platform's tables are untouched.

Phase A, sustained throughput: `--events` ratings are produced flat out first (that producer rate
is the reference), then the query drains them (availableNow, 200k per batch); the rate is rows /
wall time from the first batch's start to the last commit (the JVM/query start-up excluded).

Phase B, latency: the query runs with its trigger (`--trigger`, the job's default 5 s) while a
separate producer process sends `--rate` events/s for `--duration` s. A `--warmup` backlog is
drained first (the supervised stream runs for days; its first batches' JIT warm-up is a start-up
cost; `--warmup 0` measures cold). The stream's path only gets a timestamp per batch, right after
its Delta commits, when the rows are queryable; afterwards each event's latency is its batch's
commit time minus its Kafka create time (offsets map to batches through the progress reports).
p50/p95/max are over all events. Targets (BRIEF §7): >= 20 000/s, p95 <= 15 s.

One file over 300 lines: a benchmark is one script anyone can run alone; its two phases share
the producer, the query and the measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the shared Kafka CLI calls
from datalake.generators.base import keyed
from datalake.generators.movie_ratings import SyntheticRatings, default_catalog
from datalake.jobs.movie_ratings.stream_ratings import STREAM_CONF, parse_args, start_query
from datalake.producers import engine
from kafka_cli import create_topic, delete_topic
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


def _breakdown(query) -> str:
    """Median and max ms per micro-batch of each part of Spark's trigger (its progress reports)."""
    progress = [p for p in query.recentProgress if p["numInputRows"] > 0]
    parts = ("triggerExecution", "addBatch", "latestOffset", "queryPlanning", "walCommit", "commitOffsets")
    return "ms per batch (median/max): " + ", ".join(
        f"{part} {np.median(v):,.0f}/{max(v):,.0f}"
        for part in parts
        if (v := [p["durationMs"].get(part, 0) for p in progress])
    )


def _compactions(spark, path: str) -> int:
    """OPTIMIZE commits (the stream's compactions) in a bench table's history."""
    from delta.tables import DeltaTable

    return DeltaTable.forPath(spark, path).history().where("operation = 'OPTIMIZE'").count()


def phase_a(spark, bootstrap: str, root: str, topic: str, events: int) -> dict[str, float]:
    create_topic(bootstrap, topic)
    produced = produce_flat_out(bootstrap, topic, events, seed=3)
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


def _offsets(value: object) -> dict[tuple[str, int], int]:
    """A Kafka source offset of a progress report ({topic: {partition: offset}}, maybe JSON)."""
    if not value:
        return {}
    data = json.loads(value) if isinstance(value, str) else value
    return {(topic, int(p)): int(o) for topic, parts in data.items() for p, o in parts.items()}


def _batch_ranges(query) -> list[tuple[int, int, int, int]]:
    """(batch id, partition, first offset, end offset) of every non-empty micro-batch."""
    ranges = []
    for progress in query.recentProgress:
        if progress["numInputRows"] == 0:
            continue
        source = progress["sources"][0]
        start, end = _offsets(source["startOffset"]), _offsets(source["endOffset"])
        for (topic, partition), last in end.items():
            ranges.append((progress["batchId"], partition, start.get((topic, partition), 0), last))
    return ranges


def _committed_events(query, commits: dict[int, float]) -> int:
    """Events in the micro-batches whose Delta commits are done."""
    return sum(last - first for batch, _, first, last in _batch_ranges(query) if batch in commits)


def produce_flat_out(bootstrap: str, topic: str, events: int, seed: int) -> engine.ProduceStats:
    """`events` synthetic ratings into `topic` as fast as the engine goes."""
    catalog, _ = default_catalog()
    config = engine.producer_config(bootstrap, **{"client.id": "movie-ratings-bench"})
    return engine.run(
        keyed(islice(iter(SyntheticRatings(catalog, seed=seed)), events), "userId"),
        topic,
        config,
        rate=0,
        console=Console(stderr=True, quiet=True),
    )


def phase_b(
    spark,
    bootstrap: str,
    root: str,
    topic: str,
    rate: float,
    duration: float,
    trigger: float,
    warmup: int,
) -> dict[str, float]:
    create_topic(bootstrap, topic)
    commits: dict[int, float] = {}  # batch id -> wall time right after its Delta commits

    def wrap(write: Callable[[DataFrame, int], None]) -> Callable[[DataFrame, int], None]:
        def timed(batch: DataFrame, batch_id: int) -> None:
            write(batch, batch_id)
            commits[batch_id] = time.time()

        return timed

    args = stream_args(root, topic, "latency", ["--trigger-seconds", str(trigger)])
    query = start_query(spark, args, wrap)
    # Let the query start (first empty batch) before the producer does.
    deadline = time.monotonic() + 120
    while query.lastProgress is None and time.monotonic() < deadline:
        time.sleep(0.5)
    if warmup:
        # The supervised stream runs for days: its first batches' JIT warm-up is a start-up cost,
        # not the steady state. Drain a warm-up backlog first; latencies count only later offsets.
        produce_flat_out(bootstrap, topic, warmup, seed=4)
        deadline = time.monotonic() + 600
        while _committed_events(query, commits) < warmup and query.isActive and time.monotonic() < deadline:
            time.sleep(1)
        print(f"phase B: warm-up of {warmup:,} events drained in {len(commits)} batches", flush=True)
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
    while _committed_events(query, commits) < warmup + sent and time.monotonic() < deadline:
        time.sleep(1)
    query.stop()
    compactions = _compactions(spark, args.ratings)
    print(f"phase B: {_breakdown(query)}", flush=True)

    # Latency per event, after the fact: its batch's commit time minus its Kafka create time.
    ranges = spark.createDataFrame(
        [(b, p, first, last, commits[b]) for b, p, first, last in _batch_ranges(query) if b in commits],
        "batch long, part int, lo long, hi long, committed double",
    )
    events = (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .load()
        .select(F.col("partition").alias("part"), "offset", (F.unix_millis("timestamp") / 1000).alias("ts"))
        .where(F.col("offset") >= warmup)  # one partition: the warm-up holds the first offsets
    )
    joined = events.join(
        F.broadcast(ranges),
        (events["part"] == ranges["part"])
        & (events["offset"] >= ranges["lo"])
        & (events["offset"] < ranges["hi"]),
    )
    latency = F.col("committed") - F.col("ts")
    stats = joined.agg(
        F.count(F.lit(1)).alias("n"),
        F.percentile_approx(latency, [0.5, 0.95], 100_000).alias("p"),
        F.max(latency).alias("max"),
        F.min("ts").alias("first_event"),
        F.max("committed").alias("last_commit"),
    ).first()
    return {
        "sent": sent,
        "seen": stats["n"],
        "produce_rate": produce_rate,
        "stream_rate": stats["n"] / (stats["last_commit"] - stats["first_event"]),
        "p50": stats["p"][0],
        "p95": stats["p"][1],
        "max": stats["max"],
        "batches": len({r[0] for r in _batch_ranges(query) if r[3] > warmup}),
        "compactions": compactions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="phase A backlog")
    parser.add_argument("--rate", type=float, default=20_000, help="phase B producer events/s")
    parser.add_argument("--duration", type=float, default=60, help="phase B producer seconds")
    parser.add_argument("--trigger", type=float, default=5.0, help="phase B trigger seconds")
    parser.add_argument(
        "--warmup", type=int, default=200_000, help="phase B events drained before measuring (0: cold)"
    )
    parser.add_argument("--skip-a", action="store_true")
    parser.add_argument("--skip-b", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench tables and topics")
    args = parser.parse_args()
    settings = get_settings()
    bootstrap = settings.kafka_bootstrap
    stamp = int(time.time())
    root = f"{settings.lake.root}/_bench/movie_ratings_stream/{stamp}"
    spark = build_session(
        "movie_ratings_stream_bench",
        **STREAM_CONF,
        **{"spark.sql.streaming.numRecentProgressUpdates": "10000"},  # every batch's offsets
    )
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
            b = phase_b(
                spark, bootstrap, root, topics[-1], args.rate, args.duration, args.trigger, args.warmup
            )
            print(
                f"RESULT B producer {b['produce_rate']:,.0f} ev/s for {args.duration:.0f} s | stream "
                f"{b['stream_rate']:,.0f} ev/s (ratio {b['stream_rate'] / b['produce_rate']:.2f}) | latency "
                f"p50 {b['p50']:.1f} s p95 {b['p95']:.1f} s max {b['max']:.1f} s over {b['seen']:,} events, "
                f"{b['batches']} batches, {b['compactions']} compactions | target p95 <= 15 s {'met' if b['p95'] <= 15 else 'NOT met'}",
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
