"""Bank channels: five producers flat out against ProducerPerformance, and N events raw -> Hive.

    .venv/bin/python benchmarks/channels/bench_channels.py --events 5000000

1. Producers: the five channel producers at once (`--channel X --freq 0`, one process each), each
   sending events/5 to a scratch topic of 4 partitions; events/s = all events / the wall time
   from the first start to the last exit. Reference in the same run: Kafka's ProducerPerformance
   sending as many records of the events' mean size with the engine's producer settings
   (acks=all, idempotence, lz4, linger.ms, batch.size). Target: >= 100 000 events/s combined.
2. Lake: a scratch lake sink (like `lake-sink-channels.json`) lands the topic in a scratch raw
   folder; then `jobs/channels/channel_operations.py` types the day into a scratch Hive database
   (rows/s). Target: <= 3 min for 5 M events.

Everything is scratch (topic, connector, folders, Hive database) and removed at the end, unless
`--keep`: then `--job-only TOPIC` runs step 2's job again on the same raw folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the shared Kafka CLI calls
from datalake.producers.channels import ensure_topic
from datalake.producers.engine import DEFAULT_CONFIG
from kafka_cli import reference_rate
from spark_cli import spark_submit

from datalake import thrift
from datalake.connect.client import ConnectClient
from datalake.connect.configs import CONNECTORS_DIR, load_connector
from datalake.connect.probes import topic_end_offsets
from datalake.hdfs import webhdfs
from datalake.kafka_topics import delete_topics
from datalake.pipelines.lake_feed import LakeFeed
from datalake.settings import REPO_ROOT, get_settings

CHANNELS = ("caixa_agencia", "atm", "mobile", "maquininhas", "internet_banking")
DAY = date(2026, 11, 28)
SCRATCH = "/tmp/bench_channels"
DATABASE = "bench_channels"


def producers(topic: str, events: int) -> float:
    """events/s of the five producers running at once, flat out."""
    each = events // len(CHANNELS)
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "datalake.producers.channels", "--channel", c, "--freq", "0"),
                *("--count", str(each), "--topic", topic, "--event-date", DAY.isoformat(), "--seed", str(i)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO_ROOT,
        )
        for i, c in enumerate(CHANNELS)
    ]
    codes = [p.wait() for p in procs]
    assert codes == [0] * len(CHANNELS), codes
    return each * len(CHANNELS) / (time.monotonic() - started)


def mean_event_size() -> int:
    import random

    from datalake.generators.channels import CHANNELS as DEFS
    from datalake.generators.channels import make_event

    rng = random.Random(1)
    sizes = [
        len(json.dumps(make_event(DEFS[c], rng, (1, "123.456.789-09", "conta_corrente"), 0)))
        for c in CHANNELS * 200
    ]
    return round(sum(sizes) / len(sizes))


def lake(topic: str, events: int) -> float:
    """Seconds Kafka -> raw."""
    connect = ConnectClient()
    _, sink = load_connector(CONNECTORS_DIR / "lake-sink-channels.json")
    feed = LakeFeed("bench-lake-sink-channels", topic.replace(".", r"\."), "bench.dlq.channels")
    targets = topic_end_offsets(feed.topics)
    assert sum(targets.values()) >= events
    started = time.monotonic()
    connect.put_config(
        feed.sink,
        {
            **sink,
            "topics": topic,
            "topics.dir": f"{SCRATCH}/raw",
            "errors.deadletterqueue.topic.name": feed.dlq,
        },
    )
    while feed.lag(targets):
        time.sleep(1)
    sink_s = time.monotonic() - started
    connect.delete(feed.sink)
    print(f"Kafka -> raw: {sink_s:,.1f} s ({events / sink_s:,.0f} ev/s)", flush=True)
    return sink_s


def job(topic: str, events: int) -> float:
    """Seconds raw -> Hive of `channel_operations.py` over the scratch raw folder."""
    started = time.monotonic()
    hdfs = get_settings().hdfs_uri
    spark_submit(
        REPO_ROOT / "jobs" / "channels" / "channel_operations.py",
        *("--run-date", DAY.isoformat(), "--topic", topic, "--database", DATABASE),
        *("--raw-root", f"{hdfs}{SCRATCH}/raw", "--curated-root", f"{hdfs}{SCRATCH}/curated"),
        *("--quarantine-root", f"{hdfs}{SCRATCH}/quarantine"),
    )
    job_s = time.monotonic() - started
    print(f"raw -> Hive: {job_s:,.1f} s ({events / job_s:,.0f} rows/s)", flush=True)
    with thrift.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT COUNT(*) FROM {DATABASE}.channel_operations")
        assert cursor.fetchall() == [(events,)]
    return job_s


def cleanup(topics: list[str]) -> None:
    ConnectClient().delete("bench-lake-sink-channels")
    delete_topics([*topics, "bench.dlq.channels"])
    with thrift.connect() as conn:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS {DATABASE} CASCADE")
    webhdfs("DELETE", SCRATCH, "DELETE", recursive="true")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=1, help="producer rounds (best kept)")
    parser.add_argument("--keep", action="store_true", help="leave the scratch raw folder for --job-only")
    parser.add_argument(
        "--job-only", metavar="TOPIC", help="only the Spark job, on the raw a --keep run left"
    )
    args = parser.parse_args()
    if args.job_only:
        job(args.job_only, args.events // len(CHANNELS) * len(CHANNELS))
        return
    bootstrap = get_settings().kafka_bootstrap
    stamp = int(time.time())
    events = args.events // len(CHANNELS) * len(CHANNELS)
    size = mean_event_size()
    engine_props = {
        k: str(v) for k, v in DEFAULT_CONFIG.items() if k in ("compression.type", "linger.ms", "batch.size")
    }
    topics = []
    ours, theirs = [], []
    try:
        for round_no in range(args.rounds):
            ref_topic, topic = f"bench.channels.ref.{stamp}.{round_no}", f"bench.channels.{stamp}.{round_no}"
            topics += [ref_topic, topic]
            for t in (ref_topic, topic):
                ensure_topic(bootstrap, t)
            theirs.append(reference_rate(bootstrap, ref_topic, events, record_size=size, **engine_props))
            ours.append(producers(topic, events))
            print(
                f"round {round_no}: ProducerPerformance {theirs[-1]:,.0f} rec/s, five producers {ours[-1]:,.0f} ev/s",
                flush=True,
            )
        sink_s = lake(topics[-1], events)
        if args.keep:
            print(f"kept: rerun the job with --job-only {topics[-1]}", flush=True)
        job_s = job(topics[-1], events)
    finally:
        if not args.keep:
            cleanup(topics)
    print(
        f"RESULT producers {max(ours):,.0f} ev/s | ProducerPerformance ({size} B, {engine_props}) {max(theirs):,.0f} rec/s | "
        f"ratio {max(ours) / max(theirs):.2f} | target 100,000 ev/s {'met' if max(ours) >= 100_000 else 'NOT met'}"
    )
    print(
        f"RESULT {events:,} events: Kafka -> raw {sink_s:,.1f} s ({events / sink_s:,.0f} ev/s), raw -> Hive "
        f"{job_s:,.1f} s ({events / job_s:,.0f} rows/s) | target <= 180 s {'met' if job_s <= 180 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
