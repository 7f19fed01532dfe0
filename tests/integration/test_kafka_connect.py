"""Kafka Connect (distributed, one worker) lists the CDC source plugins and our lake sink."""

from __future__ import annotations

from datalake.connect import ConnectClient


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
