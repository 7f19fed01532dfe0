"""Bank channels (BRIEF §4.2 `streaming_operations_pipeline`): five producers -> Kafka -> Hive.

Always on: `./start.sh` runs one producer per channel under the supervisor at `settings.channel_rate`
events per second into `channels.operations`; the lake sink `lake-sink-channels` lands the topic
in the raw zone exactly once. The daily DAG then:

1. `capture` records the topic's end offsets: the run covers what Kafka held when it started;
2. `lake_has_source` waits until the sink committed them (the bank's mechanism, `lake_feed`);
3. `channel_operations` (Spark) types the day's events into `financas.channel_operations`;
4. `reconcile` counts the day's records in Kafka itself, per channel, and fails the run unless
   they equal the rows plus the quarantined events plus the sink's dead letters.

See docs/bank-channels.md; the DAG file only wires these functions.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from datalake.kafka_inspect import position
from datalake.pipelines import Pipeline, apply_connectors
from datalake.pipelines.lake_feed import LakeFeed, parse_targets
from datalake.platform.launch import Context
from datalake.platform.services import Service

log = logging.getLogger(__name__)

DAG_ID = "streaming_operations_pipeline"
TOPIC = "channels.operations"
FEED = LakeFeed("lake-sink-channels")
CONNECTORS = (FEED.sink,)
CHANNEL_NAMES = ("caixa_agencia", "atm", "mobile", "maquininhas", "internet_banking")


class ChannelReconciliationError(Exception):
    """Kafka's records of the day and the lake's rows + quarantine + dead letters differ."""


def _producer(channel: str) -> Service:
    return Service(
        name=f"channel-{channel.replace('_', '-')}",
        role=f"bank channel {channel} -> Kafka {TOPIC}",
        ports=(),
        url="",
        command=lambda ctx: [
            str(ctx.paths.venv_bin / "python"),
            *("-m", "datalake.producers.channels", "--channel", channel),
            *("--freq", str(ctx.settings.channel_rate)),
        ],
        check=None,
    )


def setup(ctx: Context | None = None) -> None:
    """The topic with its partitions, then the lake sink (before the producers start)."""
    from datalake.producers.channels import ensure_topic
    from datalake.settings import get_settings

    del ctx
    ensure_topic(get_settings().kafka_bootstrap)
    apply_connectors(PIPELINE)


# ---- DAG tasks ------------------------------------------------------------------------------------
def capture() -> dict[str, int]:
    """The topic's end offsets now (`topic:partition` -> offset), the run's upper bound."""
    return FEED.end_offsets()


def until_arg(targets: dict[str, int]) -> str:
    """The job's `--until` (partition -> end offset) from the captured targets."""
    return json.dumps({str(p): off for (_t, p), off in parse_targets(targets).items()})


def _window(day: date) -> tuple[int, int]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return int(start.timestamp() * 1000), int((start + timedelta(days=1)).timestamp() * 1000)


def kafka_counts(
    day: date, targets: dict[str, int], bootstrap: str = ""
) -> tuple[Counter[str], set[tuple[int, int]]]:
    """The day's records in Kafka below the captured offsets: per channel ('unknown' when the
    record is not a JSON event with a channel), and the (partition, offset) of those non-events."""
    from confluent_kafka import Consumer, TopicPartition

    from datalake.settings import get_settings

    start_ms, end_ms = _window(day)
    bounds = {p: end for (_t, p), end in parse_targets(targets).items() if end > 0}
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap or get_settings().kafka_bootstrap,
            "group.id": "lake-reconcile",
            "enable.auto.commit": False,
        }
    )
    counts: Counter[str] = Counter()
    not_events: set[tuple[int, int]] = set()
    try:
        # The first offset of each partition whose timestamp is in the window or later.
        starts = consumer.offsets_for_times([TopicPartition(TOPIC, p, start_ms) for p in bounds], timeout=30)
        assignment = [
            TopicPartition(TOPIC, tp.partition, tp.offset)
            for tp in starts
            if 0 <= tp.offset < bounds[tp.partition]
        ]
        remaining = {tp.partition for tp in assignment}
        consumer.assign(assignment)
        while remaining:
            message = consumer.poll(10.0)
            if message is None:
                raise ChannelReconciliationError(f"Kafka stopped answering while counting {TOPIC}")
            if message.error():
                continue
            _, partition, offset = position(message)
            if offset >= bounds[partition]:
                remaining.discard(partition)
                continue
            if start_ms <= message.timestamp()[1] < end_ms:
                try:
                    event = json.loads(message.value() or b"")
                    channel = (event.get("channel") or "unknown") if isinstance(event, dict) else "unknown"
                except (ValueError, TypeError):
                    channel = "unknown"
                    not_events.add((partition, offset))
                counts[str(channel)] += 1
            if offset + 1 >= bounds[partition]:
                remaining.discard(partition)
    finally:
        consumer.close()
    return counts, not_events


def lake_counts(day: date, database: str = "financas") -> Counter[str]:
    """Rows plus quarantined events of the day, per channel, through the Thrift server."""
    from datalake import thrift

    counts: Counter[str] = Counter()
    with thrift.connect() as conn:
        cursor = conn.cursor()
        for table in ("channel_operations", "channel_operations_quarantine"):
            cursor.execute(f"REFRESH TABLE {database}.{table}")
            cursor.execute(
                f"SELECT channel, COUNT(*) FROM {database}.{table} WHERE op_date = DATE'{day.isoformat()}' GROUP BY channel"
            )
            for channel, n in cursor.fetchall():
                counts[channel] += n
    return counts


def compare(kafka: Counter[str], lake: Counter[str], dead: int) -> list[str]:
    """Differences per channel; the sink's dead letters can only explain 'unknown' records."""
    problems = []
    for channel in sorted(set(kafka) | set(lake)):
        expected = kafka[channel] - (dead if channel == "unknown" else 0)
        if expected != lake[channel]:
            problems.append(
                f"{channel}: Kafka {kafka[channel]} records, lake {lake[channel]} (rows + quarantined)"
            )
    return problems


def reconcile(run_date: str, targets: dict[str, int]) -> list[str]:
    from datalake.connect.probes import dead_letters

    day = date.fromisoformat(run_date)
    kafka, not_events = kafka_counts(day, targets)
    # Only records that are not JSON can be dead letters; the DLQ is read only when there are some.
    dead = (
        {(p, o) for (t, p, o) in dead_letters(FEED.dlq) if t == TOPIC} & not_events if not_events else set()
    )
    lake = lake_counts(day)
    problems = compare(kafka, lake, len(dead))
    lines = [f"{c}: Kafka {kafka[c]}, lake {lake[c]}" for c in sorted(set(kafka) | set(lake))] + [
        f"dead letters of the day: {len(dead)}"
    ]
    for line in lines:
        log.info(line)
    if problems:
        raise ChannelReconciliationError("channel operations differ:\n" + "\n".join(problems))
    return lines


PIPELINE = Pipeline(
    name="channels",
    setup=setup,
    programs=tuple(_producer(c) for c in CHANNEL_NAMES),
    dags=(DAG_ID,),
    connectors=CONNECTORS,
)
