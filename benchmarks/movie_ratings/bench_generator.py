"""Ratings generator -> Kafka, events/s, next to Kafka's own ProducerPerformance on the same broker.

    .venv/bin/python benchmarks/movie_ratings/bench_generator.py [--events 1000000] [--rounds 2]

Both sides send the same number of records to a fresh single-partition topic (the shape of
`movieRatings`) with the same producer settings: the engine's (`engine.DEFAULT_CONFIG`: acks=all,
idempotence, lz4, linger and batch size), given to the reference too; ours are real JSON rating
events, the reference's records are as long as the sample event. Rounds alternate reference /
ours so a load spike on the shared machine hits both; the best round of each is reported, with
the ratio ours / reference, and the median of each round's ratio (less sensitive to one lucky
round). The generator's CPU time per event (the process's, librdkafka's threads included) is
printed too: on this shared machine the broker is often the bottleneck, and CPU per event shows
what the sender itself costs. Targets: BRIEF §7 >= 50 000 events/s; issue 14 a ratio >= 0.7.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the shared Kafka CLI calls
from datalake.generators.base import keyed
from datalake.generators.movie_ratings import SyntheticRatings, default_catalog
from datalake.producers import engine
from kafka_cli import create_topic, delete_topic, reference_rate
from rich.console import Console

from datalake.settings import get_settings


def generator_rate(bootstrap: str, topic: str, events: int, source: SyntheticRatings) -> tuple[float, float]:
    """events/s of the platform generator + engine, flat out, including the final flush, and the
    process's CPU microseconds per event."""
    config = engine.producer_config(bootstrap, **{"client.id": "movie-ratings-bench"})
    cpu = time.process_time()
    stats = engine.run(
        keyed(islice(iter(source), events), "userId"),
        topic,
        config,
        rate=0,
        console=Console(stderr=True, quiet=True),
    )
    assert stats.delivered == events, stats
    return stats.rate, (time.process_time() - cpu) / events * 1e6


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

    record_size = len(json.dumps(sample, separators=(",", ":")))
    # The engine's settings, as ProducerPerformance's --producer-props (acks and idempotence it has).
    same = {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in engine.DEFAULT_CONFIG.items()
        if key in ("compression.type", "linger.ms", "batch.size")
    }
    print(f"reference: ProducerPerformance, {record_size}-byte records, acks=all, idempotence, {same}")
    stamp = int(time.time())
    ours: list[float] = []
    theirs: list[float] = []
    topics = []
    for round_no in range(args.rounds):
        for label, results in (("reference", theirs), ("generator", ours)):
            topic = f"bench.movieRatings.{label}.{stamp}.{round_no}"
            topics.append(topic)
            create_topic(bootstrap, topic)
            cpu_note = ""
            if label == "reference":
                rate = reference_rate(bootstrap, topic, args.events, record_size=record_size, **same)
            else:
                rate, cpu_us = generator_rate(bootstrap, topic, args.events, source)
                cpu_note = f"  ({cpu_us:.2f} µs CPU per event)"
            results.append(rate)
            print(f"round {round_no}: {label:9s} {rate:>10,.0f} events/s{cpu_note}", flush=True)
    if not args.keep_topics:
        for topic in topics:
            delete_topic(bootstrap, topic)

    best_ours, best_ref = max(ours), max(theirs)
    median_ratio = statistics.median(o / t for o, t in zip(ours, theirs, strict=True))
    print(
        f"\nRESULT generator {best_ours:,.0f} ev/s | ProducerPerformance {best_ref:,.0f} rec/s | "
        f"ratio {best_ours / best_ref:.2f} (target >= 0.7 {'met' if best_ours >= 0.7 * best_ref else 'NOT met'}), "
        f"median of the rounds' ratios {median_ratio:.2f} | "
        f"target 50,000 ev/s {'met' if best_ours >= 50_000 else 'NOT met'} "
        f"({args.events:,} events per run, best of {args.rounds})"
    )


if __name__ == "__main__":
    main()
