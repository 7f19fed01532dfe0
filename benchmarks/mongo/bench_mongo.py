"""Mongo strand throughput: the Spark connector path and the Kafka Connect path, each with a reference.

    .venv/bin/python benchmarks/mongo/bench_mongo.py --operations 1000000 --marketing 200000

Both parts run on scratch databases, topics and lake folders of their own and remove them at the
end (`--keep` leaves them; `--reuse` then skips the 1 M inserts), so the live pipeline is untouched.

1. Spark path: N seeded `operations` documents into `bench_nubank` (insert rate), then the
   reference, pymongo's raw scan of the same collection (docs/s), then
   `jobs/mongo/curate_nubank.py` into Hive (docs/s, end to end: Spark start, read, type, write).
   Target: >= 10 000 docs/s on the Spark path.
2. Connect path: M marketing documents (facebook reactions) into `bench_marketing`, then a
   source connector configured like `mongo-santander-marketing.json` and a lake sink like
   `lake-sink-mongo.json` on that database: Mongo -> Kafka (until every event is in the topic),
   Kafka -> raw (until the sink committed them; the reference), raw -> Hive
   (`jobs/mongo/curate_marketing.py`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the shared spark-submit call
from datalake.generators import mongo_docs
from datalake.generators.mongo_load import client, insert_batched
from spark_cli import spark_submit

from datalake import thrift
from datalake.connect.client import ConnectClient
from datalake.connect.configs import CONNECTORS_DIR, load_connector
from datalake.connect.probes import topic_end_offsets
from datalake.hdfs import webhdfs
from datalake.pipelines.lake_feed import LakeFeed
from datalake.settings import REPO_ROOT, get_settings

NUBANK, MARKETING = "bench_nubank", "bench_marketing"
SCRATCH = "/tmp/bench_mongo"
JOBS = REPO_ROOT / "jobs" / "mongo"
DAY = datetime(2026, 11, 28)


def timed(what: str, step: Callable[[], Any]) -> tuple[float, Any]:
    started = time.monotonic()
    result = step()
    seconds = time.monotonic() - started
    print(f"  {what}: {seconds:,.1f} s", flush=True)
    return seconds, result


def wait(what: str, done: Callable[[], bool], timeout_s: float = 3600) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached after {timeout_s:.0f} s")
        time.sleep(1)


def spark_path(mongo: Any, n: int, hdfs: str, reuse: bool = False) -> dict[str, float]:
    print(f"1. Spark connector path, {n:,} operations", flush=True)
    db = mongo[NUBANK]
    if reuse and db.operations.estimated_document_count() == n:
        print("  reusing the documents of an earlier --keep run (no insert rate)", flush=True)
        return _spark_path(db, n, hdfs)
    client_ids = [mongo_docs.object_id(DAY, random.Random(1))]
    chunk = 100_000  # generated a chunk at a time: a million dicts would hold ~1 GB
    docs = (
        doc
        for k in range(0, n, chunk)
        for doc in mongo_docs.nubank_operations(min(chunk, n - k), client_ids, seed=1, run_key=k, day=DAY)
    )
    insert_s, _ = timed(
        "generate + insert (pymongo insert_many)",
        lambda: insert_batched(db.operations, docs, total=n, report=lambda _: None),
    )
    return {"insert": n / insert_s, **_spark_path(db, n, hdfs)}


def _spark_path(db: Any, n: int, hdfs: str) -> dict[str, float]:
    scan_s, scanned = timed(
        "reference: pymongo raw scan", lambda: sum(1 for _ in db.operations.find({}, batch_size=10_000))
    )
    assert scanned == n, (scanned, n)
    spark_s, _ = timed(
        "curate_nubank (spark-submit, read + type + write Hive)",
        lambda: spark_submit(
            JOBS / "curate_nubank.py",
            *("--run-date", DAY.date().isoformat(), "--database", NUBANK, "--hive-database", NUBANK),
            *(
                "--curated-root",
                f"{hdfs}{SCRATCH}/curated",
                "--quarantine-root",
                f"{hdfs}{SCRATCH}/quarantine",
            ),
        ),
    )
    with thrift.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT COUNT(*) FROM {NUBANK}.operations")
        assert cursor.fetchall() == [(n,)]
    return {"scan": n / scan_s, "spark": n / spark_s}


def connect_path(mongo: Any, m: int, hdfs: str) -> dict[str, float]:
    print(f"2. Kafka Connect path, {m:,} facebook reactions", flush=True)
    db = mongo[MARKETING]
    docs = mongo_docs.facebook_reactions(m, seed=1, run_key="bench", day=DAY)
    insert_s, _ = timed(
        "insert (pymongo insert_many)",
        lambda: insert_batched(db.facebook, docs, total=m, report=lambda _: None),
    )
    connect = ConnectClient()
    _, source = load_connector(CONNECTORS_DIR / "mongo-santander-marketing.json")
    _, sink = load_connector(CONNECTORS_DIR / "lake-sink-mongo.json")
    topic = f"mongo.{MARKETING}.facebook"
    feed = LakeFeed("bench-lake-sink-mongo", topic.replace(".", r"\."), "bench.dlq.lake-sink")
    connect.put_config(
        "bench-mongo-source",
        {
            **source,
            "database": MARKETING,
            "pipeline": '[{"$match": {"ns.coll": "facebook"}}]',
            "startup.mode.copy.existing.namespace.regex": rf"{MARKETING}\.facebook",
            "mongo.errors.deadletterqueue.topic.name": "bench.dlq.mongo",
        },
    )
    started = time.monotonic()
    wait("every event in Kafka", lambda: sum(topic_end_offsets(feed.topics).values()) >= m)
    kafka_s = time.monotonic() - started
    print(f"  Mongo -> Kafka (copy of existing documents): {kafka_s:,.1f} s", flush=True)
    connect.put_config(
        feed.sink,
        {
            **sink,
            "topics.regex": feed.topics,
            "topics.dir": f"{SCRATCH}/raw",
            "errors.deadletterqueue.topic.name": feed.dlq,
        },
    )
    started = time.monotonic()
    targets = topic_end_offsets(feed.topics)
    wait("the sink committed every event", lambda: not feed.lag(targets))
    sink_s = time.monotonic() - started
    print(f"  reference: Kafka -> raw (lake sink): {sink_s:,.1f} s", flush=True)
    spark_s, _ = timed(
        "curate_marketing (spark-submit, replay + type + write Hive)",
        lambda: spark_submit(
            JOBS / "curate_marketing.py",
            *(
                "--run-date",
                DAY.date().isoformat(),
                "--source-database",
                MARKETING,
                "--hive-database",
                MARKETING,
            ),
            *(
                "--collection",
                "facebook",
                "--raw-root",
                f"{hdfs}{SCRATCH}/raw",
                "--curated-root",
                f"{hdfs}{SCRATCH}/curated",
            ),
        ),
    )
    with thrift.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT COUNT(*) FROM {MARKETING}.facebook")
        assert cursor.fetchall() == [(m,)]
    return {
        "insert": m / insert_s,
        "kafka": m / kafka_s,
        "sink": m / sink_s,
        "spark": m / spark_s,
        "end_to_end": m / (kafka_s + sink_s + spark_s),
    }


def cleanup(mongo: Any, keep_documents: bool = False, keep_lake: bool = False) -> None:
    """Remove the scratch connectors and topics always; the documents and lake data unless kept."""
    from datalake.kafka_topics import delete_topics

    connect = ConnectClient()
    for name in ("bench-mongo-source", "bench-lake-sink-mongo"):
        connect.delete(name)
    # Gone before the next run counts a topic's end offsets.
    delete_topics([f"mongo.{MARKETING}.facebook", "bench.dlq.mongo", "bench.dlq.lake-sink"])
    for db in (MARKETING,) if keep_documents else (NUBANK, MARKETING):
        mongo.drop_database(db)
    if keep_lake:
        return
    with thrift.connect() as conn:
        cursor = conn.cursor()
        for db in (NUBANK, MARKETING):
            cursor.execute(f"DROP DATABASE IF EXISTS {db} CASCADE")
    webhdfs("DELETE", SCRATCH, "DELETE", recursive="true")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=1_000_000)
    parser.add_argument("--marketing", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="leave the scratch data in place")
    parser.add_argument(
        "--reuse", action="store_true", help="use the operations a --keep run left in Mongo (skip the insert)"
    )
    args = parser.parse_args()
    hdfs = get_settings().hdfs_uri
    with client() as mongo:
        cleanup(mongo, keep_documents=args.reuse)  # a previous interrupted run
        try:
            spark = spark_path(mongo, args.operations, hdfs, args.reuse) if args.operations else {}
            kafka = connect_path(mongo, args.marketing, hdfs) if args.marketing else {}
        finally:
            cleanup(mongo, keep_documents=args.keep, keep_lake=args.keep)
    result = {"spark_path": spark, "connect_path": kafka}
    print("RESULT " + json.dumps({k: {s: round(v) for s, v in d.items()} for k, d in result.items()}))
    if spark:
        print(
            f"Spark path: {spark['spark']:,.0f} docs/s into Hive vs pymongo raw scan {spark['scan']:,.0f} docs/s "
            f"(ratio {spark['spark'] / spark['scan']:.2f}); target >= 10 000 docs/s: "
            f"{'met' if spark['spark'] >= 10_000 else 'NOT met'}"
        )
    if kafka:
        print(
            f"Connect path: {kafka['end_to_end']:,.0f} docs/s Mongo -> Hive; stages: Mongo->Kafka {kafka['kafka']:,.0f}, "
            f"Kafka->raw {kafka['sink']:,.0f} (reference), raw->Hive {kafka['spark']:,.0f} docs/s"
        )


if __name__ == "__main__":
    main()
