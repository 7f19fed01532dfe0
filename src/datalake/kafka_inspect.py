"""What `lake topics` shows: topics, consumer-group lag and the last messages of a topic.

The original platform had Confluent Control Center for this; here the broker's own admin API
answers, through confluent-kafka, and nothing is consumed under a group (offsets are read with
`assign`, never committed), so looking never moves anybody's position.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from datalake.settings import get_settings

if TYPE_CHECKING:
    import confluent_kafka

Partition = tuple[str, int]


@dataclass(frozen=True)
class TopicInfo:
    name: str
    partitions: int
    messages: int  # records still held (end - start offsets), after retention and compaction
    end: int  # sum of the partitions' end offsets: records ever written


@dataclass(frozen=True)
class GroupLag:
    group: str
    topic: str
    committed: int
    end: int

    @property
    def lag(self) -> int:
        return self.end - self.committed


@dataclass(frozen=True)
class Message:
    partition: int
    offset: int
    timestamp_ms: int
    key: str | None
    value: str | None


def group_lags(
    committed: Mapping[Partition, int], ends: Mapping[Partition, int], group: str
) -> list[GroupLag]:
    """Per topic: the group's committed offsets against the end offsets. A partition the group has
    never committed counts from 0 (what a new consumer with `earliest` would still have to read)."""
    topics = sorted({t for t, _ in committed})
    out = []
    for topic in topics:
        parts = [p for t, p in ends if t == topic]
        done = sum(max(committed.get((topic, p), 0), 0) for p in parts)
        out.append(GroupLag(group, topic, done, sum(ends[(topic, p)] for p in parts)))
    return out


def tail_starts(watermarks: Mapping[int, tuple[int, int]], n: int) -> dict[int, int]:
    """Where to start reading each partition so that its last `n` records (at most) are read."""
    return {p: max(low, high - n) for p, (low, high) in watermarks.items() if high > low}


def latest(messages: Iterable[Message], n: int) -> list[Message]:
    """The `n` newest messages across partitions (by timestamp, then offset), oldest first."""
    return sorted(heapq.nlargest(n, messages, key=_order), key=_order)


def _order(m: Message) -> tuple[int, int, int]:
    return (m.timestamp_ms, m.partition, m.offset)


def position(record: confluent_kafka.Message) -> tuple[str, int, int]:
    """Topic, partition and offset of a record a consumer returned. confluent-kafka types them
    Optional: they are None on error events only, which callers skip (`record.error()`) first."""
    topic, partition, offset = record.topic(), record.partition(), record.offset()
    if topic is None or partition is None or offset is None:
        raise ValueError(f"not a record: {record.error()}")
    return topic, partition, offset


def headers(record: confluent_kafka.Message) -> dict[str, str]:
    """A record's headers as text (a header without a value reads as "")."""
    raw = record.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    return {k: v.decode() if isinstance(v, bytes) else (v or "") for k, v in pairs}


def _consumer(bootstrap: str) -> Any:
    from confluent_kafka import Consumer

    return Consumer(
        {
            "bootstrap.servers": bootstrap or get_settings().kafka_bootstrap,
            "group.id": "lake-inspect",  # required by the client; never joined nor committed
            "enable.auto.commit": False,
        }
    )


def list_topics(bootstrap: str = "", internal: bool = False) -> list[TopicInfo]:
    """Every topic with its partitions, records held and records ever written."""
    from confluent_kafka import TopicPartition

    consumer = _consumer(bootstrap)
    try:
        out = []
        for name, meta in sorted(consumer.list_topics(timeout=10).topics.items()):
            if name.startswith("__") and not internal:
                continue
            marks = [
                consumer.get_watermark_offsets(TopicPartition(name, p), timeout=10) for p in meta.partitions
            ]
            out.append(TopicInfo(name, len(marks), sum(h - lo for lo, h in marks), sum(h for _, h in marks)))
        return out
    finally:
        consumer.close()


def consumer_lags(bootstrap: str = "") -> list[GroupLag]:
    """Every consumer group's lag per topic (Connect sinks appear as `connect-<connector>`)."""
    from confluent_kafka import ConsumerGroupTopicPartitions
    from confluent_kafka.admin import AdminClient

    from datalake.connect.probes import topic_end_offsets

    servers = bootstrap or get_settings().kafka_bootstrap
    admin = AdminClient({"bootstrap.servers": servers})
    groups = sorted(g.group_id for g in admin.list_consumer_groups().result(timeout=10).valid)
    ends = topic_end_offsets(".*", servers)  # once for every group
    out: list[GroupLag] = []
    for group in groups:
        result = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(10)
        committed = {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions}
        out += group_lags(committed, ends, group)
    return out


def last_messages(topic: str, n: int = 10, bootstrap: str = "", timeout_s: float = 10.0) -> list[Message]:
    """The topic's `n` newest records, oldest first, read without joining a group."""
    import time

    from confluent_kafka import TopicPartition

    consumer = _consumer(bootstrap)
    try:
        meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if meta is None or meta.error is not None:
            raise ValueError(f"no topic {topic!r} (see `lake topics` for the list)")
        marks = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in meta.partitions
        }
        starts = tail_starts(marks, n)
        if not starts:
            return []
        consumer.assign([TopicPartition(topic, p, o) for p, o in starts.items()])
        wanted = {p: marks[p][1] for p in starts}
        read: list[Message] = []
        deadline = time.monotonic() + timeout_s
        while wanted and time.monotonic() < deadline:
            for record in consumer.consume(500, timeout=1.0):
                if record.error():
                    continue
                p, o = record.partition(), record.offset()
                key, value = record.key(), record.value()
                read.append(
                    Message(
                        p,
                        o,
                        record.timestamp()[1],
                        key.decode(errors="replace") if key is not None else None,
                        value.decode(errors="replace") if value is not None else None,
                    )
                )
                if o + 1 >= wanted.get(p, 0):
                    wanted.pop(p, None)
        return latest(read, n)
    finally:
        consumer.close()
