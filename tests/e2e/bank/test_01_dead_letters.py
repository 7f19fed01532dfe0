"""Bad input: a record the lake sink cannot convert goes to the dead-letter topic; the sink goes on."""

from __future__ import annotations

import pytest
from bank_e2e import (
    connectors_running,
    generate,
    raw_files,
    read_raw,
    wait_connectors_running,
    wait_lake_caught_up,
    wait_until,
)

from datalake import kafka_inspect

pytestmark = pytest.mark.e2e

TOPIC = "cdc.santander.clients"
DLQ = "dlq.lake-sink-cdc"


def _produce_garbage() -> int:
    from confluent_kafka import Producer

    from datalake.settings import get_settings

    delivered: list[int] = []
    producer = Producer({"bootstrap.servers": get_settings().kafka_bootstrap})
    producer.produce(
        TOPIC,
        key=b'{"id": -1}',
        value=b"this is {not json",
        on_delivery=lambda err, msg: delivered.append(-1 if err else msg.offset()),
    )
    producer.flush(15)
    assert delivered and delivered[0] >= 0, f"could not produce the bad record to {TOPIC}: {delivered}"
    return delivered[0]


def _dlq_headers(offset: int) -> dict[str, str] | None:
    """The error headers of the dead letter for (TOPIC, 0, offset), if it is in the DLQ yet."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    from datalake.connect.probes import topic_end_offsets
    from datalake.settings import get_settings

    ends = topic_end_offsets(DLQ.replace(".", r"\."))
    if not any(ends.values()):
        return None
    consumer = Consumer(
        {
            "bootstrap.servers": get_settings().kafka_bootstrap,
            "group.id": "e2e-dlq",
            "enable.auto.commit": False,
        }
    )
    try:
        consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for (t, p) in ends])
        seen = 0
        total = sum(ends.values())
        for _ in range(total * 2 + 20):
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            seen += 1
            headers = kafka_inspect.headers(msg)
            if headers.get("__connect.errors.topic") == TOPIC and headers.get(
                "__connect.errors.offset"
            ) == str(offset):
                return headers
            if seen >= total:
                break
        return None
    finally:
        consumer.close()


def test_bad_record_goes_to_dlq_and_sink_keeps_running(bank_platform: None) -> None:
    wait_connectors_running(120)
    bad_offset = _produce_garbage()

    headers = wait_until(f"offset {bad_offset} of {TOPIC} in {DLQ}", lambda: _dlq_headers(bad_offset), 90, 3)
    assert headers["__connect.errors.partition"] == "0"
    assert headers.get("__connect.errors.exception.class.name"), headers
    assert headers.get("__connect.errors.exception.message"), headers
    assert headers.get("__connect.errors.connector.name") == "lake-sink-cdc", headers

    assert connectors_running(), "a connector or task is not RUNNING after the bad record"

    # Good records after the bad one still land in the raw zone.
    added = generate(clients=3)
    assert added == {"clients": 3}
    wait_lake_caught_up()
    later = [f for f in raw_files(TOPIC) if f.end > bad_offset]
    assert later, f"no committed file of {TOPIC} holds records after the bad offset {bad_offset}"
    offsets = {line["offset"] for f in later for line in read_raw(f.path)}
    assert bad_offset not in offsets, "the bad record must not be in the raw zone"
    assert any(o > bad_offset for o in offsets)
    assert connectors_running(), "a connector or task is not RUNNING after the good records"
