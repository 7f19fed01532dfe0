"""Catching up: source offsets, topic end offsets, sink offsets, sink lag and dead letters.

What the pipelines' sensors and the benchmarks ask of Kafka and Connect once connectors run
(has the source reached a GTID set, has the lake sink committed every record). Separate from the
REST client because most of it reads Kafka directly (confluent_kafka, imported lazily).
"""

from __future__ import annotations

import re
import time

from datalake import kafka_inspect
from datalake.connect.client import ConnectClient
from datalake.connect.errors import ConnectError
from datalake.settings import get_settings

TopicPartition = tuple[str, int]


def source_gtids(client: ConnectClient, name: str) -> str:
    """The GTID set in a Debezium MariaDB/MySQL connector's committed offset ('' before the first)."""
    return ";".join(str(o.get("offset", {}).get("gtids", "")) for o in client.offsets(name)).strip(";")


def sink_offsets(client: ConnectClient, name: str) -> dict[TopicPartition, int]:
    """A sink connector's committed offsets: (topic, partition) -> next offset to read."""
    out: dict[TopicPartition, int] = {}
    for item in client.offsets(name):
        part, off = item.get("partition", {}), item.get("offset", {})
        out[(part["kafka_topic"], int(part["kafka_partition"]))] = int(off["kafka_offset"])
    return out


def topic_end_offsets(pattern: str, bootstrap: str = "") -> dict[TopicPartition, int]:
    """End offsets (next offset to be written) of every partition of the topics matching `pattern`."""
    from confluent_kafka import Consumer
    from confluent_kafka import TopicPartition as KTP

    regex = re.compile(pattern)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap or get_settings().kafka_bootstrap,
            "group.id": "lake-offset-probe",
            "enable.auto.commit": False,
        }
    )
    try:
        meta = consumer.list_topics(timeout=10)
        out: dict[TopicPartition, int] = {}
        for topic, tmeta in meta.topics.items():
            if not regex.fullmatch(topic):
                continue
            for partition in tmeta.partitions:
                _low, high = consumer.get_watermark_offsets(KTP(topic, partition), timeout=10)
                out[(topic, partition)] = high
        return out
    finally:
        consumer.close()


def dead_letters(dlq_topic: str, bootstrap: str = "", timeout_s: float = 60.0) -> set[tuple[str, int, int]]:
    """(topic, partition, offset) of every record in a dead-letter topic, from its error headers.

    Raises ConnectError when the topic could not be read to its end within `timeout_s`: a partial
    answer would make records look lost (or a lag look cleared).
    """
    from confluent_kafka import OFFSET_BEGINNING, Consumer
    from confluent_kafka import TopicPartition as KTP

    ends = topic_end_offsets(re.escape(dlq_topic), bootstrap)
    if not any(ends.values()):
        return set()
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap or get_settings().kafka_bootstrap,
            "group.id": "lake-dlq-probe",
            "enable.auto.commit": False,
        }
    )
    found: set[tuple[str, int, int]] = set()
    try:
        consumer.assign([KTP(t, p, OFFSET_BEGINNING) for (t, p) in ends])
        # A partition whose records were all deleted (retention, DeleteRecords) has start == end:
        # nothing to read there, however high its end offset.
        starts = {tp: consumer.get_watermark_offsets(KTP(*tp), timeout=10)[0] for tp in ends}
        remaining = {tp for tp, end in ends.items() if end > starts[tp]}
        deadline = time.monotonic() + timeout_s
        while remaining and time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            headers = kafka_inspect.headers(msg)
            if "__connect.errors.topic" in headers:
                found.add(
                    (
                        headers["__connect.errors.topic"],
                        int(headers["__connect.errors.partition"]),
                        int(headers["__connect.errors.offset"]),
                    )
                )
            topic, partition, offset = kafka_inspect.position(msg)
            if offset + 1 >= ends[(topic, partition)]:
                remaining.discard((topic, partition))
        if remaining:
            raise ConnectError(
                f"dead-letter topic {dlq_topic}: partitions {sorted(remaining)} not read within {timeout_s:.0f} s"
            )
        return found
    finally:
        consumer.close()


def sink_lag(
    client: ConnectClient,
    sink: str,
    pattern: str,
    dlq_topic: str | None = None,
    targets: dict[TopicPartition, int] | None = None,
) -> dict[TopicPartition, tuple[int, int]]:
    """Partitions whose records are not all committed by the sink yet: {tp: (committed, target)}.

    `targets` defaults to the topics' current end offsets. Records the sink sent to its dead-letter
    topic never land in a file, so a gap made only of dead letters does not count as lag.
    """
    targets = targets if targets is not None else topic_end_offsets(pattern)
    committed = sink_offsets(client, sink)
    lag = {
        tp: (committed.get(tp, 0), end)
        for tp, end in targets.items()
        if end > 0 and committed.get(tp, 0) < end
    }
    if lag and dlq_topic:
        dead = dead_letters(dlq_topic)
        lag = {
            tp: (have, end)
            for tp, (have, end) in lag.items()
            if not all((tp[0], tp[1], off) in dead for off in range(have, end))
        }
    return lag
