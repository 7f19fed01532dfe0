"""Kafka Connect (distributed, one worker) lists the CDC source plugins and our lake sink."""

from __future__ import annotations

from datalake.connect.client import ConnectClient


def test_connect_lists_debezium_mongodb_and_lake_sink_plugins() -> None:
    classes = {plugin["class"] for plugin in ConnectClient().list_plugins()}
    assert {
        "io.debezium.connector.mariadb.MariaDbConnector",
        "io.debezium.connector.mysql.MySqlConnector",
        "com.mongodb.kafka.connect.MongoSourceConnector",
        "io.datalake.connect.lake.LakeSinkConnector",
    } <= classes


def test_worker_is_in_distributed_mode() -> None:
    root = ConnectClient()._request("GET", "/").json()
    assert root["kafka_cluster_id"] and root["version"].startswith("4.")


def test_a_backdated_dead_letter_is_kept_and_read_back() -> None:
    """Connect copies a failed record's timestamp into its dead letter; a replayed day's record is
    months old, and time-based retention deleted such dead letters before reconciliation read them.
    The dead-letter topics the platform creates keep every record and time it by its arrival."""
    import time
    import uuid

    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

    from datalake.connect.client import DEAD_LETTER_TOPIC_CONFIG, ensure_dead_letter_topic
    from datalake.connect.probes import dead_letters
    from datalake.settings import get_settings

    bootstrap = get_settings().kafka_bootstrap
    topic = f"dlq.test-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    try:
        ensure_dead_letter_topic(topic)
        ensure_dead_letter_topic(topic)  # a second set-up only re-applies the config
        producer = Producer({"bootstrap.servers": bootstrap})
        a_year_ago_ms = int((time.time() - 365 * 86400) * 1000)
        headers = {
            "__connect.errors.topic": "t",
            "__connect.errors.partition": "0",
            "__connect.errors.offset": "7",
        }
        producer.produce(topic, value=b"not json", timestamp=a_year_ago_ms, headers=headers)
        producer.flush(30)
        assert dead_letters(topic) == {("t", 0, 7)}
        resource = ConfigResource(ResourceType.TOPIC, topic)
        config = admin.describe_configs([resource])[resource].result(30)
        # Retention never deletes it, and the broker times it by arrival, not by the copied timestamp.
        assert {k: config[k].value for k in DEAD_LETTER_TOPIC_CONFIG} == DEAD_LETTER_TOPIC_CONFIG
    finally:
        admin.delete_topics([topic])[topic].result(30)
