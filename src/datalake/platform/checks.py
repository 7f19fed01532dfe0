"""End-to-end probes of each service, run by the `platform_healthcheck` DAG.

Deeper than the liveness checks in `health.py`: each one does real work (a Kafka round trip,
a write and a read) and raises `ProbeFailed` with what went wrong.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from datalake.settings import get_settings

HEALTHCHECK_TOPIC = "_platform_healthcheck"


class ProbeFailed(RuntimeError):
    pass


def free_space(path: Path, min_gb: float) -> str:
    """Free space of the disk holding `path`; `ProbeFailed` under `min_gb`."""
    usage = shutil.disk_usage(path)
    free_gb = usage.free / 1024**3
    report = f"{free_gb:,.1f} GiB free of {usage.total / 1024**3:,.1f} GiB at {path}"
    if free_gb < min_gb:
        raise ProbeFailed(
            f"{report}: under DISK_FREE_MIN_GB={min_gb:g}. HDFS, Kafka, the databases and the logs all "
            "write there; free space before they fail (docs/reliability.md, Retention)"
        )
    return report


def disk_space() -> str:
    """Free space where the platform keeps its data and logs (var/)."""
    settings = get_settings()
    return free_space(settings.var_dir, settings.disk_free_min_gb)


def kafka_round_trip(timeout_s: float = 30) -> str:
    """Produce a unique message and read it back through a fresh consumer group."""
    from confluent_kafka import Consumer, Producer

    settings = get_settings()
    token = uuid.uuid4().hex
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "enable.idempotence": True})
    producer.produce(HEALTHCHECK_TOPIC, key=token.encode(), value=json.dumps({"token": token}).encode())
    if producer.flush(timeout_s) != 0:
        raise ProbeFailed("Kafka did not acknowledge the probe message")
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": f"healthcheck-{token}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([HEALTHCHECK_TOPIC])
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error():
                continue
            if message.key() == token.encode():
                return f"round trip ok ({HEALTHCHECK_TOPIC} offset {message.offset()})"
    finally:
        consumer.close()
    raise ProbeFailed(f"probe message not consumed back within {timeout_s}s")


def mariadb_read() -> str:
    from datalake.mariadb import connect

    with connect() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT VERSION(), COUNT(*) FROM information_schema.schemata")
        version, schemas = cursor.fetchone() or ("?", 0)
    return f"MariaDB {version}, {schemas} schemas visible"


def postgres_read() -> str:
    import psycopg2

    s = get_settings()
    conn = psycopg2.connect(
        host=s.postgres_host,
        port=s.postgres_port,
        user="airflow",
        password=s.postgres_airflow_password,
        dbname="airflow",
        connect_timeout=5,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM dag")
            (dags,) = cursor.fetchone()
    finally:
        conn.close()
    return f"PostgreSQL ok, {dags} DAG(s) in the Airflow metadata DB"


def mongo_write_read() -> str:
    import pymongo

    s = get_settings()
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        s.mongo_uri, serverSelectionTimeoutMS=5000
    )
    try:
        collection = client["platform"]["healthcheck"]
        token = uuid.uuid4().hex
        collection.insert_one({"token": token, "at": time.time()})
        if collection.find_one({"token": token}) is None:
            raise ProbeFailed("document written to Mongo was not found again")
    finally:
        client.close()
    return "Mongo insert + find ok"


def kafka_connect_plugins(required: tuple[str, ...] = ("MariaDbConnector", "MongoSourceConnector")) -> str:
    from datalake.connect.client import ConnectClient

    classes = [p["class"] for p in ConnectClient(get_settings().connect_url).list_plugins()]
    missing = [name for name in required if not any(c.endswith(name) for c in classes)]
    if missing:
        raise ProbeFailed(f"Kafka Connect lacks plugin(s): {', '.join(missing)}; has {classes}")
    return f"{len(classes)} Connect plugins"
