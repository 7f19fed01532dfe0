"""Kafka Connect (distributed, one worker) lists the CDC source plugins and our lake sink."""

from __future__ import annotations

import requests

from datalake.settings import get_settings


def test_connect_lists_debezium_mongodb_and_lake_sink_plugins() -> None:
    response = requests.get(f"{get_settings().connect_url}/connector-plugins", timeout=10)
    response.raise_for_status()
    classes = {plugin["class"] for plugin in response.json()}
    assert {
        "io.debezium.connector.mariadb.MariaDbConnector",
        "io.debezium.connector.mysql.MySqlConnector",
        "com.mongodb.kafka.connect.MongoSourceConnector",
        "io.datalake.connect.lake.LakeSinkConnector",
    } <= classes


def test_worker_is_in_distributed_mode() -> None:
    root = requests.get(get_settings().connect_url, timeout=10).json()
    assert root["kafka_cluster_id"] and root["version"].startswith("4.")
