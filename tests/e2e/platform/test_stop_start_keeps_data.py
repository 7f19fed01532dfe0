"""Data written before `./stop.sh` is there after `./start.sh`: a MariaDB row, a Kafka message,
a Delta table on HDFS (through the metastore) and a Mongo document."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid

import pymongo
import pytest
from confluent_kafka import Consumer, Producer

from datalake import thrift
from datalake.mariadb import connect
from datalake.platform.launch import context, spark_environment
from datalake.settings import REPO_ROOT, get_settings

pytestmark = [pytest.mark.e2e, pytest.mark.restart]
TOPIC = "_persistence_probe"


def _run(*cmd: str, env: dict[str, str] | None = None, timeout: int = 900) -> str:
    result = subprocess.run(
        cmd, cwd=REPO_ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout + result.stderr


def _write_everything(token: str, table: str) -> None:
    s = get_settings()
    with connect() as conn, conn.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS movie_ratings.persistence_probe (token VARCHAR(40) PRIMARY KEY)"
        )
        cursor.execute("INSERT INTO movie_ratings.persistence_probe VALUES (%s)", (token,))
        conn.commit()
    producer = Producer({"bootstrap.servers": s.kafka_bootstrap, "enable.idempotence": True})
    producer.produce(TOPIC, key=token.encode(), value=json.dumps({"token": token}).encode())
    assert producer.flush(30) == 0
    _run(
        str(context().paths.venv_bin / "spark-submit"),
        str(REPO_ROOT / "jobs/platform/healthcheck_delta.py"),
        "--run-date",
        "2026-02-03",
        "--table",
        f"platform.{table}",
        env=spark_environment(context()),
    )
    with pymongo.MongoClient(s.mongo_uri) as client:
        client["platform"]["persistence_probe"].insert_one({"token": token})


def _kafka_has(token: str) -> bool:
    consumer = Consumer(
        {
            "bootstrap.servers": get_settings().kafka_bootstrap,
            "group.id": f"persistence-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([TOPIC])
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and not message.error() and message.key() == token.encode():
                return True
    finally:
        consumer.close()
    return False


def test_stop_then_start_keeps_a_row_a_message_a_delta_table_and_a_document() -> None:
    token, table = uuid.uuid4().hex, f"persist_{uuid.uuid4().hex[:8]}"
    _write_everything(token, table)

    _run("./stop.sh")
    status = subprocess.run(
        [".venv/bin/lake", "status", "--json"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert not any(s["healthy"] for s in json.loads(status.stdout)), "something still answers after ./stop.sh"
    started = _run("./start.sh")
    # A quiet start: progress lines and the table, never a traceback of a probe that found a
    # service still coming up (issue "A user's day in the browser").
    assert "Traceback" not in started, started[-3000:]
    assert "all services healthy" in started

    s = get_settings()
    with connect() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM movie_ratings.persistence_probe WHERE token = %s", (token,))
        assert cursor.fetchone()[0] == 1
    assert _kafka_has(token), "the Kafka message written before the stop is gone"
    with thrift.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT COUNT(*) FROM platform.{table}")
        assert cursor.fetchall() == [(100,)]
    with pymongo.MongoClient(s.mongo_uri) as client:
        assert client["platform"]["persistence_probe"].count_documents({"token": token}) == 1
