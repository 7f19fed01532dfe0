"""Kafka 4 (KRaft) on loopback: produce with the idempotent producer, consume it back."""

from __future__ import annotations

import json
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from datalake.kafka_topics import delete_topics
from datalake.settings import get_settings


def test_produce_then_consume_round_trip(unique: str) -> None:
    bootstrap = get_settings().kafka_bootstrap
    topic = f"it-kafka-{unique}"
    admin = AdminClient({"bootstrap.servers": bootstrap})  # keep a reference until the future resolves
    admin.create_topics([NewTopic(topic, num_partitions=3)])[topic].result(timeout=30)

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    sent = {f"key-{i}": {"n": i} for i in range(50)}
    for key, value in sent.items():
        producer.produce(topic, key=key.encode(), value=json.dumps(value).encode())
    assert producer.flush(30) == 0

    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"it-{unique}", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    received: dict[str, dict] = {}
    deadline = time.monotonic() + 60
    try:
        while len(received) < len(sent) and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                received[message.key().decode()] = json.loads(message.value())
    finally:
        consumer.close()
        delete_topics([topic])
    assert received == sent
