"""Ratings generator -> Kafka, events/s, next to Kafka's own ProducerPerformance on the same broker.

    .venv/bin/python benchmarks/movie_ratings/bench_generator.py [--events 1000000] [--rounds 2]

Both sides send the same number of records to a fresh single-partition topic (the shape of
`movieRatings`) with acks=all and idempotence; ours are real JSON rating events (~70 bytes, lz4,
the engine's defaults), the reference sends 80-byte records. Rounds alternate reference / ours
so a load spike on the shared machine hits both; the best round of each is reported, with the
ratio ours / reference. Target (BRIEF §7): >= 50 000 events/s.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import time
from itertools import islice

from datalake.generators.base import keyed
from datalake.generators.movie_ratings import SyntheticRatings, default_catalog
from datalake.producers import engine
from rich.console import Console

from datalake.settings import REPO_ROOT, get_settings

KAFKA_CP = f"{REPO_ROOT}/var/jars/kafka/*"


def kafka_tool(*args: str) -> str:
    result = subprocess.run(
        ["java", "-cp", KAFKA_CP, *args], capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}")
    return result.stdout


def create_topic(bootstrap: str, topic: str) -> None:
    kafka_tool(
        "org.apache.kafka.tools.TopicCommand",
        "--bootstrap-server",
        bootstrap,
        "--create",
        "--if-not-exists",
        "--topic",
        topic,
        "--partitions",
        "1",
        "--replication-factor",
        "1",
    )


def delete_topic(bootstrap: str, topic: str) -> None:
    kafka_tool(
        "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap, "--delete", "--topic", topic
    )


def reference_rate(bootstrap: str, topic: str, events: int) -> float:
    """records/s reported by Kafka's ProducerPerformance (its final summary line)."""
    out = kafka_tool(
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(events),
        "--record-size",
        "80",
        "--throughput",
        "-1",
        "--producer-props",
        f"bootstrap.servers={bootstrap}",
        "acks=all",
        "enable.idempotence=true",
    )
    summary = [line for line in out.splitlines() if "records sent" in line][-1]
    return float(re.search(r"([\d.]+) records/sec", summary).group(1))  # type: ignore[union-attr]


def generator_rate(bootstrap: str, topic: str, events: int, source: SyntheticRatings) -> float:
    """events/s of the platform generator + engine, flat out, including the final flush."""
    config = engine.producer_config(bootstrap, **{"client.id": "movie-ratings-bench"})
    stats = engine.run(
        keyed(islice(iter(source), events), "userId"),
        topic,
        config,
        rate=0,
        console=Console(stderr=True, quiet=True),
    )
    assert stats.delivered == events, stats
    return stats.rate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep-topics", action="store_true")
    args = parser.parse_args()
    bootstrap = get_settings().kafka_bootstrap
    catalog, described = default_catalog()
    source = SyntheticRatings(catalog, seed=1)
    sample = next(iter(source))
    print(f"generator: {described}; sample event {json.dumps(sample)} ({len(json.dumps(sample))} bytes)")

    stamp = int(time.time())
    ours: list[float] = []
    theirs: list[float] = []
    topics = []
    for round_no in range(args.rounds):
        for label, results in (("reference", theirs), ("generator", ours)):
            topic = f"bench.movieRatings.{label}.{stamp}.{round_no}"
            topics.append(topic)
            create_topic(bootstrap, topic)
            if label == "reference":
                rate = reference_rate(bootstrap, topic, args.events)
            else:
                rate = generator_rate(bootstrap, topic, args.events, source)
            results.append(rate)
            print(f"round {round_no}: {label:9s} {rate:>10,.0f} events/s", flush=True)
    if not args.keep_topics:
        for topic in topics:
            delete_topic(bootstrap, topic)

    best_ours, best_ref = max(ours), max(theirs)
    print(
        f"\nRESULT generator {best_ours:,.0f} ev/s | ProducerPerformance {best_ref:,.0f} rec/s | "
        f"ratio {best_ours / best_ref:.2f} | target 50,000 ev/s {'met' if best_ours >= 50_000 else 'NOT met'} "
        f"({args.events:,} events per run, best of {args.rounds})"
    )


if __name__ == "__main__":
    main()
