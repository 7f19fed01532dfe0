"""Kafka topics the platform creates itself, with their partitions and configs.

Auto-creation would give a topic one partition and the broker's defaults, so producers and the
Connect set-up create theirs explicitly; a topic that exists is brought to the wanted config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from datalake.settings import get_settings


def ensure_topic(
    topic: str, partitions: int = 1, config: Mapping[str, str] | None = None, bootstrap: str = ""
) -> None:
    """Create `topic` if missing; set `config` on it (incrementally) whether or not it was new."""
    from confluent_kafka.admin import (
        AdminClient,
        AlterConfigOpType,
        ConfigEntry,
        ConfigResource,
        NewTopic,
        ResourceType,
    )

    admin = AdminClient({"bootstrap.servers": bootstrap or get_settings().kafka_bootstrap})
    if topic not in admin.list_topics(timeout=10).topics:
        future = admin.create_topics([NewTopic(topic, partitions, 1, config=dict(config or {}))])[topic]
        try:
            future.result(30)
            return
        except Exception as exc:  # created meanwhile by another client: fine, its config is set below
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise
    if config:
        entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in config.items()]
        resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=entries)
        admin.incremental_alter_configs([resource])[resource].result(30)


def delete_topics(topics: Iterable[str], bootstrap: str = "", timeout_s: float = 30) -> None:
    """Delete `topics` and wait until the broker has: a client that returns at once may be gone
    before its request is sent (tests and benchmarks then leave their scratch topics behind).
    Topics that do not exist are fine."""
    from confluent_kafka.admin import AdminClient

    names = list(topics)
    if not names:
        return
    admin = AdminClient({"bootstrap.servers": bootstrap or get_settings().kafka_bootstrap})
    for future in admin.delete_topics(names, operation_timeout=timeout_s).values():
        try:
            future.result(timeout_s)
        except Exception as exc:
            if "UNKNOWN_TOPIC" not in str(exc):
                raise
