"""The two Mongo paths against the running platform, each on scratch data of its own:

- the MongoDB Spark connector reads a scratch database into scratch Hive tables (curate_nubank);
- the MongoDB Kafka source, configured as `mongo-santander-marketing.json` but on a scratch
  database and topic prefix, copies an existing document and emits insert, update and delete with
  the document's key and its full document.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pymongo
import pytest
from bson import Decimal128, ObjectId

from datalake import thrift
from datalake.connect.client import ConnectClient
from datalake.connect.configs import CONNECTORS_DIR, load_connector
from datalake.hdfs import webhdfs
from datalake.kafka_topics import delete_topics
from datalake.settings import REPO_ROOT, get_settings

S = get_settings()


@pytest.fixture
def mongo_db(unique: str) -> Iterator[pymongo.database.Database]:
    client = pymongo.MongoClient(S.mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        yield client[f"it_{unique}"]
    finally:
        client.drop_database(f"it_{unique}")
        client.close()


def _query(sql: str) -> list[tuple[Any, ...]]:
    with thrift.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        return cursor.fetchall()


def test_spark_connector_reads_a_scratch_collection_into_hive(
    mongo_db: pymongo.database.Database, unique: str, spark_submit: Callable[..., Any]
) -> None:
    ts = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    client = ObjectId()
    good = {"client_id": client, "tipo": "pix", "canal": "app", "timestamp": ts, "status": "concluida"}
    mongo_db.operations.insert_many(
        [
            {"_id": ObjectId("69570a8114c0fba88cec5201"), **good, "valor": Decimal128("10.25")},
            {"_id": ObjectId("69570a8114c0fba88cec5202"), **good, "valor": 5},  # an Int32 amount
            {"_id": ObjectId("69570a8114c0fba88cec5203"), **good, "valor": "12,50"},  # broken
        ]
    )
    scratch = f"/tmp/it_{unique}"
    try:
        spark_submit(
            str(REPO_ROOT / "jobs" / "mongo" / "curate_nubank.py"),
            *("--run-date", "2026-11-28", "--database", mongo_db.name, "--hive-database", mongo_db.name),
            *(
                "--curated-root",
                f"{S.hdfs_uri}{scratch}/curated",
                "--quarantine-root",
                f"{S.hdfs_uri}{scratch}/quarantine",
            ),
        )
        rows = _query(f"SELECT id, valor, op_date FROM {mongo_db.name}.operations ORDER BY id")
        assert [(r[0], str(r[1]), str(r[2])) for r in rows] == [
            ("69570a8114c0fba88cec5201", "10.25", "2026-11-28"),
            ("69570a8114c0fba88cec5202", "5.00", "2026-11-28"),
        ]
        quarantined = _query(f"SELECT collection, id, reasons FROM {mongo_db.name}.quarantine")
        assert [(c, i, json.loads(r)) for c, i, r in quarantined] == [
            ("operations", "69570a8114c0fba88cec5203", ["valor: expected a number, got a string 12,50"])
        ]
    finally:
        _query(f"DROP DATABASE IF EXISTS {mongo_db.name} CASCADE")
        webhdfs("DELETE", scratch, "DELETE", recursive="true")


def _consume(topic: str, count: int, timeout_s: float = 90) -> list[tuple[str, dict[str, Any]]]:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {"bootstrap.servers": S.kafka_bootstrap, "group.id": f"it-{topic}", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    out: list[tuple[str, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(out) < count and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                out.append((message.key().decode(), json.loads(message.value())))
    finally:
        consumer.close()
    return out


def test_source_connector_emits_insert_update_and_delete_with_key_and_full_document(
    mongo_db: pymongo.database.Database, unique: str
) -> None:
    name, prefix = f"it-mongo-{unique}", f"it{unique}"
    _, config = load_connector(CONNECTORS_DIR / "mongo-santander-marketing.json")
    config = {
        **config,
        "database": mongo_db.name,
        "pipeline": '[{"$match": {"ns.coll": "docs"}}]',
        "startup.mode.copy.existing.namespace.regex": rf"{mongo_db.name}\.docs",
        "topic.prefix": prefix,
        "mongo.errors.deadletterqueue.topic.name": f"{prefix}.dlq",
    }
    mongo_db.docs.insert_one({"_id": "before", "v": 0})  # copied by startup.mode=copy_existing
    connect = ConnectClient()
    topic = f"{prefix}.{mongo_db.name}.docs"
    try:
        connect.put_config(name, config)
        connect.wait_running(name, timeout_s=120)
        time.sleep(2)  # the task opens its change stream right after RUNNING
        mongo_db.docs.insert_one({"_id": "k1", "v": 1})
        mongo_db.docs.update_one({"_id": "k1"}, {"$set": {"v": 2}})
        mongo_db.docs.delete_one({"_id": "k1"})
        events = _consume(topic, 4)
        ops = [(json.loads(key)["_id"], value["operationType"]) for key, value in events]
        # The copy and the change stream are each in order; on a loaded machine the copied
        # document has come after the changes made once the task was RUNNING.
        assert ops.count(("before", "insert")) == 1
        changes = [value for key, value in events if json.loads(key)["_id"] == "k1"]
        assert [value["operationType"] for value in changes] == ["insert", "update", "delete"]
        assert all(value["documentKey"] == {"_id": json.loads(key)["_id"]} for key, value in events)
        assert all(value["ns"] == {"db": mongo_db.name, "coll": "docs"} for _, value in events)
        assert changes[0]["fullDocument"] == {"_id": "k1", "v": {"$numberInt": "1"}}
        # The update's document as looked up (it was deleted right after, so it may be gone).
        assert changes[1]["fullDocument"] in ({"_id": "k1", "v": {"$numberInt": "2"}}, None)
    finally:
        connect.delete(name)
        delete_topics([topic, f"{prefix}.dlq"])
