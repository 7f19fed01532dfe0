"""A channel producer run lands in Kafka with the client id as key and the contract's fields."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from confluent_kafka import Consumer
from datalake.generators.channels import CHANNELS

from datalake.kafka_topics import delete_topics
from datalake.mariadb import connect
from datalake.settings import REPO_ROOT, get_settings


def test_producer_run_lands_keyed_by_client_with_the_event_time(unique: str) -> None:
    s = get_settings()
    topic = f"it.channels.{unique}"
    try:
        result = subprocess.run(
            [
                *(sys.executable, "-m", "datalake.producers.channels", "--channel", "all", "--freq", "0"),
                *("--count", "100", "--topic", topic, "--seed", "1"),
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "delivered 100" in result.stderr
        consumer = Consumer(
            {
                "bootstrap.servers": s.kafka_bootstrap,
                "group.id": f"it-{unique}",
                "auto.offset.reset": "earliest",
            }
        )
        consumer.subscribe([topic])
        records = []
        deadline = time.monotonic() + 60
        while len(records) < 100 and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                records.append(message)
        consumer.close()
        assert len(records) == 100
        assert {m.partition() for m in records} <= {0, 1, 2, 3} and len({m.partition() for m in records}) > 1
        events = [json.loads(m.value()) for m in records]
        assert all(m.key().decode() == str(e["client_id"]) for m, e in zip(records, events, strict=True))
        assert all(m.timestamp()[1] == e["timestamp"] for m, e in zip(records, events, strict=True))
        assert {e["channel"] for e in events} == set(CHANNELS)
        with connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT id, cpf FROM santander.clients")
            clients = dict(cur.fetchall())
        assert all(clients.get(e["client_id"]) == e["cpf"] for e in events)  # real clients, their CPFs
    finally:
        delete_topics([topic])
